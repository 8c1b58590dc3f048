//! What the duplicate checks of contacts and companies answer (`GET /{object}/{id}/duplicates`),
//! shared by both resources; their routes live with each object.

use axum::Json;
use axum::response::{IntoResponse, Response};
use rapport_app::merges::{Duplicate, Match};
use rapport_domain::schema::ObjectSchema;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::resource;

/// A record's likely duplicates, best first (at most 20).
#[derive(Serialize, ToSchema)]
pub struct DuplicateList {
    /// The candidates.
    pub data: Vec<DuplicateEntry>,
}

/// One likely duplicate.
#[derive(Serialize, ToSchema)]
pub struct DuplicateEntry {
    /// The other record, as `GET` shows it.
    #[schema(value_type = Object)]
    pub record: Value,
    /// How strongly it matches: the sum of its reasons' weights (email or domain 3, phone or
    /// name 2, similar name or domain 1).
    pub score: i64,
    /// Why it looks like the same one.
    #[schema(value_type = Vec<DuplicateReason>)]
    pub reasons: Vec<Match>,
}

/// One reason a record looks like a duplicate.
#[derive(ToSchema)]
pub struct DuplicateReason {
    /// `same_email`, `same_phone`, `similar_name` (contacts), `same_domain`, `same_name`,
    /// `similar_domain` (companies).
    pub reason: String,
    /// What both share (an address, a number, a domain, the other's name); personal values are
    /// left out for roles that may not see them.
    pub value: Option<String>,
}

/// The answer to a duplicate check, hiding the personal fields the caller may not see.
pub fn answer<O: Serialize>(
    ctx: &rapport_app::Ctx,
    schema: &ObjectSchema,
    found: Vec<Duplicate<O>>,
) -> Response {
    let hidden = resource::hidden(ctx, schema);
    let data = found
        .into_iter()
        .map(|d| {
            let mut record = serde_json::to_value(&d.record).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut record {
                for key in hidden {
                    map.remove(*key);
                }
            }
            DuplicateEntry {
                record,
                score: d.score,
                reasons: d.reasons,
            }
        })
        .collect();
    Json(DuplicateList { data }).into_response()
}
