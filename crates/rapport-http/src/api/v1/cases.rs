//! `/api/v1/cases`: support cases, numbered per workspace, with SLA deadlines.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::records;
use rapport_domain::objects::case::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Case, CaseDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

record_resource! {
    record: Case,
    draft: CaseDraft,
    noun: "case",
    nouns: "cases",
    tag: "cases",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/cases",
        item: "/api/v1/cases/{id}",
        restore: "/api/v1/cases/{id}/restore",
        search: "/api/v1/cases/search",
        export: "/api/v1/cases/export",
        batch: "/api/v1/cases/batch",
    },
    handlers: {
        list: list_cases,
        create: create_case,
        get: get_case,
        update: update_case,
        delete: delete_case,
        restore: restore_case,
        search: search_cases,
        export: export_cases,
        batch: batch_cases,
    },
}
