//! One structured log line and the HTTP metrics per request, labelled by route template (never the
//! raw path, which carries ids).

use std::time::Instant;

use axum::body::HttpBody;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use super::request_id::{ClientRequestId, RequestId, TraceContext};

/// The route label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Middleware: times the request, then logs and counts it.
pub async fn record(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, |m| m.as_str())
        .to_owned();
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let client_request_id = req
        .extensions()
        .get::<ClientRequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let trace_id = req
        .extensions()
        .get::<TraceContext>()
        .map(|t| t.trace_id.clone())
        .unwrap_or_default();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    let bytes = res.body().size_hint().exact();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    tracing::info!(
        target: "rapport::access",
        request_id = %request_id,
        client_request_id = %client_request_id,
        trace_id = %trace_id,
        method = %method,
        route = %route,
        status,
        latency_ms,
        bytes,
        "request"
    );
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
    res
}
