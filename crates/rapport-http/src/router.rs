//! The router: every route, then the middleware stack in the order a request meets it.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::api::docs::{ApiDoc, DOCS_PATH, OPENAPI_PATH};
use crate::middleware::body_log::BodyLimit;
use crate::middleware::security_headers::Hsts;
use crate::middleware::timeout::RequestTimeout;
use crate::middleware::{
    access_log, body_log, idempotency, panic, problem_context, request_id, security_headers,
    timeout,
};
use crate::problem::{self, Problem};
use crate::state::AppState;

/// Every documented route, with the OpenAPI document they make up.
pub fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::v1::router())
        .merge(api::ops::router())
        .merge(api::problems::router())
        .split_for_parts()
}

async fn not_found() -> Response {
    Problem::new(problem::NOT_FOUND, "no resource at this address").into_response()
}

async fn method_not_allowed() -> Response {
    Problem::new(
        problem::METHOD_NOT_ALLOWED,
        "this resource does not accept this method",
    )
    .into_response()
}

/// The whole application.
pub fn build(state: AppState) -> Router {
    let config = state.app.config.clone();
    let (routes, openapi) = documented();
    let routes = routes.route_layer(from_fn(crate::extract::ids::check));
    // Layers wrap what is above them: the last added meets the request first.
    let routes = if config.log.log_bodies {
        routes.layer(from_fn_with_state(
            BodyLimit(config.server.max_body_bytes),
            body_log::record,
        ))
    } else {
        routes
    };
    routes
        .merge(crate::ui::forms::router())
        .merge(
            // The public validator is another host: no call leaves this server.
            SwaggerUi::new(DOCS_PATH)
                .url(OPENAPI_PATH, openapi)
                .config(utoipa_swagger_ui::Config::new([OPENAPI_PATH]).validator_url("none")),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), idempotency::apply))
        .layer(DefaultBodyLimit::max(config.server.max_body_bytes))
        .layer(CatchPanicLayer::custom(panic::respond))
        .layer(from_fn_with_state(
            RequestTimeout(config.request_timeout()),
            timeout::limit,
        ))
        .layer(from_fn_with_state(
            Hsts(config.server.trust_proxy_tls),
            security_headers::apply,
        ))
        .layer(from_fn(problem_context::complete))
        .layer(from_fn(access_log::record))
        .layer(from_fn(request_id::assign))
        .with_state(state)
}
