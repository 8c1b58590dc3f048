-- Activities (notes, calls, emails, meetings) with the records each concerns, and what the
-- timelines of those records read.

CREATE TABLE activities (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    kind text NOT NULL,
    subject text,
    body text,
    occurred_at timestamptz NOT NULL,
    direction text,
    duration_seconds bigint,
    outcome text,
    email_from text,
    email_to text NOT NULL DEFAULT '[]',
    ends_at timestamptz,
    attendees text NOT NULL DEFAULT '[]',
    links text NOT NULL DEFAULT '[]',
    owner_id uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
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
    workspace_id uuid NOT NULL,
    activity_id uuid NOT NULL,
    object_type text NOT NULL,
    record_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, activity_id, object_type, record_id),
    FOREIGN KEY (workspace_id, activity_id) REFERENCES activities (workspace_id, id)
);
CREATE INDEX activity_links_record ON activity_links (workspace_id, object_type, record_id, occurred_at, activity_id);

-- A record's changes on its timeline.
CREATE INDEX audit_log_object ON audit_log (workspace_id, object_type, object_id, seq);
