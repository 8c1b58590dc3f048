//! Tasks: something to do, for someone, by a date, often about another record (call this contact
//! back, send that deal's quote).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use super::custom_field::CustomValues;
use super::record_ref::{LINKABLE_OBJECTS, RecordRef};
use crate::ids::{TaskId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::Tag;

/// How urgent a task is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskPriority {
    /// Whenever there is time.
    Low,
    /// The default.
    #[default]
    Normal,
    /// First.
    High,
}

/// Priorities as filter values and in messages, lowest first.
pub const PRIORITIES: &[&str] = &["low", "normal", "high"];

impl TaskPriority {
    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskPriority::Low => "low",
            TaskPriority::Normal => "normal",
            TaskPriority::High => "high",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Self> {
        [TaskPriority::Low, TaskPriority::Normal, TaskPriority::High]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    /// Its rank (low 1, normal 2, high 3): sorting by priority orders by urgency, not by name.
    pub fn rank(self) -> i64 {
        match self {
            TaskPriority::Low => 1,
            TaskPriority::Normal => 2,
            TaskPriority::High => 3,
        }
    }
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// To do (the default).
    #[default]
    Open,
    /// Done: `completed_at` says when.
    Done,
    /// Dropped without being done.
    Cancelled,
}

/// Statuses as filter values and in messages.
pub const STATUSES: &[&str] = &["open", "done", "cancelled"];

impl TaskStatus {
    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Self> {
        [TaskStatus::Open, TaskStatus::Done, TaskStatus::Cancelled]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// The writable fields of a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = TaskInput)]
pub struct TaskDraft {
    /// What to do (required, at most 200 characters).
    pub title: String,
    /// Details, several lines allowed.
    pub description: Option<String>,
    /// When it is due.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<DateTime<Utc>>,
    /// `low`, `normal` (default) or `high`.
    pub priority: TaskPriority,
    /// `open` (default), `done` or `cancelled`.
    pub status: TaskStatus,
    /// The member who should do it; a task created without one is the creator's.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assignee_id: Option<UserId>,
    /// The record it is about: `{"type": "contacts", "id": "..."}` (contacts, companies, deals,
    /// leads or cases).
    pub record: Option<RecordRef>,
    /// Free tags.
    #[schema(value_type = Vec<String>)]
    pub tags: Vec<Tag>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// What the server keeps about a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct TaskState {
    /// When it was marked done; `null` while open or cancelled (reopening clears it).
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<DateTime<Utc>>,
}

/// A stored task as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: TaskId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: TaskDraft,
    /// What the server keeps.
    #[serde(flatten)]
    pub state: TaskState,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(Task, TaskId, TaskDraft, derived: state);

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "title",
    "description",
    "due_at",
    "priority",
    "status",
    "assignee_id",
    "record",
    "tags",
    "custom",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version", "completed_at"];

impl TaskDraft {
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
            body.fail("title", "required", "a task needs a title");
        }
        let priority = body
            .choice("priority", PRIORITIES)
            .and_then(TaskPriority::parse)
            .unwrap_or_default();
        let status = body
            .choice("status", STATUSES)
            .and_then(TaskStatus::parse)
            .unwrap_or_default();
        let draft = TaskDraft {
            custom,
            title: title.unwrap_or_default(),
            description: body.multiline("description", 20_000),
            due_at: body.deadline("due_at"),
            priority,
            status,
            assignee_id: body.uuid("assignee_id").map(UserId),
            record: body.record_ref("record", LINKABLE_OBJECTS),
            tags: body.tags("tags"),
        };
        errors.finish(draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_task_defaults_to_open_and_normal_and_keeps_its_link() {
        let d = TaskDraft::parse(json!({
            "title": " Call back ", "due_at": "2026-11-23T09:00:00+01:00",
            "record": {"type": "contacts", "id": "0190c7a6-0000-7000-8000-000000000001"}
        }))
        .expect("valid");
        assert_eq!(d.title, "Call back");
        assert_eq!(
            (d.priority, d.status),
            (TaskPriority::Normal, TaskStatus::Open)
        );
        let json = serde_json::to_value(&d).expect("json");
        assert_eq!(json["due_at"], "2026-11-23T08:00:00.000Z");
        assert_eq!(json["record"]["type"], "contacts");
        assert_eq!(json["priority"], "normal");
        // What is stored parses back to itself (merge patches start from it).
        assert_eq!(TaskDraft::parse(json).expect("round trip"), d);
    }

    #[test]
    fn a_due_date_without_a_time_is_due_by_the_end_of_that_day() {
        let d = TaskDraft::parse(json!({"title": "Renew", "due_at": "2026-12-07"})).expect("valid");
        let json = serde_json::to_value(&d).expect("json");
        assert_eq!(json["due_at"], "2026-12-07T23:59:59.999Z");
        assert_eq!(TaskDraft::parse(json).expect("round trip"), d);
        let bad = TaskDraft::parse(json!({"title": "Renew", "due_at": "2026-02-30"}))
            .expect_err("no such day");
        assert_eq!(bad[0].pointer, "/due_at");
        assert!(bad[0].message.contains("2026-11-22"), "{}", bad[0].message);
    }

    #[test]
    fn every_bad_task_field_is_listed() {
        let errors = TaskDraft::parse(json!({
            "priority": "urgent", "status": "finished", "due_at": "tomorrow",
            "record": {"type": "planets", "id": "x"}, "completed_at": "2026-01-01T00:00:00Z",
            "assignee_id": "me"
        }))
        .expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                "/assignee_id",
                "/completed_at",
                "/due_at",
                "/priority",
                "/record/id",
                "/record/type",
                "/status",
                "/title"
            ]
        );
    }

    #[test]
    fn priorities_rank_by_urgency() {
        assert!(TaskPriority::High.rank() > TaskPriority::Normal.rank());
        assert!(TaskPriority::Normal.rank() > TaskPriority::Low.rank());
    }
}
