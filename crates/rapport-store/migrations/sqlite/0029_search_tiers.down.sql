CREATE VIRTUAL TABLE search_fts_prev USING fts5 (
    title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
);
INSERT INTO search_fts_prev (rowid, title, body) SELECT rowid, title, body FROM search_fts;
DROP TABLE search_fts;
ALTER TABLE search_fts_prev RENAME TO search_fts;
