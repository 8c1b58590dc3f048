-- Tasks: something to do for a member, by a date, often about another record.

CREATE TABLE tasks (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    title text COLLATE "C" NOT NULL,
    description text,
    due_at timestamptz,
    -- due_at, or a far-future stand-in when there is none: keyset sorting needs NOT NULL, and
    -- tasks without a due date come last when sorted by it.
    due_sort timestamptz NOT NULL,
    priority text NOT NULL,
    -- low 1, normal 2, high 3: sorting by priority orders by urgency, not by name.
    priority_rank bigint NOT NULL,
    status text NOT NULL,
    assignee_id uuid,
    -- The linked record: an object's API name and an id (any object, so no foreign key; the
    -- application checks it exists in the workspace).
    record_type text,
    record_id uuid,
    tags text NOT NULL DEFAULT '[]',
    completed_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX tasks_live_created ON tasks (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_live_updated ON tasks (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_live_title ON tasks (workspace_id, title, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_live_due ON tasks (workspace_id, due_sort, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_live_priority ON tasks (workspace_id, priority_rank, id) WHERE deleted_at IS NULL;
-- "My open tasks due this week": one member's tasks by status and due time.
CREATE INDEX tasks_live_assignee ON tasks (workspace_id, assignee_id, status, due_at) WHERE deleted_at IS NULL;
-- A record's tasks.
CREATE INDEX tasks_record ON tasks (workspace_id, record_type, record_id, created_at, id);
