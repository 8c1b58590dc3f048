//! `GET /api/v1/schema`: every record object and its fields, for clients that build forms and
//! filters from it.

use axum::Json;
use rapport_domain::catalog;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::Problems;
use crate::extract::RequestCtx;
use crate::problem::ApiError;
use crate::state::AppState;

/// Every record object: writable and read-only fields, personal fields, the owner field, and
/// each filterable field with its type, accepted operators and whether it sorts. Custom fields
/// are not there yet (they do not exist yet).
#[utoipa::path(get, path = "/api/v1/schema", tag = "schema",
    responses((status = 200, body = Object), Problems))]
pub async fn schema(RequestCtx(_ctx): RequestCtx) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "objects": catalog::all() })))
}

/// The schema route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(schema))
}
