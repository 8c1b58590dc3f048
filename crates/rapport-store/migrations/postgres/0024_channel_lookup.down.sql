DROP INDEX contact_channels_lookup;
CREATE INDEX contact_channels_lookup ON contact_channels (workspace_id, kind, value);
