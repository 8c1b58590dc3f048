-- Documents: metadata of files attached to records. The bytes are files named by their SHA-256
-- under the data folder (<documents dir>/<workspace>/<sha256>), shared by every row with the
-- same content.

CREATE TABLE documents (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    -- The record it is attached to: an object's API name and an id (several objects, so no
    -- foreign key; the application checks it exists in the workspace).
    record_type text NOT NULL,
    record_id uuid NOT NULL,
    name text COLLATE "C" NOT NULL,
    size bigint NOT NULL,
    content_type text NOT NULL,
    sha256 text NOT NULL,
    uploaded_by uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX documents_live_created ON documents (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX documents_live_updated ON documents (workspace_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX documents_live_name ON documents (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX documents_live_size ON documents (workspace_id, size, id) WHERE deleted_at IS NULL;
-- A record's documents.
CREATE INDEX documents_record ON documents (workspace_id, record_type, record_id, created_at, id);
-- Whether any live row still uses a file (a future cleanup job).
CREATE INDEX documents_sha256 ON documents (workspace_id, sha256) WHERE deleted_at IS NULL;
CREATE INDEX documents_uploader ON documents (workspace_id, uploaded_by);
