//! What each object's fields are, for filters and sorts: the catalog the filter checker and the
//! store's SQL builder both read, so a field is declared once.

use crate::filter::Op;

/// The type of a filterable field; decides which operators and literals are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// An id (UUID string).
    Id,
    /// A whole number.
    Integer,
    /// A money amount (decimal number, compared exactly).
    MoneyAmount,
    /// An ISO 4217 code.
    Currency,
    /// A timestamp: RFC 3339 or a relative date (`-30d`, `today`).
    Timestamp,
    /// One of a fixed set of values.
    Enum(&'static [&'static str]),
    /// An ISO 3166-1 alpha-2 code.
    Country,
    /// Any of a contact's email addresses (case-insensitive).
    Email,
    /// Any of a contact's phone numbers (E.164).
    Phone,
    /// A list of tags: `contains` tests membership.
    Tags,
    /// A web domain: values are normalised like stored domains (`HTTPS://Acme.COM/` is `acme.com`).
    Domain,
    /// A calendar date stored as `YYYY-MM-DD` text: a date or a relative date (`today`, `+30d`);
    /// `in_period` takes the days of the period (`due_on in_period "this_week"`).
    Date,
    /// `true` or `false` (a flag, stored or computed from other columns).
    Boolean,
    /// A decimal number (custom number fields).
    Number,
    /// One of a custom select field's options (checked against the field's definition).
    Choice,
    /// Any of a custom multi-select field's options: `contains` tests membership.
    Choices,
}

impl FieldKind {
    /// The operators this kind of field accepts.
    pub fn operators(self) -> &'static [Op] {
        use Op::*;
        match self {
            FieldKind::Text => &[Eq, Ne, Lt, Lte, Gt, Gte, In, Contains, StartsWith, IsNull],
            FieldKind::Domain => &[Eq, Ne, In, Contains, StartsWith, IsNull],
            FieldKind::Id | FieldKind::Enum(_) | FieldKind::Country | FieldKind::Currency => {
                &[Eq, Ne, In, IsNull]
            }
            FieldKind::Integer | FieldKind::MoneyAmount => &[Eq, Ne, Lt, Lte, Gt, Gte, In, IsNull],
            FieldKind::Date => &[Eq, Ne, Lt, Lte, Gt, Gte, In, IsNull, InPeriod],
            FieldKind::Timestamp => &[Eq, Ne, Lt, Lte, Gt, Gte, IsNull, InPeriod],
            FieldKind::Email | FieldKind::Phone => &[Eq, In, StartsWith, IsNull],
            FieldKind::Tags => &[Contains, IsNull],
            FieldKind::Boolean => &[Eq, Ne],
            FieldKind::Number => &[Eq, Ne, Lt, Lte, Gt, Gte, In, IsNull],
            FieldKind::Choice => &[Eq, Ne, In, IsNull],
            FieldKind::Choices => &[Contains, IsNull],
        }
    }
}

/// One field as filters and sorts see it.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The path clients write (`address.city`).
    pub path: &'static str,
    /// Its type.
    pub kind: FieldKind,
    /// Whether `sort` accepts it (only indexed, non-null columns).
    pub sortable: bool,
}

/// An object's filterable and sortable fields.
#[derive(Debug)]
pub struct ObjectSchema {
    /// Plural API name (`contacts`).
    pub name: &'static str,
    /// Its fields.
    pub fields: &'static [FieldSpec],
    /// The sort used when the client gives none.
    pub default_sort: &'static str,
    /// Top-level fields holding personal data: the audit log records that they changed, never
    /// their values (an append-only log cannot honour an erasure request).
    pub sensitive: &'static [&'static str],
    /// Filter and sort paths that read those personal fields: refused to roles without
    /// `pii_read`, so a filter cannot reveal what the answer hides.
    pub personal_paths: &'static [&'static str],
    /// The field naming the user a record belongs to, which record scopes (own, team) test;
    /// `None` for shared configuration (pipelines), which every role that may read it sees whole.
    pub owner: Option<&'static str>,
}

impl ObjectSchema {
    /// Looks a field up by its path.
    pub fn field(&self, path: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.path == path)
    }

    /// The paths of every field (for error messages).
    pub fn paths(&self) -> Vec<&'static str> {
        self.fields.iter().map(|f| f.path).collect()
    }

    /// The paths of sortable fields.
    pub fn sortable_paths(&self) -> Vec<&'static str> {
        self.fields
            .iter()
            .filter(|f| f.sortable)
            .map(|f| f.path)
            .collect()
    }
}

const fn f(path: &'static str, kind: FieldKind, sortable: bool) -> FieldSpec {
    FieldSpec {
        path,
        kind,
        sortable,
    }
}

/// Every object stored as records, by its API name: what roles and token scopes may name.
pub const RECORD_OBJECTS: &[&str] = &[
    "contacts",
    "companies",
    "pipelines",
    "deals",
    "leads",
    "activities",
    "tasks",
    "appointments",
    "cases",
    "campaigns",
    "projects",
    "documents",
    "custom_fields",
    // The tag vocabulary (`/tags`): not records, but named like them so roles and token scopes
    // can grant it; shared configuration (see CONFIG_OBJECTS).
    "tags",
];

/// Record objects that are shared configuration rather than customer data: every role reads
/// them whole, and only managers and above change them.
pub const CONFIG_OBJECTS: &[&str] = &["pipelines", "tags", "custom_fields"];

/// Lifecycle stages as filter values.
pub const LIFECYCLE_STAGES: &[&str] = &[
    "subscriber",
    "lead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
];

/// Contacts.
pub static CONTACTS: ObjectSchema = ObjectSchema {
    name: "contacts",
    owner: Some("owner_id"),
    default_sort: "-created_at",
    sensitive: &["emails", "phones", "address", "notes"],
    personal_paths: &[
        "email",
        "phone",
        "address.street",
        "address.city",
        "address.region",
        "address.postal_code",
        "address.country",
    ],
    fields: &[
        f("id", FieldKind::Id, false),
        f("first_name", FieldKind::Text, true),
        f("last_name", FieldKind::Text, true),
        f("email", FieldKind::Email, true),
        f("phone", FieldKind::Phone, false),
        f("title", FieldKind::Text, false),
        f("company_id", FieldKind::Id, false),
        f("address.street", FieldKind::Text, false),
        f("address.city", FieldKind::Text, false),
        f("address.region", FieldKind::Text, false),
        f("address.postal_code", FieldKind::Text, false),
        f("address.country", FieldKind::Country, false),
        f("lifecycle_stage", FieldKind::Enum(LIFECYCLE_STAGES), false),
        f("owner_id", FieldKind::Id, false),
        f("tags", FieldKind::Tags, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Companies.
pub static COMPANIES: ObjectSchema = ObjectSchema {
    name: "companies",
    owner: Some("owner_id"),
    default_sort: "-created_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("name", FieldKind::Text, true),
        f("domain", FieldKind::Domain, false),
        f("industry", FieldKind::Text, false),
        f("employee_count", FieldKind::Integer, false),
        f("annual_revenue.amount", FieldKind::MoneyAmount, false),
        f("annual_revenue.currency", FieldKind::Currency, false),
        f("address.street", FieldKind::Text, false),
        f("address.city", FieldKind::Text, false),
        f("address.region", FieldKind::Text, false),
        f("address.postal_code", FieldKind::Text, false),
        f("address.country", FieldKind::Country, false),
        f("owner_id", FieldKind::Id, false),
        f("tags", FieldKind::Tags, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Pipelines: shared configuration, no owner.
pub static PIPELINES: ObjectSchema = ObjectSchema {
    name: "pipelines",
    owner: None,
    default_sort: "created_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("name", FieldKind::Text, true),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Stage kinds as filter values.
pub const STAGE_KINDS: &[&str] = &["open", "won", "lost"];

/// Deals. `amount` sorts deals without an amount as the smallest, `expected_close_date` those
/// without a date as the latest.
pub static DEALS: ObjectSchema = ObjectSchema {
    name: "deals",
    owner: Some("owner_id"),
    default_sort: "-created_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("name", FieldKind::Text, true),
        f("pipeline_id", FieldKind::Id, false),
        f("stage_id", FieldKind::Id, false),
        f("stage_kind", FieldKind::Enum(STAGE_KINDS), false),
        f("amount", FieldKind::MoneyAmount, true),
        f("amount.amount", FieldKind::MoneyAmount, false),
        f("amount.currency", FieldKind::Currency, false),
        f("expected_close_date", FieldKind::Date, true),
        f("probability", FieldKind::Integer, false),
        f("company_id", FieldKind::Id, false),
        f("owner_id", FieldKind::Id, false),
        f("tags", FieldKind::Tags, false),
        f("closed_at", FieldKind::Timestamp, false),
        f("stage_entered_at", FieldKind::Timestamp, false),
        f("last_activity_at", FieldKind::Timestamp, false),
        f("rots_at", FieldKind::Timestamp, false),
        f("board_rank", FieldKind::Integer, true),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Lead sources as filter values.
pub const LEAD_SOURCES: &[&str] = &["web", "referral", "event", "import", "api", "other"];

/// Lead statuses as filter values.
pub const LEAD_STATUSES: &[&str] = &["new", "contacted", "qualified", "disqualified"];

/// Leads.
pub static LEADS: ObjectSchema = ObjectSchema {
    name: "leads",
    owner: Some("owner_id"),
    default_sort: "-created_at",
    sensitive: &["email", "phone"],
    personal_paths: &["email", "phone"],
    fields: &[
        f("id", FieldKind::Id, false),
        f("first_name", FieldKind::Text, false),
        f("last_name", FieldKind::Text, false),
        f("company_name", FieldKind::Text, false),
        f("title", FieldKind::Text, false),
        f("email", FieldKind::Text, false),
        f("phone", FieldKind::Text, false),
        f("source", FieldKind::Enum(LEAD_SOURCES), false),
        f("status", FieldKind::Enum(LEAD_STATUSES), false),
        f("owner_id", FieldKind::Id, false),
        f("tags", FieldKind::Tags, false),
        f("score", FieldKind::Integer, true),
        f("converted_at", FieldKind::Timestamp, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Activity kinds as filter values.
pub const ACTIVITY_KINDS: &[&str] = &["note", "call", "email", "meeting"];

/// Activities.
pub static ACTIVITIES: ObjectSchema = ObjectSchema {
    name: "activities",
    owner: Some("owner_id"),
    default_sort: "-occurred_at",
    sensitive: &["body", "from", "to", "attendees"],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("kind", FieldKind::Enum(ACTIVITY_KINDS), false),
        f("subject", FieldKind::Text, false),
        f("occurred_at", FieldKind::Timestamp, true),
        f(
            "direction",
            FieldKind::Enum(&["inbound", "outbound"]),
            false,
        ),
        f("duration_seconds", FieldKind::Integer, false),
        f(
            "outcome",
            FieldKind::Enum(&[
                "connected",
                "no_answer",
                "left_voicemail",
                "busy",
                "wrong_number",
            ]),
            false,
        ),
        f("owner_id", FieldKind::Id, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Tasks. `due_at` sorts tasks without a due date last (ascending); `priority` sorts by urgency
/// (low, normal, high), not by name.
pub static TASKS: ObjectSchema = ObjectSchema {
    name: "tasks",
    owner: Some("assignee_id"),
    default_sort: "-created_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("title", FieldKind::Text, true),
        f("due_at", FieldKind::Timestamp, true),
        f(
            "priority",
            FieldKind::Enum(crate::objects::task::PRIORITIES),
            true,
        ),
        f(
            "status",
            FieldKind::Enum(crate::objects::task::STATUSES),
            false,
        ),
        f("assignee_id", FieldKind::Id, false),
        f(
            "record.type",
            FieldKind::Enum(crate::objects::record_ref::LINKABLE_OBJECTS),
            false,
        ),
        f("record.id", FieldKind::Id, false),
        f("tags", FieldKind::Tags, false),
        f("completed_at", FieldKind::Timestamp, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Appointments, soonest first by default. `attendees.contacts`, `attendees.users`,
/// `records.type` and `records.id` match any one of the appointment's attendees or links.
pub static APPOINTMENTS: ObjectSchema = ObjectSchema {
    name: "appointments",
    owner: Some("owner_id"),
    default_sort: "starts_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("title", FieldKind::Text, true),
        f("starts_at", FieldKind::Timestamp, true),
        f("ends_at", FieldKind::Timestamp, true),
        f("time_zone", FieldKind::Text, false),
        f("location", FieldKind::Text, false),
        f("owner_id", FieldKind::Id, false),
        f("attendees.contacts", FieldKind::Id, false),
        f("attendees.users", FieldKind::Id, false),
        f(
            "records.type",
            FieldKind::Enum(crate::objects::record_ref::LINKABLE_OBJECTS),
            false,
        ),
        f("records.id", FieldKind::Id, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Cases, assigned rather than owned: record scopes (own, team) follow the assignee.
pub static CASES: ObjectSchema = ObjectSchema {
    name: "cases",
    owner: Some("assignee_id"),
    default_sort: "-created_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("number", FieldKind::Integer, true),
        f("subject", FieldKind::Text, false),
        f(
            "status",
            FieldKind::Enum(crate::objects::case::STATUSES),
            false,
        ),
        // Sorted by urgency (low to urgent), not by name.
        f(
            "priority",
            FieldKind::Enum(crate::objects::case::PRIORITIES),
            true,
        ),
        f("contact_id", FieldKind::Id, false),
        f("company_id", FieldKind::Id, false),
        f("assignee_id", FieldKind::Id, false),
        f("tags", FieldKind::Tags, false),
        f("sla_due_at", FieldKind::Timestamp, true),
        f("first_response_at", FieldKind::Timestamp, false),
        f("resolved_at", FieldKind::Timestamp, false),
        // Computed from resolved_at, sla_due_at and the time of the request.
        f("sla_breached", FieldKind::Boolean, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Campaigns.
pub static CAMPAIGNS: ObjectSchema = ObjectSchema {
    name: "campaigns",
    owner: Some("owner_id"),
    default_sort: "-created_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("name", FieldKind::Text, true),
        f(
            "kind",
            FieldKind::Enum(crate::objects::campaign::KINDS),
            false,
        ),
        f(
            "status",
            FieldKind::Enum(crate::objects::campaign::STATUSES),
            false,
        ),
        f("budget.amount", FieldKind::MoneyAmount, false),
        f("budget.currency", FieldKind::Currency, false),
        f("starts_on", FieldKind::Date, false),
        f("ends_on", FieldKind::Date, false),
        f("owner_id", FieldKind::Id, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// A campaign's members (`GET /campaigns/{id}/members`): `id` is the contact's or lead's.
pub static CAMPAIGN_MEMBERS: ObjectSchema = ObjectSchema {
    name: "campaign_members",
    owner: None,
    default_sort: "added_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f(
            "type",
            FieldKind::Enum(crate::objects::campaign::MEMBER_TYPES),
            false,
        ),
        f("id", FieldKind::Id, false),
        f(
            "status",
            FieldKind::Enum(crate::objects::campaign::MEMBER_STATUSES),
            false,
        ),
        f("added_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// The deals a campaign influenced (`GET /campaigns/{id}/deals`).
pub static CAMPAIGN_DEALS: ObjectSchema = ObjectSchema {
    name: "campaign_deals",
    owner: None,
    default_sort: "linked_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("deal_id", FieldKind::Id, false),
        f("linked_at", FieldKind::Timestamp, true),
    ],
};

/// The schema of every record object, so what applies to all of them (the tag vocabulary's
/// usage counts and renames) finds them. A record object missing here fails a test.
pub static RECORD_SCHEMAS: &[&ObjectSchema] = &[
    &CONTACTS,
    &COMPANIES,
    &PIPELINES,
    &DEALS,
    &LEADS,
    &ACTIVITIES,
    &TASKS,
    &APPOINTMENTS,
    &CASES,
    &CAMPAIGNS,
    &PROJECTS,
    &DOCUMENTS,
    &CUSTOM_FIELDS,
];

/// The record objects whose records carry tags (a `tags` field), whose table stores them in its
/// `tags` column.
pub fn tagged() -> impl Iterator<Item = &'static ObjectSchema> {
    RECORD_SCHEMAS
        .iter()
        .copied()
        .filter(|s| s.field("tags").is_some_and(|f| f.kind == FieldKind::Tags))
}

/// The campaign a member or an influenced deal belongs to. Not a filter clients write (the path
/// names the campaign): the condition a campaign's list of members or deals is restricted by.
pub static CAMPAIGN_ID: FieldSpec = f("campaign_id", FieldKind::Id, false);

/// Projects. `milestones.due_on` matches projects with any milestone due then,
/// `open_milestones.due_on` those with a milestone not done yet due then (one milestone meets the
/// whole condition: `open_milestones.due_on in_period "this_week"`). `ends_on` sorts projects
/// without an end date last (ascending).
pub static PROJECTS: ObjectSchema = ObjectSchema {
    name: "projects",
    owner: Some("owner_id"),
    default_sort: "-created_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("name", FieldKind::Text, true),
        f(
            "status",
            FieldKind::Enum(crate::objects::project::STATUSES),
            false,
        ),
        f("company_id", FieldKind::Id, false),
        f("deal_id", FieldKind::Id, false),
        f("owner_id", FieldKind::Id, false),
        f("starts_on", FieldKind::Date, false),
        f("ends_on", FieldKind::Date, true),
        f("tags", FieldKind::Tags, false),
        f("progress", FieldKind::Integer, true),
        f("completed_at", FieldKind::Timestamp, false),
        f("milestones.id", FieldKind::Id, false),
        f("milestones.due_on", FieldKind::Date, false),
        f("open_milestones.due_on", FieldKind::Date, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

/// Documents: `record.type` and `record.id` name the record a document is attached to.
/// Record scopes test the uploader: a role that reaches only its own records sees the documents
/// it uploaded.
pub static DOCUMENTS: ObjectSchema = ObjectSchema {
    name: "documents",
    owner: Some("uploaded_by"),
    default_sort: "-created_at",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f("name", FieldKind::Text, true),
        f(
            "record.type",
            FieldKind::Enum(crate::objects::document::DOCUMENT_OBJECTS),
            false,
        ),
        f("record.id", FieldKind::Id, false),
        f("uploaded_by", FieldKind::Id, false),
        f("content_type", FieldKind::Text, false),
        f("size", FieldKind::Integer, true),
        f("sha256", FieldKind::Text, false),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};
/// Custom field definitions: shared configuration, like pipelines.
pub static CUSTOM_FIELDS: ObjectSchema = ObjectSchema {
    name: "custom_fields",
    owner: None,
    default_sort: "position",
    sensitive: &[],
    personal_paths: &[],
    fields: &[
        f("id", FieldKind::Id, false),
        f(
            "object",
            FieldKind::Enum(crate::objects::custom_field::CUSTOMIZABLE_OBJECTS),
            false,
        ),
        f("key", FieldKind::Text, true),
        f("label", FieldKind::Text, true),
        f(
            "type",
            FieldKind::Enum(crate::objects::custom_field::TYPES),
            false,
        ),
        f("required", FieldKind::Boolean, false),
        f("unique", FieldKind::Boolean, false),
        f("filterable", FieldKind::Boolean, false),
        f("position", FieldKind::Integer, true),
        f("created_at", FieldKind::Timestamp, true),
        f("updated_at", FieldKind::Timestamp, true),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_object_has_its_schema() {
        for name in RECORD_OBJECTS.iter().filter(|n| **n != "tags") {
            assert!(
                RECORD_SCHEMAS.iter().any(|s| s.name == *name),
                "{name} is missing from RECORD_SCHEMAS"
            );
        }
        let tagged: Vec<&str> = tagged().map(|s| s.name).collect();
        assert!(
            tagged.contains(&"contacts") && tagged.contains(&"cases"),
            "{tagged:?}"
        );
        assert!(!tagged.contains(&"activities"));
    }
}
