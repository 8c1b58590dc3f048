-- Custom fields: a workspace's own fields on an object. Definitions live in custom_fields; each
-- record keeps its values as one JSON object in its `custom` column. A field marked filterable
-- gets an expression index on its value (created by the application, named
-- custom_<table>_<key>, shared by every workspace using that key on that object).

CREATE TABLE custom_fields (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    object TEXT NOT NULL,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    type TEXT NOT NULL,
    description TEXT,
    options TEXT NOT NULL DEFAULT '[]',
    target TEXT,
    required INTEGER NOT NULL DEFAULT 0,
    is_unique INTEGER NOT NULL DEFAULT 0,
    filterable INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX custom_fields_workspace_key ON custom_fields (workspace_id, object, key) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_position ON custom_fields (workspace_id, position, id) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_key ON custom_fields (workspace_id, key, id) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_label ON custom_fields (workspace_id, label, id) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_created ON custom_fields (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_updated ON custom_fields (workspace_id, updated_at, id) WHERE deleted_at IS NULL;

ALTER TABLE contacts ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE companies ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE deals ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE leads ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE activities ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tasks ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE appointments ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE campaigns ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE projects ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
