//! `/api/v1/search`: ranked search across objects.

use axum::Json;
use axum::extract::State;
use rapport_app::search::{self, SearchResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::Problems;
use crate::extract::{ApiQuery, RequestCtx};
use crate::problem::{self, ApiError, Problem};
use crate::state::AppState;

/// The search routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_all))
}

/// `GET /api/v1/search` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find; the last may be the start of a word (`ana lim` finds Ana Lima).
    pub q: String,
    /// Comma-separated plural names: contacts, companies, deals, leads, tasks, cases, projects,
    /// activities (default: every one the caller may read).
    pub types: Option<String>,
    /// At most this many results, 1 to 100 (default 20).
    pub limit: Option<u32>,
}

/// Search results, best first.
#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    /// Results: `{"type": "contact", "score": n, "record": {...}}`, the type singular.
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<SearchResult>,
}

/// Search names, e-mail addresses, phones, domains and activities.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchResults), Problems))]
pub async fn search_all(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(
            Problem::new(problem::INVALID_PARAMETER, "limit must be from 1 to 100")
                .parameter("limit")
                .into(),
        );
    }
    let types: Vec<String> = match q.types.as_deref() {
        None | Some("") => Vec::new(),
        Some(t) => t
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    let data = search::search(&s.app, &ctx, &q.q, &types, limit).await?;
    Ok(Json(SearchResults { data }))
}
