DROP INDEX audit_log_object;
DROP TABLE activity_links;
DROP TABLE activities;
