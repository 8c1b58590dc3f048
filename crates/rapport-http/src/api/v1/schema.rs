//! `GET /api/v1/schema`: every record object and its fields, for clients that build forms and
//! filters from it.

use axum::Json;
use axum::extract::State;
use rapport_app::custom_fields;
use rapport_domain::catalog;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::Problems;
use crate::extract::RequestCtx;
use crate::problem::ApiError;
use crate::state::AppState;

/// Every record object: writable and read-only fields, personal fields, the owner field, each
/// filterable field with its type, accepted operators and whether it sorts, and the workspace's
/// custom fields (`custom_fields`, and `custom.<key>` among the filters).
#[utoipa::path(get, path = "/api/v1/schema", tag = "schema",
    responses((status = 200, body = Object), Problems))]
pub async fn schema(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
) -> Result<Json<Value>, ApiError> {
    let custom = custom_fields::all_definitions(&s.app, &ctx).await?;
    Ok(Json(json!({ "objects": catalog::all(&custom) })))
}

/// The schema route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(schema))
}
