//! Rapport's HTTP face: the axum router, middleware (ids, logs, metrics, limits, security
//! headers), problem details, the JSON API handlers, operations endpoints, OpenAPI, and the
//! server-rendered pages.

pub mod api;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod problem;
pub mod router;
pub mod state;
pub mod ui;

pub use router::build;
pub use state::{AppState, BuildInfo};
