//! Cases in the database: rows, writes (with their search rows, in the caller's transaction) and
//! reads.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{CaseId, CompanyId, ContactId, UserId, WorkspaceId};
use rapport_domain::objects::time::now_millis;
use rapport_domain::objects::{Case, CaseDraft, CasePriority, CaseState, CaseStatus};
use rapport_domain::values::Tag;
use sea_query::SimpleExpr;
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::error::{StoreError, is_foreign_key_violation, is_unique_violation};
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;

const TABLE: &str = "cases";

/// The unique index on a workspace's case numbers.
pub const NUMBER_KEY: &str = "cases_workspace_number_key";

/// The foreign keys to the case's contact and company.
pub const REFERENCES: &str = "cases_contact_fkey/cases_company_fkey";

/// The counter case numbers are taken from (see [`crate::sequences`]).
pub const NUMBER_SEQUENCE: &str = "cases";

/// A case row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct CaseRow {
    custom: String,
    id: Uuid,
    number: i64,
    subject: String,
    description: Option<String>,
    status: String,
    priority_rank: i64,
    contact_id: Option<Uuid>,
    company_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
    tags: String,
    sla_due_at: DateTime<Utc>,
    first_response_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// Only selected by `records::find_for_write`.
    #[sqlx(default)]
    deleted: bool,
}

const COLUMNS: &[&str] = &[
    "id",
    "number",
    "subject",
    "description",
    "status",
    "priority_rank",
    "contact_id",
    "company_id",
    "assignee_id",
    "tags",
    "sla_due_at",
    "first_response_at",
    "resolved_at",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored case {what} unreadable: {e}"))
}

impl Listable for CaseRow {
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
            "number" => plain("number"),
            "subject" => plain("subject"),
            "status" => plain("status"),
            "priority" => Column::Ranked {
                name: "priority",
                rank: "priority_rank",
            },
            "contact_id" => plain("contact_id"),
            "company_id" => plain("company_id"),
            "assignee_id" => plain("assignee_id"),
            "tags" => Column::Tags { name: "tags" },
            "sla_due_at" => plain("sla_due_at"),
            "first_response_at" => plain("first_response_at"),
            "resolved_at" => plain("resolved_at"),
            "sla_breached" => Column::DeadlineBreached {
                done: "resolved_at",
                due: "sla_due_at",
            },
            "created_at" => plain("created_at"),
            "updated_at" => plain("updated_at"),
            _ => plain("id"),
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "number" => CursorValue::Int(self.number),
            "priority" => CursorValue::Int(self.priority_rank),
            "sla_due_at" => list::time_cursor(&self.sla_due_at),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

impl Table for CaseRow {
    type Record = Case;
    const SEARCH_TYPE: &'static str = search::CASE;

    fn into_record(self) -> Result<Case, StoreError> {
        let tags: Vec<Tag> = serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?;
        let status = CaseStatus::parse(&self.status)
            .ok_or_else(|| corrupt("status", format!("'{}'", self.status)))?;
        let priority = CasePriority::from_rank(self.priority_rank)
            .ok_or_else(|| corrupt("priority", self.priority_rank))?;
        let mut state = CaseState {
            number: self.number,
            sla_due_at: Some(self.sla_due_at),
            first_response_at: self.first_response_at,
            resolved_at: self.resolved_at,
            sla_breached: false,
        };
        // Computed as the case is read: the deadline passes without any write.
        state.sla_breached = state.is_breached(now_millis());
        Ok(Case {
            id: CaseId(self.id),
            fields: CaseDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                subject: self.subject,
                description: self.description,
                status,
                priority,
                contact_id: self.contact_id.map(ContactId),
                company_id: self.company_id.map(CompanyId),
                assignee_id: self.assignee_id.map(UserId),
                tags,
            },
            state,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, c: &Case) -> Vec<(&'static str, SimpleExpr)> {
        let f = &c.fields;
        vec![
            ("workspace_id", ws.0.into()),
            ("id", c.id.0.into()),
            ("custom", c.fields.custom.to_json_text().into()),
            ("number", c.state.number.into()),
            ("subject", f.subject.clone().into()),
            ("description", f.description.clone().into()),
            ("status", f.status.as_str().into()),
            ("priority", f.priority.as_str().into()),
            ("priority_rank", f.priority.rank().into()),
            ("contact_id", f.contact_id.map(|x| x.0).into()),
            ("company_id", f.company_id.map(|x| x.0).into()),
            ("assignee_id", f.assignee_id.map(|x| x.0).into()),
            (
                "tags",
                serde_json::to_string(&f.tags)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
            ),
            // Settled before every write; a case without one would be due when it was created.
            (
                "sla_due_at",
                c.state.sla_due_at.unwrap_or(c.created_at).into(),
            ),
            ("first_response_at", c.state.first_response_at.into()),
            ("resolved_at", c.state.resolved_at.into()),
            ("created_at", c.created_at.into()),
            ("updated_at", c.updated_at.into()),
            ("version", c.version.into()),
        ]
    }

    /// The subject is the title; the number is searchable too (`1042` finds case 1042).
    fn search_text(c: &Case) -> (String, String) {
        (c.fields.subject.clone(), c.state.number.to_string())
    }

    fn write_error(e: sqlx::Error) -> StoreError {
        if is_unique_violation(&e) {
            StoreError::Conflict {
                constraint: NUMBER_KEY,
            }
        } else if is_foreign_key_violation(&e) {
            // The checks run in the same transaction; only a race with a hard delete gets here.
            StoreError::MissingReference {
                constraint: REFERENCES,
            }
        } else {
            e.into()
        }
    }
}
