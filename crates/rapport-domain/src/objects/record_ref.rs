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

    /// A list of distinct record references (absent means empty), at most `max`; each problem
    /// points at its item (`/links/2/id`).
    pub fn record_refs(
        &mut self,
        key: &str,
        objects: &[&'static str],
        max: usize,
    ) -> Vec<RecordRef> {
        let items = self.array(key, max);
        let base = self.pointer(key);
        let mut out: Vec<RecordRef> = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let index = i.to_string();
            let mut wrapper = serde_json::Map::new();
            wrapper.insert(index.clone(), item);
            let Some(mut holder) = Body::open(
                serde_json::Value::Object(wrapper),
                &base,
                &[index.as_str()],
                self.errors(),
            ) else {
                continue;
            };
            let Some(r) = holder.record_ref(&index, objects) else {
                continue;
            };
            if out.contains(&r) {
                holder.fail(&index, "duplicate", "this record is listed twice");
                continue;
            }
            out.push(r);
        }
        out
    }
}
