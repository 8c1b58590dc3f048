//! The one-page forms a link opens: `/setup` (the first-run link `serve` prints),
//! `/accept-invitation`, `/reset-password` and `/confirm-email` (links sent by e-mail). The link's
//! secret stays in the URL fragment (never sent to the server, never logged); each page's script
//! posts it with the form to the API. Pages, script and style are compiled into the binary and
//! served under a strict Content-Security-Policy: nothing inline, nothing from elsewhere.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

/// Only this server's own script and style; the script may call only this server.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const SETUP: &str = include_str!("../../assets/setup.html");
const ACCEPT: &str = include_str!("../../assets/accept-invitation.html");
const RESET: &str = include_str!("../../assets/reset-password.html");
const CONFIRM: &str = include_str!("../../assets/confirm-email.html");

/// The pages and their assets.
#[expect(
    clippy::disallowed_methods,
    reason = "pages are not API routes: they stay out of the OpenAPI document"
)]
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/setup", get(|| async { page(SETUP) }))
        .route("/accept-invitation", get(|| async { page(ACCEPT) }))
        .route("/reset-password", get(|| async { page(RESET) }))
        .route("/confirm-email", get(|| async { page(CONFIRM) }))
        .route(
            "/assets/setup.js",
            get(|| async {
                asset(
                    include_str!("../../assets/setup.js"),
                    "text/javascript; charset=utf-8",
                )
            }),
        )
        .route(
            "/assets/onetime.js",
            get(|| async {
                asset(
                    include_str!("../../assets/onetime.js"),
                    "text/javascript; charset=utf-8",
                )
            }),
        )
        .route(
            "/assets/forms.css",
            get(|| async {
                asset(
                    include_str!("../../assets/forms.css"),
                    "text/css; charset=utf-8",
                )
            }),
        )
}

fn page(html: &'static str) -> Response {
    let mut res = asset(html, "text/html; charset=utf-8");
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    res
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}
