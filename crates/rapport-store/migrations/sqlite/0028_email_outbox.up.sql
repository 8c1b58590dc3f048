-- Outgoing e-mail: each message is written here in the transaction of the event that causes it
-- (an invitation, a password reset...), and a sender hands it to the SMTP server later, retrying
-- with backoff. A row is `queued` until the server accepts it (`sent`) or every attempt failed
-- (`failed`); the bodies are cleared once it leaves the queue, as they carry one-time links.
CREATE TABLE email_outbox (
    id BLOB PRIMARY KEY NOT NULL,
    -- The workspace the message belongs to; NULL for account messages (password reset).
    workspace_id BLOB,
    -- invitation, password_reset, password_changed, email_change, email_changed.
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT,
    html_body TEXT,
    -- queued, sent, failed.
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- The sender holding the message while it talks to the SMTP server; an expired lease is
    -- taken over (the sender crashed before it could record the outcome).
    lease_owner TEXT,
    lease_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
-- The sender's claim: queued messages, earliest due first.
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status = 'queued';
-- Pruning sent and failed messages.
CREATE INDEX email_outbox_done ON email_outbox (created_at) WHERE status <> 'queued';
