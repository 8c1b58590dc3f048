//! The TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of clock skew either
//! way) with single-use recovery codes, and the workspace setting that requires it. Enrolment and
//! removal need the current password again (re-authentication); a code is accepted once: its time
//! step is recorded atomically, so a replayed or raced code is refused.

use chrono::Utc;
use rand::{Rng, RngCore};
use rapport_domain::ids::UserId;
use rapport_domain::policy::{Action, Resource};
use rapport_domain::validation::FieldError;
use rapport_store::{Tx, mfa};
use serde_json::json;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::identity::secret_hash;
use crate::identity::sessions::reauthenticate;
use crate::policy::authorize;

/// The name authenticator apps show.
const ISSUER: &str = "Rapport";
/// Recovery codes handed out at enrolment.
const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (an unambiguous alphabet).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A started enrolment: what the authenticator app needs.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The shared secret, base32 (for manual entry).
    pub secret: String,
    /// `otpauth://totp/...` (for a QR code).
    pub otpauth_uri: String,
}

fn totp(secret: &str, account: &str) -> Result<Totp, AppError> {
    let bytes = Secret::try_from_base32(secret)
        .map_err(|e| AppError::Internal(format!("stored TOTP secret: {e:?}")))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(bytes)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| AppError::Internal(format!("TOTP parameters: {e:?}")))
}

fn unix_now() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or(0)
}

fn wrong_code() -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: "/code".into(),
        code: "invalid_code".into(),
        message: "this code is wrong, expired or already used".into(),
    }])
}

/// Starts TOTP enrolment for the caller (browser session, current password): a new secret, not
/// yet a factor until [`confirm`] sees a code made with it.
pub async fn start(app: &App, ctx: &Ctx, password: &str) -> Result<Enrolment, AppError> {
    authorize(app, ctx, Action::Update, Resource::OwnCredentials).await?;
    let (id, user) = reauthenticate(app, ctx, password).await?;
    if mfa::totp(&app.db, id)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some())
    {
        return Err(AppError::Conflict {
            code: "mfa_enabled",
            detail: "a TOTP app is already set up; remove it first to set up another".into(),
            existing_id: None,
        });
    }
    // 160 bits, as RFC 4226 recommends.
    let mut raw = [0u8; 20];
    rand::rng().fill_bytes(&mut raw);
    let secret = Secret::from(raw.to_vec()).to_base32();
    let otpauth_uri = totp(&secret, &user.email)?
        .to_url()
        .map_err(|e| AppError::Internal(format!("otpauth URI: {e:?}")))?;
    let mut tx = app.db.begin().await?;
    mfa::put_totp(&mut tx, id, &secret, Utc::now()).await?;
    tx.commit().await?;
    Ok(Enrolment {
        secret,
        otpauth_uri,
    })
}

fn recovery_code() -> String {
    // 16 characters of a 31-letter alphabet: 79 bits, beyond offline guessing of the stored
    // SHA-256 digests even without a salt.
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..16)
        .map(|_| char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalises a recovery code as typed (case, spaces, dashes) before hashing.
fn recovery_hash(code: &str) -> String {
    let clean: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    secret_hash(&clean)
}

/// Checks a TOTP code against the user's secret and uses up its time step.
async fn accept_code(tx: &mut Tx, user: UserId, email: &str, code: &str) -> Result<bool, AppError> {
    let Some(t) = mfa::totp_in(tx, user).await? else {
        return Ok(false);
    };
    let Some(step) = totp(&t.secret, email)?.check(code.trim(), unix_now()) else {
        return Ok(false);
    };
    let step = i64::try_from(step).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(mfa::use_step(tx, user, step).await?)
}

/// Confirms enrolment with a first code; returns the recovery codes, shown this once.
pub async fn confirm(app: &App, ctx: &Ctx, code: &str) -> Result<Vec<String>, AppError> {
    authorize(app, ctx, Action::Update, Resource::OwnCredentials).await?;
    let Some(id) = ctx.actor.user() else {
        return Err(crate::identity::unauthenticated());
    };
    let user = rapport_store::users::find(&app.db, id)
        .await?
        .ok_or_else(crate::identity::unauthenticated)?;
    let mut tx = app.db.begin().await?;
    match mfa::totp_in(&mut tx, id).await? {
        None => {
            return Err(AppError::Conflict {
                code: "mfa_not_started",
                detail: "start the set-up first (POST /api/v1/auth/mfa/totp)".into(),
                existing_id: None,
            });
        }
        Some(t) if t.confirmed_at.is_some() => {
            return Err(AppError::Conflict {
                code: "mfa_enabled",
                detail: "this TOTP app is already confirmed".into(),
                existing_id: None,
            });
        }
        Some(_) => {}
    }
    if !accept_code(&mut tx, id, &user.email, code).await? {
        return Err(wrong_code());
    }
    mfa::confirm_totp(&mut tx, id, Utc::now()).await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    mfa::replace_recovery_codes(&mut tx, id, &hashes).await?;
    audit::record(&mut tx, ctx, Event::on("mfa.totp_enable", "users", &id)).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Removes the caller's TOTP app and recovery codes (current password required).
pub async fn remove(app: &App, ctx: &Ctx, password: &str) -> Result<(), AppError> {
    authorize(app, ctx, Action::Update, Resource::OwnCredentials).await?;
    let (id, _) = reauthenticate(app, ctx, password).await?;
    let mut tx = app.db.begin().await?;
    if !mfa::remove(&mut tx, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut tx, ctx, Event::on("mfa.totp_disable", "users", &id)).await?;
    tx.commit().await?;
    Ok(())
}

/// What a login must prove beyond the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// The user has no confirmed second factor.
    None,
    /// The code (TOTP or recovery) checked out and is now used up.
    Passed,
    /// A second factor is set up and no code was given.
    Missing,
    /// The code was wrong, expired or used before.
    Failed,
}

/// Checks the second factor of a login whose password was right. A 6-digit code is a TOTP code;
/// anything else is tried as a recovery code. A used code never passes again.
pub async fn check_login(
    app: &App,
    user: UserId,
    email: &str,
    code: Option<&str>,
) -> Result<SecondFactor, AppError> {
    let Some(t) = mfa::totp(&app.db, user).await? else {
        return Ok(SecondFactor::None);
    };
    if t.confirmed_at.is_none() {
        return Ok(SecondFactor::None);
    }
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(SecondFactor::Missing);
    };
    let mut tx = app.db.begin().await?;
    let passed = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        accept_code(&mut tx, user, email, code).await?
    } else {
        mfa::use_recovery_code(&mut tx, user, &recovery_hash(code), Utc::now()).await?
    };
    tx.commit().await?;
    Ok(if passed {
        SecondFactor::Passed
    } else {
        SecondFactor::Failed
    })
}

/// Whether the user has a second factor: a confirmed TOTP app or a passkey (which verifies
/// the user on the device).
pub async fn has_second_factor(app: &App, user: UserId) -> Result<bool, AppError> {
    let totp = mfa::totp(&app.db, user)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some());
    Ok(totp
        || !rapport_store::passkeys::for_user(&app.db, user)
            .await?
            .is_empty())
}

/// Whether the caller's workspace requires a second factor.
pub async fn required(app: &App, ctx: &Ctx) -> Result<bool, AppError> {
    authorize(app, ctx, Action::Read, Resource::Settings).await?;
    Ok(mfa::required(&app.db, ctx.workspace_id).await?)
}

/// Requires (or stops requiring) a second factor of every member. Whoever turns it on must have
/// one themselves, so they cannot lock themselves out.
pub async fn set_required(app: &App, ctx: &Ctx, on: bool) -> Result<(), AppError> {
    authorize(app, ctx, Action::Manage, Resource::Settings).await?;
    if on {
        let has = match ctx.actor.user() {
            Some(u) => has_second_factor(app, u).await?,
            None => true,
        };
        if !has {
            return Err(AppError::Conflict {
                code: "mfa_not_enabled",
                detail: "set up a second factor for yourself before requiring one of everyone"
                    .into(),
                existing_id: None,
            });
        }
    }
    let before = mfa::required(&app.db, ctx.workspace_id).await?;
    let mut tx = app.db.begin().await?;
    mfa::set_required(&mut tx, ctx.workspace_id, on).await?;
    let event = Event::plain("settings.update").with(json!({
        "require_mfa": { "before": before, "after": on },
    }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_distinct_and_normalised_before_hashing() {
        let a = recovery_code();
        let b = recovery_code();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert_eq!(
            recovery_hash(&a),
            recovery_hash(&a.to_uppercase().replace('-', " "))
        );
    }

    #[test]
    fn a_code_made_with_the_secret_checks_at_its_step() {
        let secret = Secret::from(vec![7u8; 20]).to_base32();
        let t = totp(&secret, "ann@example.com").unwrap();
        let now = 1_700_000_000;
        let code = t.generate(now).to_string();
        assert_eq!(t.check(&code, now), Some(now / 30));
        // One step of skew either way, not two.
        assert!(t.check(&code, now + 30).is_some());
        assert!(t.check(&code, now + 90).is_none());
    }
}
