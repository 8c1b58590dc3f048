-- Pruned chains no longer verify without their checkpoints: `rapport audit verify` then reports
-- their first entries as missing.
DROP TABLE audit_checkpoints;
