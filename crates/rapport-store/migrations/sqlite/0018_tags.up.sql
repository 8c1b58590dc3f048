-- The workspace's tag vocabulary: every tag a record carries has a row, added in the transaction
-- that writes the record (existing tags are collected right after this migration). name_key is
-- the name lower-cased as records compare tags (all of Unicode, which SQLite's lower() is not):
-- what makes a tag unique in its workspace and what lookups use.
CREATE TABLE tags (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    name_key TEXT NOT NULL,
    name TEXT NOT NULL,
    color TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, name_key)
);
