//! The application's one error type; rapport-http maps each variant to a problem (RFC 9457).

use rapport_domain::validation::FieldError;
use rapport_store::StoreError;

/// What went wrong, in terms a client can act on. Each variant names its HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422: the body is well-formed but fields are invalid (every one listed).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 400: a malformed filter expression, with where it goes wrong.
    #[error("invalid filter: {message}")]
    BadFilter {
        /// What is wrong.
        message: String,
        /// 0-based byte offset.
        offset: usize,
        /// 1-based character column.
        column: usize,
    },
    /// 400: another malformed query parameter (`sort`, `limit`, `cursor`, `fields`).
    #[error("invalid parameter {parameter}: {message}")]
    BadParameter {
        /// The parameter's name.
        parameter: &'static str,
        /// What is wrong.
        message: String,
    },
    /// 401: no valid credentials (missing, unknown, expired or revoked; which one is not said).
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// 401: the password was right and the account has a second factor: send its code too.
    #[error("second factor required")]
    SecondFactorRequired,
    /// 403: the workspace requires a second factor the caller has not set up yet.
    #[error("second factor not set up")]
    SecondFactorNotSetUp,
    /// 403: the caller is known but their role or token scopes do not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 429: too many attempts; try again after `retry_after_secs`.
    #[error("too many requests: {detail}")]
    TooManyRequests {
        /// What was refused.
        detail: String,
        /// Seconds to wait (`Retry-After`).
        retry_after_secs: u64,
    },
    /// 413: the request body (an uploaded file) is larger than allowed.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// 404: no such record in the caller's workspace.
    #[error("not found")]
    NotFound,
    /// 404: an address names an object that has no such route; says which names exist.
    #[error("no such object: {0}")]
    NoSuchObject(String),
    /// 308 on a read of a record merged into another (its address redirects to the survivor's);
    /// 404 anywhere else, as the record is gone.
    #[error("merged into {into}")]
    Merged {
        /// The record it was merged into.
        into: uuid::Uuid,
    },
    /// 412: `If-Match` names a version that is no longer current.
    #[error("precondition failed")]
    PreconditionFailed {
        /// The current version.
        current_version: i64,
    },
    /// 409: the change conflicts with another record.
    #[error("conflict: {detail}")]
    Conflict {
        /// Stable code, e.g. `domain_taken`.
        code: &'static str,
        /// A sentence naming the other record.
        detail: String,
        /// The other record's id, when there is one.
        existing_id: Option<String>,
    },
    /// 503: the database cannot be reached or is saturated.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug or unexpected state; details are logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::InvalidCursor(m) => AppError::BadParameter {
                parameter: "cursor",
                message: m,
            },
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            StoreError::Conflict { constraint } => AppError::Conflict {
                code: "conflict",
                detail: format!("the change conflicts with an existing record ({constraint})"),
                existing_id: None,
            },
            StoreError::MissingReference { constraint } => {
                AppError::Internal(format!("unchecked reference {constraint}"))
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<rapport_domain::filter::FilterError> for AppError {
    fn from(e: rapport_domain::filter::FilterError) -> Self {
        AppError::BadFilter {
            message: e.message,
            offset: e.pos.offset,
            column: e.pos.column,
        }
    }
}

impl AppError {
    /// Rewrites the pointer of every field problem (a nested create's problems placed under
    /// the request field that carried it); other errors pass through.
    pub fn repoint(self, f: impl Fn(&str) -> String) -> AppError {
        match self {
            AppError::Validation(errors) => AppError::Validation(
                errors
                    .into_iter()
                    .map(|mut e| {
                        e.pointer = f(&e.pointer);
                        e
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}

/// The whole seconds of `Retry-After` for a wait, rounded up: a client that waits exactly that
/// long must find the wait over (rounded down, it was refused once more).
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn retry_after_rounds_up_to_a_whole_second() {
        assert_eq!(super::retry_after_secs(Duration::from_millis(1200)), 2);
        assert_eq!(super::retry_after_secs(Duration::from_secs(3)), 3);
        assert_eq!(super::retry_after_secs(Duration::ZERO), 1);
    }
}
