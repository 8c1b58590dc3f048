-- Core schema: workspaces, companies, contacts, search, idempotency keys.
-- Sortable text columns use the "C" collation so both backends order text the same way (bytewise),
-- and are NOT NULL with '' for "absent" so keyset pagination needs no NULL logic.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE workspaces (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE companies (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    name text COLLATE "C" NOT NULL,
    domain text COLLATE "C",
    industry text COLLATE "C",
    employee_count bigint,
    annual_revenue_amount bigint,
    annual_revenue_currency text,
    address_street text COLLATE "C",
    address_city text COLLATE "C",
    address_region text COLLATE "C",
    address_postal_code text COLLATE "C",
    address_country text,
    owner_id uuid,
    tags text NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX companies_workspace_domain_key ON companies (workspace_id, domain)
    WHERE deleted_at IS NULL AND domain IS NOT NULL;
CREATE INDEX companies_live_created ON companies (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_live_updated ON companies (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_live_name ON companies (workspace_id, name, id) WHERE deleted_at IS NULL;

CREATE TABLE contacts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    first_name text COLLATE "C" NOT NULL DEFAULT '',
    last_name text COLLATE "C" NOT NULL DEFAULT '',
    email text COLLATE "C" NOT NULL DEFAULT '',
    emails text NOT NULL DEFAULT '[]',
    phones text NOT NULL DEFAULT '[]',
    title text COLLATE "C",
    company_id uuid,
    address_street text COLLATE "C",
    address_city text COLLATE "C",
    address_region text COLLATE "C",
    address_postal_code text COLLATE "C",
    address_country text,
    lifecycle_stage text,
    owner_id uuid,
    tags text NOT NULL DEFAULT '[]',
    notes text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT contacts_company_fkey FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id)
);
CREATE INDEX contacts_live_created ON contacts (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_live_updated ON contacts (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_live_first_name ON contacts (workspace_id, first_name, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_live_last_name ON contacts (workspace_id, last_name, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_live_email ON contacts (workspace_id, email, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_live_stage ON contacts (workspace_id, lifecycle_stage, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_company ON contacts (workspace_id, company_id);

CREATE TABLE contact_channels (
    workspace_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    kind text NOT NULL,
    value text COLLATE "C" NOT NULL,
    PRIMARY KEY (workspace_id, contact_id, kind, value),
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_channels_lookup ON contact_channels (workspace_id, kind, value);

CREATE TABLE search_docs (
    workspace_id uuid NOT NULL,
    object_type text NOT NULL,
    object_id uuid NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')
    ) STORED,
    PRIMARY KEY (workspace_id, object_type, object_id)
);
CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv);
CREATE INDEX search_docs_title_trgm ON search_docs USING gin (title gin_trgm_ops);

CREATE TABLE idempotency_keys (
    workspace_id uuid NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer,
    headers text,
    body bytea,
    created_at timestamptz NOT NULL,
    locked_until timestamptz,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
