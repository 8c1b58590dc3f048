-- Search filters on the workspace and matches words. With the workspace outside the text
-- indexes, the planner could only read the workspace's whole slice of the primary key and test
-- every document (tens of milliseconds at ten thousand contacts, more as a workspace grows), or
-- the text index across all workspaces. btree_gin puts the workspace inside both text indexes,
-- so one bitmap scan finds a workspace's matches and nothing else.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX search_docs_tsv;
DROP INDEX search_docs_title_trgm;
CREATE INDEX search_docs_tsv ON search_docs USING gin (workspace_id, tsv);
CREATE INDEX search_docs_title_trgm ON search_docs USING gin (workspace_id, title gin_trgm_ops);
