//! Tasks in the database: rows, writes (with their search rows, in the caller's transaction) and
//! reads.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{TaskId, UserId, WorkspaceId};
use rapport_domain::objects::{RecordRef, Task, TaskDraft, TaskPriority, TaskState, TaskStatus};
use rapport_domain::values::Tag;
use sea_query::SimpleExpr;
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::error::StoreError;
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;

const TABLE: &str = "tasks";

/// What `due_sort` holds for a task without a due date: after every real one (RFC 3339 years
/// stop at 9999), so such tasks come last when sorted by due date.
fn no_due_date() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 999_000_000).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A task row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct TaskRow {
    custom: String,
    id: Uuid,
    title: String,
    description: Option<String>,
    due_at: Option<DateTime<Utc>>,
    due_sort: DateTime<Utc>,
    priority: String,
    priority_rank: i64,
    status: String,
    assignee_id: Option<Uuid>,
    record_type: Option<String>,
    record_id: Option<Uuid>,
    tags: String,
    completed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// Only selected by `records::find_for_write`.
    #[sqlx(default)]
    deleted: bool,
}

/// The columns of a task, also selected by timelines.
pub const COLUMNS: &[&str] = &[
    "id",
    "title",
    "description",
    "due_at",
    "due_sort",
    "priority",
    "priority_rank",
    "status",
    "assignee_id",
    "record_type",
    "record_id",
    "tags",
    "completed_at",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored task {what} unreadable: {e}"))
}

impl Listable for TaskRow {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = COLUMNS;

    fn custom_values(&self) -> Option<&str> {
        Some(&self.custom)
    }

    fn column(path: &str) -> Column {
        let plain = |name| Column::Plain {
            name,
            empty_is_null: false,
        };
        match path {
            "title" => plain("title"),
            "due_at" => plain("due_at"),
            "priority" => plain("priority"),
            "status" => plain("status"),
            "assignee_id" => plain("assignee_id"),
            "record.type" => plain("record_type"),
            "record.id" => plain("record_id"),
            "tags" => Column::Tags { name: "tags" },
            "completed_at" => plain("completed_at"),
            "created_at" => plain("created_at"),
            "updated_at" => plain("updated_at"),
            _ => plain("id"),
        }
    }

    fn sort_column(path: &str) -> &'static str {
        match path {
            "title" => "title",
            "due_at" => "due_sort",
            "priority" => "priority_rank",
            "updated_at" => "updated_at",
            _ => "created_at",
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "title" => CursorValue::Text(self.title.clone()),
            "due_at" => list::time_cursor(&self.due_sort),
            "priority" => CursorValue::Int(self.priority_rank),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

fn row_values(ws: WorkspaceId, t: &Task) -> Vec<(&'static str, SimpleExpr)> {
    let f = &t.fields;
    vec![
        ("workspace_id", ws.0.into()),
        ("id", t.id.0.into()),
        ("custom", t.fields.custom.to_json_text().into()),
        ("title", f.title.clone().into()),
        ("description", f.description.clone().into()),
        ("due_at", f.due_at.into()),
        ("due_sort", f.due_at.unwrap_or_else(no_due_date).into()),
        ("priority", f.priority.as_str().into()),
        ("priority_rank", f.priority.rank().into()),
        ("status", f.status.as_str().into()),
        ("assignee_id", f.assignee_id.map(|x| x.0).into()),
        (
            "record_type",
            f.record.as_ref().map(|r| r.object.clone()).into(),
        ),
        ("record_id", f.record.as_ref().map(|r| r.id).into()),
        (
            "tags",
            serde_json::to_string(&f.tags)
                .unwrap_or_else(|_| "[]".into())
                .into(),
        ),
        ("completed_at", t.state.completed_at.into()),
        ("created_at", t.created_at.into()),
        ("updated_at", t.updated_at.into()),
        ("version", t.version.into()),
    ]
}

impl Table for TaskRow {
    type Record = Task;
    const SEARCH_TYPE: &'static str = search::TASK;

    fn into_record(self) -> Result<Task, StoreError> {
        let tags: Vec<Tag> = serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?;
        let priority = TaskPriority::parse(&self.priority)
            .ok_or_else(|| corrupt("priority", &self.priority))?;
        let status =
            TaskStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        let record = match (self.record_type, self.record_id) {
            (Some(object), Some(id)) => Some(RecordRef { object, id }),
            _ => None,
        };
        Ok(Task {
            id: TaskId(self.id),
            fields: TaskDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                title: self.title,
                description: self.description,
                due_at: self.due_at,
                priority,
                status,
                assignee_id: self.assignee_id.map(UserId),
                record,
                tags,
            },
            state: TaskState {
                completed_at: self.completed_at,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, t: &Task) -> Vec<(&'static str, SimpleExpr)> {
        row_values(ws, t)
    }

    fn search_text(t: &Task) -> (String, String) {
        (
            t.fields.title.clone(),
            t.fields.description.clone().unwrap_or_default(),
        )
    }
}
