//! `/api/v1/contacts`: people.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::contacts;
use rapport_domain::ids::ContactId;
use rapport_domain::objects::contact::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Contact, ContactDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::records::{self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

const TAG: &str = "contacts";
const KNOWN: &[&[&str]] = &[WRITABLE, READ_ONLY];

/// The contact routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact, update_contact, delete_contact))
        .routes(routes!(restore_contact))
        .routes(routes!(search_contacts))
}

fn id(raw: &str) -> Result<ContactId, ApiError> {
    ids::parse(raw).map(ContactId)
}

/// List contacts.
#[utoipa::path(get, path = "/api/v1/contacts", tag = TAG, params(ListQuery),
    responses((status = 200, body = ListEnvelope, description = "A page of contacts"), Problems))]
pub async fn list_contacts(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let fields = Fields::from_query(q.fields.as_deref(), KNOWN)?;
    let page = contacts::list(&s.app, &ctx, q.input()).await?;
    Ok(records::page(page, fields.as_ref(), Some(&uri)))
}

/// Create a contact.
#[utoipa::path(post, path = "/api/v1/contacts", tag = TAG, request_body = ContactDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
    responses((status = 201, body = Contact, description = "Created"), Problems))]
pub async fn create_contact(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let c = contacts::create(&s.app, &ctx, body).await?;
    Ok(records::created(
        &c,
        c.version,
        &format!("/api/v1/contacts/{}", c.id),
    ))
}

/// Get a contact.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = TAG, params(("id" = String, Path), GetQuery,
    ("If-None-Match" = Option<String>, Header, description = "ETag of your copy: 304 when unchanged")),
    responses((status = 200, body = Contact), (status = 304, description = "Not modified"), Problems))]
pub async fn get_contact(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    inm: IfNoneMatch,
    ApiQuery(q): ApiQuery<GetQuery>,
) -> Result<Response, ApiError> {
    let fields = Fields::from_query(q.fields.as_deref(), KNOWN)?;
    let c = contacts::get(&s.app, &ctx, id(&raw)?).await?;
    Ok(records::conditional(&inm, &c, c.version, fields.as_ref()))
}

/// Update a contact (JSON merge patch).
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = TAG, request_body(content = ContactDraft, content_type = "application/merge-patch+json"),
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
    responses((status = 200, body = Contact), Problems))]
pub async fn update_contact(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(patch): JsonBody,
) -> Result<Response, ApiError> {
    let c = contacts::update(&s.app, &ctx, id(&raw)?, patch, if_match).await?;
    Ok(records::record(StatusCode::OK, &c, c.version, None))
}

/// Delete a contact (soft: restore brings it back).
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = TAG,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
    responses((status = 204, description = "Deleted"), Problems))]
pub async fn delete_contact(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    IfMatch(if_match): IfMatch,
) -> Result<Response, ApiError> {
    contacts::delete(&s.app, &ctx, id(&raw)?, if_match).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Restore a deleted contact.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/restore", tag = TAG, params(("id" = String, Path)),
    responses((status = 200, body = Contact), Problems))]
pub async fn restore_contact(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let c = contacts::restore(&s.app, &ctx, id(&raw)?).await?;
    Ok(records::record(StatusCode::OK, &c, c.version, None))
}

/// List contacts with the parameters in a JSON body.
#[utoipa::path(post, path = "/api/v1/contacts/search", tag = TAG, request_body = SearchBody,
    responses((status = 200, body = ListEnvelope), Problems))]
pub async fn search_contacts(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let body = SearchBody::parse(body)?;
    let fields = Fields::parse(body.fields.iter().map(String::as_str), KNOWN)?;
    let page = contacts::list(&s.app, &ctx, body.input()).await?;
    Ok(records::page(page, fields.as_ref(), None))
}
