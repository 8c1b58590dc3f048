//! The error registry: `GET /problems/{type}` explains each problem type a response can carry.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::problem::{self, ALL, Problem};
use crate::state::AppState;

/// The registry routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(problem_type))
}

/// Explains one problem type.
#[utoipa::path(get, path = "/problems/{type}", tag = "operations", params(("type" = String, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn problem_type(Path(slug): Path<String>) -> Response {
    let Some(kind) = ALL.iter().find(|k| k.slug == slug) else {
        return Problem::new(problem::NOT_FOUND, "no such problem type").into_response();
    };
    // Every string here is a constant of ours: nothing needs escaping.
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p>HTTP status {status}.</p><p>{help}</p>\
         <p>Type: <code>/problems/{slug}</code></p></main></body></html>",
        title = kind.title,
        status = kind.status,
        help = kind.help,
        slug = kind.slug
    );
    let mut res = Html(page).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    res
}
