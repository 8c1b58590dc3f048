//! `/api/v1/auth/mfa/totp`: set up, confirm and remove the TOTP second factor; `/api/v1/settings`:
//! the workspace setting that requires one of every member.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::identity::mfa;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::Problems;
use crate::extract::{RequestCtx, TypedJson};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "auth";

/// The second-factor and settings routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(disable_totp))
        .routes(routes!(get_settings, update_settings))
}

/// Answers with a secret the client must not cache, nor the idempotency layer keep.
fn no_store(status: StatusCode, body: impl Serialize) -> Response {
    let mut res = (status, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A body carrying the current password (re-authentication).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordCheck {
    /// The caller's current password.
    pub current_password: String,
}

/// A TOTP secret to put in an authenticator app.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// The secret, base32, for manual entry.
    pub secret: String,
    /// `otpauth://totp/Rapport:<email>?secret=...`, for a QR code.
    pub otpauth_uri: String,
}

/// Starts setting up a TOTP app (browser session, current password). Confirm it with a first code.
#[utoipa::path(post, path = "/api/v1/auth/mfa/totp", tag = TAG, request_body = PasswordCheck,
    responses((status = 201, body = TotpEnrolment), Problems))]
pub async fn start_totp(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<PasswordCheck>,
) -> Result<Response, ApiError> {
    let e = mfa::start(&s.app, &ctx, &body.current_password).await?;
    Ok(no_store(
        StatusCode::CREATED,
        TotpEnrolment {
            secret: e.secret,
            otpauth_uri: e.otpauth_uri,
        },
    ))
}

/// `POST /api/v1/auth/mfa/totp/confirm` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The 6-digit code the app shows now.
    pub code: String,
}

/// Recovery codes, each usable once instead of a TOTP code.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Shown this once: store them somewhere safe.
    pub recovery_codes: Vec<String>,
}

/// Confirms the TOTP app with a first code: from now on login needs a code. Returns recovery codes.
#[utoipa::path(post, path = "/api/v1/auth/mfa/totp/confirm", tag = TAG, request_body = CodeBody,
    responses((status = 200, body = RecoveryCodes), Problems))]
pub async fn confirm_totp(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<CodeBody>,
) -> Result<Response, ApiError> {
    let recovery_codes = mfa::confirm(&s.app, &ctx, &body.code).await?;
    Ok(no_store(StatusCode::OK, RecoveryCodes { recovery_codes }))
}

/// Removes the TOTP app and recovery codes (browser session, current password).
#[utoipa::path(post, path = "/api/v1/auth/mfa/totp/disable", tag = TAG, request_body = PasswordCheck,
    responses((status = 204, description = "Removed"), Problems))]
pub async fn disable_totp(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<PasswordCheck>,
) -> Result<StatusCode, ApiError> {
    mfa::remove(&s.app, &ctx, &body.current_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Workspace settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Every member must have a second factor; members without one can only set one up.
    pub require_mfa: bool,
}

/// The workspace's settings.
#[utoipa::path(get, path = "/api/v1/settings", tag = "members",
    responses((status = 200, body = Settings), Problems))]
pub async fn get_settings(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<Json<Settings>, ApiError> {
    Ok(Json(Settings {
        require_mfa: mfa::required(&s.app, &ctx).await?,
    }))
}

/// Changes the workspace's settings (owners and admins).
#[utoipa::path(patch, path = "/api/v1/settings", tag = "members", request_body = Settings,
    responses((status = 200, body = Settings), Problems))]
pub async fn update_settings(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<Settings>,
) -> Result<Json<Settings>, ApiError> {
    mfa::set_required(&s.app, &ctx, body.require_mfa).await?;
    Ok(Json(body))
}
