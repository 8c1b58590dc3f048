DROP TABLE audit_heads;
DROP TABLE audit_log;
DROP TABLE one_time_links;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE memberships;
DROP TABLE users;
DROP INDEX workspaces_name_key;
