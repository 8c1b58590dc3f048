//! Passkeys (WebAuthn) with webauthn-rs: a user registers several (after re-entering their
//! password), names and removes them, and logs in with one instead of a password. A passkey
//! verifies the user on the device (user verification is required), so a passkey login needs no
//! second code. Ceremony state is stored in the database, single use, for five minutes.

use chrono::{DateTime, TimeDelta, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use rapport_domain::policy::{Action, Resource};
use rapport_domain::validation::FieldError;
use rapport_store::passkeys::{self, Ceremony, PasskeyRow};
use rapport_store::users;
use serde_json::{Value, json};
use uuid::Uuid;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Webauthn,
    WebauthnBuilder,
};

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::identity::sessions::{Opened, open, reauthenticate, record_failure};
use crate::identity::throttle::{account_key, ip_key};
use crate::identity::{random_secret, secret_hash, unauthenticated};
use crate::policy::authorize;

/// How long a started ceremony may be finished.
const CEREMONY_TTL: TimeDelta = TimeDelta::minutes(5);
/// Longest passkey name.
const MAX_NAME: usize = 100;
const REGISTER: &str = "register";
const LOGIN: &str = "login";

/// The relying party: `server.public_url`'s host and origin.
fn webauthn(app: &App) -> Result<Webauthn, AppError> {
    let origin = Url::parse(&app.config.server.public_url)
        .map_err(|e| AppError::Internal(format!("server.public_url: {e}")))?;
    let rp_id = origin
        .host_str()
        .ok_or_else(|| AppError::Internal("server.public_url has no host".into()))?
        .to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("Rapport").build())
        .map_err(|e| AppError::Internal(format!("WebAuthn relying party: {e}")))
}

/// The stable key of a credential id, for the uniqueness index.
fn credential_key(p: &Passkey) -> Result<String, AppError> {
    serde_json::to_string(p.cred_id()).map_err(|e| AppError::Internal(e.to_string()))
}

fn name_error() -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: "/name".into(),
        code: "invalid_format".into(),
        message: format!("a passkey name has 1 to {MAX_NAME} characters"),
    }])
}

fn check_name(name: &str) -> Result<&str, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(name_error());
    }
    Ok(name)
}

fn expired() -> AppError {
    AppError::Conflict {
        code: "ceremony_expired",
        detail: "this passkey ceremony is unknown, used or expired; start again".into(),
        existing_id: None,
    }
}

/// The authenticator library's reason is logged, not answered: it speaks of its own types.
fn refused_credential(e: impl std::fmt::Display) -> AppError {
    tracing::info!(reason = %e, "passkey answer refused");
    AppError::Validation(vec![FieldError {
        pointer: "/credential".into(),
        code: "invalid_credential".into(),
        message: "the authenticator's answer does not verify: send the credential exactly as \
                  the browser's navigator.credentials call returned it"
            .into(),
    }])
}

/// The one answer to a failed passkey login (it never says which part failed).
fn refused() -> AppError {
    AppError::Unauthenticated(
        "the passkey login failed; try another passkey or the password".into(),
    )
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, AppError> {
    serde_json::from_str(s).map_err(|e| AppError::Internal(format!("stored WebAuthn state: {e}")))
}

/// A ceremony the client must finish: its one-time id and the options for the browser.
#[derive(Debug, Clone)]
pub struct Started<T> {
    /// Send back with the authenticator's answer.
    pub ceremony_id: String,
    /// `navigator.credentials.create/get` options.
    pub options: T,
}

async fn store_ceremony(
    app: &App,
    purpose: &str,
    user: UserId,
    name: Option<&str>,
    state: &str,
) -> Result<String, AppError> {
    let id = random_secret();
    let mut tx = app.db.begin().await?;
    passkeys::start_ceremony(
        &mut tx,
        &Ceremony {
            id_hash: &secret_hash(&id),
            purpose,
            user_id: user,
            name,
            state,
            expires_at: Utc::now() + CEREMONY_TTL,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Starts registering a passkey for the caller (browser session, current password).
pub async fn start_registration(
    app: &App,
    ctx: &Ctx,
    password: &str,
    name: &str,
) -> Result<Started<CreationChallengeResponse>, AppError> {
    authorize(app, ctx, Action::Update, Resource::OwnCredentials).await?;
    let name = check_name(name)?;
    let (id, user) = reauthenticate(app, ctx, password).await?;
    let existing = passkeys::for_user(&app.db, id).await?;
    let exclude = existing
        .iter()
        .map(|p| from_json::<Passkey>(&p.passkey).map(|k| k.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let (options, state) = webauthn(app)?
        .start_passkey_registration(id.0, &user.email, &user.display_name, Some(exclude))
        .map_err(|e| AppError::Internal(format!("WebAuthn registration: {e}")))?;
    let ceremony_id = store_ceremony(app, REGISTER, id, Some(name), &to_json(&state)?).await?;
    Ok(Started {
        ceremony_id,
        options,
    })
}

/// Finishes a registration with the authenticator's answer; returns the stored passkey.
pub async fn finish_registration(
    app: &App,
    ctx: &Ctx,
    ceremony_id: &str,
    credential: Value,
) -> Result<PasskeyRow, AppError> {
    authorize(app, ctx, Action::Update, Resource::OwnCredentials).await?;
    let user = ctx.actor.user().ok_or_else(unauthenticated)?;
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(credential).map_err(refused_credential)?;
    let mut tx = app.db.begin().await?;
    let taken = passkeys::take_ceremony(&mut tx, &secret_hash(ceremony_id), REGISTER, Utc::now())
        .await?
        .filter(|c| c.user_id == user.0)
        .ok_or_else(expired)?;
    let state: PasskeyRegistration = from_json(&taken.state)?;
    let passkey = webauthn(app)?
        .finish_passkey_registration(&credential, &state)
        .map_err(refused_credential)?;
    let row = PasskeyRow {
        id: Uuid::now_v7(),
        user_id: user.0,
        name: taken.name.unwrap_or_else(|| "Passkey".into()),
        credential_id: credential_key(&passkey)?,
        passkey: to_json(&passkey)?,
        created_at: Utc::now(),
        last_used_at: None,
    };
    if let Err(e) = passkeys::insert(&mut tx, &row).await {
        return Err(match e {
            rapport_store::StoreError::Conflict { .. } => AppError::Conflict {
                code: "passkey_registered",
                detail: "this passkey is already registered".into(),
                existing_id: None,
            },
            other => other.into(),
        });
    }
    let event =
        Event::on("passkeys.register", "passkeys", &row.id).with(json!({ "name": row.name }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(row)
}

/// The caller's passkeys.
pub async fn list(app: &App, ctx: &Ctx) -> Result<Vec<PasskeyRow>, AppError> {
    authorize(app, ctx, Action::Read, Resource::OwnCredentials).await?;
    let user = ctx.actor.user().ok_or_else(unauthenticated)?;
    Ok(passkeys::for_user(&app.db, user).await?)
}

/// Renames one of the caller's passkeys.
pub async fn rename(app: &App, ctx: &Ctx, id: Uuid, name: &str) -> Result<(), AppError> {
    authorize(app, ctx, Action::Update, Resource::OwnCredentials).await?;
    let user = ctx.actor.user().ok_or_else(unauthenticated)?;
    let name = check_name(name)?;
    let mut tx = app.db.begin().await?;
    if !passkeys::rename(&mut tx, user, id, name).await? {
        return Err(AppError::NotFound);
    }
    let event = Event::on("passkeys.rename", "passkeys", &id).with(json!({ "name": name }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes one of the caller's passkeys (browser session, current password).
pub async fn remove(app: &App, ctx: &Ctx, id: Uuid, password: &str) -> Result<(), AppError> {
    authorize(app, ctx, Action::Update, Resource::OwnCredentials).await?;
    let (user, _) = reauthenticate(app, ctx, password).await?;
    let mut tx = app.db.begin().await?;
    if !passkeys::delete(&mut tx, user, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut tx, ctx, Event::on("passkeys.remove", "passkeys", &id)).await?;
    tx.commit().await?;
    Ok(())
}

fn throttle_keys(ctx: &Ctx, email: &str) -> Vec<String> {
    let mut keys = vec![account_key(email)];
    if let Some(ip) = &ctx.client.ip {
        keys.push(ip_key(ip));
    }
    keys
}

fn throttled(app: &App, keys: &[String]) -> Result<(), AppError> {
    match app.throttle.wait(keys, std::time::Instant::now()) {
        Some(wait) => Err(AppError::TooManyRequests {
            detail: "too many failed logins; wait before trying again".into(),
            retry_after_secs: crate::error::retry_after_secs(wait),
        }),
        None => Ok(()),
    }
}

/// Starts a passkey login for the account with this address: the challenge lists its passkeys.
/// An unknown address, a disabled account or one without passkeys gets the same 401.
pub async fn start_login(
    app: &App,
    ctx: &Ctx,
    email: &str,
) -> Result<Started<RequestChallengeResponse>, AppError> {
    let keys = throttle_keys(ctx, email);
    throttled(app, &keys)?;
    let user = users::find_by_email(&app.db, email)
        .await?
        .filter(|u| u.disabled_at.is_none());
    let stored = match &user {
        Some(u) => passkeys::for_user(&app.db, UserId(u.id)).await?,
        None => Vec::new(),
    };
    let (Some(user), false) = (user, stored.is_empty()) else {
        app.throttle.failure(&keys, std::time::Instant::now());
        return Err(refused());
    };
    let creds = stored
        .iter()
        .map(|p| from_json::<Passkey>(&p.passkey))
        .collect::<Result<Vec<_>, _>>()?;
    let (options, state) = webauthn(app)?
        .start_passkey_authentication(&creds)
        .map_err(|e| AppError::Internal(format!("WebAuthn login: {e}")))?;
    let ceremony_id = store_ceremony(app, LOGIN, UserId(user.id), None, &to_json(&state)?).await?;
    Ok(Started {
        ceremony_id,
        options,
    })
}

/// Finishes a passkey login: on success a new session, as after a password login.
pub async fn finish_login(
    app: &App,
    ctx: &Ctx,
    ceremony_id: &str,
    credential: Value,
    workspace_id: Option<Uuid>,
) -> Result<Opened, AppError> {
    let credential: PublicKeyCredential =
        serde_json::from_value(credential).map_err(refused_credential)?;
    let now: DateTime<Utc> = Utc::now();
    let mut tx = app.db.begin().await?;
    let taken = passkeys::take_ceremony(&mut tx, &secret_hash(ceremony_id), LOGIN, now)
        .await?
        .ok_or_else(refused)?;
    let user_id = UserId(taken.user_id);
    let user = users::find(&app.db, user_id).await?.ok_or_else(refused)?;
    let keys = throttle_keys(ctx, &user.email);
    throttled(app, &keys)?;
    let state: PasskeyAuthentication = from_json(&taken.state)?;
    let Ok(result) = webauthn(app)?.finish_passkey_authentication(&credential, &state) else {
        // The ceremony stays consumed: a failed answer cannot be retried against it.
        tx.commit().await?;
        app.throttle.failure(&keys, std::time::Instant::now());
        record_failure(app, ctx, Some(user_id), &user.email).await;
        return Err(refused());
    };
    // Find the passkey that answered and move its signature counter forward.
    let mut used = None;
    for row in passkeys::for_user(&app.db, user_id).await? {
        let mut key: Passkey = from_json(&row.passkey)?;
        if key.update_credential(&result).is_some() {
            used = Some((row.id, key));
            break;
        }
    }
    let (passkey_id, key) = used.ok_or_else(refused)?;
    passkeys::used(&mut tx, passkey_id, &to_json(&key)?, now).await?;
    tx.commit().await?;
    if user.disabled_at.is_some() {
        return Err(refused());
    }
    let memberships = users::memberships_of(&app.db, user_id).await?;
    let member = match workspace_id {
        Some(w) => memberships.iter().find(|m| m.workspace_id == w),
        None => memberships.first(),
    }
    .ok_or_else(refused)?;
    app.throttle.success(&keys[0]);
    open(
        app,
        ctx,
        user_id,
        WorkspaceId(member.workspace_id),
        &member.role,
        "passkey",
    )
    .await
}
