//! `/api/v1/auth/passkeys`: register, list, rename and remove passkeys, and log in with one.
//! Options and credentials are the WebAuthn JSON of `navigator.credentials.create/get`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rapport_app::identity::passkeys;
use rapport_store::passkeys::PasskeyRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::auth::{SessionInfo, session_cookie};
use super::resource::Problems;
use crate::extract::{AnonymousCtx, RequestCtx, TypedJson, ids};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "auth";

/// The passkey routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_registration))
        .routes(routes!(finish_registration))
        .routes(routes!(list_passkeys))
        .routes(routes!(rename_passkey))
        .routes(routes!(remove_passkey))
        .routes(routes!(start_login))
        .routes(routes!(finish_login))
}

/// `POST /api/v1/auth/passkeys/register/start` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterStart {
    /// The caller's current password (re-authentication).
    pub current_password: String,
    /// A name to recognise the passkey by ("work laptop").
    pub name: String,
}

/// A started ceremony.
#[derive(Debug, Serialize, ToSchema)]
pub struct CeremonyStarted {
    /// Send back with the authenticator's answer (valid five minutes, once).
    pub ceremony_id: String,
    /// Options for `navigator.credentials.create()` or `.get()`.
    #[schema(value_type = Object)]
    pub options: Value,
}

fn started<T: Serialize>(s: passkeys::Started<T>) -> Result<Json<CeremonyStarted>, ApiError> {
    let options = serde_json::to_value(&s.options)
        .map_err(|e| rapport_app::AppError::Internal(e.to_string()))?;
    Ok(Json(CeremonyStarted {
        ceremony_id: s.ceremony_id,
        options,
    }))
}

/// Starts registering a passkey (browser session, current password).
#[utoipa::path(post, path = "/api/v1/auth/passkeys/register/start", tag = TAG, request_body = RegisterStart,
    responses((status = 200, body = CeremonyStarted), Problems))]
pub async fn start_registration(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<RegisterStart>,
) -> Result<Json<CeremonyStarted>, ApiError> {
    started(passkeys::start_registration(&s.app, &ctx, &body.current_password, &body.name).await?)
}

/// `POST /api/v1/auth/passkeys/register/finish` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CeremonyFinish {
    /// From the start.
    pub ceremony_id: String,
    /// The authenticator's answer (`PublicKeyCredential` as JSON).
    #[schema(value_type = Object)]
    pub credential: Value,
    /// Logins: the workspace to open (default: the first the user joined).
    pub workspace_id: Option<Uuid>,
}

/// A registered passkey.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyInfo {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When it was registered.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last logged in.
    #[serde(serialize_with = "rapport_domain::objects::time::serialize_opt")]
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<PasskeyRow> for PasskeyInfo {
    fn from(p: PasskeyRow) -> Self {
        PasskeyInfo {
            id: p.id,
            name: p.name,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        }
    }
}

/// Finishes registering a passkey with the authenticator's answer.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/register/finish", tag = TAG, request_body = CeremonyFinish,
    responses((status = 201, body = PasskeyInfo), Problems))]
pub async fn finish_registration(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<CeremonyFinish>,
) -> Result<(StatusCode, Json<PasskeyInfo>), ApiError> {
    let row =
        passkeys::finish_registration(&s.app, &ctx, &body.ceremony_id, body.credential).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// The caller's passkeys.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyList {
    /// Oldest first.
    pub data: Vec<PasskeyInfo>,
}

/// Lists the caller's passkeys.
#[utoipa::path(get, path = "/api/v1/auth/passkeys", tag = TAG,
    responses((status = 200, body = PasskeyList), Problems))]
pub async fn list_passkeys(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<Json<PasskeyList>, ApiError> {
    let data = passkeys::list(&s.app, &ctx).await?;
    Ok(Json(PasskeyList {
        data: data.into_iter().map(PasskeyInfo::from).collect(),
    }))
}

/// `PATCH /api/v1/auth/passkeys/{id}` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    /// The new name.
    pub name: String,
}

/// Renames one of the caller's passkeys.
#[utoipa::path(patch, path = "/api/v1/auth/passkeys/{id}", tag = TAG, request_body = Rename,
    params(("id" = Uuid, Path, description = "Passkey id")),
    responses((status = 204, description = "Renamed"), Problems))]
pub async fn rename_passkey(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(id): Path<String>,
    TypedJson(body): TypedJson<Rename>,
) -> Result<StatusCode, ApiError> {
    passkeys::rename(&s.app, &ctx, ids::parse(&id)?, &body.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/auth/passkeys/{id}/remove` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Remove {
    /// The caller's current password (re-authentication).
    pub current_password: String,
}

/// Removes one of the caller's passkeys (browser session, current password).
#[utoipa::path(post, path = "/api/v1/auth/passkeys/{id}/remove", tag = TAG, request_body = Remove,
    params(("id" = Uuid, Path, description = "Passkey id")),
    responses((status = 204, description = "Removed"), Problems))]
pub async fn remove_passkey(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(id): Path<String>,
    TypedJson(body): TypedJson<Remove>,
) -> Result<StatusCode, ApiError> {
    passkeys::remove(&s.app, &ctx, ids::parse(&id)?, &body.current_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/auth/passkeys/login/start` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginStart {
    /// The account's address.
    pub email: String,
}

/// Starts a passkey login for an account.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/login/start", tag = TAG, request_body = LoginStart,
    responses((status = 200, body = CeremonyStarted), Problems))]
pub async fn start_login(
    State(s): State<AppState>,
    AnonymousCtx(ctx): AnonymousCtx,
    TypedJson(body): TypedJson<LoginStart>,
) -> Result<Json<CeremonyStarted>, ApiError> {
    started(passkeys::start_login(&s.app, &ctx, &body.email).await?)
}

/// Finishes a passkey login: sets the session cookie, as a password login does.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/login/finish", tag = TAG, request_body = CeremonyFinish,
    responses((status = 200, body = SessionInfo), Problems))]
pub async fn finish_login(
    State(s): State<AppState>,
    AnonymousCtx(ctx): AnonymousCtx,
    TypedJson(body): TypedJson<CeremonyFinish>,
) -> Result<Response, ApiError> {
    let opened = passkeys::finish_login(
        &s.app,
        &ctx,
        &body.ceremony_id,
        body.credential,
        body.workspace_id,
    )
    .await?;
    let mut res = Json(SessionInfo::of(&opened.who, Some(opened.expires_at))).into_response();
    if let Some(c) = session_cookie(&s.app.config, opened.secret, false) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
