//! Browser sessions: login with a password (throttled, never saying whether the account exists),
//! a fresh 256-bit id at every login (no fixation), idle and absolute expiry, logout here or
//! everywhere. Sessions live in the database so every instance behind a load balancer sees them.

use std::time::Instant;

use chrono::{DateTime, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::policy::Scopes;
use rapport_store::audit::INSTANCE;
use rapport_store::mfa as mfa_store;
use rapport_store::sessions::{self, NewSession};
use rapport_store::users::{self, MemberRow};
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::{Actor, Ctx};
use crate::error::AppError;
use crate::identity::mfa::{self, SecondFactor};
use crate::identity::throttle::{account_key, ip_key};
use crate::identity::users::hashing;
use crate::identity::{Authenticated, principal_for, random_secret, secret_hash, unauthenticated};

/// How stale `last_seen_at` may get before a request rewrites it: the idle timeout is thus
/// enforced to within a minute, for one write a minute per session instead of one per request.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// A login attempt.
#[derive(Debug, Clone)]
pub struct Login {
    /// The account's address.
    pub email: String,
    /// The password.
    pub password: String,
    /// The workspace to open; the user's first one when absent.
    pub workspace_id: Option<Uuid>,
    /// A TOTP or recovery code, when the user has a second factor.
    pub code: Option<String>,
}

/// A new session: the secret goes in the cookie, the CSRF token in the page.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The session id (cookie value), shown this once.
    pub secret: String,
    /// The synchroniser token unsafe requests must echo in `X-CSRF-Token`.
    pub csrf_token: String,
    /// Who logged in, where.
    pub who: Authenticated,
    /// When the session ends at the latest.
    pub expires_at: DateTime<Utc>,
}

fn refused() -> AppError {
    AppError::Unauthenticated("the e-mail address or the password is wrong".into())
}

/// Logs in with a password. Every failure (unknown account, wrong password, disabled account, no
/// such workspace) gets the same answer after the same work; repeated failures per account and
/// per client address wait longer and longer (429 with `Retry-After`).
pub async fn login(app: &App, ctx: &Ctx, req: &Login) -> Result<Opened, AppError> {
    let mut keys = vec![account_key(&req.email)];
    if let Some(ip) = &ctx.client.ip {
        keys.push(ip_key(ip));
    }
    if let Some(wait) = app.throttle.wait(&keys, Instant::now()) {
        return Err(AppError::TooManyRequests {
            detail: "too many failed logins; wait before trying again".into(),
            retry_after_secs: crate::error::retry_after_secs(wait),
        });
    }
    let user = users::find_by_email(&app.db, &req.email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let password_ok = app
        .hasher
        .verify(&req.password, stored)
        .await
        .map_err(hashing)?;
    let memberships = match &user {
        Some(u) if password_ok && u.disabled_at.is_none() => {
            users::memberships_of(&app.db, UserId(u.id)).await?
        }
        _ => Vec::new(),
    };
    let chosen: Option<&MemberRow> = match req.workspace_id {
        Some(w) => memberships.iter().find(|m| m.workspace_id == w),
        None => memberships.first(),
    };
    let (Some(user), Some(member)) = (user.as_ref(), chosen) else {
        app.throttle.failure(&keys, Instant::now());
        record_failure(app, ctx, user.as_ref().map(|u| UserId(u.id)), &req.email).await;
        return Err(refused());
    };
    let id = UserId(user.id);
    match mfa::check_login(app, id, &user.email, req.code.as_deref()).await? {
        SecondFactor::None | SecondFactor::Passed => {}
        // Only someone who knows the password learns that a code is needed.
        SecondFactor::Missing => return Err(AppError::SecondFactorRequired),
        SecondFactor::Failed => {
            app.throttle.failure(&keys, Instant::now());
            record_failure(app, ctx, Some(id), &req.email).await;
            return Err(refused());
        }
    }
    app.throttle.success(&keys[0]);
    open(
        app,
        ctx,
        id,
        WorkspaceId(member.workspace_id),
        &member.role,
        "password",
    )
    .await
}

/// Writes `auth.login_failed` where the account's admins can see it (or the instance chain for an
/// unknown address); a failure to record is logged, not shown.
pub(crate) async fn record_failure(app: &App, ctx: &Ctx, user: Option<UserId>, email: &str) {
    let chains = match user {
        Some(u) => match users::memberships_of(&app.db, u).await {
            Ok(ms) if !ms.is_empty() => ms.iter().map(|m| WorkspaceId(m.workspace_id)).collect(),
            _ => vec![INSTANCE],
        },
        None => vec![INSTANCE],
    };
    for ws in chains {
        let event = Event::plain("auth.login_failed")
            .with(json!({ "email": users::email_key(email), "user_id": user }));
        if let Err(e) = audit::record_alone(&app.db, ws, ctx, event).await {
            tracing::error!(error = %e, "could not record a failed login");
        }
    }
}

/// Opens a session for a user whose identity is proven (`method`: `password` or `passkey`).
pub(crate) async fn open(
    app: &App,
    ctx: &Ctx,
    user: UserId,
    ws: WorkspaceId,
    role: &str,
    method: &str,
) -> Result<Opened, AppError> {
    let now = Utc::now();
    let lifetime = chrono::TimeDelta::from_std(app.config.session_lifetime())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let secret = random_secret();
    let csrf_token = random_secret();
    let expires_at = now + lifetime;
    let mut tx = app.db.begin().await?;
    sessions::insert(
        &mut tx,
        &NewSession {
            id_hash: &secret_hash(&secret),
            user_id: user,
            workspace_id: ws,
            csrf_token: &csrf_token,
            now,
            expires_at,
            ip: ctx.client.ip.as_deref(),
            user_agent: ctx.client.user_agent.as_deref(),
        },
    )
    .await?;
    let who = Authenticated {
        user_id: user,
        workspace_id: ws,
        principal: principal_for(app, ws, role, Scopes::all()).await?,
        token_id: None,
        csrf_token: Some(csrf_token.clone()),
        mfa_missing: mfa_store::required(&app.db, ws).await?
            && !mfa::has_second_factor(app, user).await?,
    };
    let actor = who.ctx(ctx.request_id.clone(), ctx.client.clone());
    let event = Event::plain("auth.login").with(json!({ "method": method }));
    audit::record(&mut tx, &actor, event).await?;
    tx.commit().await?;
    Ok(Opened {
        secret,
        csrf_token,
        who,
        expires_at,
    })
}

/// Checks a session cookie: unknown, idle, expired sessions and disabled users are refused the
/// same way (and an expired one is removed).
pub async fn authenticate(
    app: &App,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Authenticated, AppError> {
    let hash = secret_hash(secret);
    let Some(s) = sessions::find(&app.db, &hash).await? else {
        return Err(unauthenticated());
    };
    let idle = chrono::TimeDelta::from_std(app.config.session_idle())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if s.disabled_at.is_some() || s.expires_at <= now || s.last_seen_at + idle <= now {
        let mut tx = app.db.begin().await?;
        sessions::delete(&mut tx, &hash).await?;
        tx.commit().await?;
        return Err(unauthenticated());
    }
    if now - s.last_seen_at >= TOUCH_EVERY {
        sessions::touch(&app.db, &hash, now).await?;
    }
    Ok(Authenticated {
        user_id: UserId(s.user_id),
        workspace_id: WorkspaceId(s.workspace_id),
        principal: principal_for(app, WorkspaceId(s.workspace_id), &s.role, Scopes::all()).await?,
        token_id: None,
        csrf_token: Some(s.csrf_token),
        mfa_missing: s.require_mfa && s.mfa_confirmed_at.is_none() && !s.has_passkey,
    })
}

/// Ends the session whose secret is `secret` (the caller's own).
pub async fn logout(app: &App, ctx: &Ctx, secret: &str) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    sessions::delete(&mut tx, &secret_hash(secret)).await?;
    audit::record(&mut tx, ctx, Event::plain("auth.logout")).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the caller, on every device; returns how many ended.
pub async fn logout_everywhere(app: &App, ctx: &Ctx) -> Result<u64, AppError> {
    let Actor::User { id, .. } = ctx.actor else {
        return Err(unauthenticated());
    };
    let mut tx = app.db.begin().await?;
    let ended = sessions::delete_for_user(&mut tx, id).await?;
    let event = Event::plain("auth.logout_everywhere").with(json!({ "sessions_ended": ended }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Changes the caller's password after checking the current one (re-authentication), ending
/// every session of theirs: whoever knew the old password is logged out.
pub async fn change_password(
    app: &App,
    ctx: &Ctx,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let (id, _) = reauthenticate(app, ctx, current).await?;
    if let Err(r) = crate::identity::passwords::check_new(new) {
        return Err(AppError::Validation(vec![
            rapport_domain::validation::FieldError {
                pointer: "/new_password".into(),
                code: "weak_password".into(),
                message: r.message(),
            },
        ]));
    }
    let hash = app.hasher.hash(new).await.map_err(hashing)?;
    let mut tx = app.db.begin().await?;
    users::set_password(&mut tx, id, &hash).await?;
    let ended = sessions::delete_for_user(&mut tx, id).await?;
    let event =
        Event::on("users.password_change", "users", &id).with(json!({ "sessions_ended": ended }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Re-authentication before a sensitive change (password, second factor): the caller, from a
/// browser session, proves their current password again. Wrong passwords are throttled per
/// account like failed logins and answered 403 (the session itself stays valid).
pub async fn reauthenticate(
    app: &App,
    ctx: &Ctx,
    password: &str,
) -> Result<(UserId, users::UserRow), AppError> {
    let Actor::User { id, token: None } = ctx.actor else {
        return Err(AppError::Forbidden(
            "this change is made from a browser session, not with an API token".into(),
        ));
    };
    let user = users::find(&app.db, id)
        .await?
        .ok_or_else(unauthenticated)?;
    let key = vec![account_key(&user.email)];
    if let Some(wait) = app.throttle.wait(&key, Instant::now()) {
        return Err(AppError::TooManyRequests {
            detail: "too many failed attempts; wait before trying again".into(),
            retry_after_secs: crate::error::retry_after_secs(wait),
        });
    }
    let ok = app
        .hasher
        .verify(password, user.password_hash.as_deref())
        .await
        .map_err(hashing)?;
    if !ok {
        app.throttle.failure(&key, Instant::now());
        return Err(AppError::Forbidden("the current password is wrong".into()));
    }
    Ok((id, user))
}
