DROP INDEX activities_report;
CREATE INDEX activities_report ON activities (workspace_id, occurred_at, owner_id, kind) WHERE deleted_at IS NULL;
