//! `/api/v1/auth`: browser sessions (login, logout, log out everywhere, who am I, password
//! change), `/api/v1/setup` (the first-run link) and `/api/v1/invitations/accept`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use cookie::{Cookie, SameSite};
use rapport_app::config::Config;
use rapport_app::identity::users::{Created, NewUser};
use rapport_app::identity::{Authenticated, sessions, setup};
use rapport_app::{Actor, AppError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::resource::Problems;
use crate::extract::ctx::{cookie_name, session_secret};
use crate::extract::{AnonymousCtx, RequestCtx, TypedJson};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "auth";

/// The authentication routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(logout_everywhere))
        .routes(routes!(session))
        .routes(routes!(change_password))
        .routes(routes!(complete_setup))
        .routes(routes!(accept_invitation))
}

/// `POST /api/v1/auth/login` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// The account's e-mail address.
    pub email: String,
    /// The password.
    pub password: String,
    /// The workspace to open (default: the first the user joined).
    pub workspace_id: Option<Uuid>,
    /// With a second factor: the 6-digit code from the authenticator app, or a recovery code.
    pub code: Option<String>,
}

/// The caller as the server sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// The user.
    pub user_id: Uuid,
    /// The workspace this credential acts in.
    pub workspace_id: Uuid,
    /// Their role there.
    pub role: String,
    /// What the credential may do: `read`, `write`, `admin`, or `<object>:<level>`.
    pub scopes: Vec<String>,
    /// `session` or `token`.
    pub via: &'static str,
    /// For sessions: send it back in `X-CSRF-Token` on every state-changing request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    /// For new sessions: when the session ends at the latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "rapport_domain::objects::time::serialize_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The workspace requires a second factor this user has not set up: only `/api/v1/auth/`
    /// routes answer until they do.
    pub mfa_setup_required: bool,
}

impl SessionInfo {
    /// The caller's view of a credential.
    pub fn of(who: &Authenticated, expires_at: Option<DateTime<Utc>>) -> Self {
        SessionInfo {
            user_id: who.user_id.0,
            workspace_id: who.workspace_id.0,
            role: who.principal.role_name().to_owned(),
            scopes: who.principal.scopes.names(),
            via: if who.token_id.is_some() {
                "token"
            } else {
                "session"
            },
            csrf_token: who.csrf_token.clone(),
            expires_at,
            mfa_setup_required: who.mfa_missing,
        }
    }
}

/// A `Set-Cookie` value for the session cookie: `__Host-` and `Secure` over TLS, always
/// `HttpOnly` (scripts never see it) and `SameSite=Lax` (no cross-site POSTs carry it). No
/// `Max-Age`: it ends with the browser, and the server ends it sooner.
pub fn session_cookie(config: &Config, value: String, remove: bool) -> Option<HeaderValue> {
    let mut c = Cookie::build((cookie_name(config), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.server.trust_proxy_tls)
        .build();
    if remove {
        c.make_removal();
    }
    HeaderValue::from_str(&c.to_string()).ok()
}

/// Logs in with e-mail and password: sets the session cookie (a new id each time) and returns
/// the CSRF token. Every failure gets the same 401; repeated failures get 429 with Retry-After.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = TAG, request_body = LoginBody,
    responses((status = 200, body = SessionInfo, description = "Logged in; the session cookie is set"), Problems))]
pub async fn login(
    State(s): State<AppState>,
    AnonymousCtx(ctx): AnonymousCtx,
    TypedJson(body): TypedJson<LoginBody>,
) -> Result<Response, ApiError> {
    let req = sessions::Login {
        email: body.email,
        password: body.password,
        workspace_id: body.workspace_id,
        code: body.code,
    };
    let opened = sessions::login(&s.app, &ctx, &req).await?;
    let mut res = Json(SessionInfo::of(&opened.who, Some(opened.expires_at))).into_response();
    if let Some(c) = session_cookie(&s.app.config, opened.secret, false) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Ends the current browser session on the server and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = TAG,
    responses((status = 204, description = "Logged out"), Problems))]
pub async fn logout(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(secret) = session_secret(&headers, cookie_name(&s.app.config)) else {
        return Err(AppError::BadParameter {
            parameter: "Authorization",
            message:
                "logout ends a browser session; revoke a token with DELETE /api/v1/tokens/{id}"
                    .into(),
        }
        .into());
    };
    sessions::logout(&s.app, &ctx, &secret).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = session_cookie(&s.app.config, String::new(), true) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ended {
    /// Sessions ended.
    pub sessions_ended: u64,
}

/// Ends every session of the caller, on every device (API tokens are kept: revoke them apart).
#[utoipa::path(post, path = "/api/v1/auth/logout-everywhere", tag = TAG,
    responses((status = 200, body = Ended), Problems))]
pub async fn logout_everywhere(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<Response, ApiError> {
    let sessions_ended = sessions::logout_everywhere(&s.app, &ctx).await?;
    let mut res = Json(Ended { sessions_ended }).into_response();
    if let Some(c) = session_cookie(&s.app.config, String::new(), true) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// Who the caller is: user, workspace, role, scopes, and for a session its CSRF token.
#[utoipa::path(get, path = "/api/v1/auth/session", tag = TAG,
    responses((status = 200, body = SessionInfo), Problems))]
pub async fn session(
    RequestCtx(_ctx): RequestCtx,
    Extension(who): Extension<Authenticated>,
) -> Response {
    let mut res = Json(SessionInfo::of(&who, None)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `POST /api/v1/auth/password` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// The password now (re-authentication).
    pub current_password: String,
    /// The new password: 12 to 128 characters, not a common one.
    pub new_password: String,
}

/// Changes the caller's password; every session of theirs ends (log in again).
#[utoipa::path(post, path = "/api/v1/auth/password", tag = TAG, request_body = PasswordBody,
    responses((status = 204, description = "Changed; sessions ended"), Problems))]
pub async fn change_password(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    TypedJson(body): TypedJson<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    if !matches!(ctx.actor, Actor::User { token: None, .. }) {
        return Err(AppError::Forbidden(
            "a password is changed from a browser session, not with an API token".into(),
        )
        .into());
    }
    sessions::change_password(&s.app, &ctx, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/setup` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupBody {
    /// The secret from the link `rapport serve` printed.
    pub token: String,
    /// The owner's e-mail address.
    pub email: String,
    /// Their password: 12 to 128 characters, not a common one.
    pub password: String,
    /// Their name as colleagues see it.
    pub display_name: Option<String>,
    /// The first workspace's name.
    pub workspace: String,
}

/// A new account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountCreated {
    /// The user.
    pub user_id: Uuid,
    /// The workspace they joined.
    pub workspace_id: Uuid,
}

impl From<Created> for AccountCreated {
    fn from(c: Created) -> Self {
        AccountCreated {
            user_id: c.user_id.0,
            workspace_id: c.workspace_id.0,
        }
    }
}

/// First run: uses the one-time setup link to create the first owner and workspace. Then log in.
#[utoipa::path(post, path = "/api/v1/setup", tag = TAG, request_body = SetupBody,
    responses((status = 201, body = AccountCreated), Problems))]
pub async fn complete_setup(
    State(s): State<AppState>,
    AnonymousCtx(ctx): AnonymousCtx,
    TypedJson(body): TypedJson<SetupBody>,
) -> Result<(StatusCode, Json<AccountCreated>), ApiError> {
    let user = NewUser {
        email: body.email,
        password: body.password,
        display_name: body.display_name,
    };
    let created = setup::complete_setup(&s.app, &ctx, &body.token, &user, &body.workspace).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// `POST /api/v1/invitations/accept` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The secret from the invitation.
    pub token: String,
    /// The new account's e-mail address (the invited one, when the invitation names it).
    pub email: String,
    /// Its password: 12 to 128 characters, not a common one.
    pub password: String,
    /// The name colleagues see.
    pub display_name: Option<String>,
}

/// Accepts an invitation with a new account, joining the workspace with the invited role.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = TAG, request_body = AcceptBody,
    responses((status = 201, body = AccountCreated), Problems))]
pub async fn accept_invitation(
    State(s): State<AppState>,
    AnonymousCtx(ctx): AnonymousCtx,
    TypedJson(body): TypedJson<AcceptBody>,
) -> Result<(StatusCode, Json<AccountCreated>), ApiError> {
    let user = NewUser {
        email: body.email,
        password: body.password,
        display_name: body.display_name,
    };
    let created = setup::accept_invite(&s.app, &ctx, &body.token, &user).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}
