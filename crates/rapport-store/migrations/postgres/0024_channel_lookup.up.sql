-- The email and phone lookup index also carries the contact id, so it covers the lookup: on a
-- fresh database, before statistics exist, SQLite otherwise prefers the covering primary key
-- with only workspace_id as its range, and every lookup scans the workspace's channels (an
-- import got slower with every row it added).
DROP INDEX contact_channels_lookup;
CREATE INDEX contact_channels_lookup ON contact_channels (workspace_id, kind, value, contact_id);
