-- CSV imports: one row per uploaded file, carrying its progress so a restarted (or another)
-- instance resumes after the last committed chunk. The file itself lives on disk
-- (<imports dir>/<workspace>/<id>.csv), its error report beside it (<id>.errors.csv).

CREATE TABLE imports (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    -- The object imported into (`contacts`, `companies`).
    object text NOT NULL,
    -- uploaded, queued, running, completed, failed, cancelled.
    status text NOT NULL,
    -- The header row's names, as a JSON array.
    columns text NOT NULL,
    -- Column name -> target field, as a JSON object; set when the import starts.
    mapping text,
    size bigint NOT NULL,
    rows_total bigint NOT NULL,
    rows_done bigint NOT NULL DEFAULT 0,
    rows_failed bigint NOT NULL DEFAULT 0,
    created bigint NOT NULL DEFAULT 0,
    updated bigint NOT NULL DEFAULT 0,
    unchanged bigint NOT NULL DEFAULT 0,
    -- Where the next unread data row starts in the file, and the length of the error report
    -- that goes with it (committed together, so a resume truncates a half-written report).
    byte_offset bigint NOT NULL,
    errors_bytes bigint NOT NULL DEFAULT 0,
    -- Why the import failed as a whole (not a row's problem).
    failure text,
    created_by uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    cancel_requested_at timestamptz,
    -- The runner holding the job, until when; an expired lease is taken over.
    lease_owner text,
    lease_until timestamptz,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX imports_list ON imports (workspace_id, created_at, id);
-- The runner's claim: queued or running jobs, oldest lease first.
CREATE INDEX imports_claim ON imports (status, lease_until) WHERE status IN ('queued', 'running');
