//! Personal API tokens: `rpt_` + 256 random bits, shown once, stored as SHA-256, bound to one
//! user and one workspace, limited by scopes and an optional expiry, revocable.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::policy::{Action, Resource, Scopes};
use rapport_domain::validation::FieldError;
use rapport_store::tokens::{self, NewToken, TokenRow};
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::identity::{
    Authenticated, SCOPED_OBJECTS, principal_for, random_secret, secret_hash, stored_scopes,
    unauthenticated,
};
use crate::policy::authorize;

/// What every token starts with (so secret scanners can find leaked ones).
pub const PREFIX: &str = "rpt_";

/// Longest token name.
const MAX_NAME: usize = 100;

/// How stale `last_used_at` may get before a use rewrites it: one write a minute per token, not
/// one per request.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// A token to create.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// A name for the owner to recognise it by.
    pub name: String,
    /// Comma-separated scopes, e.g. `read,write` or `contacts:read`.
    pub scopes: String,
    /// Lifetime; none for a token that lasts until revoked.
    pub expires_in: Option<Duration>,
}

/// A new token: its record and the secret, shown this once.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The stored record.
    pub token: TokenRow,
    /// `rpt_...`.
    pub secret: String,
}

fn invalid(pointer: &str, code: &str, message: String) -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: pointer.into(),
        code: code.into(),
        message,
    }])
}

/// Parses `30d`, `12h`, `90m` or a number of seconds.
pub fn parse_lifetime(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 's'),
    };
    let n: u64 = digits.parse().ok()?;
    let secs = match unit {
        's' => n,
        'm' => n.checked_mul(60)?,
        'h' => n.checked_mul(3600)?,
        'd' => n.checked_mul(86_400)?,
        _ => return None,
    };
    (secs > 0 && secs <= 10 * 366 * 86_400).then(|| Duration::from_secs(secs))
}

/// Issues a token for `user` in `ws`, recording it as done by `ctx`. A caller may not hand a
/// token more than its own scopes.
pub async fn issue(
    app: &App,
    ctx: &Ctx,
    user: UserId,
    ws: WorkspaceId,
    req: &TokenRequest,
) -> Result<Issued, AppError> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(invalid(
            "/name",
            "invalid_format",
            format!("a token name has 1 to {MAX_NAME} characters"),
        ));
    }
    let scopes = Scopes::parse(&req.scopes, SCOPED_OBJECTS)
        .map_err(|m| invalid("/scopes", "invalid_scope", m))?;
    if let Some(beyond) = scopes.beyond(&ctx.principal.scopes) {
        return Err(AppError::Forbidden(format!(
            "you cannot grant the scope {beyond}, which you do not hold"
        )));
    }
    let now = Utc::now();
    let expires_at = match req.expires_in {
        Some(d) => Some(
            now + chrono::TimeDelta::from_std(d)
                .map_err(|_| invalid("/expires_in", "out_of_range", "too long".into()))?,
        ),
        None => None,
    };
    let secret = format!("{PREFIX}{}", random_secret());
    let id = Uuid::now_v7();
    let scope_text = scopes.names().join(",");
    let mut tx = app.db.begin().await?;
    tokens::insert(
        &mut tx,
        &NewToken {
            id,
            workspace_id: ws,
            user_id: user,
            name,
            token_hash: &secret_hash(&secret),
            scopes: &scope_text,
            expires_at,
            now,
        },
    )
    .await?;
    let mut actor = ctx.clone();
    actor.workspace_id = ws;
    let event = Event::on("tokens.create", "tokens", &id).with(json!({
        "user_id": user, "name": name, "scopes": scope_text,
        "expires_at": expires_at.as_ref().map(rapport_domain::objects::time::format),
    }));
    audit::record(&mut tx, &actor, event).await?;
    tx.commit().await?;
    Ok(Issued {
        token: TokenRow {
            id,
            user_id: user.0,
            name: name.to_owned(),
            scopes: scope_text,
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked_at: None,
        },
        secret,
    })
}

/// Issues a token to the caller themself (`POST /api/v1/tokens`).
pub async fn create_own(app: &App, ctx: &Ctx, req: &TokenRequest) -> Result<Issued, AppError> {
    authorize(app, ctx, Action::Create, Resource::OwnCredentials).await?;
    let user = ctx.actor.user().ok_or_else(unauthenticated)?;
    issue(app, ctx, user, ctx.workspace_id, req).await
}

/// The caller's own tokens in this workspace, newest first (secrets are never shown again).
pub async fn list_own(app: &App, ctx: &Ctx) -> Result<Vec<TokenRow>, AppError> {
    authorize(app, ctx, Action::Read, Resource::OwnCredentials).await?;
    let user = ctx.actor.user().ok_or_else(unauthenticated)?;
    Ok(tokens::list(&app.db, ctx.workspace_id, user).await?)
}

/// Revokes one of the caller's tokens; 404 when it is not theirs.
pub async fn revoke_own(app: &App, ctx: &Ctx, id: Uuid) -> Result<(), AppError> {
    authorize(app, ctx, Action::Delete, Resource::OwnCredentials).await?;
    let user = ctx.actor.user().ok_or_else(unauthenticated)?;
    let mut tx = app.db.begin().await?;
    if !tokens::revoke(&mut tx, ctx.workspace_id, user, id, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut tx, ctx, Event::on("tokens.revoke", "tokens", &id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes a token of `user` from the shell (`rapport token revoke`), in whichever of the user's
/// workspaces it lives; false when the user has no such live token.
pub async fn revoke_for_operator(app: &App, user: UserId, id: Uuid) -> Result<bool, AppError> {
    let memberships = rapport_store::users::memberships_of(&app.db, user).await?;
    let mut tx = app.db.begin().await?;
    for m in memberships {
        let ws = WorkspaceId(m.workspace_id);
        if tokens::revoke(&mut tx, ws, user, id, Utc::now()).await? {
            let ctx = Ctx::system(ws);
            audit::record(&mut tx, &ctx, Event::on("tokens.revoke", "tokens", &id)).await?;
            tx.commit().await?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Checks a bearer secret: unknown, revoked, expired tokens and disabled users are all refused
/// the same way.
pub async fn authenticate(
    app: &App,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Authenticated, AppError> {
    if !secret.starts_with(PREFIX) {
        return Err(unauthenticated());
    }
    let Some(t) = tokens::find_by_hash(&app.db, &secret_hash(secret)).await? else {
        return Err(unauthenticated());
    };
    let expired = t.expires_at.is_some_and(|e| e <= now);
    if t.revoked_at.is_some() || t.disabled_at.is_some() || expired {
        return Err(unauthenticated());
    }
    let ws = WorkspaceId(t.workspace_id);
    if t.last_used_at.is_none_or(|u| now - u >= TOUCH_EVERY) {
        tokens::touch(&app.db, ws, t.id, now).await?;
    }
    Ok(Authenticated {
        user_id: UserId(t.user_id),
        workspace_id: ws,
        principal: principal_for(app, ws, &t.role, stored_scopes(&t.scopes)?).await?,
        token_id: Some(t.id),
        csrf_token: None,
        mfa_missing: t.require_mfa && t.mfa_confirmed_at.is_none() && !t.has_passkey,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse_with_units() {
        assert_eq!(
            parse_lifetime("30d"),
            Some(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(parse_lifetime("12h"), Some(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_lifetime("90m"), Some(Duration::from_secs(90 * 60)));
        assert_eq!(parse_lifetime("45"), Some(Duration::from_secs(45)));
        assert_eq!(parse_lifetime("0d"), None);
        assert_eq!(parse_lifetime("3w"), None);
        assert_eq!(parse_lifetime("d"), None);
        assert_eq!(parse_lifetime("99999999999999999d"), None);
    }
}
