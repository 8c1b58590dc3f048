//! Leads: people not yet qualified as contacts, scored by configurable rules and converted into
//! a contact, a company and optionally a deal.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use super::custom_field::CustomValues;
use crate::ids::{CompanyId, ContactId, DealId, LeadId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::{EmailAddress, PhoneE164, Tag};

/// Where a lead came from.
pub const SOURCES: &[&str] = &["web", "referral", "event", "import", "api", "other"];

/// Where a lead stands.
pub const STATUSES: &[&str] = &["new", "contacted", "qualified", "disqualified"];

/// The writable fields of a lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = LeadInput)]
pub struct LeadDraft {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// The company the person works for, as they gave it.
    pub company_name: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Email address.
    #[schema(value_type = Option<String>, format = Email)]
    pub email: Option<EmailAddress>,
    /// Phone number (E.164).
    #[schema(value_type = Option<String>)]
    pub phone: Option<PhoneE164>,
    /// `web`, `referral`, `event`, `import`, `api` or `other`.
    pub source: Option<String>,
    /// `new` (default), `contacted`, `qualified` or `disqualified`.
    pub status: String,
    /// Why it was disqualified (required with `disqualified`).
    pub disqualified_reason: Option<String>,
    /// The user working the lead.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Option<UserId>,
    /// Free tags.
    #[schema(value_type = Vec<String>)]
    pub tags: Vec<Tag>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// What the server keeps about a lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct LeadState {
    /// 0–100 from the workspace's scoring rules; recomputed on every change.
    pub score: i64,
    /// When it was converted; `null` until then.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub converted_at: Option<DateTime<Utc>>,
    /// The contact it became.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub converted_contact_id: Option<ContactId>,
    /// The company it was linked to.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub converted_company_id: Option<CompanyId>,
    /// The deal opened for it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub converted_deal_id: Option<DealId>,
}

/// A stored lead as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Lead {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: LeadId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: LeadDraft,
    /// What the server keeps.
    #[serde(flatten)]
    pub state: LeadState,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(Lead, LeadId, LeadDraft, derived: state);

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "first_name",
    "last_name",
    "company_name",
    "title",
    "email",
    "phone",
    "source",
    "status",
    "disqualified_reason",
    "owner_id",
    "tags",
    "custom",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "version",
    "score",
    "converted_at",
    "converted_contact_id",
    "converted_company_id",
    "converted_deal_id",
];

impl LeadDraft {
    /// Parses a create body (or a record after a merge patch), listing every problem.
    pub fn parse(
        value: Value,
        default_phone_region: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut known: Vec<&str> = WRITABLE.to_vec();
        known.extend_from_slice(READ_ONLY);
        let Some(mut body) = Body::open(value, "", &known, &mut errors) else {
            return Err(errors.into_vec());
        };
        let custom = CustomValues::take_raw(&mut body);
        body.refuse_read_only(READ_ONLY);
        let first_name = body.text("first_name", 100);
        let last_name = body.text("last_name", 100);
        let company_name = body.text("company_name", 200);
        // Lower-cased whole, so `email eq` finds an address however it was typed.
        let email = body.parsed("email", |s| EmailAddress::parse(&s.to_lowercase()));
        let phone = body.parsed("phone", |s| PhoneE164::parse(s, default_phone_region));
        if first_name.is_none()
            && last_name.is_none()
            && company_name.is_none()
            && email.is_none()
            && ["first_name", "last_name", "company_name", "email"]
                .iter()
                .all(|k| body.has_no_error_at(k))
        {
            body.fail(
                "last_name",
                "required",
                "a lead needs a name, a company name or an email address",
            );
        }
        let status = body.choice("status", STATUSES).unwrap_or("new");
        let disqualified_reason = body.text("disqualified_reason", 500);
        if status == "disqualified"
            && disqualified_reason.is_none()
            && body.has_no_error_at("status")
        {
            body.fail(
                "disqualified_reason",
                "required",
                "say why the lead is disqualified",
            );
        }
        let draft = LeadDraft {
            custom,
            first_name,
            last_name,
            company_name,
            title: body.text("title", 200),
            email,
            phone,
            source: body.choice("source", SOURCES).map(str::to_owned),
            status: status.to_owned(),
            // A reason only means something while disqualified.
            disqualified_reason: disqualified_reason.filter(|_| status == "disqualified"),
            owner_id: body.uuid("owner_id").map(UserId),
            tags: body.tags("tags"),
        };
        errors.finish(draft)
    }

    /// A display name: the person's, or their company's, or their address.
    pub fn display_name(&self) -> String {
        let person: Vec<&str> = [&self.first_name, &self.last_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !person.is_empty() {
            return person.join(" ");
        }
        self.company_name
            .clone()
            .or_else(|| self.email.as_ref().map(|e| e.as_str().to_owned()))
            .unwrap_or_default()
    }
}

/// The fields whose presence scoring can reward.
pub const SCORED_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "company_name",
    "title",
    "email",
    "phone",
];

/// How a lead's score is computed: points for fields present, for its source and for recent
/// activities, capped at 100. Configured in `[crm.lead_scoring]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeadScoring {
    /// Points per field present (keys among [`SCORED_FIELDS`]).
    pub field_points: BTreeMap<String, i64>,
    /// Points per source (keys among [`SOURCES`]).
    pub source_points: BTreeMap<String, i64>,
    /// Points per activity logged on the lead within `activity_days`.
    pub activity_points: i64,
    /// The window, in days, in which activities count.
    pub activity_days: i64,
    /// The most points activities can give.
    pub activity_max: i64,
}

impl Default for LeadScoring {
    fn default() -> Self {
        let points = |pairs: &[(&str, i64)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        LeadScoring {
            field_points: points(&[
                ("email", 20),
                ("phone", 10),
                ("company_name", 15),
                ("title", 5),
            ]),
            source_points: points(&[
                ("referral", 25),
                ("event", 15),
                ("web", 10),
                ("api", 5),
                ("import", 0),
                ("other", 0),
            ]),
            activity_points: 5,
            activity_days: 30,
            activity_max: 25,
        }
    }
}

impl LeadScoring {
    /// The score of a lead with `recent_activities` activities in the window.
    pub fn score(&self, lead: &LeadDraft, recent_activities: i64) -> i64 {
        let present = |field: &str| match field {
            "first_name" => lead.first_name.is_some(),
            "last_name" => lead.last_name.is_some(),
            "company_name" => lead.company_name.is_some(),
            "title" => lead.title.is_some(),
            "email" => lead.email.is_some(),
            "phone" => lead.phone.is_some(),
            _ => false,
        };
        let fields: i64 = self
            .field_points
            .iter()
            .filter(|(f, _)| present(f))
            .map(|(_, p)| *p)
            .sum();
        let source = lead
            .source
            .as_ref()
            .and_then(|s| self.source_points.get(s))
            .copied()
            .unwrap_or(0);
        let activities = recent_activities
            .saturating_mul(self.activity_points)
            .min(self.activity_max);
        (fields + source + activities).clamp(0, 100)
    }

    /// Problems with the rules, as `(key, message)` for configuration errors.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (k, v) in &self.field_points {
            if !SCORED_FIELDS.contains(&k.as_str()) {
                out.push((
                    format!("crm.lead_scoring.field_points.{k}"),
                    format!("not a scored field; known: {}", SCORED_FIELDS.join(", ")),
                ));
            } else if !(0..=100).contains(v) {
                out.push((
                    format!("crm.lead_scoring.field_points.{k}"),
                    "must be 0 to 100".into(),
                ));
            }
        }
        for (k, v) in &self.source_points {
            if !SOURCES.contains(&k.as_str()) {
                out.push((
                    format!("crm.lead_scoring.source_points.{k}"),
                    format!("not a lead source; known: {}", SOURCES.join(", ")),
                ));
            } else if !(0..=100).contains(v) {
                out.push((
                    format!("crm.lead_scoring.source_points.{k}"),
                    "must be 0 to 100".into(),
                ));
            }
        }
        for (key, v, range) in [
            ("activity_points", self.activity_points, 0..=100),
            ("activity_days", self.activity_days, 1..=365),
            ("activity_max", self.activity_max, 0..=100),
        ] {
            if !range.contains(&v) {
                out.push((
                    format!("crm.lead_scoring.{key}"),
                    format!("must be {} to {}", range.start(), range.end()),
                ));
            }
        }
        out
    }
}

/// `POST /leads/{id}/convert`: what the lead becomes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
pub struct Conversion {
    /// An existing contact to link instead of creating one from the lead.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    /// An existing company to link instead of creating one from `company_name`.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub company_id: Option<CompanyId>,
    /// A deal to open: the deal fields (`name` defaults to the lead's company or name;
    /// `company_id` is the conversion's company).
    #[schema(value_type = Option<Object>)]
    pub deal: Option<Value>,
}

impl Conversion {
    /// Parses the body, listing every problem.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let Some(mut body) = Body::open(
            value,
            "",
            &["contact_id", "company_id", "deal"],
            &mut errors,
        ) else {
            return Err(errors.into_vec());
        };
        let contact_id = body.uuid("contact_id").map(ContactId);
        let company_id = body.uuid("company_id").map(CompanyId);
        let deal = match body.take("deal") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v),
            Some(_) => {
                body.fail("deal", "invalid_type", "must be an object of deal fields");
                None
            }
        };
        errors.finish(Conversion {
            contact_id,
            company_id,
            deal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_lead_needs_something_to_call_it_and_a_reason_to_disqualify() {
        let errors = LeadDraft::parse(
            json!({"status": "disqualified", "source": "fax", "score": 90}),
            None,
        )
        .expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            ["/disqualified_reason", "/last_name", "/score", "/source"]
        );
    }

    #[test]
    fn the_score_adds_fields_source_and_capped_activities() {
        let rules = LeadScoring::default();
        let lead = LeadDraft::parse(
            json!({"email": "a@example.com", "company_name": "Acme", "source": "referral"}),
            None,
        )
        .expect("valid");
        assert_eq!(rules.score(&lead, 0), 20 + 15 + 25);
        assert_eq!(rules.score(&lead, 2), 60 + 10);
        assert_eq!(rules.score(&lead, 100), 60 + 25, "activities are capped");
        let mut generous = rules;
        generous.field_points.insert("last_name".into(), 100);
        let named = LeadDraft::parse(json!({"last_name": "Lovelace"}), None).expect("valid");
        assert_eq!(generous.score(&named, 0), 100, "the score is capped at 100");
    }

    #[test]
    fn scoring_rules_name_their_bad_keys() {
        let mut rules = LeadScoring::default();
        rules.field_points.insert("shoe_size".into(), 5);
        rules.source_points.insert("web".into(), 500);
        rules.activity_days = 0;
        let keys: Vec<String> = rules.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "crm.lead_scoring.field_points.shoe_size",
                "crm.lead_scoring.source_points.web",
                "crm.lead_scoring.activity_days"
            ]
        );
    }
}
