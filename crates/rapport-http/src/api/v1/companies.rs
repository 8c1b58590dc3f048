//! `/api/v1/companies`: organisations.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::records;
use rapport_domain::objects::company::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Company, CompanyDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

record_resource! {
    record: Company,
    draft: CompanyDraft,
    noun: "company",
    nouns: "companies",
    tag: "companies",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/companies",
        item: "/api/v1/companies/{id}",
        restore: "/api/v1/companies/{id}/restore",
        search: "/api/v1/companies/search",
        export: "/api/v1/companies/export",
        batch: "/api/v1/companies/batch",
    },
    handlers: {
        list: list_companies,
        create: create_company,
        get: get_company,
        update: update_company,
        delete: delete_company,
        restore: restore_company,
        search: search_companies,
        export: export_companies,
        batch: batch_companies,
    },
}
