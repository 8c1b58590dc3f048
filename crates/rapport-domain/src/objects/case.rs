//! Cases: support tickets, numbered per workspace, with a service-level deadline that follows their
//! priority and the times of their first response and resolution.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use super::custom_field::CustomValues;
use crate::ids::{CaseId, CompanyId, ContactId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::Tag;

/// Longest subject, in characters.
pub const SUBJECT_MAX: usize = 300;

/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 100_000;

/// Where a case stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CaseStatus {
    /// Nobody has acted on it yet (the default).
    #[default]
    New,
    /// Being worked on.
    Open,
    /// Waiting on the customer or a third party.
    Pending,
    /// Solved; the customer may still reopen it.
    Resolved,
    /// Done for good.
    Closed,
}

/// Status names, in workflow order (filter values and error messages).
pub const STATUSES: &[&str] = &["new", "open", "pending", "resolved", "closed"];

impl CaseStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Open => "open",
            CaseStatus::Pending => "pending",
            CaseStatus::Resolved => "resolved",
            CaseStatus::Closed => "closed",
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "new" => CaseStatus::New,
            "open" => CaseStatus::Open,
            "pending" => CaseStatus::Pending,
            "resolved" => CaseStatus::Resolved,
            "closed" => CaseStatus::Closed,
            _ => return None,
        })
    }

    /// Whether the case is solved (resolved or closed): its SLA clock has stopped.
    pub fn is_resolved(self) -> bool {
        matches!(self, CaseStatus::Resolved | CaseStatus::Closed)
    }
}

/// How urgent a case is; decides its SLA deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CasePriority {
    /// Low.
    Low,
    /// Normal (the default).
    #[default]
    Normal,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

/// Priority names, least urgent first (filter values and error messages).
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];

impl CasePriority {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            CasePriority::Low => "low",
            CasePriority::Normal => "normal",
            CasePriority::High => "high",
            CasePriority::Urgent => "urgent",
        }
    }

    /// The priority named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "low" => CasePriority::Low,
            "normal" => CasePriority::Normal,
            "high" => CasePriority::High,
            "urgent" => CasePriority::Urgent,
            _ => return None,
        })
    }

    /// Its place in urgency order (low 0 to urgent 3): what `sort=priority` orders by, since
    /// the names' alphabetical order (high, low, normal, urgent) means nothing.
    pub fn rank(self) -> i64 {
        match self {
            CasePriority::Low => 0,
            CasePriority::Normal => 1,
            CasePriority::High => 2,
            CasePriority::Urgent => 3,
        }
    }

    /// The priority of rank `rank`.
    pub fn from_rank(rank: i64) -> Option<Self> {
        Some(match rank {
            0 => CasePriority::Low,
            1 => CasePriority::Normal,
            2 => CasePriority::High,
            3 => CasePriority::Urgent,
            _ => return None,
        })
    }
}

/// The writable fields of a case; also the create body and the merge-patch shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = CaseInput)]
pub struct CaseDraft {
    /// What the case is about (required, at most 300 characters).
    pub subject: String,
    /// The customer's request and any detail, several lines allowed.
    pub description: Option<String>,
    /// `new` (default), `open`, `pending`, `resolved` or `closed`.
    #[serde(default)]
    pub status: CaseStatus,
    /// `low`, `normal` (default), `high` or `urgent`; sets the SLA deadline.
    #[serde(default)]
    pub priority: CasePriority,
    /// The person who raised it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    /// Their company.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub company_id: Option<CompanyId>,
    /// The member working on it; record scopes (own, team) follow it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assignee_id: Option<UserId>,
    /// Free tags.
    #[schema(value_type = Vec<String>)]
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// What the server keeps about a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CaseState {
    /// Its number, unique in the workspace and never reused (1, 2, 3...).
    pub number: i64,
    /// When it must be resolved: `created_at` plus the hours configured for its priority
    /// (`[cases] sla_hours`); a priority change moves it, still counted from `created_at`.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = String, format = DateTime)]
    pub sla_due_at: Option<DateTime<Utc>>,
    /// When the case first left `new` (see [`Case::settle`] for why); never cleared.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub first_response_at: Option<DateTime<Utc>>,
    /// When it entered `resolved` or `closed`; `null` while unresolved (a reopened case loses it).
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Whether the SLA was missed: resolved after `sla_due_at`, or still unresolved past it.
    /// Computed when the case is read, so it turns true as the deadline passes.
    pub sla_breached: bool,
}

impl CaseState {
    /// Whether the deadline is missed at `now`.
    pub fn is_breached(&self, now: DateTime<Utc>) -> bool {
        match (self.sla_due_at, self.resolved_at) {
            (None, _) => false,
            (Some(due), Some(resolved)) => resolved > due,
            (Some(due), None) => due < now,
        }
    }
}

/// A stored case as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Case {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: CaseId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: CaseDraft,
    /// What the server keeps.
    #[serde(flatten)]
    pub state: CaseState,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(Case, CaseId, CaseDraft, derived: state);

impl Case {
    /// Sets the derived times after a write made at `updated_at`, given the stored case the
    /// write starts from (`None` on create) and the SLA hours of the case's priority.
    ///
    /// - `sla_due_at` is `created_at` + `sla_hours`, recomputed when the priority changes (and
    ///   only then: a change of configuration applies to new cases and to re-prioritised ones,
    ///   never silently to a deadline an agent is already working against).
    /// - `first_response_at` is set the first time the status leaves `new`, by whoever makes
    ///   that change, and kept afterwards (even if the case goes back to `new`). A case has no
    ///   replies of its own yet, so a status change is the one sign that someone took it up;
    ///   counting only the assignee's changes would leave cases a colleague resolved with no
    ///   first response at all, which reports would count as never answered. A case created
    ///   past `new` (an agent logging a call already handled) was answered when it was created.
    /// - `resolved_at` is set on entering `resolved` or `closed` from an unresolved status,
    ///   kept when a resolved case is closed (it was solved then), and cleared on reopening.
    pub fn settle(&mut self, before: Option<&Case>, sla_hours: i64) {
        let now = self.updated_at;
        let priority_changed = before.is_none_or(|b| b.fields.priority != self.fields.priority);
        if priority_changed || self.state.sla_due_at.is_none() {
            // Hours come from validated configuration; saturate rather than panic regardless.
            let allowed = TimeDelta::try_hours(sla_hours).unwrap_or(TimeDelta::MAX);
            let due = self
                .created_at
                .checked_add_signed(allowed)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            self.state.sla_due_at = Some(due);
        }
        let status = self.fields.status;
        if self.state.first_response_at.is_none() && status != CaseStatus::New {
            self.state.first_response_at = Some(now);
        }
        let was_resolved = before.is_some_and(|b| b.fields.status.is_resolved());
        match (was_resolved, status.is_resolved()) {
            (false, true) => self.state.resolved_at = Some(now),
            (true, false) => self.state.resolved_at = None,
            _ => {}
        }
        self.state.sla_breached = self.state.is_breached(now);
    }
}

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "subject",
    "description",
    "status",
    "priority",
    "contact_id",
    "company_id",
    "assignee_id",
    "tags",
    "custom",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "version",
    "number",
    "sla_due_at",
    "first_response_at",
    "resolved_at",
    "sla_breached",
];

impl CaseDraft {
    /// Parses a create body (or a record after a merge patch), listing every problem. A status
    /// or priority sent as `null` (a merge patch removing it) falls back to its default.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut known: Vec<&str> = WRITABLE.to_vec();
        known.extend_from_slice(READ_ONLY);
        let Some(mut body) = Body::open(value, "", &known, &mut errors) else {
            return Err(errors.into_vec());
        };
        let custom = CustomValues::take_raw(&mut body);
        body.refuse_read_only(READ_ONLY);
        let subject = body.text("subject", SUBJECT_MAX);
        if subject.is_none() && body.has_no_error_at("subject") {
            body.fail("subject", "required", "a case needs a subject");
        }
        let status = body
            .choice("status", STATUSES)
            .and_then(CaseStatus::parse)
            .unwrap_or_default();
        let priority = body
            .choice("priority", PRIORITIES)
            .and_then(CasePriority::parse)
            .unwrap_or_default();
        let draft = CaseDraft {
            custom,
            subject: subject.unwrap_or_default(),
            description: body.multiline("description", DESCRIPTION_MAX),
            status,
            priority,
            contact_id: body.uuid("contact_id").map(ContactId),
            company_id: body.uuid("company_id").map(CompanyId),
            assignee_id: body.uuid("assignee_id").map(UserId),
            tags: body.tags("tags"),
        };
        errors.finish(draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::Record;
    use serde_json::json;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("timestamp")
            .with_timezone(&Utc)
    }

    fn case(status: CaseStatus, priority: CasePriority, when: &str) -> Case {
        let draft = CaseDraft {
            subject: "Printer on fire".into(),
            status,
            priority,
            ..CaseDraft::default()
        };
        Case::create(draft, at(when))
    }

    /// The case after a change of status and priority made at `when`.
    fn changed(before: &Case, status: CaseStatus, priority: CasePriority, when: &str) -> Case {
        let mut fields = before.fields.clone();
        fields.status = status;
        fields.priority = priority;
        before.clone().revised(fields, at(when))
    }

    #[test]
    fn a_case_parses_with_defaults_and_keeps_line_breaks() {
        let d = CaseDraft::parse(json!({
            "subject": "  Cannot log in ", "description": "Line 1\r\nLine 2",
            "tags": ["vip", "VIP"]
        }))
        .expect("valid");
        assert_eq!(d.subject, "Cannot log in");
        assert_eq!(d.description.as_deref(), Some("Line 1\nLine 2"));
        assert_eq!(
            (d.status, d.priority),
            (CaseStatus::New, CasePriority::Normal)
        );
        assert_eq!(d.tags.len(), 1);
        let json = serde_json::to_value(&d).expect("json");
        assert_eq!(
            (json["status"].clone(), json["priority"].clone()),
            (json!("new"), json!("normal"))
        );
    }

    #[test]
    fn every_bad_field_is_listed_with_its_pointer() {
        let errors = CaseDraft::parse(json!({
            "subject": "x".repeat(301), "status": "done", "priority": "asap",
            "contact_id": "nope", "number": 7, "sla_breached": true, "colour": "red"
        }))
        .expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                "/colour",
                "/contact_id",
                "/number",
                "/priority",
                "/sla_breached",
                "/status",
                "/subject"
            ]
        );
        let missing = CaseDraft::parse(json!({"subject": "  "})).expect_err("empty");
        assert_eq!(
            (missing[0].pointer.as_str(), missing[0].code.as_str()),
            ("/subject", "required")
        );
    }

    #[test]
    fn the_deadline_follows_the_priority_from_creation() {
        let mut c = case(
            CaseStatus::New,
            CasePriority::Normal,
            "2026-03-02T09:00:00Z",
        );
        c.settle(None, 24);
        assert_eq!(c.state.sla_due_at, Some(at("2026-03-03T09:00:00Z")));
        assert_eq!(c.state.first_response_at, None);
        // Raised to urgent a day later: two hours from creation, already missed.
        let mut up = changed(
            &c,
            CaseStatus::New,
            CasePriority::Urgent,
            "2026-03-03T10:00:00Z",
        );
        up.settle(Some(&c), 2);
        assert_eq!(up.state.sla_due_at, Some(at("2026-03-02T11:00:00Z")));
        assert!(up.state.sla_breached);
        // Another change keeps the deadline even if the hours configured differ now.
        let mut same = changed(
            &up,
            CaseStatus::Open,
            CasePriority::Urgent,
            "2026-03-03T11:00:00Z",
        );
        same.settle(Some(&up), 1);
        assert_eq!(same.state.sla_due_at, up.state.sla_due_at);
    }

    #[test]
    fn first_response_and_resolution_follow_the_status() {
        let mut c = case(CaseStatus::New, CasePriority::High, "2026-03-02T09:00:00Z");
        c.settle(None, 8);
        let mut open = changed(
            &c,
            CaseStatus::Open,
            CasePriority::High,
            "2026-03-02T09:30:00Z",
        );
        open.settle(Some(&c), 8);
        assert_eq!(
            open.state.first_response_at,
            Some(at("2026-03-02T09:30:00Z"))
        );
        assert_eq!(open.state.resolved_at, None);
        let mut solved = changed(
            &open,
            CaseStatus::Resolved,
            CasePriority::High,
            "2026-03-02T12:00:00Z",
        );
        solved.settle(Some(&open), 8);
        assert_eq!(solved.state.resolved_at, Some(at("2026-03-02T12:00:00Z")));
        assert!(!solved.state.sla_breached, "resolved within eight hours");
        let mut closed = changed(
            &solved,
            CaseStatus::Closed,
            CasePriority::High,
            "2026-03-05T12:00:00Z",
        );
        closed.settle(Some(&solved), 8);
        assert_eq!(
            closed.state.resolved_at, solved.state.resolved_at,
            "closing keeps the resolution time"
        );
        let mut reopened = changed(
            &closed,
            CaseStatus::Open,
            CasePriority::High,
            "2026-03-06T12:00:00Z",
        );
        reopened.settle(Some(&closed), 8);
        assert_eq!(reopened.state.resolved_at, None);
        assert!(reopened.state.sla_breached, "unresolved past its deadline");
        assert_eq!(
            reopened.state.first_response_at,
            open.state.first_response_at
        );
        let mut again = changed(
            &reopened,
            CaseStatus::Resolved,
            CasePriority::High,
            "2026-03-07T12:00:00Z",
        );
        again.settle(Some(&reopened), 8);
        assert!(again.state.sla_breached, "resolved after its deadline");
    }

    #[test]
    fn a_case_created_resolved_was_answered_and_solved_at_once() {
        let mut c = case(
            CaseStatus::Closed,
            CasePriority::Low,
            "2026-03-02T09:00:00Z",
        );
        c.settle(None, 72);
        assert_eq!(c.state.first_response_at, Some(c.created_at));
        assert_eq!(c.state.resolved_at, Some(c.created_at));
        assert!(!c.state.sla_breached);
    }
}
