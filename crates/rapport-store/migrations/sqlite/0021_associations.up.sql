-- Associations between records of any two objects, with an optional label (a deal's contacts
-- as decision maker, champion...). Each association is stored from both ends, so either
-- record's associations are one index range.

CREATE TABLE associations (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    from_type TEXT NOT NULL,
    from_id BLOB NOT NULL,
    to_type TEXT NOT NULL,
    to_id BLOB NOT NULL,
    label TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, from_type, from_id, to_type, to_id)
);
