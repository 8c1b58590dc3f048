//! `/api/v1/companies`: organisations.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::companies;
use rapport_domain::ids::CompanyId;
use rapport_domain::objects::company::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Company, CompanyDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::records::{self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "companies";
const KNOWN: &[&[&str]] = &[WRITABLE, READ_ONLY];

/// The company routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_companies, create_company))
        .routes(routes!(get_company, update_company, delete_company))
        .routes(routes!(restore_company))
        .routes(routes!(search_companies))
}

fn id(raw: &str) -> Result<CompanyId, ApiError> {
    ids::parse(raw).map(CompanyId)
}

/// List companies.
#[utoipa::path(get, path = "/api/v1/companies", tag = TAG, params(ListQuery),
    responses((status = 200, body = ListEnvelope, description = "A page of companies"), Problems))]
pub async fn list_companies(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let fields = Fields::from_query(q.fields.as_deref(), KNOWN)?;
    let page = companies::list(&s.app, &ctx, q.input()).await?;
    Ok(records::page(page, fields.as_ref(), Some(&uri)))
}

/// Create a company.
#[utoipa::path(post, path = "/api/v1/companies", tag = TAG, request_body = CompanyDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
    responses((status = 201, body = Company, description = "Created"), Problems))]
pub async fn create_company(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let c = companies::create(&s.app, &ctx, body).await?;
    Ok(records::created(
        &c,
        c.version,
        &format!("/api/v1/companies/{}", c.id),
    ))
}

/// Get a company.
#[utoipa::path(get, path = "/api/v1/companies/{id}", tag = TAG, params(("id" = String, Path), GetQuery,
    ("If-None-Match" = Option<String>, Header, description = "ETag of your copy: 304 when unchanged")),
    responses((status = 200, body = Company), (status = 304, description = "Not modified"), Problems))]
pub async fn get_company(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    inm: IfNoneMatch,
    ApiQuery(q): ApiQuery<GetQuery>,
) -> Result<Response, ApiError> {
    let fields = Fields::from_query(q.fields.as_deref(), KNOWN)?;
    let c = companies::get(&s.app, &ctx, id(&raw)?).await?;
    Ok(records::conditional(&inm, &c, c.version, fields.as_ref()))
}

/// Update a company (JSON merge patch).
#[utoipa::path(patch, path = "/api/v1/companies/{id}", tag = TAG, request_body(content = CompanyDraft, content_type = "application/merge-patch+json"),
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
    responses((status = 200, body = Company), Problems))]
pub async fn update_company(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(patch): JsonBody,
) -> Result<Response, ApiError> {
    let c = companies::update(&s.app, &ctx, id(&raw)?, patch, if_match).await?;
    Ok(records::record(StatusCode::OK, &c, c.version, None))
}

/// Delete a company (soft: restore brings it back).
#[utoipa::path(delete, path = "/api/v1/companies/{id}", tag = TAG,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
    responses((status = 204, description = "Deleted"), Problems))]
pub async fn delete_company(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    IfMatch(if_match): IfMatch,
) -> Result<Response, ApiError> {
    companies::delete(&s.app, &ctx, id(&raw)?, if_match).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Restore a deleted company.
#[utoipa::path(post, path = "/api/v1/companies/{id}/restore", tag = TAG, params(("id" = String, Path)),
    responses((status = 200, body = Company), Problems))]
pub async fn restore_company(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let c = companies::restore(&s.app, &ctx, id(&raw)?).await?;
    Ok(records::record(StatusCode::OK, &c, c.version, None))
}

/// List companies with the parameters in a JSON body.
#[utoipa::path(post, path = "/api/v1/companies/search", tag = TAG, request_body = SearchBody,
    responses((status = 200, body = ListEnvelope), Problems))]
pub async fn search_companies(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let body = SearchBody::parse(body)?;
    let fields = Fields::parse(body.fields.iter().map(String::as_str), KNOWN)?;
    let page = companies::list(&s.app, &ctx, body.input()).await?;
    Ok(records::page(page, fields.as_ref(), None))
}
