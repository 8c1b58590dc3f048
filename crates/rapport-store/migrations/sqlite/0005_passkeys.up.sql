-- Passkeys (WebAuthn credentials) and the state of registration and login ceremonies in flight,
-- kept in the database so any instance can finish a ceremony another one started.
CREATE TABLE passkeys (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- base64url of the credential id, unique across the instance.
    credential_id TEXT NOT NULL UNIQUE,
    -- The credential as webauthn-rs serialises it (public key, counter, flags).
    passkey TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

CREATE TABLE webauthn_ceremonies (
    id_hash TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT,
    state TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
