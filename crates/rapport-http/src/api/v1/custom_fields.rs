//! `/api/v1/custom-fields`: a workspace's own fields on its objects. Records carry their values
//! under `custom`; lists filter and sort on them as `custom.<key>`; `GET /api/v1/schema` lists
//! them with the built-in fields.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::records;
use rapport_domain::objects::custom_field::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{CustomField, CustomFieldDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

record_resource! {
    record: CustomField,
    draft: CustomFieldDraft,
    noun: "custom field",
    nouns: "custom fields",
    tag: "custom-fields",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/custom-fields",
        item: "/api/v1/custom-fields/{id}",
        restore: "/api/v1/custom-fields/{id}/restore",
        search: "/api/v1/custom-fields/search",
        export: "/api/v1/custom-fields/export",
        batch: "/api/v1/custom-fields/batch",
    },
    handlers: {
        list: list_custom_fields,
        create: create_custom_field,
        get: get_custom_field,
        update: update_custom_field,
        delete: delete_custom_field,
        restore: restore_custom_field,
        search: search_custom_fields,
        export: export_custom_fields,
        batch: batch_custom_fields,
    },
}
