//! What every record object looks like to a client building forms and filters: its writable and
//! read-only fields and what each filterable field accepts. `GET /api/v1/schema` serves this, so
//! the UI and integrators read one description instead of hard-coding fields.

use serde::Serialize;

use crate::objects;
use crate::objects::custom_field::{CustomFieldDraft, CustomType};
use crate::schema::{FieldKind, ObjectSchema, RECORD_SCHEMAS};

/// A filterable field as clients see it.
#[derive(Debug, Serialize)]
pub struct FilterField {
    /// The path filters and sorts use (`address.city`, `custom.tier`).
    pub path: String,
    /// `text`, `id`, `integer`, `money_amount`, `currency`, `timestamp`, `date`, `enum`,
    /// `country`, `email`, `phone`, `tags`, `domain` or `boolean`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The values an enum or a select field accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// The operators it accepts.
    pub operators: Vec<&'static str>,
    /// Whether `sort` accepts it.
    pub sortable: bool,
    /// Whether it holds personal data (hidden from roles without `pii.read`).
    pub personal: bool,
}

/// One object's description.
#[derive(Debug, Serialize)]
pub struct ObjectDescription {
    /// The API name (`contacts`).
    pub name: &'static str,
    /// Fields a client may send on create and update.
    pub writable: &'static [&'static str],
    /// Fields the server sets.
    pub read_only: &'static [&'static str],
    /// Fields holding personal data.
    pub sensitive: &'static [&'static str],
    /// The field record scopes follow (`owner_id`, `assignee_id`), if any.
    pub owner_field: Option<&'static str>,
    /// The sort lists use when none is given.
    pub default_sort: &'static str,
    /// Filterable (and sortable) fields, custom ones (`custom.<key>`) included.
    pub filters: Vec<FilterField>,
    /// The workspace's custom fields on this object, in display order (`null` for objects that
    /// take none).
    pub custom_fields: Option<Vec<CustomFieldDescription>>,
}

/// A custom field as forms see it.
#[derive(Debug, Serialize)]
pub struct CustomFieldDescription {
    /// The key under `custom`.
    pub key: String,
    /// The label.
    pub label: String,
    /// Its type (`text`, `select`, ...).
    #[serde(rename = "type")]
    pub kind: CustomType,
    /// Help text.
    pub description: Option<String>,
    /// A select field's options.
    pub options: Vec<String>,
    /// A record field's target object.
    pub target: Option<String>,
    /// Whether new records need a value.
    pub required: bool,
    /// Whether values are unique in the workspace.
    pub unique: bool,
    /// Whether it is indexed for filters and sorts.
    pub filterable: bool,
}

/// The writable and read-only fields of a record object.
pub fn fields_of(object: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match object {
        "contacts" => (objects::contact::WRITABLE, objects::contact::READ_ONLY),
        "companies" => (objects::company::WRITABLE, objects::company::READ_ONLY),
        "pipelines" => (objects::pipeline::WRITABLE, objects::pipeline::READ_ONLY),
        "deals" => (objects::deal::WRITABLE, objects::deal::READ_ONLY),
        "leads" => (objects::lead::WRITABLE, objects::lead::READ_ONLY),
        "activities" => (objects::activity::WRITABLE, objects::activity::READ_ONLY),
        "tasks" => (objects::task::WRITABLE, objects::task::READ_ONLY),
        "appointments" => (
            objects::appointment::WRITABLE,
            objects::appointment::READ_ONLY,
        ),
        "cases" => (objects::case::WRITABLE, objects::case::READ_ONLY),
        "campaigns" => (objects::campaign::WRITABLE, objects::campaign::READ_ONLY),
        "projects" => (objects::project::WRITABLE, objects::project::READ_ONLY),
        "documents" => (objects::document::WRITABLE, objects::document::READ_ONLY),
        "custom_fields" => (
            objects::custom_field::WRITABLE,
            objects::custom_field::READ_ONLY,
        ),
        _ => return None,
    })
}

fn kind_name(kind: FieldKind) -> (&'static str, Option<&'static [&'static str]>) {
    match kind {
        FieldKind::Text => ("text", None),
        FieldKind::Id => ("id", None),
        FieldKind::Integer => ("integer", None),
        FieldKind::MoneyAmount => ("money_amount", None),
        FieldKind::Currency => ("currency", None),
        FieldKind::Timestamp => ("timestamp", None),
        FieldKind::Enum(values) => ("enum", Some(values)),
        FieldKind::Country => ("country", None),
        FieldKind::Email => ("email", None),
        FieldKind::Phone => ("phone", None),
        FieldKind::Tags => ("tags", None),
        FieldKind::Domain => ("domain", None),
        FieldKind::Date => ("date", None),
        FieldKind::Boolean => ("boolean", None),
        FieldKind::Number => ("number", None),
        FieldKind::Choice => ("choice", None),
        FieldKind::Choices => ("choices", None),
    }
}

fn owned(values: Option<&'static [&'static str]>) -> Option<Vec<String>> {
    values.map(|v| v.iter().map(|s| (*s).to_owned()).collect())
}

fn describe(s: &'static ObjectSchema, custom: &[CustomFieldDraft]) -> Option<ObjectDescription> {
    let (writable, read_only) = fields_of(s.name)?;
    let mut filters: Vec<FilterField> = s
        .fields
        .iter()
        .map(|f| {
            let (kind, values) = kind_name(f.kind);
            FilterField {
                path: f.path.to_owned(),
                kind,
                values: owned(values),
                operators: f.kind.operators().iter().map(|o| o.as_str()).collect(),
                sortable: f.sortable,
                personal: s.personal_paths.contains(&f.path),
            }
        })
        .collect();
    let takes_custom = objects::custom_field::CUSTOMIZABLE_OBJECTS.contains(&s.name);
    let mine: Vec<&CustomFieldDraft> = custom.iter().filter(|d| d.object == s.name).collect();
    for d in &mine {
        let spec = d.spec();
        let kind = d.kind.filter_kind();
        filters.push(FilterField {
            path: spec.path,
            kind: kind_name(kind).0,
            values: (!d.options.is_empty()).then(|| d.options.clone()),
            operators: kind.operators().iter().map(|o| o.as_str()).collect(),
            sortable: spec.sortable,
            personal: false,
        });
    }
    let custom_fields = takes_custom.then(|| {
        mine.iter()
            .map(|d| CustomFieldDescription {
                key: d.key.clone(),
                label: d.label.clone(),
                kind: d.kind,
                description: d.description.clone(),
                options: d.options.clone(),
                target: d.target.clone(),
                required: d.required,
                unique: d.unique,
                filterable: d.filterable,
            })
            .collect()
    });
    Some(ObjectDescription {
        name: s.name,
        writable,
        read_only,
        sensitive: s.sensitive,
        owner_field: s.owner,
        default_sort: s.default_sort,
        filters,
        custom_fields,
    })
}

/// Every record object, described, with a workspace's custom fields (`custom`, in display
/// order) on the objects they belong to.
pub fn all(custom: &[CustomFieldDraft]) -> Vec<ObjectDescription> {
    RECORD_SCHEMAS
        .iter()
        .copied()
        .filter_map(|s| describe(s, custom))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_object_is_described() {
        let described: Vec<&str> = all(&[]).iter().map(|d| d.name).collect();
        for s in RECORD_SCHEMAS {
            assert!(described.contains(&s.name), "{} has no description", s.name);
        }
        let contacts = all(&[])
            .into_iter()
            .find(|d| d.name == "contacts")
            .expect("contacts");
        let email = contacts
            .filters
            .iter()
            .find(|f| f.path == "email")
            .expect("email");
        assert!(email.personal);
        assert!(contacts.writable.contains(&"emails"));
    }
}
