//! `GET /setup`: the page the one-time setup link printed by `serve` opens. The token stays in
//! the URL fragment (never sent to the server, never logged); the page's script posts it with
//! the form to `POST /api/v1/setup`. Both files are compiled into the binary.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

const PAGE: &str = include_str!("../../assets/setup.html");
const SCRIPT: &str = include_str!("../../assets/setup.js");

/// The setup page and its script.
#[expect(
    clippy::disallowed_methods,
    reason = "pages are not API routes: they stay out of the OpenAPI document"
)]
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/setup", get(page))
        .route("/assets/setup.js", get(script))
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn script() -> Response {
    let mut res = SCRIPT.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    res
}
