//! Tower/axum middleware, one job each, assembled in order by [`crate::router`].

pub mod access_log;
pub mod body_log;
pub mod idempotency;
pub mod panic;
pub mod problem_context;
pub mod request_id;
pub mod security_headers;
pub mod timeout;
