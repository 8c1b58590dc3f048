-- Imports match a lead by its email address whatever its case: an index on the folded address
-- of live leads keeps that lookup off a scan of the workspace's leads.
CREATE INDEX leads_live_email_folded ON leads (workspace_id, lower(email)) WHERE deleted_at IS NULL;
