-- Custom fields: a workspace's own fields on an object. Definitions live in custom_fields; each
-- record keeps its values as one JSON object in its `custom` column. A field marked filterable
-- gets an expression index on its value (created by the application, named
-- custom_<table>_<key>, shared by every workspace using that key on that object).

CREATE TABLE custom_fields (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    object text NOT NULL,
    key text COLLATE "C" NOT NULL,
    label text COLLATE "C" NOT NULL,
    type text NOT NULL,
    description text,
    options text NOT NULL DEFAULT '[]',
    target text,
    required boolean NOT NULL DEFAULT false,
    is_unique boolean NOT NULL DEFAULT false,
    filterable boolean NOT NULL DEFAULT false,
    position bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX custom_fields_workspace_key ON custom_fields (workspace_id, object, key) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_position ON custom_fields (workspace_id, position, id) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_key ON custom_fields (workspace_id, key, id) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_label ON custom_fields (workspace_id, label, id) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_created ON custom_fields (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_live_updated ON custom_fields (workspace_id, updated_at, id) WHERE deleted_at IS NULL;

ALTER TABLE contacts ADD COLUMN custom text NOT NULL DEFAULT '{}';
ALTER TABLE companies ADD COLUMN custom text NOT NULL DEFAULT '{}';
ALTER TABLE deals ADD COLUMN custom text NOT NULL DEFAULT '{}';
ALTER TABLE leads ADD COLUMN custom text NOT NULL DEFAULT '{}';
ALTER TABLE activities ADD COLUMN custom text NOT NULL DEFAULT '{}';
ALTER TABLE tasks ADD COLUMN custom text NOT NULL DEFAULT '{}';
ALTER TABLE appointments ADD COLUMN custom text NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN custom text NOT NULL DEFAULT '{}';
ALTER TABLE campaigns ADD COLUMN custom text NOT NULL DEFAULT '{}';
ALTER TABLE projects ADD COLUMN custom text NOT NULL DEFAULT '{}';
