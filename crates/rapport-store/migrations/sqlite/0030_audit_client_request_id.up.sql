-- The caller's own X-Request-Id, kept beside the server's: a caller that reuses one no longer
-- makes two entries share a request id.
ALTER TABLE audit_log ADD COLUMN client_request_id TEXT;
