-- Tasks: something to do for a member, by a date, often about another record.

CREATE TABLE tasks (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    due_at TEXT,
    -- due_at, or a far-future stand-in when there is none: keyset sorting needs NOT NULL, and
    -- tasks without a due date come last when sorted by it.
    due_sort TEXT NOT NULL,
    priority TEXT NOT NULL,
    -- low 1, normal 2, high 3: sorting by priority orders by urgency, not by name.
    priority_rank INTEGER NOT NULL,
    status TEXT NOT NULL,
    assignee_id BLOB,
    -- The linked record: an object's API name and an id (any object, so no foreign key; the
    -- application checks it exists in the workspace).
    record_type TEXT,
    record_id BLOB,
    tags TEXT NOT NULL DEFAULT '[]',
    completed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
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
