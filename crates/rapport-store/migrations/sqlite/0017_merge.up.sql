-- Merges and duplicate detection for contacts and companies.

-- A merged record is a tombstone: soft-deleted, with merged_into naming the record that
-- survived, where reads of it redirect. SQLite cannot add a composite foreign key to an existing
-- table: the application only writes a live record of the same workspace here (PostgreSQL has
-- the constraint).
ALTER TABLE contacts ADD COLUMN merged_into BLOB;
ALTER TABLE companies ADD COLUMN merged_into BLOB;
-- The tombstones pointing at a record, pointed further when that record is merged in turn.
CREATE INDEX contacts_merged_into ON contacts (workspace_id, merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX companies_merged_into ON companies (workspace_id, merged_into) WHERE merged_into IS NOT NULL;

-- A company's name without case, accents, punctuation and legal form, and its domain's
-- registrable label, written with every company by the application (existing rows are filled
-- right after this migration): a company's duplicate candidates come from these indexes.
ALTER TABLE companies ADD COLUMN match_name TEXT;
ALTER TABLE companies ADD COLUMN match_domain TEXT;
CREATE INDEX companies_live_match_name ON companies (workspace_id, match_name, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_live_match_domain ON companies (workspace_id, match_domain, id) WHERE deleted_at IS NULL;
