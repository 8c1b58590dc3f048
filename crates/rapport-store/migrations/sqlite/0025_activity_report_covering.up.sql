-- The activities report counts the partial days at the ends of a rolling period (the last 30
-- days from now) from the activities themselves. activities_report did not hold deleted_at, so
-- SQLite could not answer that count from the index alone, planned it on activities_live_occurred
-- instead and read every activity of the day from the table: 28 ms warm, 460 ms cold at two
-- million activities, against 11 ms from this index. deleted_at is always NULL here; it is in the
-- index only so that the index covers the query.
DROP INDEX activities_report;
CREATE INDEX activities_report ON activities (workspace_id, occurred_at, owner_id, kind, deleted_at) WHERE deleted_at IS NULL;
