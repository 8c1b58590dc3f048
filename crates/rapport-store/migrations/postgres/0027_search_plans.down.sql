DROP INDEX search_docs_tsv;
DROP INDEX search_docs_title_trgm;
CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv);
CREATE INDEX search_docs_title_trgm ON search_docs USING gin (title gin_trgm_ops);
