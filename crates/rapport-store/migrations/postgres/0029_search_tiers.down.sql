DROP INDEX search_docs_recent;
DROP INDEX search_docs_tsv;
CREATE INDEX search_docs_tsv ON search_docs USING gin (workspace_id, tsv);
CREATE INDEX search_docs_title_trgm ON search_docs USING gin (workspace_id, title gin_trgm_ops);
