-- Associations between records of any two objects, with an optional label (a deal's contacts
-- as decision maker, champion...). Each association is stored from both ends, so either
-- record's associations are one index range.

CREATE TABLE associations (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    from_type text NOT NULL,
    from_id uuid NOT NULL,
    to_type text NOT NULL,
    to_id uuid NOT NULL,
    label text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, from_type, from_id, to_type, to_id)
);
