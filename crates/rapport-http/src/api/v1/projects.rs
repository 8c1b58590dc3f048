//! `/api/v1/projects`: post-sale delivery projects with milestones, a route that marks a
//! milestone done, and an export of a project with its milestones (JSON or CSV).

use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::{projects, records};
use rapport_domain::ids::{MilestoneId, ProjectId};
use rapport_domain::objects::project::{READ_ONLY, WRITABLE, to_csv};
use rapport_domain::objects::{Project, ProjectDraft};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::{self, ApiError, Problem};
use crate::state::AppState;

record_resource! {
    record: Project,
    draft: ProjectDraft,
    noun: "project",
    nouns: "projects",
    tag: "projects",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/projects",
        item: "/api/v1/projects/{id}",
        restore: "/api/v1/projects/{id}/restore",
        search: "/api/v1/projects/search",
        export: "/api/v1/projects/export",
        batch: "/api/v1/projects/batch",
    },
    handlers: {
        list: list_projects,
        create: create_project,
        get: get_project,
        update: update_project,
        delete: delete_project,
        restore: restore_project,
        search: search_projects,
        export: export_projects,
        batch: batch_projects,
    },
}

/// The routes beyond the shared ones.
pub fn milestone_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(complete_milestone))
        .routes(routes!(export_project))
}

/// Mark a milestone done: sets its `done_at` to now. Idempotent: a milestone already done keeps
/// its `done_at`, and the project its version.
#[utoipa::path(post, path = "/api/v1/projects/{id}/milestones/{milestone_id}/complete", tag = "projects",
    params(("id" = String, Path), ("milestone_id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "Only if still at this ETag")),
    responses((status = 200, body = Project, description = "The project, with the milestone done"), Problems))]
pub async fn complete_milestone(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path((raw, milestone)): Path<(String, String)>,
    IfMatch(if_match): IfMatch,
) -> Result<Response, ApiError> {
    let id = ProjectId(ids::parse(&raw)?);
    let milestone = MilestoneId(ids::parse(&milestone)?);
    let p = projects::complete_milestone(&s.app, &ctx, id, milestone, if_match).await?;
    let hidden = resource::hidden(&ctx, <Project as records::Object>::SCHEMA);
    Ok(resource::record(
        StatusCode::OK,
        &p,
        p.version,
        None,
        hidden,
    ))
}

/// `?format=json|csv`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default): the project with its milestones; `csv`: one row per milestone with the
    /// project's columns repeated.
    pub format: Option<String>,
}

/// Export a project with its milestones, as a file: JSON (the project as `GET` shows it) or CSV
/// (a header, then one row per milestone in project order with the project's columns repeated;
/// one row with empty milestone columns when it has none). A project has at most 200
/// milestones, so the export is built whole.
#[utoipa::path(get, path = "/api/v1/projects/{id}/export", tag = "projects",
    params(("id" = String, Path), ExportQuery),
    responses(
        (status = 200, description = "The project with its milestones", content(
            (Project = "application/json"),
            (String = "text/csv"),
        )),
        Problems))]
pub async fn export_project(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(Problem::new(
                problem::INVALID_PARAMETER,
                format!("format '{other}' is not one of json, csv"),
            )
            .parameter("format")
            .into());
        }
    };
    let p: Project = records::get(&s.app, &ctx, ids::parse(&raw)?).await?;
    let hidden = resource::hidden(&ctx, <Project as records::Object>::SCHEMA);
    let (mut res, extension) = if csv {
        (
            (
                [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
                to_csv(&p),
            )
                .into_response(),
            "csv",
        )
    } else {
        (
            resource::record(StatusCode::OK, &p, p.version, None, hidden),
            "json",
        )
    };
    let disposition = format!("attachment; filename=\"project-{}.{extension}\"", p.id);
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
