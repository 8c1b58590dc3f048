//! Activities: the timeline of what happened with customers (notes, calls, emails, meetings),
//! each linked to any number of contacts, companies, deals, leads and cases.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use super::custom_field::CustomValues;
use super::record_ref::RecordRef;
use crate::ids::{ActivityId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::EmailAddress;

/// Kinds of activity.
pub const KINDS: &[&str] = &["note", "call", "email", "meeting"];

/// Call directions.
pub const DIRECTIONS: &[&str] = &["inbound", "outbound"];

/// Call outcomes.
pub const OUTCOMES: &[&str] = &[
    "connected",
    "no_answer",
    "left_voicemail",
    "busy",
    "wrong_number",
];

/// The objects an activity can be linked to.
pub const LINKABLE: &[&str] = &["contacts", "companies", "deals", "leads", "cases"];

/// Most links one activity may carry.
pub const MAX_LINKS: usize = 50;

/// The writable fields of an activity; kind-specific fields are refused on other kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ActivityInput)]
pub struct ActivityDraft {
    /// `note`, `call`, `email` or `meeting` (required; cannot change).
    pub kind: String,
    /// Subject or title (an email's subject, a meeting's title).
    pub subject: Option<String>,
    /// The note, the call's notes, the email's body or the meeting's minutes (plain text).
    pub body: Option<String>,
    /// When it happened (default: now; a meeting's start).
    #[serde(serialize_with = "super::time::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: DateTime<Utc>,
    /// Calls: `inbound` or `outbound`.
    pub direction: Option<String>,
    /// Calls: length in seconds.
    pub duration_seconds: Option<i64>,
    /// Calls: `connected`, `no_answer`, `left_voicemail`, `busy` or `wrong_number`.
    pub outcome: Option<String>,
    /// Emails: the sender.
    #[schema(value_type = Option<String>, format = Email)]
    pub from: Option<EmailAddress>,
    /// Emails: the recipients.
    #[schema(value_type = Vec<String>)]
    pub to: Vec<EmailAddress>,
    /// Meetings: when it ends.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<DateTime<Utc>>,
    /// Meetings: who attended, by email address.
    #[schema(value_type = Vec<String>)]
    pub attendees: Vec<EmailAddress>,
    /// The records it concerns (at least one).
    pub links: Vec<RecordRef>,
    /// Who logged it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Option<UserId>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// A stored activity as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Activity {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: ActivityId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: ActivityDraft,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(Activity, ActivityId, ActivityDraft);

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "kind",
    "subject",
    "body",
    "occurred_at",
    "direction",
    "duration_seconds",
    "outcome",
    "from",
    "to",
    "ends_at",
    "attendees",
    "links",
    "owner_id",
    "custom",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version"];

/// Which kind each kind-specific field belongs to.
const ONLY_FOR: &[(&str, &str)] = &[
    ("direction", "call"),
    ("duration_seconds", "call"),
    ("outcome", "call"),
    ("from", "email"),
    ("to", "email"),
    ("ends_at", "meeting"),
    ("attendees", "meeting"),
];

fn emails(body: &mut Body<'_>, key: &str, max: usize) -> Vec<EmailAddress> {
    let items = body.array(key, max);
    let base = body.pointer(key);
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let parsed = item
            .as_str()
            .map(|s| EmailAddress::parse(&s.to_lowercase()));
        match parsed {
            Some(Ok(e)) => out.push(e),
            Some(Err(e)) => body.fail_at(format!("{base}/{i}"), e),
            None => body.errors().push(
                format!("{base}/{i}"),
                "invalid_type",
                "must be an email address",
            ),
        }
    }
    out
}

impl ActivityDraft {
    /// Parses a create body (or a record after a merge patch), listing every problem; `now` is
    /// the default `occurred_at`.
    pub fn parse(value: Value, now: DateTime<Utc>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut known: Vec<&str> = WRITABLE.to_vec();
        known.extend_from_slice(READ_ONLY);
        let Some(mut body) = Body::open(value, "", &known, &mut errors) else {
            return Err(errors.into_vec());
        };
        let custom = CustomValues::take_raw(&mut body);
        body.refuse_read_only(READ_ONLY);
        let kind = body.choice("kind", KINDS);
        if kind.is_none() && body.has_no_error_at("kind") {
            body.fail(
                "kind",
                "required",
                format!("an activity has a kind: {}", KINDS.join(", ")),
            );
        }
        if let Some(kind) = kind {
            for (field, owner) in ONLY_FOR {
                // Null and [] say "none", which every kind may (a merge patch carries them).
                let given = body
                    .peek(field)
                    .is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
                if given && *owner != kind {
                    body.fail(
                        field,
                        "not_for_kind",
                        format!("'{field}' only applies to {owner} activities, not {kind}"),
                    );
                }
                if *owner != kind {
                    body.take(field);
                }
            }
        }
        let occurred_at = body.timestamp("occurred_at").unwrap_or(now);
        let ends_at = body.timestamp("ends_at");
        if let Some(end) = ends_at
            && end < occurred_at
        {
            body.fail(
                "ends_at",
                "before_start",
                "a meeting cannot end before it starts",
            );
        }
        if kind == Some("meeting") && ends_at.is_none() && body.has_no_error_at("ends_at") {
            body.fail("ends_at", "required", "a meeting needs an end time");
        }
        let links = body.record_refs("links", LINKABLE, MAX_LINKS);
        if links.is_empty() && body.has_no_error_at("links") {
            body.fail(
                "links",
                "required",
                format!(
                    "link the activity to at least one of: {}",
                    LINKABLE.join(", ")
                ),
            );
        }
        let draft = ActivityDraft {
            custom,
            kind: kind.unwrap_or("note").to_owned(),
            subject: body.text("subject", 500),
            body: body.multiline("body", 100_000),
            occurred_at,
            direction: body.choice("direction", DIRECTIONS).map(str::to_owned),
            duration_seconds: body.integer("duration_seconds", 0, 86_400),
            outcome: body.choice("outcome", OUTCOMES).map(str::to_owned),
            from: body.parsed("from", |s| EmailAddress::parse(&s.to_lowercase())),
            to: emails(&mut body, "to", 100),
            ends_at,
            attendees: emails(&mut body, "attendees", 200),
            links,
            owner_id: body.uuid("owner_id").map(UserId),
        };
        errors.finish(draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn kind_specific_fields_are_refused_on_other_kinds() {
        let errors = ActivityDraft::parse(
            json!({"kind": "note", "duration_seconds": 60, "to": ["a@example.com"],
                   "links": [{"type": "contacts", "id": "0190c7a6-0000-7000-8000-000000000001"}]}),
            now(),
        )
        .expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(pointers, ["/duration_seconds", "/to"]);
    }

    #[test]
    fn links_are_required_typed_and_distinct() {
        let id = "0190c7a6-0000-7000-8000-000000000001";
        let errors = ActivityDraft::parse(
            json!({"kind": "call", "links": [
                {"type": "contacts", "id": id}, {"type": "planets", "id": id},
                {"type": "contacts", "id": id}
            ]}),
            now(),
        )
        .expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(pointers, ["/links/1/type", "/links/2"]);
        let errors = ActivityDraft::parse(json!({"kind": "note"}), now()).expect_err("invalid");
        assert_eq!(errors[0].pointer, "/links");
    }

    #[test]
    fn a_meeting_ends_after_it_starts_and_defaults_happen_now() {
        let link = json!([{"type": "deals", "id": "0190c7a6-0000-7000-8000-000000000001"}]);
        let errors = ActivityDraft::parse(
            json!({"kind": "meeting", "occurred_at": "2026-11-22T10:00:00Z",
                   "ends_at": "2026-11-22T09:00:00Z", "links": link}),
            now(),
        )
        .expect_err("invalid");
        assert_eq!(errors[0].pointer, "/ends_at");
        let note =
            ActivityDraft::parse(json!({"kind": "note", "links": link}), now()).expect("valid");
        assert_eq!(note.occurred_at, now());
    }
}
