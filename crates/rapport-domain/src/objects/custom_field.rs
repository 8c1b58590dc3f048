//! Custom fields: a workspace's own fields on an object (a contact's "tier", a deal's "renewal
//! date"). A definition says the key, type and rules; records keep their values under `custom`,
//! validated here like built-in fields, and filters and sorts address them as `custom.<key>`.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::body::Body;
use crate::ids::CustomFieldId;
use crate::schema::FieldKind;
use crate::validation::{Errors, FieldError};
use crate::values::{EmailAddress, PhoneE164, WebUrl};

/// The objects whose records take custom fields (customer data, not configuration).
pub const CUSTOMIZABLE_OBJECTS: &[&str] = &[
    "contacts",
    "companies",
    "deals",
    "leads",
    "activities",
    "tasks",
    "appointments",
    "cases",
    "campaigns",
    "projects",
];

/// What a record-reference field may point at.
pub const REFERENCE_TARGETS: &[&str] = &[
    "contacts",
    "companies",
    "deals",
    "leads",
    "cases",
    "campaigns",
    "projects",
];

/// The type names clients write.
pub const TYPES: &[&str] = &[
    "text",
    "long_text",
    "number",
    "money",
    "date",
    "datetime",
    "boolean",
    "select",
    "multi_select",
    "url",
    "email",
    "phone",
    "user",
    "record",
];

/// Longest text value.
const TEXT_MAX: usize = 500;
/// Longest long-text value.
const LONG_TEXT_MAX: usize = 10_000;
/// Most options of a select field.
const OPTIONS_MAX: usize = 200;

/// A custom field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomType {
    /// One line of text.
    Text,
    /// Several lines of text.
    LongText,
    /// A decimal number.
    Number,
    /// An amount with its currency.
    Money,
    /// A calendar date.
    Date,
    /// An instant.
    Datetime,
    /// Yes or no.
    Boolean,
    /// One of the field's options.
    Select,
    /// Any of the field's options.
    MultiSelect,
    /// A web address.
    Url,
    /// An e-mail address.
    Email,
    /// A phone number (E.164).
    Phone,
    /// A member of the workspace.
    User,
    /// A record of the field's target object.
    Record,
}

impl CustomType {
    /// Parses a type name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "text" => Self::Text,
            "long_text" => Self::LongText,
            "number" => Self::Number,
            "money" => Self::Money,
            "date" => Self::Date,
            "datetime" => Self::Datetime,
            "boolean" => Self::Boolean,
            "select" => Self::Select,
            "multi_select" => Self::MultiSelect,
            "url" => Self::Url,
            "email" => Self::Email,
            "phone" => Self::Phone,
            "user" => Self::User,
            "record" => Self::Record,
            _ => return None,
        })
    }

    /// The type name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::LongText => "long_text",
            Self::Number => "number",
            Self::Money => "money",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Boolean => "boolean",
            Self::Select => "select",
            Self::MultiSelect => "multi_select",
            Self::Url => "url",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::User => "user",
            Self::Record => "record",
        }
    }

    /// How filters treat it.
    pub fn filter_kind(self) -> FieldKind {
        match self {
            Self::Text | Self::LongText | Self::Url => FieldKind::Text,
            Self::Number => FieldKind::Number,
            Self::Money => FieldKind::MoneyAmount,
            Self::Date => FieldKind::Date,
            Self::Datetime => FieldKind::Timestamp,
            Self::Boolean => FieldKind::Boolean,
            Self::Select => FieldKind::Choice,
            Self::MultiSelect => FieldKind::Choices,
            Self::Email => FieldKind::Email,
            Self::Phone => FieldKind::Phone,
            Self::User | Self::Record => FieldKind::Id,
        }
    }

    /// Whether values can be ordered (and so sorted on, when the field is indexed).
    pub fn orderable(self) -> bool {
        !matches!(self, Self::LongText | Self::MultiSelect | Self::Boolean)
    }

    /// Whether `unique` makes sense for it.
    pub fn can_be_unique(self) -> bool {
        matches!(
            self,
            Self::Text | Self::Number | Self::Url | Self::Email | Self::Phone | Self::Record
        )
    }
}

/// The writable fields of a custom field definition; `object`, `key` and `type` are fixed once
/// created (values already stored depend on them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = CustomFieldInput)]
pub struct CustomFieldDraft {
    /// The object whose records carry it (`contacts`).
    pub object: String,
    /// The key records and filters use (`custom.<key>`): lower-case letters, digits and `_`,
    /// starting with a letter, at most 40 characters.
    pub key: String,
    /// The name forms show.
    pub label: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: CustomType,
    /// Help text for forms.
    pub description: Option<String>,
    /// The choices of a `select` or `multi_select` field, in display order.
    pub options: Vec<String>,
    /// The object a `record` field points at.
    pub target: Option<String>,
    /// Every new record must have a value, and a value cannot be removed.
    pub required: bool,
    /// No two live records of the workspace share a value.
    pub unique: bool,
    /// Indexed, so `custom.<key>` filters and sorts stay fast on large lists.
    pub filterable: bool,
    /// Display order among the object's custom fields.
    pub position: i64,
}

/// A stored custom field definition as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomField {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: CustomFieldId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: CustomFieldDraft,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(CustomField, CustomFieldId, CustomFieldDraft);

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "object",
    "key",
    "label",
    "type",
    "description",
    "options",
    "target",
    "required",
    "unique",
    "filterable",
    "position",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version"];

/// Whether `key` is a valid custom field key. Keys are written into SQL (JSON paths and index
/// names), so this is also what keeps them safe there.
pub fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && key.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl CustomFieldDraft {
    /// Parses a create body (or a definition after a merge patch), listing every problem.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut known: Vec<&str> = WRITABLE.to_vec();
        known.extend_from_slice(READ_ONLY);
        let Some(mut body) = Body::open(value, "", &known, &mut errors) else {
            return Err(errors.into_vec());
        };
        body.refuse_read_only(READ_ONLY);
        let object = body.choice("object", CUSTOMIZABLE_OBJECTS);
        if object.is_none() && body.has_no_error_at("object") {
            body.fail(
                "object",
                "required",
                format!(
                    "a custom field belongs to one of: {}",
                    CUSTOMIZABLE_OBJECTS.join(", ")
                ),
            );
        }
        let key = body.string("key");
        match key.as_deref() {
            None if body.has_no_error_at("key") => {
                body.fail("key", "required", "a custom field needs a key");
            }
            Some(k) if !valid_key(k) => body.fail(
                "key",
                "invalid_format",
                "lower-case letters, digits and '_', starting with a letter, at most 40 characters",
            ),
            _ => {}
        }
        let label = body.text("label", 100);
        if label.is_none() && body.has_no_error_at("label") {
            body.fail("label", "required", "a custom field needs a label");
        }
        let kind = body.choice("type", TYPES).and_then(CustomType::parse);
        if kind.is_none() && body.has_no_error_at("type") {
            body.fail(
                "type",
                "required",
                format!("a custom field needs a type, one of: {}", TYPES.join(", ")),
            );
        }
        let description = body.multiline("description", 1000);
        let options = read_options(&mut body);
        let target = body.choice("target", REFERENCE_TARGETS).map(str::to_owned);
        let required = body.boolean("required").unwrap_or(false);
        let unique = body.boolean("unique").unwrap_or(false);
        let filterable = body.boolean("filterable").unwrap_or(false);
        let position = body.integer("position", 0, 10_000).unwrap_or(0);
        if let Some(kind) = kind {
            let choices = matches!(kind, CustomType::Select | CustomType::MultiSelect);
            if choices && options.is_empty() && body.has_no_error_at("options") {
                body.fail("options", "required", "a select field needs its options");
            }
            if !choices && !options.is_empty() {
                body.fail("options", "not_allowed", "only select fields have options");
            }
            if kind == CustomType::Record && target.is_none() && body.has_no_error_at("target") {
                body.fail(
                    "target",
                    "required",
                    format!(
                        "a record field names the object it points at, one of: {}",
                        REFERENCE_TARGETS.join(", ")
                    ),
                );
            }
            if kind != CustomType::Record && target.is_some() {
                body.fail("target", "not_allowed", "only record fields have a target");
            }
            if unique && !kind.can_be_unique() {
                body.fail(
                    "unique",
                    "not_allowed",
                    format!("a {} field cannot be unique", kind.as_str()),
                );
            }
        }
        let draft = CustomFieldDraft {
            object: object.unwrap_or_default().to_owned(),
            key: key.unwrap_or_default(),
            label: label.unwrap_or_default(),
            kind: kind.unwrap_or(CustomType::Text),
            description,
            options,
            target,
            required,
            unique,
            filterable,
            position,
        };
        errors.finish(draft)
    }

    /// The filter path clients write.
    pub fn path(&self) -> String {
        format!("custom.{}", self.key)
    }

    /// How filters and sorts see it.
    pub fn spec(&self) -> CustomSpec {
        CustomSpec {
            path: self.path(),
            key: self.key.clone(),
            kind: self.kind,
            options: self.options.clone(),
            sortable: self.filterable && self.kind.orderable(),
        }
    }
}

fn read_options(body: &mut Body<'_>) -> Vec<String> {
    let items = body.array("options", OPTIONS_MAX);
    let pointer = body.pointer("options");
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Value::String(s) if !s.trim().is_empty() && s.trim().chars().count() <= 100 => {
                let s = s.trim().to_owned();
                if out.contains(&s) {
                    body.errors().push(
                        format!("{pointer}/{i}"),
                        "duplicate",
                        format!("'{s}' is listed twice"),
                    );
                } else {
                    out.push(s);
                }
            }
            _ => body.errors().push(
                format!("{pointer}/{i}"),
                "invalid_type",
                "an option is a non-empty string of at most 100 characters",
            ),
        }
    }
    out
}

/// A custom field as filters and sorts see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomSpec {
    /// `custom.<key>`.
    pub path: String,
    /// The key inside a record's `custom` object.
    pub key: String,
    /// Its type.
    pub kind: CustomType,
    /// The options of a select field.
    pub options: Vec<String>,
    /// Whether `sort` accepts it (indexed and orderable).
    pub sortable: bool,
}

/// A record's custom field values by key, in the form the API shows and the database stores:
/// text as strings, numbers as JSON numbers, money as `{"amount", "currency"}`, dates as
/// `YYYY-MM-DD`, instants as `YYYY-MM-DDTHH:MM:SS.mmmZ` (fixed width, so text order is time
/// order), multi-selects as arrays, users and records as ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct CustomValues(pub BTreeMap<String, Value>);

impl CustomValues {
    /// Whether no value is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The stored JSON text.
    pub fn to_json_text(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".into())
    }

    /// Reads stored JSON text.
    pub fn from_json_text(s: &str) -> Result<Self, serde_json::Error> {
        Ok(Self(serde_json::from_str(s)?))
    }

    /// Takes the raw `custom` member of a body as sent, checked only for being an object; the
    /// values are validated against the workspace's definitions by [`validate`].
    pub fn take_raw(body: &mut Body<'_>) -> Self {
        match body.take("custom") {
            None => Self::default(),
            Some(Value::Object(map)) => {
                Self(map.into_iter().filter(|(_, v)| !v.is_null()).collect())
            }
            Some(_) => {
                body.fail(
                    "custom",
                    "invalid_type",
                    "must be a JSON object of custom field values",
                );
                Self::default()
            }
        }
    }
}

/// What a value refers to that only the database can confirm: a member or a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A user who must be a member of the workspace.
    User {
        /// The field's key.
        key: String,
        /// The user's id.
        id: uuid::Uuid,
    },
    /// A live record of `object`.
    Record {
        /// The field's key.
        key: String,
        /// The target object.
        object: String,
        /// The record's id.
        id: uuid::Uuid,
    },
}

/// Formats an instant the way custom datetime values are stored and compared.
pub fn format_instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Validates raw values against the object's definitions: unknown keys, types, options and
/// required fields (a required field missing from `before`, a record written before the field
/// became required, is tolerated until someone sets it). Returns the canonical values and what
/// they reference, for the caller to check against the database.
pub fn validate(
    defs: &[CustomFieldDraft],
    raw: CustomValues,
    before: Option<&CustomValues>,
    phone_region: Option<&str>,
) -> Result<(CustomValues, Vec<Reference>), Vec<FieldError>> {
    let mut errors = Errors::default();
    let known: Vec<&str> = defs.iter().map(|d| d.key.as_str()).collect();
    let map: Map<String, Value> = raw.0.into_iter().collect();
    let Some(mut body) = Body::open(Value::Object(map), "/custom", &known, &mut errors) else {
        return Err(errors.into_vec());
    };
    let mut out = BTreeMap::new();
    let mut refs = Vec::new();
    for def in defs {
        let key = def.key.as_str();
        let present = body.has(key);
        let value = if present {
            read_value(&mut body, def, phone_region, &mut refs)
        } else {
            None
        };
        match value {
            Some(v) => {
                out.insert(def.key.clone(), v);
            }
            None if def.required && body.has_no_error_at(key) => {
                let had = before.is_some_and(|b| b.0.contains_key(key));
                if before.is_none() || had {
                    body.fail(key, "required", format!("'{}' is required", def.label));
                }
            }
            None => {}
        }
    }
    errors.finish((CustomValues(out), refs))
}

fn read_value(
    body: &mut Body<'_>,
    def: &CustomFieldDraft,
    phone_region: Option<&str>,
    refs: &mut Vec<Reference>,
) -> Option<Value> {
    let key = def.key.as_str();
    Some(match def.kind {
        CustomType::Text => Value::String(body.text(key, TEXT_MAX)?),
        CustomType::LongText => Value::String(body.multiline(key, LONG_TEXT_MAX)?),
        CustomType::Number => {
            let v = body.take(key)?;
            match v.as_f64() {
                Some(n) if n.is_finite() && n.abs() < 1e15 => v,
                _ => {
                    body.fail(
                        key,
                        "invalid_type",
                        "must be a number (at most 15 digits before the point)",
                    );
                    return None;
                }
            }
        }
        CustomType::Money => serde_json::to_value(body.money(key)?).ok()?,
        CustomType::Date => Value::String(body.date(key)?.format("%Y-%m-%d").to_string()),
        CustomType::Datetime => Value::String(format_instant(body.timestamp(key)?)),
        CustomType::Boolean => Value::Bool(body.boolean(key)?),
        CustomType::Select => {
            let s = body.string(key)?;
            if !def.options.contains(&s) {
                body.fail(
                    key,
                    "invalid_choice",
                    format!("must be one of: {}", def.options.join(", ")),
                );
                return None;
            }
            Value::String(s)
        }
        CustomType::MultiSelect => {
            let items = body.array(key, OPTIONS_MAX);
            let mut chosen: Vec<String> = Vec::new();
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::String(s) if def.options.contains(&s) => {
                        if !chosen.contains(&s) {
                            chosen.push(s);
                        }
                    }
                    _ => {
                        let p = format!("{}/{i}", body.pointer(key));
                        body.errors().push(
                            p,
                            "invalid_choice",
                            format!("must be one of: {}", def.options.join(", ")),
                        );
                    }
                }
            }
            if chosen.is_empty() {
                return None;
            }
            // Option order, so equal selections compare equal.
            chosen.sort_by_key(|s| def.options.iter().position(|o| o == s));
            Value::Array(chosen.into_iter().map(Value::String).collect())
        }
        CustomType::Url => Value::String(body.parsed(key, WebUrl::parse)?.as_str().to_owned()),
        CustomType::Email => Value::String(body.parsed(key, EmailAddress::parse)?.normalized()),
        CustomType::Phone => Value::String(
            body.parsed(key, |s| PhoneE164::parse(s, phone_region))?
                .as_str()
                .to_owned(),
        ),
        CustomType::User => {
            let id = body.uuid(key)?;
            refs.push(Reference::User {
                key: def.key.clone(),
                id,
            });
            Value::String(id.to_string())
        }
        CustomType::Record => {
            let id = body.uuid(key)?;
            refs.push(Reference::Record {
                key: def.key.clone(),
                object: def.target.clone().unwrap_or_default(),
                id,
            });
            Value::String(id.to_string())
        }
    })
}

/// The specs of a set of definitions, shared by the requests that filter with them.
pub fn specs(defs: &[CustomFieldDraft]) -> Vec<Arc<CustomSpec>> {
    defs.iter().map(|d| Arc::new(d.spec())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(body: Value) -> CustomFieldDraft {
        CustomFieldDraft::parse(body).expect("valid definition")
    }

    #[test]
    fn keys_are_safe_identifiers() {
        assert!(valid_key("tier"));
        assert!(valid_key("renewal_date2"));
        assert!(!valid_key("Tier"));
        assert!(!valid_key("2tier"));
        assert!(!valid_key("tier'--"));
        assert!(!valid_key(""));
        assert!(!valid_key(&"a".repeat(41)));
    }

    #[test]
    fn a_definition_states_what_its_type_needs() {
        let errors = CustomFieldDraft::parse(json!({
            "object": "contacts", "key": "Tier", "label": "Tier", "type": "select",
        }))
        .expect_err("invalid");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/key", "/options"]);
        let errors = CustomFieldDraft::parse(json!({
            "object": "pipelines", "key": "x", "label": "X", "type": "record", "unique": true,
        }))
        .expect_err("invalid");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/object", "/target"]);
    }

    #[test]
    fn values_are_checked_and_made_canonical() {
        let defs = vec![
            def(
                json!({"object": "contacts", "key": "tier", "label": "Tier", "type": "select",
                "options": ["gold", "silver"], "required": true}),
            ),
            def(json!({"object": "contacts", "key": "seats", "label": "Seats", "type": "number"})),
            def(
                json!({"object": "contacts", "key": "renews", "label": "Renews", "type": "datetime"}),
            ),
            def(json!({"object": "contacts", "key": "site", "label": "Site", "type": "url"})),
            def(
                json!({"object": "contacts", "key": "areas", "label": "Areas", "type": "multi_select",
                "options": ["a", "b", "c"]}),
            ),
        ];
        let raw: CustomValues = serde_json::from_value(json!({
            "tier": "gold", "seats": 12.5, "renews": "2026-01-02T03:04:05+01:00",
            "areas": ["c", "a", "c"],
        }))
        .expect("map");
        let (values, refs) = validate(&defs, raw, None, None).expect("valid");
        assert!(refs.is_empty());
        assert_eq!(
            serde_json::to_value(&values).expect("json"),
            json!({"tier": "gold", "seats": 12.5, "renews": "2026-01-02T02:04:05.000Z",
                "areas": ["a", "c"]})
        );
        let raw: CustomValues = serde_json::from_value(json!({
            "tier": "bronze", "seats": "12", "nope": 1, "areas": ["z"],
        }))
        .expect("map");
        let errors = validate(&defs, raw, None, None).expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                "/custom/areas/0",
                "/custom/nope",
                "/custom/seats",
                "/custom/tier"
            ]
        );
    }

    #[test]
    fn a_field_made_required_later_does_not_block_older_records() {
        let defs = vec![def(
            json!({"object": "deals", "key": "region", "label": "Region",
            "type": "text", "required": true}),
        )];
        let before = CustomValues::default();
        assert!(validate(&defs, CustomValues::default(), Some(&before), None).is_ok());
        let had: CustomValues = serde_json::from_value(json!({"region": "EMEA"})).expect("map");
        let errors =
            validate(&defs, CustomValues::default(), Some(&had), None).expect_err("cannot remove");
        assert_eq!(errors[0].code, "required");
        assert!(validate(&defs, CustomValues::default(), None, None).is_err());
    }
}
