//! The JSON API, version 1: one module per resource, each owning its routes.

pub mod companies;
pub mod contacts;
pub mod resource;
pub mod search;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every `/api/v1` route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(contacts::router())
        .merge(companies::router())
        .merge(search::router())
}
