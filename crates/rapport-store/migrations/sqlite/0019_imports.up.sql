-- CSV imports: one row per uploaded file, carrying its progress so a restarted (or another)
-- instance resumes after the last committed chunk. The file itself lives on disk
-- (<imports dir>/<workspace>/<id>.csv), its error report beside it (<id>.errors.csv).

CREATE TABLE imports (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    id BLOB NOT NULL,
    -- The object imported into (`contacts`, `companies`).
    object TEXT NOT NULL,
    -- uploaded, queued, running, completed, failed, cancelled.
    status TEXT NOT NULL,
    -- The header row's names, as a JSON array.
    columns TEXT NOT NULL,
    -- Column name -> target field, as a JSON object; set when the import starts.
    mapping TEXT,
    size INTEGER NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_done INTEGER NOT NULL DEFAULT 0,
    rows_failed INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    -- Where the next unread data row starts in the file, and the length of the error report
    -- that goes with it (committed together, so a resume truncates a half-written report).
    byte_offset INTEGER NOT NULL,
    errors_bytes INTEGER NOT NULL DEFAULT 0,
    -- Why the import failed as a whole (not a row's problem).
    failure TEXT,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    cancel_requested_at TEXT,
    -- The runner holding the job, until when; an expired lease is taken over.
    lease_owner TEXT,
    lease_until TEXT,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX imports_list ON imports (workspace_id, created_at, id);
-- The runner's claim: queued or running jobs, oldest lease first.
CREATE INDEX imports_claim ON imports (status, lease_until) WHERE status IN ('queued', 'running');
