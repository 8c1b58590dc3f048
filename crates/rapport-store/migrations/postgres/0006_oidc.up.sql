-- OpenID Connect sign-ins in flight: started by one request, finished by the provider's redirect
-- (maybe on another instance). Keyed by the digest of the state parameter; consumed on use.
CREATE TABLE oidc_flows (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    -- Digest of the cookie that binds the flow to the browser that started it.
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    workspace_id uuid,
    expires_at timestamptz NOT NULL
);
