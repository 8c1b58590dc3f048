//! Appointments: meetings in the calendar, with a time zone, a place or a video link, the contacts
//! and members who attend, and the records they are about.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use super::custom_field::CustomValues;
use super::record_ref::{LINKABLE_OBJECTS, RecordRef};
use crate::ids::{AppointmentId, ContactId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::{TimeZoneName, WebUrl};

/// Most contacts, and most members, one appointment may list.
pub const MAX_ATTENDEES: usize = 100;
/// Most records one appointment may be linked to.
pub const MAX_LINKS: usize = 20;

/// Who attends: contacts of the workspace and its members.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attendees {
    /// Contact ids (each listed once).
    #[schema(value_type = Vec<String>)]
    pub contacts: Vec<ContactId>,
    /// Member (user) ids (each listed once).
    #[schema(value_type = Vec<String>)]
    pub users: Vec<UserId>,
}

impl Attendees {
    /// Whether nobody is listed.
    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty() && self.users.is_empty()
    }
}

/// The writable fields of an appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = AppointmentInput)]
pub struct AppointmentDraft {
    /// What it is (required, at most 200 characters).
    pub title: String,
    /// When it starts (required).
    #[serde(serialize_with = "super::time::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<Utc>,
    /// When it ends (required, after `starts_at`).
    #[serde(serialize_with = "super::time::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<Utc>,
    /// The IANA time zone it is planned in (required), e.g. `Europe/Paris`.
    #[schema(value_type = String, example = "Europe/Paris")]
    pub time_zone: TimeZoneName,
    /// Where it takes place. A meeting may have both a place and a video link (a hybrid
    /// meeting), either one, or neither.
    pub location: Option<String>,
    /// The video call link (`http` or `https`).
    #[schema(value_type = Option<String>, example = "https://meet.example.com/abc")]
    pub video_url: Option<WebUrl>,
    /// Who attends.
    pub attendees: Attendees,
    /// The records it is about (contacts, companies, deals, leads, cases), at most 20.
    pub records: Vec<RecordRef>,
    /// The member responsible for it; one created without it is the creator's.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Option<UserId>,
    /// Agenda or notes, several lines allowed.
    pub description: Option<String>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// A stored appointment as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Appointment {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: AppointmentId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: AppointmentDraft,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(Appointment, AppointmentId, AppointmentDraft);

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "title",
    "starts_at",
    "ends_at",
    "time_zone",
    "location",
    "video_url",
    "attendees",
    "records",
    "owner_id",
    "description",
    "custom",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version"];

impl AppointmentDraft {
    /// Parses a create body (or a record after a merge patch), listing every problem.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut known: Vec<&str> = WRITABLE.to_vec();
        known.extend_from_slice(READ_ONLY);
        let Some(mut body) = Body::open(value, "", &known, &mut errors) else {
            return Err(errors.into_vec());
        };
        let custom = CustomValues::take_raw(&mut body);
        body.refuse_read_only(READ_ONLY);
        let title = body.text("title", 200);
        if title.is_none() && body.has_no_error_at("title") {
            body.fail("title", "required", "an appointment needs a title");
        }
        let starts_at = required(&mut body, "starts_at", Body::timestamp, "a start time");
        let ends_at = required(&mut body, "ends_at", Body::timestamp, "an end time");
        if let (Some(start), Some(end)) = (starts_at, ends_at)
            && end <= start
        {
            body.fail(
                "ends_at",
                "before_start",
                "an appointment must end after it starts",
            );
        }
        let time_zone = required(
            &mut body,
            "time_zone",
            |b, k| b.parsed(k, TimeZoneName::parse),
            "a time zone (an IANA name such as Europe/Paris)",
        );
        let location = body.text("location", 500);
        let video_url = body.parsed("video_url", WebUrl::parse);
        let attendees = read_attendees(&mut body);
        let records = read_links(&mut body);
        let owner_id = body.uuid("owner_id").map(UserId);
        let description = body.multiline("description", 20_000);
        let (Some(title), Some(starts_at), Some(ends_at), Some(time_zone)) =
            (title, starts_at, ends_at, time_zone)
        else {
            return Err(errors.into_vec());
        };
        errors.finish(AppointmentDraft {
            custom,
            title,
            starts_at,
            ends_at,
            time_zone,
            location,
            video_url,
            attendees,
            records,
            owner_id,
            description,
        })
    }
}

/// Reads a required field with `read`, recording `required` when it is absent.
fn required<'b, T>(
    body: &mut Body<'b>,
    key: &str,
    read: impl FnOnce(&mut Body<'b>, &str) -> Option<T>,
    what: &str,
) -> Option<T> {
    let value = read(body, key);
    if value.is_none() && body.has_no_error_at(key) {
        body.fail(key, "required", format!("an appointment needs {what}"));
    }
    value
}

/// Ids in an array at `key` of `body`, each checked, duplicates dropped.
fn read_ids(body: &mut Body<'_>, key: &str) -> Vec<uuid::Uuid> {
    let items = body.array(key, MAX_ATTENDEES);
    let base = body.pointer(key);
    let mut out: Vec<uuid::Uuid> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item.as_str().map(uuid::Uuid::parse_str) {
            Some(Ok(id)) => {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            _ => body.errors().push(
                format!("{base}/{i}"),
                "invalid_format",
                "must be an id (a UUID string)",
            ),
        }
    }
    out
}

fn read_attendees(body: &mut Body<'_>) -> Attendees {
    let Some(mut inner) = body.object("attendees", &["contacts", "users"]) else {
        return Attendees::default();
    };
    Attendees {
        contacts: read_ids(&mut inner, "contacts")
            .into_iter()
            .map(ContactId)
            .collect(),
        users: read_ids(&mut inner, "users")
            .into_iter()
            .map(UserId)
            .collect(),
    }
}

fn read_links(body: &mut Body<'_>) -> Vec<RecordRef> {
    let items = body.array("records", MAX_LINKS);
    let base = body.pointer("records");
    let mut out: Vec<RecordRef> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let prefix = format!("{base}/{i}");
        let Some(mut link) = Body::open(item, &prefix, &["type", "id"], body.errors()) else {
            continue;
        };
        let object = link.choice("type", LINKABLE_OBJECTS);
        let id = link.uuid("id");
        if object.is_none() && link.has_no_error_at("type") {
            link.fail("type", "required", "a linked record needs a type");
        }
        let Some(object) = object else { continue };
        let Some(id) = id else {
            if link.has_no_error_at("id") {
                link.fail("id", "required", "a linked record needs an id");
            }
            continue;
        };
        let r = RecordRef {
            object: object.to_owned(),
            id,
        };
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "0190c7a6-0000-7000-8000-000000000001";

    fn meeting() -> Value {
        json!({
            "title": "Kick-off", "starts_at": "2026-11-23T09:00:00+01:00",
            "ends_at": "2026-11-23T10:00:00+01:00", "time_zone": "Europe/Paris",
            "video_url": "https://meet.example.com/abc",
            "attendees": {"contacts": [ID, ID], "users": [ID]},
            "records": [{"type": "companies", "id": ID}]
        })
    }

    #[test]
    fn an_appointment_parses_and_round_trips() {
        let d = AppointmentDraft::parse(meeting()).expect("valid");
        assert_eq!(d.attendees.contacts.len(), 1, "duplicates are dropped");
        let json = serde_json::to_value(&d).expect("json");
        assert_eq!(json["starts_at"], "2026-11-23T08:00:00.000Z");
        assert_eq!(json["time_zone"], "Europe/Paris");
        assert_eq!(AppointmentDraft::parse(json).expect("round trip"), d);
    }

    #[test]
    fn an_end_before_the_start_is_refused_at_ends_at() {
        let mut body = meeting();
        body["ends_at"] = json!("2026-11-23T09:00:00+01:00");
        let errors = AppointmentDraft::parse(body).expect_err("invalid");
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].pointer.as_str(), errors[0].code.as_str()),
            ("/ends_at", "before_start")
        );
    }

    #[test]
    fn every_bad_field_is_listed_with_its_pointer() {
        let errors = AppointmentDraft::parse(json!({
            "time_zone": "Mars/Olympus", "video_url": "ftp://x.example.com",
            "attendees": {"contacts": [ID, "nope"], "users": [5], "groups": []},
            "records": [{"type": "planets", "id": ID}, {"type": "deals"}]
        }))
        .expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                "/attendees/contacts/1",
                "/attendees/groups",
                "/attendees/users/0",
                "/ends_at",
                "/records/0/type",
                "/records/1/id",
                "/starts_at",
                "/time_zone",
                "/title",
                "/video_url"
            ]
        );
    }
}
