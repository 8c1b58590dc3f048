-- Outgoing e-mail: each message is written here in the transaction of the event that causes it
-- (an invitation, a password reset...), and a sender hands it to the SMTP server later, retrying
-- with backoff. A row is `queued` until the server accepts it (`sent`) or every attempt failed
-- (`failed`); the bodies are cleared once it leaves the queue, as they carry one-time links.
CREATE TABLE email_outbox (
    id uuid PRIMARY KEY NOT NULL,
    -- The workspace the message belongs to; NULL for account messages (password reset).
    workspace_id uuid,
    -- invitation, password_reset, password_changed, email_change, email_changed.
    kind text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    text_body text,
    html_body text,
    -- queued, sent, failed.
    status text NOT NULL,
    attempts bigint NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    -- The sender holding the message while it talks to the SMTP server; an expired lease is
    -- taken over (the sender crashed before it could record the outcome).
    lease_owner text,
    lease_until timestamptz,
    last_error text,
    created_at timestamptz NOT NULL,
    sent_at timestamptz
);
-- The sender's claim: queued messages, earliest due first.
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status = 'queued';
-- Pruning sent and failed messages.
CREATE INDEX email_outbox_done ON email_outbox (created_at) WHERE status <> 'queued';
