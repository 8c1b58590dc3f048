//! Security and caching headers on every response (API.md, "Headers on every response").

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Whether HSTS is sent (served over TLS, or `server.trust_proxy_tls`).
#[derive(Debug, Clone, Copy)]
pub struct Hsts(pub bool);

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
// The API docs page loads its own scripts and styles from this server only.
const HTML_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";

/// Middleware: adds the headers that are not already set.
pub async fn apply(State(hsts): State<Hsts>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/v1");
    let mut res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(if is_html {
            HTML_CSP
        } else {
            API_CSP
        }));
    if hsts.0 {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if is_api {
        // API answers carry personal data: no shared or browser cache keeps them.
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    } else {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-cache"));
    }
    res
}
