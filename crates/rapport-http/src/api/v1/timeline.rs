//! `GET /api/v1/{object}/{id}/timeline`: a record's activities, tasks, stage moves and changes,
//! newest first, with cursor pagination.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rapport_app::timeline;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{Problems, next_link};
use crate::extract::{ApiQuery, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

/// `?limit=&cursor=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of a timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// Entries, newest first. Each has `type` (`activity`, `task`, `stage_move` or `change`),
    /// `at` and `id`, plus the activity, the task, the stages, or the change's action, actor and
    /// field diffs.
    pub data: Vec<Value>,
    /// Where the next page starts; `null` on the last page.
    pub next_cursor: Option<String>,
}

async fn answer(
    s: AppState,
    ctx: rapport_app::Ctx,
    object: &str,
    raw: &str,
    q: TimelineQuery,
    uri: &axum::http::Uri,
) -> Result<Response, ApiError> {
    let id = ids::parse(raw)?;
    let page = timeline::page(
        &s.app,
        &ctx,
        object,
        id,
        q.cursor.as_deref(),
        q.limit.as_deref(),
    )
    .await?;
    let link = page.next_cursor.as_deref().map(|c| next_link(uri, c));
    let mut res = Json(Timeline {
        data: page.data,
        next_cursor: page.next_cursor,
    })
    .into_response();
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LINK, link);
    }
    Ok(res)
}

macro_rules! timeline_route {
    ($name:ident, $object:literal, $path:literal) => {
        #[doc = concat!("The timeline of one of the ", $object, ".")]
        #[utoipa::path(get, path = $path, tag = "timeline", params(("id" = String, Path), TimelineQuery),
            responses((status = 200, body = Timeline), Problems))]
        pub async fn $name(
            State(s): State<AppState>,
            RequestCtx(ctx): RequestCtx,
            OriginalUri(uri): OriginalUri,
            Path(raw): Path<String>,
            ApiQuery(q): ApiQuery<TimelineQuery>,
        ) -> Result<Response, ApiError> {
            answer(s, ctx, $object, &raw, q, &uri).await
        }
    };
}

timeline_route!(
    contact_timeline,
    "contacts",
    "/api/v1/contacts/{id}/timeline"
);
timeline_route!(
    company_timeline,
    "companies",
    "/api/v1/companies/{id}/timeline"
);
timeline_route!(deal_timeline, "deals", "/api/v1/deals/{id}/timeline");
timeline_route!(lead_timeline, "leads", "/api/v1/leads/{id}/timeline");
timeline_route!(
    project_timeline,
    "projects",
    "/api/v1/projects/{id}/timeline"
);

/// The timeline routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(contact_timeline))
        .routes(routes!(company_timeline))
        .routes(routes!(deal_timeline))
        .routes(routes!(lead_timeline))
        .routes(routes!(project_timeline))
}
