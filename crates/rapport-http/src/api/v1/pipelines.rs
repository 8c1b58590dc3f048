//! `/api/v1/pipelines`: the ordered stages deals move through.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::{AppError, board, pipelines, records};
use rapport_domain::ids::{PipelineId, StageId};
use rapport_domain::objects::pipeline::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Pipeline, PipelineDraft, StageRemoval};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

record_resource! {
    record: Pipeline,
    draft: PipelineDraft,
    noun: "pipeline",
    nouns: "pipelines",
    tag: "pipelines",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/pipelines",
        item: "/api/v1/pipelines/{id}",
        restore: "/api/v1/pipelines/{id}/restore",
        search: "/api/v1/pipelines/search",
        export: "/api/v1/pipelines/export",
        batch: "/api/v1/pipelines/batch",
    },
    handlers: {
        list: list_pipelines,
        create: create_pipeline,
        get: get_pipeline,
        update: update_pipeline,
        delete: delete_pipeline,
        restore: restore_pipeline,
        search: search_pipelines,
        export: export_pipelines,
        batch: batch_pipelines,
    },
}

/// The routes beyond the shared ones.
pub fn stage_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(remove_stage))
        .routes(routes!(get_board))
}

/// `GET /api/v1/pipelines/{id}/board` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// Deals per column, 1 to 200 (default 20).
    pub limit: Option<String>,
    /// Only this column (with `cursor`: its next page).
    pub stage_id: Option<String>,
    /// A column's `next_cursor`, with its `stage_id`.
    pub cursor: Option<String>,
}

/// The deals board: every stage in board order with its count, amounts per currency and
/// probability-weighted amounts, and its first deals in board order with a cursor per column.
#[utoipa::path(get, path = "/api/v1/pipelines/{id}/board", tag = "pipelines",
    params(("id" = String, Path), BoardQuery),
    responses((status = 200, body = Object, description = "The pipeline report's totals; each stage with `deals` and `next_cursor`"), Problems))]
pub async fn get_board(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<BoardQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = PipelineId(ids::parse(&raw)?);
    let stage_id = match q.stage_id.as_deref() {
        None => None,
        Some(raw) => Some(StageId(uuid::Uuid::parse_str(raw).map_err(|_| {
            AppError::BadParameter {
                parameter: "stage_id",
                message: format!("'{raw}' is not a stage id (a UUID from the pipeline's stages)"),
            }
        })?)),
    };
    let req = board::BoardRequest {
        limit: q.limit,
        stage_id,
        cursor: q.cursor,
    };
    Ok(Json(board::board(&s.app, &ctx, id, req).await?))
}

/// Remove a stage, moving its deals to another stage of the pipeline first (each move is in the
/// deal's stage history); `move_to` is required when the stage holds deals.
#[utoipa::path(post, path = "/api/v1/pipelines/{id}/stages/{stage_id}/remove", tag = "pipelines",
    params(("id" = String, Path), ("stage_id" = String, Path)), request_body = StageRemoval,
    responses((status = 200, body = Pipeline), Problems))]
pub async fn remove_stage(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path((raw, raw_stage)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let pipeline = PipelineId(ids::parse(&raw)?);
    let stage = StageId(ids::parse(&raw_stage)?);
    let removal = StageRemoval::parse(body).map_err(AppError::Validation)?;
    let p = pipelines::remove_stage(&s.app, &ctx, pipeline, stage, removal.move_to).await?;
    let hidden = resource::hidden(&ctx, <Pipeline as records::Object>::SCHEMA);
    Ok(resource::record(
        StatusCode::OK,
        &p,
        p.version,
        None,
        hidden,
    ))
}
