-- Support cases, numbered per workspace from a counter kept in the same transaction as the insert.

-- Per-workspace counters (a case's number): one row per workspace and counter.
CREATE TABLE sequences (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

CREATE TABLE cases (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    number INTEGER NOT NULL,
    subject TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    -- The priority's place in urgency order (low 0 .. urgent 3): what sort=priority orders by.
    priority_rank INTEGER NOT NULL,
    contact_id BLOB,
    company_id BLOB,
    assignee_id BLOB,
    tags TEXT NOT NULL DEFAULT '[]',
    sla_due_at TEXT NOT NULL,
    first_response_at TEXT,
    resolved_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT cases_contact_fkey FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id),
    CONSTRAINT cases_company_fkey FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id)
);
-- Numbers are never reused, deleted cases included.
CREATE UNIQUE INDEX cases_workspace_number_key ON cases (workspace_id, number);
CREATE INDEX cases_live_number ON cases (workspace_id, number, id) WHERE deleted_at IS NULL;
CREATE INDEX cases_live_created ON cases (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX cases_live_updated ON cases (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX cases_live_sla_due ON cases (workspace_id, sla_due_at, id) WHERE deleted_at IS NULL;
CREATE INDEX cases_live_priority ON cases (workspace_id, priority_rank, id) WHERE deleted_at IS NULL;
CREATE INDEX cases_contact ON cases (workspace_id, contact_id);
CREATE INDEX cases_company ON cases (workspace_id, company_id);
CREATE INDEX cases_assignee ON cases (workspace_id, assignee_id);
