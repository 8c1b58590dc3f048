//! Campaigns: marketing efforts (an e-mailing, an event, ads) with the contacts and leads they
//! target, how far each one went (targeted, responded, converted), and the deals they influenced.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::body::Body;
use super::company::MoneySchema;
use super::custom_field::CustomValues;
use crate::ids::{CampaignId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::Money;

/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 20_000;

/// Most members one call may add or change.
pub const MAX_MEMBERS_PER_CALL: usize = 1000;

/// Campaign kinds (filter values and error messages).
pub const KINDS: &[&str] = &["email", "event", "webinar", "ads", "social", "other"];

/// Campaign statuses, in order (filter values and error messages).
pub const STATUSES: &[&str] = &["planned", "active", "completed"];

/// The objects a campaign's members are records of.
pub const MEMBER_TYPES: &[&str] = &["contacts", "leads"];

/// How far a member went, in funnel order (filter values and error messages).
pub const MEMBER_STATUSES: &[&str] = &["targeted", "responded", "converted"];

/// What kind of campaign it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CampaignKind {
    /// An e-mailing.
    Email,
    /// An event (trade show, meetup).
    Event,
    /// A webinar.
    Webinar,
    /// Paid advertising.
    Ads,
    /// Social media.
    Social,
    /// Anything else.
    Other,
}

impl CampaignKind {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignKind::Email => "email",
            CampaignKind::Event => "event",
            CampaignKind::Webinar => "webinar",
            CampaignKind::Ads => "ads",
            CampaignKind::Social => "social",
            CampaignKind::Other => "other",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "email" => CampaignKind::Email,
            "event" => CampaignKind::Event,
            "webinar" => CampaignKind::Webinar,
            "ads" => CampaignKind::Ads,
            "social" => CampaignKind::Social,
            "other" => CampaignKind::Other,
            _ => return None,
        })
    }
}

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    /// Being prepared (the default).
    #[default]
    Planned,
    /// Running.
    Active,
    /// Over.
    Completed,
}

impl CampaignStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Planned => "planned",
            CampaignStatus::Active => "active",
            CampaignStatus::Completed => "completed",
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "planned" => CampaignStatus::Planned,
            "active" => CampaignStatus::Active,
            "completed" => CampaignStatus::Completed,
            _ => return None,
        })
    }
}

/// How far a member went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    /// Reached by the campaign (the default for a new member).
    #[default]
    Targeted,
    /// Answered it (opened, registered, clicked).
    Responded,
    /// Became a customer or a deal through it.
    Converted,
}

impl MemberStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Targeted => "targeted",
            MemberStatus::Responded => "responded",
            MemberStatus::Converted => "converted",
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "targeted" => MemberStatus::Targeted,
            "responded" => MemberStatus::Responded,
            "converted" => MemberStatus::Converted,
            _ => return None,
        })
    }
}

/// The writable fields of a campaign; also the create body and the merge-patch shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = CampaignInput)]
pub struct CampaignDraft {
    /// Name (required, at most 200 characters).
    pub name: String,
    /// `email`, `event`, `webinar`, `ads`, `social` or `other`.
    pub kind: Option<CampaignKind>,
    /// `planned` (default), `active` or `completed`.
    #[serde(default)]
    pub status: CampaignStatus,
    /// What it may spend.
    #[schema(value_type = Option<MoneySchema>)]
    pub budget: Option<Money>,
    /// First day (`YYYY-MM-DD`).
    #[schema(value_type = Option<String>, format = Date)]
    pub starts_on: Option<NaiveDate>,
    /// Last day (`YYYY-MM-DD`), not before `starts_on`.
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<NaiveDate>,
    /// The user responsible for the campaign.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Option<UserId>,
    /// What it is about, several lines allowed.
    pub description: Option<String>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// A campaign's live members by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberCounts {
    /// Members targeted only.
    pub targeted: i64,
    /// Members who responded.
    pub responded: i64,
    /// Members who converted.
    pub converted: i64,
}

impl MemberCounts {
    /// Adds `n` members of `status`.
    pub fn add(&mut self, status: MemberStatus, n: i64) {
        match status {
            MemberStatus::Targeted => self.targeted += n,
            MemberStatus::Responded => self.responded += n,
            MemberStatus::Converted => self.converted += n,
        }
    }
}

/// What the server keeps about a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CampaignState {
    /// Its members by status, counted when it is read. Members whose contact or lead is
    /// deleted are left out (and come back with it).
    pub member_counts: MemberCounts,
}

/// A stored campaign as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Campaign {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: CampaignId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: CampaignDraft,
    /// What the server keeps.
    #[serde(flatten)]
    pub state: CampaignState,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it, or its members, last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change, its members' included; the ETag.
    pub version: i64,
}

crate::impl_record!(Campaign, CampaignId, CampaignDraft, derived: state);

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "name",
    "kind",
    "status",
    "budget",
    "starts_on",
    "ends_on",
    "owner_id",
    "description",
    "custom",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version", "member_counts"];

impl CampaignDraft {
    /// Parses a create body (or a record after a merge patch), listing every problem. A status
    /// sent as `null` (a merge patch removing it) falls back to `planned`.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut known: Vec<&str> = WRITABLE.to_vec();
        known.extend_from_slice(READ_ONLY);
        let Some(mut body) = Body::open(value, "", &known, &mut errors) else {
            return Err(errors.into_vec());
        };
        let custom = CustomValues::take_raw(&mut body);
        body.refuse_read_only(READ_ONLY);
        let name = body.text("name", 200);
        if name.is_none() && body.has_no_error_at("name") {
            body.fail("name", "required", "a campaign needs a name");
        }
        let kind = body.choice("kind", KINDS).and_then(CampaignKind::parse);
        let status = body
            .choice("status", STATUSES)
            .and_then(CampaignStatus::parse)
            .unwrap_or_default();
        let starts_on = body.date("starts_on");
        let ends_on = body.date("ends_on");
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            body.fail(
                "ends_on",
                "before_start",
                format!("a campaign cannot end ({end}) before it starts ({start})"),
            );
        }
        let draft = CampaignDraft {
            custom,
            name: name.unwrap_or_default(),
            kind,
            status,
            budget: body.money("budget"),
            starts_on,
            ends_on,
            owner_id: body.uuid("owner_id").map(UserId),
            description: body.multiline("description", DESCRIPTION_MAX),
        };
        errors.finish(draft)
    }
}

/// One member as a client sends it: a contact or a lead, and optionally its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInput {
    /// `contacts` or `leads`.
    pub object: &'static str,
    /// The record's id.
    pub id: Uuid,
    /// The status to set; `None` keeps an existing member's and makes a new one `targeted`, so
    /// adding a list of people again never demotes those who already responded.
    pub status: Option<MemberStatus>,
}

/// The body of `POST /campaigns/{id}/members`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MembersBody {
    /// 1 to 1000 members, each `{"type": "contacts"|"leads", "id": "...", "status": ...}`.
    pub members: Vec<MemberSchema>,
}

/// One member in a request body, as the API documentation shows it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MemberSchema {
    /// `contacts` or `leads`.
    #[serde(rename = "type")]
    pub object: String,
    /// The contact's or lead's id.
    #[schema(format = Uuid)]
    pub id: String,
    /// `targeted`, `responded` or `converted`; left out, a new member is `targeted` and an
    /// existing one keeps its status.
    pub status: Option<MemberStatus>,
}

/// Parses `{"members": [...]}`: 1 to 1000 distinct members, every problem listed with its
/// pointer (`/members/3/id`).
pub fn parse_members(value: Value) -> Result<Vec<MemberInput>, Vec<FieldError>> {
    let mut errors = Errors::default();
    let Some(mut body) = Body::open(value, "", &["members"], &mut errors) else {
        return Err(errors.into_vec());
    };
    let given = body.has("members");
    let items = body.array("members", MAX_MEMBERS_PER_CALL);
    if items.is_empty() && body.has_no_error_at("members") {
        let why = if given {
            "cannot be empty"
        } else {
            "is required"
        };
        body.fail(
            "members",
            "required",
            format!("'members' {why}: list 1 to {MAX_MEMBERS_PER_CALL} members"),
        );
    }
    let mut out: Vec<MemberInput> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let prefix = format!("/members/{i}");
        let Some(mut m) = Body::open(item, &prefix, &["type", "id", "status"], body.errors())
        else {
            continue;
        };
        let object = m.choice("type", MEMBER_TYPES);
        let id = m.uuid("id");
        let status = m
            .choice("status", MEMBER_STATUSES)
            .and_then(MemberStatus::parse);
        if object.is_none() && m.has_no_error_at("type") {
            m.fail(
                "type",
                "required",
                "a member needs a type: contacts or leads",
            );
        }
        if id.is_none() && m.has_no_error_at("id") {
            m.fail(
                "id",
                "required",
                "a member needs the id of its contact or lead",
            );
        }
        let (Some(object), Some(id)) = (object, id) else {
            continue;
        };
        if let Some(first) = out.iter().position(|o| o.object == object && o.id == id) {
            m.fail(
                "id",
                "duplicate",
                format!("this {object} record is already listed at /members/{first}"),
            );
            continue;
        }
        out.push(MemberInput { object, id, status });
    }
    errors.finish(out)
}

/// A member as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CampaignMember {
    /// `contacts` or `leads`.
    #[serde(rename = "type")]
    pub object: String,
    /// The contact's or lead's id.
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// How far it went.
    pub status: MemberStatus,
    /// When it joined the campaign (again, after a removal).
    #[serde(serialize_with = "super::time::serialize")]
    pub added_at: DateTime<Utc>,
    /// When its status last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// A deal a campaign influenced, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InfluencedDeal {
    /// The deal.
    #[schema(value_type = String, format = Uuid)]
    pub deal_id: Uuid,
    /// When it was linked to the campaign.
    #[serde(serialize_with = "super::time::serialize")]
    pub linked_at: DateTime<Utc>,
}

/// What `POST /campaigns/{id}/members` did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MembersOutcome {
    /// Every member sent, as it now stands, in the order sent.
    pub data: Vec<CampaignMember>,
    /// How many joined the campaign (again, for members removed before).
    pub created: usize,
    /// How many existing members changed status.
    pub updated: usize,
    /// How many were already as sent.
    pub unchanged: usize,
    /// The campaign's members by status afterwards.
    pub member_counts: MemberCounts,
    /// The campaign's version afterwards (its ETag).
    pub version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "0190c7a6-0000-7000-8000-000000000001";

    #[test]
    fn a_campaign_parses_money_dates_and_defaults() {
        let d = CampaignDraft::parse(json!({
            "name": "Spring webinar", "kind": "webinar",
            "budget": {"amount": "2500", "currency": "eur"},
            "starts_on": "2026-04-01", "ends_on": "2026-04-01"
        }))
        .expect("valid");
        assert_eq!(d.status, CampaignStatus::Planned);
        assert_eq!(d.kind, Some(CampaignKind::Webinar));
        let json = serde_json::to_value(&d).expect("json");
        assert_eq!(
            json["budget"],
            json!({"amount": "2500.00", "currency": "EUR"})
        );
        assert_eq!(json["starts_on"], "2026-04-01");
        assert_eq!(json["status"], "planned");
    }

    #[test]
    fn every_bad_field_is_listed_and_an_end_before_the_start_is_refused() {
        let errors = CampaignDraft::parse(json!({
            "kind": "tv", "status": "running", "budget": {"amount": 10.5, "currency": "EUR"},
            "starts_on": "2026-05-02", "ends_on": "2026-05-01", "member_counts": {}
        }))
        .expect_err("invalid");
        let mut pointers: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.pointer.as_str(), e.code.as_str()))
            .collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                ("/budget", "invalid_money"),
                ("/ends_on", "before_start"),
                ("/kind", "invalid_choice"),
                ("/member_counts", "read_only"),
                ("/name", "required"),
                ("/status", "invalid_choice"),
            ]
        );
    }

    #[test]
    fn members_are_read_with_a_pointer_for_each_problem() {
        let members = parse_members(json!({"members": [
            {"type": "contacts", "id": ID},
            {"type": "leads", "id": ID, "status": "converted"}
        ]}))
        .expect("valid");
        assert_eq!(members.len(), 2, "a contact and a lead may share an id");
        assert_eq!(members[0].status, None);
        assert_eq!(members[1].status, Some(MemberStatus::Converted));

        let errors = parse_members(json!({"members": [
            {"type": "contacts", "id": ID},
            {"type": "companies", "id": ID},
            {"type": "contacts", "id": "x"},
            {"type": "contacts", "id": ID},
            {"id": ID, "status": "won", "note": 1},
            "contact"
        ]}))
        .expect_err("invalid");
        let mut pointers: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.pointer.as_str(), e.code.as_str()))
            .collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                ("/members/1/type", "invalid_choice"),
                ("/members/2/id", "invalid_format"),
                ("/members/3/id", "duplicate"),
                ("/members/4/note", "unknown_field"),
                ("/members/4/status", "invalid_choice"),
                ("/members/4/type", "required"),
                ("/members/5", "invalid_type"),
            ]
        );
    }

    #[test]
    fn a_members_call_lists_one_to_a_thousand() {
        for body in [json!({}), json!({"members": []}), json!({"members": null})] {
            let e = parse_members(body.clone()).expect_err("empty");
            assert_eq!(
                (e[0].pointer.as_str(), e[0].code.as_str()),
                ("/members", "required"),
                "{body}"
            );
        }
        let many: Vec<Value> = (0..1001)
            .map(|_| json!({"type": "contacts", "id": Uuid::now_v7().to_string()}))
            .collect();
        let e = parse_members(json!({ "members": many })).expect_err("too many");
        assert_eq!(
            (e[0].pointer.as_str(), e[0].code.as_str()),
            ("/members", "too_many")
        );
        let e = parse_members(json!({"members": {}, "extra": 1})).expect_err("shape");
        let pointers: Vec<&str> = e.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/extra", "/members"]);
    }
}
