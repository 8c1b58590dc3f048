//! `/api/v1/auth/oidc/{provider}`: single sign-on. `start` redirects the browser to the provider
//! (with a cookie binding the flow to this browser); the provider redirects back to `callback`,
//! which opens a session and sends the browser home.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use rapport_app::config::Config;
use rapport_app::identity::oidc;
use uuid::Uuid;

use super::auth::session_cookie;
use super::resource::Problems;
use crate::extract::AnonymousCtx;
use crate::extract::ctx::session_secret;
use crate::problem::{self, ApiError, Problem};
use crate::state::AppState;

const TAG: &str = "auth";

/// The SSO routes.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(start))
        .routes(utoipa_axum::routes!(callback))
}

/// The cookie binding a sign-in to the browser that started it.
fn flow_cookie_name(config: &Config) -> &'static str {
    if config.server.trust_proxy_tls {
        "__Host-rapport_oidc"
    } else {
        "rapport_oidc"
    }
}

fn flow_cookie(config: &Config, value: String, remove: bool) -> Option<HeaderValue> {
    let mut c = Cookie::build((flow_cookie_name(config), value))
        .path("/")
        .http_only(true)
        // Lax: the provider's redirect back is a top-level GET, which carries it.
        .same_site(SameSite::Lax)
        .secure(config.server.trust_proxy_tls)
        .max_age(cookie::time::Duration::minutes(10))
        .build();
    if remove {
        c.make_removal();
    }
    HeaderValue::from_str(&c.to_string()).ok()
}

fn see_other(location: &str) -> Result<Response, ApiError> {
    let mut res = StatusCode::SEE_OTHER.into_response();
    let value = HeaderValue::from_str(location).map_err(|_| {
        ApiError::from(rapport_app::AppError::Internal(
            "bad redirect location".into(),
        ))
    })?;
    res.headers_mut().insert(header::LOCATION, value);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

fn query_problem() -> ApiError {
    Problem::new(problem::INVALID_PARAMETER, "the query string is malformed").into()
}

/// Starts signing in with a configured OpenID provider: 303 to the provider.
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/start", tag = TAG,
    params(("provider" = String, Path, description = "The provider's configured name"),
           ("workspace_id" = Option<Uuid>, Query, description = "The workspace to open")),
    responses((status = 303, description = "To the provider's authorization page"), Problems))]
pub async fn start(
    State(s): State<AppState>,
    AnonymousCtx(_ctx): AnonymousCtx,
    Path(provider): Path<String>,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|_| query_problem())?;
    let workspace_id = match q.get("workspace_id") {
        None => None,
        Some(w) => Some(Uuid::parse_str(w).map_err(|_| {
            ApiError::from(
                Problem::new(problem::INVALID_PARAMETER, "workspace_id is not an id")
                    .parameter("workspace_id"),
            )
        })?),
    };
    let redirect = oidc::start(&s.app, &provider, workspace_id).await?;
    let mut res = see_other(&redirect.url)?;
    if let Some(c) = flow_cookie(&s.app.config, redirect.browser_secret, false) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// Where the provider sends the browser back: on success, a session cookie and 303 home.
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/callback", tag = TAG,
    params(("provider" = String, Path, description = "The provider's configured name"),
           ("code" = Option<String>, Query, description = "Authorization code"),
           ("state" = Option<String>, Query, description = "The state sent at the start"),
           ("error" = Option<String>, Query, description = "The provider's refusal")),
    responses((status = 303, description = "Signed in: to the home page"), Problems))]
pub async fn callback(
    State(s): State<AppState>,
    AnonymousCtx(ctx): AnonymousCtx,
    Path(provider): Path<String>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|_| query_problem())?;
    let browser = session_secret(&headers, flow_cookie_name(&s.app.config));
    let cb = oidc::Callback {
        code: q.get("code").map(String::as_str),
        state: q.get("state").map(String::as_str),
        error: q.get("error").map(String::as_str),
        browser_secret: browser.as_deref(),
    };
    let opened = oidc::finish(&s.app, &ctx, &provider, &cb).await?;
    let mut res = see_other("/")?;
    if let Some(c) = session_cookie(&s.app.config, opened.secret, false) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    if let Some(c) = flow_cookie(&s.app.config, String::new(), true) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}
