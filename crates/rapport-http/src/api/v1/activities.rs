//! `/api/v1/activities`: notes, calls, emails and meetings linked to records.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::records;
use rapport_domain::objects::activity::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Activity, ActivityDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

record_resource! {
    record: Activity,
    draft: ActivityDraft,
    noun: "activity",
    nouns: "activities",
    tag: "activities",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/activities",
        item: "/api/v1/activities/{id}",
        restore: "/api/v1/activities/{id}/restore",
        search: "/api/v1/activities/search",
        export: "/api/v1/activities/export",
        batch: "/api/v1/activities/batch",
    },
    handlers: {
        list: list_activities,
        create: create_activity,
        get: get_activity,
        update: update_activity,
        delete: delete_activity,
        restore: restore_activity,
        search: search_activities,
        export: export_activities,
        batch: batch_activities,
    },
}
