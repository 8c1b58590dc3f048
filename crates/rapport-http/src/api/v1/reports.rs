//! `/api/v1/reports/*`: dashboard data.

use axum::Json;
use axum::extract::State;
use rapport_app::reports;
use rapport_domain::ids::PipelineId;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::Problems;
use crate::extract::{ApiQuery, RequestCtx};
use crate::problem::ApiError;
use crate::state::AppState;

/// `?pipeline_id=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PipelineQuery {
    /// The pipeline (required).
    pub pipeline_id: Option<String>,
}

/// `?period=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// A named period (`this_month`, the default; `last_quarter`, `last_30_days`...).
    pub period: Option<String>,
}

/// `?period=&group_by=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// A named period (default `this_month`).
    pub period: Option<String>,
    /// `owner` (default) or `kind`.
    pub group_by: Option<String>,
}

/// A pipeline's deals by stage: count, amounts per currency, probability-weighted amounts, and
/// the weighted forecast of its open deals.
#[utoipa::path(get, path = "/api/v1/reports/pipeline", tag = "reports", params(PipelineQuery),
    responses((status = 200, body = Object), Problems))]
pub async fn pipeline_report(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    ApiQuery(q): ApiQuery<PipelineQuery>,
) -> Result<Json<Value>, ApiError> {
    let Some(raw) = q.pipeline_id else {
        return Err(rapport_app::AppError::BadParameter {
            parameter: "pipeline_id",
            message: "name the pipeline: ?pipeline_id=<id>".into(),
        }
        .into());
    };
    // An id in the query is a parameter like any other: malformed, it is a bad parameter (400),
    // as `stage_id` on the board is; only an id in the path names a resource (404).
    let id = uuid::Uuid::parse_str(&raw).map_err(|_| rapport_app::AppError::BadParameter {
        parameter: "pipeline_id",
        message: format!(
            "'{raw}' is not a pipeline id (a UUID such as 0190c7a6-0000-7000-8000-000000000001)"
        ),
    })?;
    Ok(Json(reports::pipeline(&s.app, &ctx, PipelineId(id)).await?))
}

/// Deals won and lost in a period: counts, amounts per currency, win rate and reasons.
#[utoipa::path(get, path = "/api/v1/reports/won-lost", tag = "reports", params(PeriodQuery),
    responses((status = 200, body = Object), Problems))]
pub async fn won_lost_report(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        reports::won_lost(&s.app, &ctx, q.period.as_deref()).await?,
    ))
}

/// Activities in a period per owner (with a count per kind) or per kind.
#[utoipa::path(get, path = "/api/v1/reports/activities", tag = "reports", params(ActivityQuery),
    responses((status = 200, body = Object), Problems))]
pub async fn activities_report(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    ApiQuery(q): ApiQuery<ActivityQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        reports::activities(&s.app, &ctx, q.period.as_deref(), q.group_by.as_deref()).await?,
    ))
}

/// The report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pipeline_report))
        .routes(routes!(won_lost_report))
        .routes(routes!(activities_report))
}
