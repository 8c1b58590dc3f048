//! `/api/v1/leads`: people not yet qualified, scored, and converted.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::{AppError, leads, records};
use rapport_domain::ids::LeadId;
use rapport_domain::objects::lead::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Conversion, Lead, LeadDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

record_resource! {
    record: Lead,
    draft: LeadDraft,
    noun: "lead",
    nouns: "leads",
    tag: "leads",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/leads",
        item: "/api/v1/leads/{id}",
        restore: "/api/v1/leads/{id}/restore",
        search: "/api/v1/leads/search",
        export: "/api/v1/leads/export",
        batch: "/api/v1/leads/batch",
    },
    handlers: {
        list: list_leads,
        create: create_lead,
        get: get_lead,
        update: update_lead,
        delete: delete_lead,
        restore: restore_lead,
        search: search_leads,
        export: export_leads,
        batch: batch_leads,
    },
}

/// The routes beyond the shared ones.
pub fn convert_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(convert_lead))
}

/// Convert a lead into a contact, a company and optionally a deal, in one transaction. A second
/// conversion answers 409 naming what the lead became (an `Idempotency-Key` replays the first
/// answer instead).
#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", tag = "leads",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
    request_body = Conversion, responses((status = 200, body = Lead), Problems))]
pub async fn convert_lead(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let id = LeadId(ids::parse(&raw)?);
    let conversion = Conversion::parse(body).map_err(AppError::Validation)?;
    let lead = leads::convert(&s.app, &ctx, id, conversion).await?;
    let hidden = resource::hidden(&ctx, <Lead as records::Object>::SCHEMA);
    Ok(resource::record(
        StatusCode::OK,
        &lead,
        lead.version,
        None,
        hidden,
    ))
}
