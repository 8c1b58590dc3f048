-- Leads: people not yet qualified, scored, and converted into contacts, companies and deals.

CREATE TABLE leads (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    first_name text COLLATE "C",
    last_name text COLLATE "C",
    company_name text COLLATE "C",
    title text,
    email text,
    phone text,
    source text,
    status text NOT NULL,
    disqualified_reason text,
    owner_id uuid,
    tags text NOT NULL DEFAULT '[]',
    score bigint NOT NULL DEFAULT 0,
    converted_at timestamptz,
    converted_contact_id uuid,
    converted_company_id uuid,
    converted_deal_id uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, converted_contact_id) REFERENCES contacts (workspace_id, id),
    FOREIGN KEY (workspace_id, converted_company_id) REFERENCES companies (workspace_id, id),
    FOREIGN KEY (workspace_id, converted_deal_id) REFERENCES deals (workspace_id, id)
);
CREATE INDEX leads_live_created ON leads (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_live_updated ON leads (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_live_score ON leads (workspace_id, score, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_status ON leads (workspace_id, status);
CREATE INDEX leads_email ON leads (workspace_id, email);
CREATE INDEX leads_owner ON leads (workspace_id, owner_id);
