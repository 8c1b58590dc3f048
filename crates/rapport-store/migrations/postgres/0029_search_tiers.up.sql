-- Search reads tiers in the order of the newest records and stops at the limit, as on SQLite.
-- The ordered index lets the planner walk a workspace's documents newest first, testing each
-- against the stored tsvector, when a word is common (a surname, one letter: twenty matches come
-- within a few hundred documents); the full-text index answers rare words. The workspace leaves
-- the full-text index again: inside it, every multi-word query intersected the workspace's whole
-- posting list. Trigram typo matching goes: its cost grew with every document sharing a trigram
-- with the query (80 to 200 ms for a misspelt surname at a million contacts), and both backends
-- now match the same way.
-- Without fastupdate: a GIN index otherwise queues new entries in a pending list that every
-- search reads in full until vacuum merges it (1.5 ms a lookup after an import, 15 times the
-- lookup itself). Each write then updates the index in place, a cost search latency does not pay.
DROP INDEX search_docs_tsv;
DROP INDEX search_docs_title_trgm;
CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv) WITH (fastupdate = off);
CREATE INDEX search_docs_recent ON search_docs (workspace_id, object_id DESC);
