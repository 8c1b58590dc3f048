//! `/api/v1/tasks`: things to do, for a member, by a date.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::records;
use rapport_domain::objects::task::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Task, TaskDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

record_resource! {
    record: Task,
    draft: TaskDraft,
    noun: "task",
    nouns: "tasks",
    tag: "tasks",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/tasks",
        item: "/api/v1/tasks/{id}",
        restore: "/api/v1/tasks/{id}/restore",
        search: "/api/v1/tasks/search",
        export: "/api/v1/tasks/export",
        batch: "/api/v1/tasks/batch",
    },
    handlers: {
        list: list_tasks,
        create: create_task,
        get: get_task,
        update: update_task,
        delete: delete_task,
        restore: restore_task,
        search: search_tasks,
        export: export_tasks,
        batch: batch_tasks,
    },
}
