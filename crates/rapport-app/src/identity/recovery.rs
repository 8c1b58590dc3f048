//! Getting back into an account and moving it to another address, by one-time links sent by
//! e-mail: a password reset (30 minutes, single use, answered the same whether the address has an
//! account or not, ending every session), and a change of sign-in address confirmed from the new
//! address. Without `[email]` a user cannot ask for either; an operator can still make a reset
//! link from the shell (`rapport user reset-password`), which then prints it.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::ids::UserId;
use rapport_domain::validation::FieldError;
use rapport_domain::values::EmailAddress;
use rapport_store::links::{self, Made, NewLink};
use rapport_store::{StoreError, Tx, sessions, users as stored_users};
use serde_json::json;

use crate::app::App;
use crate::ctx::Ctx;
use crate::email::{self, messages};
use crate::error::AppError;
use crate::identity::passwords::check_new;
use crate::identity::users::{hashing, record_account};
use crate::identity::{random_secret, secret_hash};

const RESET: &str = "password_reset";
const EMAIL_CHANGE: &str = "email_change";

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 30;
/// How long an address-change link works.
pub const EMAIL_CHANGE_MINUTES: i64 = 60;
/// Reset links sent to one address within [`RESET_MINUTES`]: more requests are answered as
/// usual but send nothing, so the form cannot be used to flood someone's mailbox.
const RESETS_PER_WINDOW: i64 = 3;
/// Address changes one account may ask for within [`EMAIL_CHANGE_MINUTES`]: each sends a message
/// to an address of the caller's choosing, so a signed-in account must not become a mail cannon.
const EMAIL_CHANGES_PER_WINDOW: i64 = 3;

fn dead_link() -> AppError {
    AppError::Unauthenticated("this link is unknown, already used or expired".into())
}

/// The answer to a request this server cannot carry out without sending e-mail; `consequence`
/// says what it therefore cannot do.
fn no_email(consequence: &str) -> AppError {
    AppError::Conflict {
        code: "email_not_configured",
        detail: format!(
            "this server sends no e-mail (it has no [email] settings), so it cannot {consequence}"
        ),
        existing_id: None,
    }
}

fn field(pointer: &str, code: &str, message: String) -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: pointer.into(),
        code: code.into(),
        message,
    }])
}

/// The address of a page in the web app, carrying `secret` in the fragment (never sent to a
/// server, so never in an access log or a proxy's).
pub fn page_link(app: &App, page: &str, secret: &str) -> String {
    format!(
        "{}/{page}#token={secret}",
        app.config.server.public_url.trim_end_matches('/')
    )
}

/// A reset link made for an operator.
#[derive(Debug, Clone)]
pub struct ResetLink {
    /// The link, when it was not e-mailed (no `[email]`): to hand to the user.
    pub url: Option<String>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

async fn store_reset(
    app: &App,
    tx: &mut Tx,
    ctx: &Ctx,
    user: &stored_users::UserRow,
) -> Result<(String, DateTime<Utc>, bool), AppError> {
    let secret = random_secret();
    let now = Utc::now();
    let expires_at = now + Duration::minutes(RESET_MINUTES);
    let key = stored_users::email_key(&user.email);
    links::insert(
        tx,
        &NewLink {
            token_hash: &secret_hash(&secret),
            purpose: RESET,
            workspace_id: None,
            role: None,
            email: Some(&key),
            created_by: ctx.actor.user(),
            now,
            expires_at,
        },
    )
    .await?;
    let url = page_link(app, "reset-password", &secret);
    let message = messages::password_reset(&url, RESET_MINUTES);
    let emailed = email::queue(app, tx, None, &user.email, &message).await?;
    let id = UserId(user.id);
    record_account(
        tx,
        ctx,
        id,
        "users.password_reset_request",
        &json!({ "emailed": emailed }),
    )
    .await?;
    Ok((url, expires_at, emailed))
}

/// `POST /api/v1/auth/password-reset`: e-mails a reset link when `address` belongs to an
/// enabled account. The caller learns nothing either way: the answer and the work done before
/// it are the same.
pub async fn request_reset(app: &App, ctx: &Ctx, address: &str) -> Result<(), AppError> {
    if app.mailer.is_none() {
        return Err(no_email(
            "send the link; ask an administrator to run `rapport user reset-password --email ADDRESS`",
        ));
    }
    let Ok(address) = EmailAddress::parse(address) else {
        return Err(field(
            "/email",
            "invalid_format",
            "an e-mail address such as ana@example.com".into(),
        ));
    };
    let mut tx = app.db.begin().await?;
    let key = stored_users::email_key(address.as_str());
    let user = stored_users::find_by_email_for_write(&mut tx, &key).await?;
    let since = Utc::now() - Duration::minutes(RESET_MINUTES);
    let recent = links::count_since(&mut tx, RESET, Made::For(&key), since).await?;
    match user {
        // An account that signs in only through SSO has no password to reset: setting one would
        // open a second way in that its identity provider does not control.
        Some(user)
            if user.disabled_at.is_none()
                && user.password_hash.is_some()
                && recent < RESETS_PER_WINDOW =>
        {
            store_reset(app, &mut tx, ctx, &user).await?;
            tx.commit().await?;
        }
        Some(_) => tracing::info!(
            "password reset not sent: account disabled, without a password, or asked too often"
        ),
        None => {}
    }
    Ok(())
}

/// `rapport user reset-password`: a reset link for the account with `address`, e-mailed when
/// this instance sends e-mail and returned otherwise. `None` when there is no such account.
pub async fn reset_link(
    app: &App,
    ctx: &Ctx,
    address: &str,
) -> Result<Option<ResetLink>, AppError> {
    let mut tx = app.db.begin().await?;
    let Some(user) = stored_users::find_by_email_for_write(&mut tx, address).await? else {
        return Ok(None);
    };
    if user.disabled_at.is_some() {
        return Err(AppError::Conflict {
            code: "user_disabled",
            detail: format!("the account {} is disabled; enable it first", user.email),
            existing_id: None,
        });
    }
    let (url, expires_at, emailed) = store_reset(app, &mut tx, ctx, &user).await?;
    tx.commit().await?;
    Ok(Some(ResetLink {
        url: (!emailed).then_some(url),
        expires_at,
    }))
}

/// `POST /api/v1/auth/password-reset/complete`: sets the new password of the link's account,
/// ends every one of its sessions and its other reset links, and tells the account's address.
pub async fn complete_reset(
    app: &App,
    ctx: &Ctx,
    secret: &str,
    password: &str,
) -> Result<(), AppError> {
    if let Err(r) = check_new(password) {
        return Err(field("/password", "weak_password", r.message()));
    }
    let digest = secret_hash(secret);
    // Hashing a password is deliberately slow: do it only for a link that can still work.
    if !links::is_live(&app.db, &digest, RESET, Utc::now()).await? {
        return Err(dead_link());
    }
    let hash = app.hasher.hash(password).await.map_err(hashing)?;
    let now = Utc::now();
    let mut tx = app.db.begin().await?;
    let link = links::take(&mut tx, &digest, RESET, now)
        .await?
        .ok_or_else(dead_link)?;
    let key = link.email.ok_or_else(dead_link)?;
    // An account whose address changed since the link was made no longer answers to it.
    let user = stored_users::find_by_email_for_write(&mut tx, &key)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or_else(dead_link)?;
    let id = UserId(user.id);
    stored_users::set_password(&mut tx, id, &hash).await?;
    let ended = sessions::delete_for_user(&mut tx, id).await?;
    links::revoke(&mut tx, RESET, &key, now).await?;
    // Whoever held the account before the reset may have asked to move it to their own address.
    links::revoke_made_by(&mut tx, EMAIL_CHANGE, id, now).await?;
    email::queue(
        app,
        &mut tx,
        None,
        &user.email,
        &messages::password_changed(),
    )
    .await?;
    let details = json!({ "sessions_ended": ended });
    record_account(&mut tx, ctx, id, "users.password_reset", &details).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /api/v1/auth/email-change`: after the caller proves their password again, e-mails a
/// confirmation link to `new_address`; the address changes only when that link is used.
pub async fn request_email_change(
    app: &App,
    ctx: &Ctx,
    password: &str,
    new_address: &str,
) -> Result<DateTime<Utc>, AppError> {
    let address =
        EmailAddress::parse(new_address).map_err(|e| field("/new_email", e.code, e.message))?;
    let (id, user) = crate::identity::sessions::reauthenticate(app, ctx, password).await?;
    if app.mailer.is_none() {
        return Err(no_email("confirm a new address"));
    }
    let key = stored_users::email_key(address.as_str());
    if key == stored_users::email_key(&user.email) {
        return Err(field(
            "/new_email",
            "unchanged",
            "this is already the account's address".into(),
        ));
    }
    let secret = random_secret();
    let now = Utc::now();
    let expires_at = now + Duration::minutes(EMAIL_CHANGE_MINUTES);
    let mut tx = app.db.begin().await?;
    let since = now - Duration::minutes(EMAIL_CHANGE_MINUTES);
    if links::count_since(&mut tx, EMAIL_CHANGE, Made::By(id), since).await?
        >= EMAIL_CHANGES_PER_WINDOW
    {
        return Err(AppError::TooManyRequests {
            detail: format!(
                "this account asked for {EMAIL_CHANGES_PER_WINDOW} address changes in the last \
                 {EMAIL_CHANGE_MINUTES} minutes; use one of the links already sent, or try later"
            ),
            retry_after_secs: 60,
        });
    }
    taken_check(&mut tx, &key).await?;
    links::insert(
        &mut tx,
        &NewLink {
            token_hash: &secret_hash(&secret),
            purpose: EMAIL_CHANGE,
            workspace_id: None,
            role: None,
            email: Some(address.as_str()),
            created_by: Some(id),
            now,
            expires_at,
        },
    )
    .await?;
    let url = page_link(app, "confirm-email", &secret);
    let message = messages::email_change(address.as_str(), &url, EMAIL_CHANGE_MINUTES);
    email::queue(app, &mut tx, None, address.as_str(), &message).await?;
    record_account(&mut tx, ctx, id, "users.email_change_request", &json!({})).await?;
    tx.commit().await?;
    Ok(expires_at)
}

fn taken() -> AppError {
    AppError::Conflict {
        code: "email_taken",
        detail: "another account already signs in with this address".into(),
        existing_id: None,
    }
}

async fn taken_check(tx: &mut Tx, key: &str) -> Result<(), AppError> {
    if stored_users::find_by_email_for_write(tx, key)
        .await?
        .is_some()
    {
        return Err(taken());
    }
    Ok(())
}

/// `POST /api/v1/auth/email-change/confirm`: the link from the new address's mailbox makes it
/// the account's sign-in address, and the old address is told. Returns the new address.
pub async fn confirm_email_change(app: &App, ctx: &Ctx, secret: &str) -> Result<String, AppError> {
    let now = Utc::now();
    let mut tx = app.db.begin().await?;
    let link = links::take(&mut tx, &secret_hash(secret), EMAIL_CHANGE, now)
        .await?
        .ok_or_else(dead_link)?;
    let (Some(address), Some(user_id)) = (link.email, link.created_by) else {
        return Err(dead_link());
    };
    let id = UserId(user_id);
    let user = stored_users::find_for_write(&mut tx, id)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or_else(dead_link)?;
    match stored_users::set_email(&mut tx, id, &address).await {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => return Err(taken()),
        Err(e) => return Err(e.into()),
    }
    email::queue(
        app,
        &mut tx,
        None,
        &user.email,
        &messages::email_changed(&address),
    )
    .await?;
    record_account(&mut tx, ctx, id, "users.email_change", &json!({})).await?;
    tx.commit().await?;
    Ok(address)
}
