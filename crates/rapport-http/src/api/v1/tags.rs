//! `/api/v1/tags`: the workspace's tag vocabulary, with usage counts; managers rename, recolour
//! and remove tags everywhere at once.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::{AppError, tags};
use rapport_domain::objects::vocabulary::{TagChange, TagChangeSchema, VocabularyTag};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{Problems, next_link};
use crate::extract::{ApiQuery, JsonBody, RequestCtx};
use crate::problem::ApiError;
use crate::state::AppState;

/// The vocabulary's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tags))
        .routes(routes!(change_tag, delete_tag))
}

/// `?limit=&cursor=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TagsQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of the vocabulary.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    /// Tags in name order, ignoring case, each with its usage counts.
    pub data: Vec<VocabularyTag>,
    /// Where the next page starts; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The vocabulary: every tag the workspace's records carry, with how many live records of each
/// object hold it.
#[utoipa::path(get, path = "/api/v1/tags", tag = "tags", summary = "List the tag vocabulary",
    params(TagsQuery), responses((status = 200, body = TagList), Problems))]
pub async fn list_tags(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<TagsQuery>,
) -> Result<Response, ApiError> {
    let page = tags::list(&s.app, &ctx, q.limit.as_deref(), q.cursor.as_deref()).await?;
    let link = page.next_cursor.as_deref().map(|c| next_link(&uri, c));
    let mut res = Json(TagList {
        data: page.data,
        next_cursor: page.next_cursor,
    })
    .into_response();
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LINK, link);
    }
    Ok(res)
}

/// Rename a tag on every record holding it (onto another tag's name: merge the two) or recolour
/// it.
#[utoipa::path(patch, path = "/api/v1/tags/{name}", tag = "tags", summary = "Rename or recolour a tag everywhere",
    params(("name" = String, Path, description = "The tag, in any case")), request_body = TagChangeSchema,
    responses((status = 200, body = VocabularyTag), Problems))]
pub async fn change_tag(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(name): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<VocabularyTag>, ApiError> {
    let change = TagChange::parse(body).map_err(AppError::Validation)?;
    Ok(Json(tags::change(&s.app, &ctx, &name, change).await?))
}

/// Remove a tag from the vocabulary and from every record holding it.
#[utoipa::path(delete, path = "/api/v1/tags/{name}", tag = "tags", summary = "Remove a tag everywhere",
    params(("name" = String, Path, description = "The tag, in any case")),
    responses((status = 204, description = "Removed"), Problems))]
pub async fn delete_tag(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    tags::delete(&s.app, &ctx, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
