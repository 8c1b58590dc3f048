//! The workspace's tag vocabulary: every tag any record carries, with a colour, how many records
//! of each object hold it, and the change a manager makes to one (rename, recolour).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use crate::validation::{Errors, FieldError};
use crate::values::{HexColor, Tag};

/// A tag of the vocabulary as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VocabularyTag {
    /// The tag as the vocabulary spells it (records compare tags ignoring case).
    pub name: String,
    /// Its colour, `#rrggbb`.
    pub color: Option<String>,
    /// Live records holding it, per object the caller may read (and within their record scope).
    pub usage: BTreeMap<String, i64>,
    /// The sum of `usage`.
    pub total: i64,
    /// When a record first carried it.
    #[serde(serialize_with = "super::time::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// When it was last renamed or recoloured.
    #[serde(serialize_with = "super::time::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

/// `PATCH /tags/{name}`: a new name (renaming the tag on every record; onto an existing tag,
/// merging the two) and a colour (`null` removes it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagChange {
    /// The new name, when renamed.
    pub name: Option<Tag>,
    /// `Some(None)` removes the colour; `None` leaves it.
    pub color: Option<Option<HexColor>>,
}

/// The tag change body as documented.
#[derive(ToSchema)]
#[schema(as = TagChangeInput)]
pub struct TagChangeSchema {
    /// The new name (1 to 64 characters, no comma): every record holding the tag gets it; a name
    /// another tag already has merges the two.
    pub name: Option<String>,
    /// `#rrggbb`, or `null` to remove the colour.
    #[schema(example = "#3366cc")]
    pub color: Option<String>,
}

impl TagChange {
    /// Parses a change, listing every problem (`/name`, `/color`, unknown members).
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let Some(mut body) = Body::open(value, "", &["name", "color"], &mut errors) else {
            return Err(errors.into_vec());
        };
        let name_is_null = body.peek("name").is_some_and(Value::is_null);
        let name = body.parsed("name", Tag::parse);
        if name_is_null {
            body.fail(
                "name",
                "required",
                "a tag cannot lose its name; delete it instead",
            );
        }
        let color = match body.peek("color") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => body.parsed("color", HexColor::parse).map(Some),
        };
        errors.finish(TagChange { name, color })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_change_names_every_bad_member() {
        let errors = TagChange::parse(json!({"name": "a,b", "color": "red", "size": 3}))
            .expect_err("invalid");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/size", "/name", "/color"]);
        let c = TagChange::parse(json!({"name": " Key account ", "color": null})).expect("valid");
        assert_eq!(c.name.as_ref().map(Tag::as_str), Some("Key account"));
        assert_eq!(c.color, Some(None));
        assert_eq!(
            TagChange::parse(json!({})).expect("empty"),
            TagChange::default()
        );
        let errors = TagChange::parse(json!({"name": null})).expect_err("null name");
        assert_eq!(errors[0].code, "required");
    }
}
