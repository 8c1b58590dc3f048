//! Authentication: the one place a request becomes a [`Ctx`]. A handler that takes
//! [`RequestCtx`] cannot run for an unauthenticated caller, so every route is closed unless its
//! handler leaves the extractor out (health probes, login, setup, the error registry).
//!
//! Credentials, in order: `Authorization: Bearer rpt_...` (API tokens), then the session cookie.
//! A state-changing request made with the cookie must carry the session's `X-CSRF-Token` and, when
//! the browser says where it comes from (`Origin`, `Sec-Fetch-Site`), come from this origin.
//! Credentials in the URL are refused outright.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use chrono::Utc;
use rapport_app::config::Config;
use rapport_app::ctx::Client;
use rapport_app::identity::{Authenticated, sessions, tokens, unauthenticated};
use rapport_app::{AppError, Ctx};
use subtle::ConstantTimeEq;

use crate::middleware::request_id::RequestId;
use crate::problem::{self, ApiError, Problem};
use crate::state::AppState;

/// The session cookie's name over TLS: `__Host-` binds it to this host, path `/`, Secure.
pub const SECURE_COOKIE: &str = "__Host-rapport_session";
/// The session cookie's name on plain `http://localhost` (development): browsers refuse
/// `__Host-` cookies without TLS.
pub const PLAIN_COOKIE: &str = "rapport_session";
/// The header carrying the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The routes open to a member who still has to set up a required second factor.
const MFA_SETUP_PREFIX: &str = "/api/v1/auth/";

/// The longest user agent recorded.
const MAX_USER_AGENT: usize = 256;

/// The [`Ctx`] of an authenticated request.
#[derive(Debug, Clone)]
pub struct RequestCtx(pub Ctx);

/// The session cookie's name under this configuration.
pub fn cookie_name(config: &Config) -> &'static str {
    if config.server.trust_proxy_tls {
        SECURE_COOKIE
    } else {
        PLAIN_COOKIE
    }
}

/// The session secret the request carries in its cookie, if any.
pub fn session_secret(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest address in
/// `X-Forwarded-For` that is not one of ours (the leftmost entries are the client's to forge).
pub fn client_ip(parts: &Parts, config: &Config) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = |ip: &IpAddr| {
        config
            .server
            .trusted_proxies
            .iter()
            .any(|p| p.parse::<IpAddr>().is_ok_and(|t| t == *ip))
    };
    match peer {
        Some(p) if trusted(&p) => {
            let forwarded: Vec<IpAddr> = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse().ok())
                .collect();
            forwarded.into_iter().rev().find(|a| !trusted(a)).or(peer)
        }
        other => other,
    }
}

/// Where the request comes from, for the audit log and login throttling.
pub fn client(parts: &Parts, config: &Config) -> Client {
    Client {
        ip: client_ip(parts, config).map(|ip| ip.to_string()),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(MAX_USER_AGENT).collect()),
        request_id: parts
            .extensions
            .get::<crate::middleware::request_id::ClientRequestId>()
            .map(|r| r.0.clone()),
    }
}

/// The id this server gave the request (never the caller's own).
pub fn request_id(parts: &Parts) -> String {
    parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

/// Refuses query parameters that look like credentials: they leak into logs and history.
fn refuse_credentials_in_url(parts: &Parts) -> Result<(), ApiError> {
    let Some(query) = parts.uri.query() else {
        return Ok(());
    };
    let leaked = query.split('&').any(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        matches!(
            k.to_ascii_lowercase().as_str(),
            "access_token" | "token" | "api_key" | "apikey" | "session"
        ) || v.starts_with(tokens::PREFIX)
    });
    if leaked {
        return Err(Problem::new(
            problem::CREDENTIALS_IN_URL,
            "credentials are not accepted in the URL; use the Authorization header",
        )
        .into());
    }
    Ok(())
}

/// The scheme and host this request was addressed to, as a browser would write its origin.
fn own_origin(headers: &HeaderMap, config: &Config) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if config.server.trust_proxy_tls {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}"))
}

/// CSRF defence for cookie-authenticated unsafe requests: the synchroniser token must match,
/// and a browser-declared origin must be ours.
fn check_csrf(parts: &Parts, who: &Authenticated, config: &Config) -> Result<(), ApiError> {
    let refuse = |why: &str| -> ApiError { Problem::new(problem::CSRF_REJECTED, why).into() };
    if let Some(site) = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(refuse("the request comes from another site"));
    }
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        let ours = own_origin(&parts.headers, config);
        if origin.to_str().ok() != ours.as_deref() {
            return Err(refuse("the request's Origin is not this site"));
        }
    }
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let expected = who.csrf_token.as_deref().unwrap_or_default().as_bytes();
    if expected.is_empty() || !bool::from(sent.ct_eq(expected)) {
        return Err(refuse(
            "a state-changing request with the session cookie needs the X-CSRF-Token header",
        ));
    }
    Ok(())
}

/// Authenticates the request.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<Authenticated, ApiError> {
    let app = &state.app;
    refuse_credentials_in_url(parts)?;
    let now = Utc::now();
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(unauthenticated)?;
        return Ok(tokens::authenticate(app, secret, now).await?);
    }
    let Some(secret) = session_secret(&parts.headers, cookie_name(&app.config)) else {
        return Err(unauthenticated().into());
    };
    let who = sessions::authenticate(app, &secret, now).await?;
    if !parts.method.is_safe() {
        check_csrf(parts, &who, &app.config)?;
    }
    Ok(who)
}

impl FromRequestParts<AppState> for RequestCtx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Middleware (idempotency) may have authenticated this request already.
        if let Some(done) = parts.extensions.get::<RequestCtx>() {
            return Ok(done.clone());
        }
        let who = authenticate(parts, state).await?;
        // Until a required second factor is set up, only the routes that set it up answer.
        if who.mfa_missing && !parts.uri.path().starts_with(MFA_SETUP_PREFIX) {
            return Err(AppError::SecondFactorNotSetUp.into());
        }
        let ctx = RequestCtx(who.ctx(request_id(parts), client(parts, &state.app.config)));
        parts.extensions.insert(ctx.clone());
        // Handlers that need the credential itself (the session's CSRF token) read it after.
        parts.extensions.insert(who);
        Ok(ctx)
    }
}

/// The context of a caller who has not authenticated (login, first-run setup, invitations).
#[derive(Debug, Clone)]
pub struct AnonymousCtx(pub Ctx);

impl FromRequestParts<AppState> for AnonymousCtx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        refuse_credentials_in_url(parts)?;
        Ok(AnonymousCtx(Ctx::anonymous(
            request_id(parts),
            client(parts, &state.app.config),
        )))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut req = Request::builder().uri("/api/v1/contacts");
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-for", f);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        parts
    }

    fn config(trusted: &[&str]) -> Config {
        let mut c = Config::default();
        c.server.trusted_proxies = trusted.iter().map(|s| (*s).to_owned()).collect();
        c
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let forged = Some("6.6.6.6");
        assert_eq!(
            client_ip(&parts("203.0.113.7:5000", forged), &config(&[])),
            Some("203.0.113.7".parse().unwrap()),
            "an untrusted peer's X-Forwarded-For is ignored"
        );
        assert_eq!(
            client_ip(
                &parts("10.0.0.2:5000", Some("6.6.6.6, 198.51.100.9")),
                &config(&["10.0.0.2"])
            ),
            Some("198.51.100.9".parse().unwrap()),
            "behind a trusted proxy, the nearest address it reports"
        );
        assert_eq!(
            client_ip(
                &parts("10.0.0.2:5000", Some("198.51.100.9, 10.0.0.3")),
                &config(&["10.0.0.2", "10.0.0.3"])
            ),
            Some("198.51.100.9".parse().unwrap()),
            "chains of trusted proxies are skipped"
        );
    }

    #[test]
    fn credentials_in_the_query_string_are_refused() {
        for query in ["access_token=abc", "x=1&TOKEN=abc", "q=rpt_abc"] {
            let (parts, ()) = Request::builder()
                .uri(format!("/api/v1/contacts?{query}"))
                .body(())
                .unwrap()
                .into_parts();
            assert!(refuse_credentials_in_url(&parts).is_err(), "{query}");
        }
        let (parts, ()) = Request::builder()
            .uri("/api/v1/contacts?filter=first_name%20eq%20%22Ana%22")
            .body(())
            .unwrap()
            .into_parts();
        assert!(refuse_credentials_in_url(&parts).is_ok());
    }
}
