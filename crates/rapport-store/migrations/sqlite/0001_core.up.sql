-- Core schema: workspaces, companies, contacts, search, idempotency keys.
-- Timestamps are RFC 3339 UTC text (sortable as text); ids are 16-byte blobs.
-- Sortable text columns are NOT NULL with '' for "absent" so keyset pagination needs no NULL logic.

CREATE TABLE workspaces (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE companies (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    name TEXT NOT NULL,
    domain TEXT,
    industry TEXT,
    employee_count INTEGER,
    annual_revenue_amount INTEGER,
    annual_revenue_currency TEXT,
    address_street TEXT,
    address_city TEXT,
    address_region TEXT,
    address_postal_code TEXT,
    address_country TEXT,
    owner_id BLOB,
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX companies_workspace_domain_key ON companies (workspace_id, domain)
    WHERE deleted_at IS NULL AND domain IS NOT NULL;
CREATE INDEX companies_live_created ON companies (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_live_updated ON companies (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_live_name ON companies (workspace_id, name, id) WHERE deleted_at IS NULL;

CREATE TABLE contacts (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    emails TEXT NOT NULL DEFAULT '[]',
    phones TEXT NOT NULL DEFAULT '[]',
    title TEXT,
    company_id BLOB,
    address_street TEXT,
    address_city TEXT,
    address_region TEXT,
    address_postal_code TEXT,
    address_country TEXT,
    lifecycle_stage TEXT,
    owner_id BLOB,
    tags TEXT NOT NULL DEFAULT '[]',
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
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

-- Every email address (lower-cased) and phone number (E.164) of a contact, for exact lookups.
CREATE TABLE contact_channels (
    workspace_id BLOB NOT NULL,
    contact_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (workspace_id, contact_id, kind, value),
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_channels_lookup ON contact_channels (workspace_id, kind, value);

-- Full-text search: one document per live record, written in the same transaction as the record.
CREATE TABLE search_docs (
    doc_id INTEGER PRIMARY KEY,
    workspace_id BLOB NOT NULL,
    object_type TEXT NOT NULL,
    object_id BLOB NOT NULL,
    UNIQUE (workspace_id, object_type, object_id)
);
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
);

-- Idempotency-Key records: the first response to a keyed POST, replayed for 24 hours.
CREATE TABLE idempotency_keys (
    workspace_id BLOB NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    headers TEXT,
    body BLOB,
    created_at TEXT NOT NULL,
    locked_until TEXT,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
