//! `/api/v1/companies`: organisations.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::{merges, records};
use rapport_domain::ids::CompanyId;
use rapport_domain::objects::company::{READ_ONLY, WRITABLE};
use rapport_domain::objects::merge::MergeInputSchema;
use rapport_domain::objects::{Company, CompanyDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::duplicates::{self, DuplicateList};
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

/// The duplicate check and the merge of companies.
pub fn merge_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_company_duplicates))
        .routes(routes!(merge_companies))
}

/// The live companies likely to be the same as this one, with the reasons, best first.
#[utoipa::path(get, path = "/api/v1/companies/{id}/duplicates", tag = "companies", summary = "List a company's likely duplicates",
    params(("id" = String, Path)), responses((status = 200, body = DuplicateList), Problems))]
pub async fn list_company_duplicates(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = CompanyId(ids::parse(&raw)?);
    let found = merges::company_duplicates(&s.app, &ctx, id).await?;
    Ok(duplicates::answer(
        &ctx,
        <Company as records::Object>::SCHEMA,
        found,
    ))
}

/// Merge another company into this one: this one survives with the chosen fields, everything that
/// pointed at the other points here, and the other's address redirects here (308).
#[utoipa::path(post, path = "/api/v1/companies/{id}/merge", tag = "companies", summary = "Merge another company into this one",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if this company is still at this ETag")),
    request_body = MergeInputSchema, responses((status = 200, body = Company, description = "The surviving company"), Problems))]
pub async fn merge_companies(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let c = merges::merge::<Company>(&s.app, &ctx, ids::parse(&raw)?, body, if_match).await?;
    let hidden = resource::hidden(&ctx, <Company as records::Object>::SCHEMA);
    Ok(resource::record(
        StatusCode::OK,
        &c,
        c.version,
        None,
        hidden,
    ))
}
