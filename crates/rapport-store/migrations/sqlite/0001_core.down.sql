DROP TABLE idempotency_keys;
DROP TABLE search_fts;
DROP TABLE search_docs;
DROP TABLE contact_channels;
DROP TABLE contacts;
DROP TABLE companies;
DROP TABLE workspaces;
