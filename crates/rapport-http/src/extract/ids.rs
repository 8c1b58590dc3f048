//! Path ids: a malformed id names no record, so it answers 404 like a missing one.

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::problem::{self, ApiError, Problem};

/// Parses an id from the path, or answers 404.
pub fn parse(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| {
        ApiError::from(Problem::new(
            problem::NOT_FOUND,
            "no such record in this workspace",
        ))
    })
}

/// Whether a path parameter names a record (`{id}`, `{deal_id}`, `{other_id}`...).
fn is_id(name: &str) -> bool {
    name == "id" || name.ends_with("_id")
}

/// Answers 404 before anything else reads the request when a path parameter that names a record
/// is not a UUID (or not even text). Handlers' other extractors run before their bodies, so
/// without this a malformed id met with a bad body or query answered 400, 415 or 422 on some
/// routes and 404 on others; the rule is one for all (`docs/api.md`). Layered per route, after
/// routing has matched the parameters.
pub async fn check(
    params: Result<RawPathParams, RawPathParamsRejection>,
    req: Request,
    next: Next,
) -> Response {
    let malformed = match &params {
        Ok(params) => params
            .iter()
            .any(|(name, value)| is_id(name) && Uuid::parse_str(value).is_err()),
        Err(_) => true,
    };
    if malformed {
        return ApiError::from(Problem::new(
            problem::NOT_FOUND,
            "no such record in this workspace",
        ))
        .into_response();
    }
    next.run(req).await
}
