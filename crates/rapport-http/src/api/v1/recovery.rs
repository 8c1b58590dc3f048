//! `/api/v1/auth/password-reset` and `/api/v1/auth/email-change`: getting back into an account
//! by e-mail, and moving it to another address confirmed from that address.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rapport_app::identity::recovery;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::Problems;
use crate::extract::{AnonymousCtx, RequestCtx, TypedJson};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "auth";

/// The recovery routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_reset))
        .routes(routes!(complete_reset))
        .routes(routes!(request_email_change))
        .routes(routes!(confirm_email_change))
}

/// `POST /api/v1/auth/password-reset` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestBody {
    /// The address the account signs in with.
    #[schema(example = "ana@example.com")]
    pub email: String,
}

/// What the server did with a request it does not say more about.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// What happens next, in words.
    pub detail: String,
}

/// Asks for a link to choose a new password. The answer is the same whether or not an account
/// has this address; when one does, a link valid 30 minutes goes to it by e-mail. 409
/// `email_not_configured` when this server sends no e-mail.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = TAG, request_body = ResetRequestBody,
    responses((status = 202, body = Accepted), Problems))]
pub async fn request_reset(
    State(s): State<AppState>,
    AnonymousCtx(ctx): AnonymousCtx,
    TypedJson(body): TypedJson<ResetRequestBody>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    recovery::request_reset(&s.app, &ctx, &body.email).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            detail: format!(
                "if an account signs in with this address, a link to choose a new password is on its way; it works once, for {} minutes",
                recovery::RESET_MINUTES
            ),
        }),
    ))
}

/// `POST /api/v1/auth/password-reset/complete` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    /// The secret from the link (after `#token=`).
    pub token: String,
    /// The new password: 12 to 128 characters, not a common one.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

/// Sets a new password with the link's secret. Every session of the account ends, the link and
/// any other reset link stop working, and the account's address is told.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/complete", tag = TAG, request_body = ResetBody,
    responses((status = 204, description = "Changed; every session ended"), Problems))]
pub async fn complete_reset(
    State(s): State<AppState>,
    AnonymousCtx(ctx): AnonymousCtx,
    TypedJson(body): TypedJson<ResetBody>,
) -> Result<StatusCode, ApiError> {
    recovery::complete_reset(&s.app, &ctx, &body.token, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/auth/email-change` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailChangeBody {
    /// The password now (re-authentication).
    pub current_password: String,
    /// The address to sign in with from now on.
    #[schema(example = "ana.lima@example.com")]
    pub new_email: String,
}

/// A confirmation on its way.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailChangeRequested {
    /// What happens next, in words.
    pub detail: String,
    /// When the confirmation link stops working.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize")]
    pub expires_at: DateTime<Utc>,
}

/// Asks to sign in with another address, from a browser session: a confirmation link goes to
/// the new address, and the address changes when it is opened.
#[utoipa::path(post, path = "/api/v1/auth/email-change", tag = TAG, request_body = EmailChangeBody,
    responses((status = 202, body = EmailChangeRequested), Problems))]
pub async fn request_email_change(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<EmailChangeBody>,
) -> Result<(StatusCode, Json<EmailChangeRequested>), ApiError> {
    let expires_at =
        recovery::request_email_change(&s.app, &ctx, &body.current_password, &body.new_email)
            .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(EmailChangeRequested {
            detail: "a link to confirm the new address was sent to it; the address changes when the link is opened".into(),
            expires_at,
        }),
    ))
}

/// `POST /api/v1/auth/email-change/confirm` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// The secret from the link (after `#token=`).
    pub token: String,
}

/// The account's new address.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailChanged {
    /// The address the account signs in with now.
    pub email: String,
}

/// Confirms a new sign-in address with the secret from the link sent to it; the old address
/// is told.
#[utoipa::path(post, path = "/api/v1/auth/email-change/confirm", tag = TAG, request_body = ConfirmBody,
    responses((status = 200, body = EmailChanged), Problems))]
pub async fn confirm_email_change(
    State(s): State<AppState>,
    AnonymousCtx(ctx): AnonymousCtx,
    TypedJson(body): TypedJson<ConfirmBody>,
) -> Result<Json<EmailChanged>, ApiError> {
    let email = recovery::confirm_email_change(&s.app, &ctx, &body.token).await?;
    Ok(Json(EmailChanged { email }))
}
