//! `/api/v1/contacts`: people.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_app::{merges, records};
use rapport_domain::ids::ContactId;
use rapport_domain::objects::contact::{READ_ONLY, WRITABLE};
use rapport_domain::objects::merge::MergeInputSchema;
use rapport_domain::objects::{Contact, ContactDraft};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::duplicates::{self, DuplicateList};
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

/// The duplicate check and the merge of contacts.
pub fn merge_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contact_duplicates))
        .routes(routes!(merge_contacts))
}

/// The live contacts likely to be the same as this one, with the reasons, best first.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/duplicates", tag = "contacts", summary = "List a contact's likely duplicates",
    params(("id" = String, Path)), responses((status = 200, body = DuplicateList), Problems))]
pub async fn list_contact_duplicates(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = ContactId(ids::parse(&raw)?);
    let found = merges::contact_duplicates(&s.app, &ctx, id).await?;
    Ok(duplicates::answer(
        &ctx,
        <Contact as records::Object>::SCHEMA,
        found,
    ))
}

/// Merge another contact into this one: this one survives with the chosen fields, everything that
/// pointed at the other points here, and the other's address redirects here (308).
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "contacts", summary = "Merge another contact into this one",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Only if this contact is still at this ETag")),
    request_body = MergeInputSchema, responses((status = 200, body = Contact, description = "The surviving contact"), Problems))]
pub async fn merge_contacts(
    State(s): State<AppState>,
    RequestCtx(ctx): RequestCtx,
    Path(raw): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let c = merges::merge::<Contact>(&s.app, &ctx, ids::parse(&raw)?, body, if_match).await?;
    let hidden = resource::hidden(&ctx, <Contact as records::Object>::SCHEMA);
    Ok(resource::record(
        StatusCode::OK,
        &c,
        c.version,
        None,
        hidden,
    ))
}
