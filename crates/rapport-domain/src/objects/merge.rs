//! Merging two records of one object (two contacts, two companies): the request, and how the
//! surviving record's fields are combined from both.
//!
//! The record named in the path survives; the other becomes a tombstone that points at it. Each
//! writable field keeps the survivor's value or takes the other's, as the request says. A field
//! the request does not name keeps the survivor's value when it has one and takes the other's
//! when it has none, so a merge never drops what only the other record knew; naming the field
//! with `"self"` keeps the survivor's value even when it is empty. List fields (emails, phones,
//! tags) are unioned: the chosen side's entries come first, so with `"other"` the other's
//! primary email becomes the primary one.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::Body;
use crate::validation::{Errors, FieldError};

/// Whose value a field keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Side {
    /// The surviving record's (`"self"`).
    #[serde(rename = "self")]
    Own,
    /// The merged record's (`"other"`).
    #[serde(rename = "other")]
    Other,
}

impl Side {
    /// The name used in requests and audit entries.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Own => "self",
            Side::Other => "other",
        }
    }
}

/// `POST /{object}/{id}/merge`: which record to merge into the one in the path, and per field
/// whose value to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRequest {
    /// The record merged into the survivor (it becomes a tombstone).
    pub other_id: Uuid,
    /// Explicit choices, by field name.
    pub fields: BTreeMap<String, Side>,
}

/// The merge request body as documented.
#[derive(ToSchema)]
#[schema(as = MergeInput)]
pub struct MergeInputSchema {
    /// The record to merge into the one in the path; it is deleted and its address redirects to
    /// the survivor.
    #[schema(format = Uuid)]
    pub other_id: String,
    /// Per writable field, `"self"` (keep the survivor's value) or `"other"` (take the merged
    /// record's). Unnamed fields keep the survivor's value, or take the other's when the survivor
    /// has none. List fields (emails, phones, tags) are always unioned; the chosen side comes
    /// first.
    #[schema(value_type = Option<std::collections::HashMap<String, String>>)]
    pub fields: Option<Value>,
}

impl MergeRequest {
    /// Parses a merge body for an object whose writable fields are `writable`, listing every
    /// problem (`/other_id`, `/fields/<name>`).
    pub fn parse(value: Value, writable: &[&str]) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let parsed = read(value, writable, &mut errors);
        match parsed {
            Some(r) => errors.finish(r),
            None => Err(errors.into_vec()),
        }
    }
}

fn read(value: Value, writable: &[&str], errors: &mut Errors) -> Option<MergeRequest> {
    let mut body = Body::open(value, "", &["other_id", "fields"], errors)?;
    let given = body.has("other_id");
    let other_id = body.uuid("other_id");
    if !given && body.has_no_error_at("other_id") {
        body.fail(
            "other_id",
            "required",
            "name the record to merge into this one",
        );
    }
    let mut fields = BTreeMap::new();
    if let Some(mut choices) = body.object("fields", writable) {
        for key in writable {
            if let Some(choice) = choices.choice(key, &["self", "other"]) {
                let side = if choice == "other" {
                    Side::Other
                } else {
                    Side::Own
                };
                fields.insert((*key).to_owned(), side);
            }
        }
    }
    Some(MergeRequest {
        other_id: other_id.unwrap_or_default(),
        fields,
    })
}

/// A list field and what makes two of its entries the same.
#[derive(Debug, Clone, Copy)]
pub struct ListField {
    /// The field (`emails`).
    pub name: &'static str,
    /// The member of each entry compared, case-insensitively (`address`); `None` when entries
    /// are strings compared as such (tags).
    pub key: Option<&'static str>,
}

/// The outcome of combining two records' fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Combined {
    /// A JSON merge patch turning the survivor's fields into the merged ones (only what changes).
    pub patch: Value,
    /// Per writable field, whose value it holds: `"self"`, `"other"` or, for list fields,
    /// `"both"`.
    pub sources: BTreeMap<String, &'static str>,
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    }
}

fn entry_key(entry: &Value, key: Option<&str>) -> Option<String> {
    let v = match key {
        Some(k) => entry.get(k)?,
        None => entry,
    };
    v.as_str().map(str::to_lowercase)
}

/// The union of two lists: `first`'s entries, then `second`'s not already there. Entries that
/// carry a `primary` flag keep it only on the first primary one.
fn union(first: &[Value], second: &[Value], key: Option<&str>) -> Vec<Value> {
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<Value> = Vec::new();
    for entry in first.iter().chain(second) {
        match entry_key(entry, key) {
            Some(k) if seen.contains(&k) => {}
            Some(k) => {
                seen.push(k);
                out.push(entry.clone());
            }
            None => out.push(entry.clone()),
        }
    }
    let mut primary_seen = false;
    for entry in &mut out {
        if let Some(Value::Bool(p)) = entry.get_mut("primary") {
            if *p && !primary_seen {
                primary_seen = true;
            } else {
                *p = false;
            }
        }
    }
    out
}

/// Combines the survivor's fields (`own`) with the merged record's (`other`), both as the API
/// shows them, under `choices`.
pub fn combine(
    own: &Value,
    other: &Value,
    writable: &[&str],
    lists: &[ListField],
    choices: &BTreeMap<String, Side>,
) -> Combined {
    let empty = Map::new();
    let own_map = own.as_object().unwrap_or(&empty);
    let other_map = other.as_object().unwrap_or(&empty);
    let mut patch = Map::new();
    let mut sources = BTreeMap::new();
    for field in writable {
        let mine = own_map.get(*field);
        let theirs = other_map.get(*field);
        let choice = choices.get(*field).copied();
        if let Some(list) = lists.iter().find(|l| l.name == *field) {
            let as_list = |v: Option<&Value>| -> Vec<Value> {
                v.and_then(Value::as_array).cloned().unwrap_or_default()
            };
            let (first, second) = match choice {
                Some(Side::Other) => (as_list(theirs), as_list(mine)),
                _ => (as_list(mine), as_list(theirs)),
            };
            let merged = Value::Array(union(&first, &second, list.key));
            if Some(&merged) != mine && !(is_empty(Some(&merged)) && is_empty(mine)) {
                patch.insert((*field).to_owned(), merged);
            }
            sources.insert((*field).to_owned(), "both");
            continue;
        }
        let take_other = match choice {
            Some(Side::Other) => true,
            Some(Side::Own) => false,
            None => is_empty(mine) && !is_empty(theirs),
        };
        if take_other {
            sources.insert((*field).to_owned(), "other");
            if theirs != mine {
                patch.insert((*field).to_owned(), theirs.cloned().unwrap_or(Value::Null));
            }
        } else {
            sources.insert((*field).to_owned(), "self");
        }
    }
    Combined {
        patch: Value::Object(patch),
        sources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const WRITABLE: &[&str] = &["first_name", "title", "emails", "tags", "notes"];
    const LISTS: &[ListField] = &[
        ListField {
            name: "emails",
            key: Some("address"),
        },
        ListField {
            name: "tags",
            key: None,
        },
    ];

    #[test]
    fn a_request_lists_every_bad_member() {
        let errors = MergeRequest::parse(
            json!({"other_id": "nope", "fields": {"first_name": "mine", "nickname": "other"}, "x": 1}),
            WRITABLE,
        )
        .expect_err("invalid");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        for p in ["/other_id", "/fields/first_name", "/fields/nickname", "/x"] {
            assert!(pointers.contains(&p), "missing {p} in {pointers:?}");
        }
        let errors = MergeRequest::parse(json!({}), WRITABLE).expect_err("needs other_id");
        assert_eq!(errors[0].pointer, "/other_id");
        assert_eq!(errors[0].code, "required");
        let id = Uuid::now_v7();
        let ok = MergeRequest::parse(
            json!({"other_id": id.to_string(), "fields": {"title": "other", "notes": "self"}}),
            WRITABLE,
        )
        .expect("valid");
        assert_eq!(ok.other_id, id);
        assert_eq!(ok.fields.get("title"), Some(&Side::Other));
        assert_eq!(ok.fields.get("notes"), Some(&Side::Own));
    }

    #[test]
    fn choices_defaults_and_unions_combine_as_documented() {
        let own = json!({
            "first_name": "Ana", "notes": "mine",
            "emails": [{"address": "ana@a.io", "primary": true}, {"address": "shared@x.io", "primary": false}],
            "tags": ["VIP"]
        });
        let other = json!({
            "first_name": "Anna", "title": "CEO", "notes": "theirs",
            "emails": [{"address": "Shared@x.io", "primary": true}, {"address": "anna@b.io", "primary": false}],
            "tags": ["vip", "beta"]
        });
        let choices = BTreeMap::from([("first_name".to_owned(), Side::Other)]);
        let c = combine(&own, &other, WRITABLE, LISTS, &choices);
        assert_eq!(c.patch["first_name"], "Anna");
        assert_eq!(c.patch["title"], "CEO", "a blank is filled from the other");
        assert!(
            c.patch.get("notes").is_none(),
            "a value the survivor has stays"
        );
        assert_eq!(
            c.patch["emails"],
            json!([{"address": "ana@a.io", "primary": true}, {"address": "shared@x.io", "primary": false},
                   {"address": "anna@b.io", "primary": false}])
        );
        assert_eq!(c.patch["tags"], json!(["VIP", "beta"]));
        assert_eq!(c.sources["first_name"], "other");
        assert_eq!(c.sources["notes"], "self");
        assert_eq!(c.sources["emails"], "both");

        // "other" on a list puts the other's entries (and its primary) first; "self" keeps a blank.
        let choices = BTreeMap::from([
            ("emails".to_owned(), Side::Other),
            ("title".to_owned(), Side::Own),
        ]);
        let c = combine(&own, &other, WRITABLE, LISTS, &choices);
        assert_eq!(c.patch["emails"][0]["address"], "Shared@x.io");
        assert_eq!(c.patch["emails"][0]["primary"], true);
        assert_eq!(c.patch["emails"][1]["primary"], false);
        assert!(c.patch.get("title").is_none());

        // Taking an empty value from the other clears the survivor's.
        let choices = BTreeMap::from([("notes".to_owned(), Side::Other)]);
        let c = combine(&own, &json!({}), WRITABLE, LISTS, &choices);
        assert_eq!(c.patch["notes"], Value::Null);
    }
}
