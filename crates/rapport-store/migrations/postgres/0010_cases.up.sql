-- Support cases, numbered per workspace from a counter kept in the same transaction as the insert.

-- Per-workspace counters (a case's number): one row per workspace and counter.
CREATE TABLE sequences (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    name text NOT NULL,
    last_value bigint NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

CREATE TABLE cases (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    number bigint NOT NULL,
    subject text COLLATE "C" NOT NULL,
    description text,
    status text NOT NULL,
    priority text NOT NULL,
    -- The priority's place in urgency order (low 0 .. urgent 3): what sort=priority orders by.
    priority_rank bigint NOT NULL,
    contact_id uuid,
    company_id uuid,
    assignee_id uuid,
    tags text NOT NULL DEFAULT '[]',
    sla_due_at timestamptz NOT NULL,
    first_response_at timestamptz,
    resolved_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
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
