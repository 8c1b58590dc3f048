-- Signed checkpoints of pruned audit chains. When a chain's entries up to `seq` are removed for
-- retention, a checkpoint keeps the hash of entry `seq` (the first remaining entry's `prev_hash`),
-- how many entries went and the cutoff they were older than. `signature` is an HMAC-SHA256 with
-- `security.secret_key`, so a checkpoint cannot be forged without the key.
CREATE TABLE audit_checkpoints (
    workspace_id uuid NOT NULL,
    seq bigint NOT NULL,
    hash text NOT NULL,
    pruned_before timestamptz NOT NULL,
    entries bigint NOT NULL,
    created_at timestamptz NOT NULL,
    signature text NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
