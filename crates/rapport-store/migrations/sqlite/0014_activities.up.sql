-- Activities (notes, calls, emails, meetings) with the records each concerns, and what the
-- timelines of those records read.

CREATE TABLE activities (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT,
    body TEXT,
    occurred_at TEXT NOT NULL,
    direction TEXT,
    duration_seconds INTEGER,
    outcome TEXT,
    email_from TEXT,
    email_to TEXT NOT NULL DEFAULT '[]',
    ends_at TEXT,
    attendees TEXT NOT NULL DEFAULT '[]',
    links TEXT NOT NULL DEFAULT '[]',
    owner_id BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX activities_live_created ON activities (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_live_updated ON activities (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_live_occurred ON activities (workspace_id, occurred_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_owner ON activities (workspace_id, owner_id, occurred_at);
-- The activities report reads this alone (index-only).
CREATE INDEX activities_report ON activities (workspace_id, occurred_at, owner_id, kind) WHERE deleted_at IS NULL;

-- One row per record an activity concerns: a record's timeline reads its rows newest first.
CREATE TABLE activity_links (
    workspace_id BLOB NOT NULL,
    activity_id BLOB NOT NULL,
    object_type TEXT NOT NULL,
    record_id BLOB NOT NULL,
    occurred_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, activity_id, object_type, record_id),
    FOREIGN KEY (workspace_id, activity_id) REFERENCES activities (workspace_id, id)
);
CREATE INDEX activity_links_record ON activity_links (workspace_id, object_type, record_id, occurred_at, activity_id);

-- A record's changes on its timeline.
CREATE INDEX audit_log_object ON audit_log (workspace_id, object_type, object_id, seq);
