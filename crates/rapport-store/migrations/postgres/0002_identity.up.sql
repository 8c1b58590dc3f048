-- Identity and audit: users and their memberships in workspaces, browser sessions, API tokens,
-- one-time links (first-run setup, invitations), and the hash-chained audit log.
-- Secrets (session ids, tokens, link tokens) are stored only as SHA-256 digests (hex).

CREATE UNIQUE INDEX workspaces_name_key ON workspaces (name);

CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    -- The address lower-cased: one account per address whatever its spelling.
    email_key text NOT NULL UNIQUE,
    display_name text NOT NULL DEFAULT '',
    password_hash text,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE memberships (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    user_id uuid NOT NULL REFERENCES users (id),
    role text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
    id_hash text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    reauthenticated_at timestamptz NOT NULL,
    ip text,
    user_agent text
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id),
    name text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    scopes text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- First-run setup links and invitations: random tokens, expiring, used once.
CREATE TABLE one_time_links (
    token_hash text PRIMARY KEY,
    purpose text NOT NULL,
    workspace_id uuid REFERENCES workspaces (id),
    role text,
    email text,
    created_by uuid,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);

-- The audit log: one chain per workspace (the nil id holds instance-wide events such as a failed
-- login for an unknown address). Each entry stores the previous entry's hash; `audit_heads` holds
-- the chain's tip so appends serialise per workspace.
CREATE TABLE audit_log (
    workspace_id uuid NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    actor_kind text NOT NULL,
    actor_id text,
    action text NOT NULL,
    object_type text,
    object_id text,
    request_id text,
    ip text,
    user_agent text,
    details text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX audit_log_at ON audit_log (workspace_id, at);

CREATE TABLE audit_heads (
    workspace_id uuid PRIMARY KEY,
    seq bigint NOT NULL,
    hash text NOT NULL
);
