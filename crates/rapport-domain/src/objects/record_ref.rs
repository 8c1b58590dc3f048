//! A reference from one record to a record of another object (`{"type": "deals", "id": "..."}`):
//! a task's linked record, an activity's links.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::Body;

/// The objects a task or an appointment may be linked to. A type whose records do not exist
/// yet in this build simply finds none (the reference answers 422 `not_found`).
pub const LINKABLE_OBJECTS: &[&str] = &["contacts", "companies", "deals", "leads", "cases"];

/// A record of any object, named by its API object name and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct RecordRef {
    /// The object's API name (`contacts`, `deals`...).
    #[serde(rename = "type")]
    pub object: String,
    /// The record's id.
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
}

impl Body<'_> {
    /// A record reference whose type is one of `objects`.
    pub fn record_ref(&mut self, key: &str, objects: &[&'static str]) -> Option<RecordRef> {
        let mut inner = self.object(key, &["type", "id"])?;
        let object = inner.choice("type", objects);
        let id = inner.uuid("id");
        if object.is_none() && !inner.has_no_error_at("type") {
            return None;
        }
        let (Some(object), Some(id)) = (object, id) else {
            if inner.has_no_error_at("type") && inner.has_no_error_at("id") {
                inner.fail(
                    "id",
                    "required",
                    "a record reference needs a type and an id",
                );
            }
            return None;
        };
        Some(RecordRef {
            object: object.to_owned(),
            id,
        })
    }
}
