//! `/api/v1/contacts`: people.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::records;
use rapport_domain::objects::contact::{READ_ONLY, WRITABLE};
use rapport_domain::objects::{Contact, ContactDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::resource::{
    self, Fields, GetQuery, ListEnvelope, ListQuery, Problems, SearchBody, record_resource,
};
use crate::extract::{ApiQuery, IfMatch, IfNoneMatch, JsonBody, RequestCtx, ids};
use crate::problem::ApiError;
use crate::state::AppState;

record_resource! {
    record: Contact,
    draft: ContactDraft,
    noun: "contact",
    nouns: "contacts",
    tag: "contacts",
    known: &[WRITABLE, READ_ONLY],
    paths: {
        collection: "/api/v1/contacts",
        item: "/api/v1/contacts/{id}",
        restore: "/api/v1/contacts/{id}/restore",
        search: "/api/v1/contacts/search",
        export: "/api/v1/contacts/export",
        batch: "/api/v1/contacts/batch",
    },
    handlers: {
        list: list_contacts,
        create: create_contact,
        get: get_contact,
        update: update_contact,
        delete: delete_contact,
        restore: restore_contact,
        search: search_contacts,
        export: export_contacts,
        batch: batch_contacts,
    },
}
