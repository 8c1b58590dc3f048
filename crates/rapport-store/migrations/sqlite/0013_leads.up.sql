-- Leads: people not yet qualified, scored, and converted into contacts, companies and deals.

CREATE TABLE leads (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    first_name TEXT,
    last_name TEXT,
    company_name TEXT,
    title TEXT,
    email TEXT,
    phone TEXT,
    source TEXT,
    status TEXT NOT NULL,
    disqualified_reason TEXT,
    owner_id BLOB,
    tags TEXT NOT NULL DEFAULT '[]',
    score INTEGER NOT NULL DEFAULT 0,
    converted_at TEXT,
    converted_contact_id BLOB,
    converted_company_id BLOB,
    converted_deal_id BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
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
