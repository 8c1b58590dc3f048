//! What every record object looks like to a client building forms and filters: its writable and
//! read-only fields and what each filterable field accepts. `GET /api/v1/schema` serves this, so
//! the UI and integrators read one description instead of hard-coding fields.

use serde::Serialize;

use crate::objects;
use crate::schema::{FieldKind, ObjectSchema, RECORD_SCHEMAS};

/// A filterable field as clients see it.
#[derive(Debug, Serialize)]
pub struct FilterField {
    /// The path filters and sorts use (`address.city`).
    pub path: &'static str,
    /// `text`, `id`, `integer`, `money_amount`, `currency`, `timestamp`, `date`, `enum`,
    /// `country`, `email`, `phone`, `tags`, `domain` or `boolean`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The values an enum accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<&'static [&'static str]>,
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
    /// Filterable (and sortable) fields.
    pub filters: Vec<FilterField>,
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
    }
}

fn describe(s: &'static ObjectSchema) -> Option<ObjectDescription> {
    let (writable, read_only) = fields_of(s.name)?;
    let filters = s
        .fields
        .iter()
        .map(|f| {
            let (kind, values) = kind_name(f.kind);
            FilterField {
                path: f.path,
                kind,
                values,
                operators: f.kind.operators().iter().map(|o| o.as_str()).collect(),
                sortable: f.sortable,
                personal: s.personal_paths.contains(&f.path),
            }
        })
        .collect();
    Some(ObjectDescription {
        name: s.name,
        writable,
        read_only,
        sensitive: s.sensitive,
        owner_field: s.owner,
        default_sort: s.default_sort,
        filters,
    })
}

/// Every record object, described.
pub fn all() -> Vec<ObjectDescription> {
    RECORD_SCHEMAS
        .iter()
        .copied()
        .filter_map(describe)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_object_is_described() {
        let described: Vec<&str> = all().iter().map(|d| d.name).collect();
        for s in RECORD_SCHEMAS {
            assert!(described.contains(&s.name), "{} has no description", s.name);
        }
        let contacts = all()
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
