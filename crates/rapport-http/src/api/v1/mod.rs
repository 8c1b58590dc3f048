//! The JSON API, version 1: one module per resource, each owning its routes.

pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod cases;
pub mod companies;
pub mod contacts;
pub mod members;
pub mod mfa;
pub mod oidc;
pub mod passkeys;
pub mod resource;
pub mod roles;
pub mod search;
pub mod tokens;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every `/api/v1` route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(contacts::router())
        .merge(companies::router())
        .merge(cases::router())
        .merge(campaigns::router())
        .merge(search::router())
        .merge(auth::router())
        .merge(tokens::router())
        .merge(members::router())
        .merge(mfa::router())
        .merge(passkeys::router())
        .merge(oidc::router())
        .merge(roles::router())
        .merge(audit::router())
}
