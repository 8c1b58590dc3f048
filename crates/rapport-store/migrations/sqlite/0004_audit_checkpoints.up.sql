-- Signed checkpoints of pruned audit chains. When a chain's entries up to `seq` are removed for
-- retention, a checkpoint keeps the hash of entry `seq` (the first remaining entry's `prev_hash`),
-- how many entries went and the cutoff they were older than. `signature` is an HMAC-SHA256 with
-- `security.secret_key`, so a checkpoint cannot be forged without the key.
CREATE TABLE audit_checkpoints (
    workspace_id BLOB NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    pruned_before TEXT NOT NULL,
    entries INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
