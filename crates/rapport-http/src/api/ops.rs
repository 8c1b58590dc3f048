//! Operations endpoints: liveness, readiness, health, metrics. Not under `/api`: load balancers
//! and scrapers call them. The probes are open (they reveal nothing but up/down and the version);
//! metrics need a token.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::health::{self, Check};
use rapport_app::policy::authorize;
use rapport_domain::policy::{Action, Resource};
use serde::Serialize;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::v1::resource::Problems;
use crate::extract::RequestCtx;
use crate::problem::{self, ApiError, Problem};
use crate::state::AppState;

const TAG: &str = "operations";

/// The operations routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(livez))
        .routes(routes!(readyz))
        .routes(routes!(healthz))
        .routes(routes!(metrics))
}

/// A status answer.
#[derive(Serialize, ToSchema)]
pub struct Status {
    /// `alive` or `ready`.
    pub status: &'static str,
}

/// The process is alive (no dependency is checked).
#[utoipa::path(get, path = "/livez", tag = TAG, responses((status = 200, body = Status)))]
pub async fn livez() -> Json<Status> {
    Json(Status { status: "alive" })
}

/// The instance can serve: the database answers and the schema is current.
#[utoipa::path(get, path = "/readyz", tag = TAG,
    responses((status = 200, body = Status), (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn readyz(State(s): State<AppState>) -> Response {
    let checks = health::checks(&s.app).await;
    let failing: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{}: {}", c.name, c.error.as_deref().unwrap_or("failed")))
        .collect();
    if failing.is_empty() {
        Json(Status { status: "ready" }).into_response()
    } else {
        Problem::new(
            problem::UNAVAILABLE,
            format!("not ready: {}", failing.join("; ")),
        )
        .retry_after(5)
        .into_response()
    }
}

/// Health report.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// Release version.
    pub version: String,
    /// Git commit the binary was built from.
    pub commit: String,
    /// Seconds since start.
    pub uptime_seconds: u64,
    /// Each check with its latency.
    #[schema(value_type = Vec<Object>)]
    pub checks: Vec<Check>,
}

/// Health as JSON: version, commit, uptime, each check with its latency.
#[utoipa::path(get, path = "/healthz", tag = TAG, responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(s): State<AppState>) -> Response {
    let checks = health::checks(&s.app).await;
    let ok = checks.iter().all(|c| c.ok);
    let body = Health {
        status: if ok { "ok" } else { "degraded" },
        version: s.build.version.clone(),
        commit: s.build.commit.clone(),
        uptime_seconds: s.app.started.elapsed().as_secs(),
        checks,
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Whether the request carries the configured static metrics token.
fn has_metrics_token(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|sent| bool::from(sent.trim().as_bytes().ct_eq(expected.as_bytes())))
}

/// Prometheus metrics (text exposition format). Needs `auth.metrics_token` as a bearer token,
/// or an owner's or admin's API token with the admin scope.
#[utoipa::path(get, path = "/metrics", tag = TAG, responses((status = 200, content_type = "text/plain", body = String), Problems))]
pub async fn metrics(
    State(s): State<AppState>,
    headers: HeaderMap,
    caller: Result<RequestCtx, ApiError>,
) -> Response {
    let static_ok = s
        .app
        .config
        .auth
        .metrics_token
        .as_ref()
        .is_some_and(|t| has_metrics_token(&headers, t.expose()));
    if !static_ok {
        let allowed = match caller {
            Ok(RequestCtx(ctx)) => authorize(&s.app, &ctx, Action::Read, Resource::Metrics)
                .await
                .map_err(ApiError::from),
            Err(e) => Err(e),
        };
        if let Err(e) = allowed {
            return e.into_response();
        }
    }
    for p in s.app.db.pool_stats() {
        metrics::gauge!("db_pool_connections", "pool" => p.name).set(f64::from(p.size));
        metrics::gauge!("db_pool_idle_connections", "pool" => p.name).set(f64::from(p.idle));
        metrics::gauge!("db_pool_max_connections", "pool" => p.name).set(f64::from(p.max));
    }
    metrics::gauge!("process_uptime_seconds").set(s.app.started.elapsed().as_secs_f64());
    let mut res = s.metrics.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
