//! `log.log_bodies = true`: request and response bodies in the log, for debugging an integration on
//! a development machine. Off by default and refused in production, because bodies carry personal
//! data. Bodies are buffered (they are bounded by `server.max_body_bytes`) and logged as text, cut
//! at 4 KiB.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::request_id::RequestId;

/// How much of a body one log line shows.
const SHOWN: usize = 4096;

/// The body limit, as middleware state.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN)]).into_owned();
    if bytes.len() > SHOWN {
        format!("{text}… ({} bytes)", bytes.len())
    } else {
        text
    }
}

/// Middleware: logs both bodies of every request.
pub async fn record(State(limit): State<BodyLimit>, req: Request, next: Next) -> Response {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    // An uploaded file is streamed to disk by its handler, past `server.max_body_bytes`:
    // buffering it here would defeat both, and it is not text to log.
    if super::idempotency::streams_body(req.method(), req.uri().path()) {
        tracing::info!(target: "rapport::bodies", request_id = %request_id, body = "(streamed upload, not logged)", "request body");
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(request_bytes) = axum::body::to_bytes(body, limit.0).await else {
        // Too large: let the handler's own limit answer 413 on an empty body.
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    tracing::info!(target: "rapport::bodies", request_id = %request_id, body = %shown(&request_bytes), "request body");
    let res = next
        .run(Request::from_parts(parts, Body::from(request_bytes)))
        .await;
    let (res_parts, res_body) = res.into_parts();
    let Ok(response_bytes) = axum::body::to_bytes(res_body, usize::MAX).await else {
        return Response::from_parts(res_parts, Body::empty());
    };
    tracing::info!(target: "rapport::bodies", request_id = %request_id, body = %shown(&response_bytes), "response body");
    Response::from_parts(res_parts, Body::from(response_bytes))
}
