//! The JSON API, version 1: one module per resource, each owning its routes.

pub mod activities;
pub mod appointments;
pub mod associations;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod campaigns;
pub mod cases;
pub mod companies;
pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub mod documents;
pub mod duplicates;
pub mod imports;
pub mod leads;
pub mod members;
pub mod mfa;
pub mod oidc;
pub mod passkeys;
pub mod pipelines;
pub mod projects;
pub mod recovery;
pub mod reports;
pub mod resource;
pub mod roles;
pub mod schema;
pub mod search;
pub mod tags;
pub mod tasks;
pub mod timeline;
pub mod tokens;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every `/api/v1` route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(contacts::router())
        .merge(contacts::merge_router())
        .merge(companies::router())
        .merge(companies::merge_router())
        .merge(tags::router())
        .merge(pipelines::router())
        .merge(custom_fields::router())
        .merge(pipelines::stage_router())
        .merge(deals::router())
        .merge(deals::board_router())
        .merge(leads::router())
        .merge(leads::convert_router())
        .merge(activities::router())
        .merge(timeline::router())
        .merge(reports::router())
        .merge(associations::router())
        .merge(schema::router())
        .merge(tasks::router())
        .merge(appointments::router())
        .merge(projects::router())
        .merge(projects::milestone_router())
        .merge(documents::router())
        .merge(imports::router())
        .merge(calendar::router())
        .merge(cases::router())
        .merge(campaigns::router())
        .merge(search::router())
        .merge(auth::router())
        .merge(recovery::router())
        .merge(tokens::router())
        .merge(members::router())
        .merge(mfa::router())
        .merge(passkeys::router())
        .merge(oidc::router())
        .merge(roles::router())
        .merge(audit::router())
}
