//! A request that runs longer than `server.request_timeout_ms` is answered 503 with Retry-After.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::{self, Problem};

/// The limit, as middleware state.
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub Duration);

/// Middleware: bounds the time spent in the handler.
pub async fn limit(State(t): State<RequestTimeout>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(t.0, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(timeout_ms = t.0.as_millis() as u64, "request timed out");
            Problem::new(
                problem::UNAVAILABLE,
                format!("the request took longer than {} ms", t.0.as_millis()),
            )
            .retry_after(1)
            .into_response()
        }
    }
}
