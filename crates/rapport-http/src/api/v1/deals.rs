//! `/api/v1/deals`: opportunities in a pipeline, with board moves and stage history.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::{AppError, deals, records};
use rapport_domain::ids::DealId;
use rapport_domain::objects::deal::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{BoardMove, Deal, DealDraft, StageMove};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

record_resource! {
    record: Deal,
    draft: DealDraft,
    noun: "deal",
    nouns: "deals",
    tag: "deals",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/deals",
        item: "/api/v1/deals/{id}",
        restore: "/api/v1/deals/{id}/restore",
        search: "/api/v1/deals/search",
        export: "/api/v1/deals/export",
        batch: "/api/v1/deals/batch",
    },
    handlers: {
        list: list_deals,
        create: create_deal,
        get: get_deal,
        update: update_deal,
        delete: delete_deal,
        restore: restore_deal,
        search: search_deals,
        export: export_deals,
        batch: batch_deals,
    },
}

/// The routes beyond the shared ones.
pub fn board_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(move_deal))
        .routes(routes!(stage_history))
}

/// Move a deal on the board: into a stage of its pipeline, at a position of that stage's column.
#[utoipa::path(post, path = "/api/v1/deals/{id}/move", tag = "deals",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
    request_body = BoardMove, responses((status = 200, body = Deal), Problems))]
pub async fn move_deal(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let id = DealId(ids::parse(&raw)?);
    let m = BoardMove::parse(body).map_err(AppError::Validation)?;
    let d = deals::move_deal(&s.app, &ctx, id, m.stage_id, m.position, if_match).await?;
    let hidden = resource::hidden(&ctx, <Deal as records::Object>::SCHEMA);
    Ok(resource::record(
        StatusCode::OK,
        &d,
        d.version,
        None,
        hidden,
    ))
}

/// A deal's stage history.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageHistory {
    /// Every stage the deal entered, oldest first.
    pub data: Vec<StageMove>,
}

/// Every stage a deal entered, with when and who moved it.
#[utoipa::path(get, path = "/api/v1/deals/{id}/stage-history", tag = "deals",
    params(("id" = String, Path)), responses((status = 200, body = StageHistory), Problems))]
pub async fn stage_history(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Json<StageHistory>, ApiError> {
    let id = DealId(ids::parse(&raw)?);
    let data = deals::stage_history(&s.app, &ctx, id).await?;
    Ok(Json(StageHistory { data }))
}
