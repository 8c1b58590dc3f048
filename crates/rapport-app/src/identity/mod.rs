//! Identity: who a caller is. Users and memberships, passwords, login throttling, browser
//! sessions, API tokens, the first-run setup link, invitations, password resets and address
//! changes. Each credential is a random secret shown once and stored only as its SHA-256, so a
//! database leak yields nothing usable.

pub mod members;
pub mod mfa;
pub mod oidc;
pub mod passkeys;
pub mod passwords;
pub mod recovery;
pub mod roles;
pub mod sessions;
pub mod setup;
pub mod teams;
pub mod throttle;
pub mod tokens;
pub mod users;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::policy::{Principal, Role, Scopes};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ctx::{Actor, Client, Ctx};
use crate::error::AppError;

/// A fresh secret: 256 random bits, base64url without padding (43 characters).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored in place of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The object names token scopes may be limited to.
pub const SCOPED_OBJECTS: &[&str] = rapport_domain::schema::RECORD_OBJECTS;

/// A caller whose credentials checked out.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The user.
    pub user_id: UserId,
    /// The workspace the credential is bound to.
    pub workspace_id: WorkspaceId,
    /// Role and scopes.
    pub principal: Principal,
    /// The API token, when not a session.
    pub token_id: Option<Uuid>,
    /// The session's CSRF token, when a session.
    pub csrf_token: Option<String>,
    /// The workspace requires a second factor the user has not set up: only the routes that set
    /// one up are open to them.
    pub mfa_missing: bool,
}

impl Authenticated {
    /// The request context of this caller.
    pub fn ctx(&self, request_id: String, client: Client) -> Ctx {
        Ctx {
            workspace_id: self.workspace_id,
            actor: Actor::User {
                id: self.user_id,
                token: self.token_id,
            },
            principal: self.principal.clone(),
            request_id,
            client,
        }
    }
}

/// The principal of a membership's role: a built-in role, or the workspace's custom role of
/// that name (ranked as `member`).
pub(crate) async fn principal_for(
    app: &crate::app::App,
    ws: WorkspaceId,
    role: &str,
    scopes: Scopes,
) -> Result<Principal, AppError> {
    if let Some(builtin) = Role::parse(role) {
        return Ok(Principal::builtin(builtin, scopes));
    }
    let custom = roles::load(app, ws, role)
        .await?
        .ok_or_else(|| AppError::Internal(format!("membership names unknown role {role}")))?;
    Ok(Principal {
        role: Role::Member,
        custom: Some(std::sync::Arc::new(custom)),
        scopes,
    })
}

/// Stored scopes, or an internal error.
fn stored_scopes(s: &str) -> Result<Scopes, AppError> {
    Scopes::parse(s, SCOPED_OBJECTS).map_err(|e| AppError::Internal(format!("stored scopes: {e}")))
}

/// The one answer to every failed credential: it never says which part was wrong.
pub fn unauthenticated() -> AppError {
    AppError::Unauthenticated("missing, invalid or expired credentials".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_256_bits_and_differ() {
        let a = random_secret();
        let b = random_secret();
        assert_eq!(a.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, b);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }
}
