DROP INDEX companies_live_match_domain;
DROP INDEX companies_live_match_name;
ALTER TABLE companies DROP COLUMN match_domain;
ALTER TABLE companies DROP COLUMN match_name;
DROP INDEX companies_merged_into;
DROP INDEX contacts_merged_into;
ALTER TABLE companies DROP COLUMN merged_into;
ALTER TABLE contacts DROP COLUMN merged_into;
