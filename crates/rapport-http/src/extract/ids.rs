//! Path ids: a malformed id names no record, so it answers 404 like a missing one.

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
