//! A panicking handler is logged and answered with an opaque 500 problem; the process lives on.

use std::any::Any;

use axum::response::{IntoResponse, Response};

use crate::problem::{self, Problem};

/// For `CatchPanicLayer::custom`.
#[expect(
    clippy::needless_pass_by_value,
    reason = "CatchPanicLayer::custom hands the panic over by value"
)]
pub fn respond(err: Box<dyn Any + Send + 'static>) -> Response {
    let message = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = %message, "handler panicked");
    Problem::new(
        problem::INTERNAL,
        "an unexpected error occurred; quote the request_id when reporting it",
    )
    .into_response()
}
