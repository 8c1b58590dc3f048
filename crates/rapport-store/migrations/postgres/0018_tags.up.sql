-- The workspace's tag vocabulary: every tag a record carries has a row, added in the transaction
-- that writes the record (existing tags are collected right after this migration). name_key is
-- the name lower-cased as records compare tags (by the application, whatever the database's
-- locale): what makes a tag unique in its workspace and what lookups use.
CREATE TABLE tags (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    name_key text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    color text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, name_key)
);
