-- The ids other systems know records by: batch upserts match on them, so a re-import from
-- another system never duplicates a record.

CREATE TABLE external_ids (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    object_type text NOT NULL,
    external_id text NOT NULL,
    record_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, object_type, external_id)
);
CREATE INDEX external_ids_record ON external_ids (workspace_id, object_type, record_id);
