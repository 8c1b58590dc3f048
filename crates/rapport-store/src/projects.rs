//! Projects in the database. The milestones are read with the project (a JSON column) and
//! mirrored in `project_milestones`, one row per milestone, which filters read ("a milestone due
//! this week") and which tells whose a milestone id is.

use chrono::{DateTime, NaiveDate, Utc};
use rapport_domain::ids::{CompanyId, DealId, ProjectId, UserId, WorkspaceId};
use rapport_domain::objects::{Milestone, Project, ProjectDraft, ProjectState, ProjectStatus};
use rapport_domain::values::Tag;
use sea_query::{ExprTrait, Query, SimpleExpr};
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::db::Tx;
use crate::error::{StoreError, is_unique_violation};
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;
use crate::sql::{built, col, n};

const TABLE: &str = "projects";

/// The side table of milestones.
const MILESTONES: &str = "project_milestones";

/// What `ends_sort` holds for a project without an end date: after every real date, so such
/// projects come last when sorted by end date.
const NO_END: &str = "9999-12-31";

/// A project row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct ProjectRow {
    custom: String,
    id: Uuid,
    name: String,
    company_id: Option<Uuid>,
    deal_id: Option<Uuid>,
    status: String,
    starts_on: Option<String>,
    ends_on: Option<String>,
    ends_sort: String,
    owner_id: Option<Uuid>,
    description: Option<String>,
    tags: String,
    milestones: String,
    progress: i64,
    completed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// Only selected by `records::find_for_write`.
    #[sqlx(default)]
    deleted: bool,
}

const COLUMNS: &[&str] = &[
    "id",
    "name",
    "company_id",
    "deal_id",
    "status",
    "starts_on",
    "ends_on",
    "ends_sort",
    "owner_id",
    "description",
    "tags",
    "milestones",
    "progress",
    "completed_at",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored project {what} unreadable: {e}"))
}

fn date(raw: Option<String>, what: &str) -> Result<Option<NaiveDate>, StoreError> {
    raw.map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| corrupt(what, e)))
        .transpose()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Listable for ProjectRow {
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
        let milestone = |only, value| Column::Side {
            table: MILESTONES,
            parent: "project_id",
            only,
            value,
        };
        match path {
            "name" => plain("name"),
            "status" => plain("status"),
            "company_id" => plain("company_id"),
            "deal_id" => plain("deal_id"),
            "owner_id" => plain("owner_id"),
            "starts_on" => plain("starts_on"),
            "ends_on" => plain("ends_on"),
            "tags" => Column::Tags { name: "tags" },
            "progress" => plain("progress"),
            "completed_at" => plain("completed_at"),
            "milestones.id" => milestone(None, "id"),
            "milestones.due_on" => milestone(None, "due_on"),
            "open_milestones.due_on" => milestone(Some(("state", "open")), "due_on"),
            "created_at" => plain("created_at"),
            "updated_at" => plain("updated_at"),
            _ => plain("id"),
        }
    }

    fn sort_column(path: &str) -> &'static str {
        match path {
            "name" => "name",
            "ends_on" => "ends_sort",
            "progress" => "progress",
            "updated_at" => "updated_at",
            _ => "created_at",
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "name" => CursorValue::Text(self.name.clone()),
            "ends_on" => CursorValue::Text(self.ends_sort.clone()),
            "progress" => CursorValue::Int(self.progress),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

impl Table for ProjectRow {
    type Record = Project;
    const SEARCH_TYPE: &'static str = search::PROJECT;

    fn into_record(self) -> Result<Project, StoreError> {
        let tags: Vec<Tag> = serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?;
        let milestones: Vec<Milestone> =
            serde_json::from_str(&self.milestones).map_err(|e| corrupt("milestones", e))?;
        let status =
            ProjectStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        Ok(Project {
            id: ProjectId(self.id),
            fields: ProjectDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                name: self.name,
                company_id: self.company_id.map(CompanyId),
                deal_id: self.deal_id.map(DealId),
                status,
                starts_on: date(self.starts_on, "starts_on")?,
                ends_on: date(self.ends_on, "ends_on")?,
                owner_id: self.owner_id.map(UserId),
                description: self.description,
                tags,
                milestones,
            },
            state: ProjectState {
                progress: self.progress,
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

    fn values(ws: WorkspaceId, p: &Project) -> Vec<(&'static str, SimpleExpr)> {
        let f = &p.fields;
        vec![
            ("workspace_id", ws.0.into()),
            ("id", p.id.0.into()),
            ("custom", p.fields.custom.to_json_text().into()),
            ("name", f.name.clone().into()),
            ("company_id", f.company_id.map(|x| x.0).into()),
            ("deal_id", f.deal_id.map(|x| x.0).into()),
            ("status", f.status.as_str().into()),
            ("starts_on", f.starts_on.map(day).into()),
            ("ends_on", f.ends_on.map(day).into()),
            (
                "ends_sort",
                f.ends_on.map_or_else(|| NO_END.to_owned(), day).into(),
            ),
            ("owner_id", f.owner_id.map(|x| x.0).into()),
            ("description", f.description.clone().into()),
            (
                "tags",
                serde_json::to_string(&f.tags)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
            ),
            (
                "milestones",
                serde_json::to_string(&f.milestones)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
            ),
            ("progress", p.state.progress.into()),
            ("completed_at", p.state.completed_at.into()),
            ("created_at", p.created_at.into()),
            ("updated_at", p.updated_at.into()),
            ("version", p.version.into()),
        ]
    }

    fn search_text(p: &Project) -> (String, String) {
        let titles: Vec<&str> = p
            .fields
            .milestones
            .iter()
            .map(|m| m.title.as_str())
            .collect();
        (p.fields.name.clone(), titles.join(" "))
    }

    fn write_error(e: sqlx::Error) -> StoreError {
        if crate::error::is_foreign_key_violation(&e) {
            StoreError::MissingReference {
                constraint: "projects_company_fkey or projects_deal_fkey",
            }
        } else {
            e.into()
        }
    }

    async fn write_side_rows(tx: &mut Tx, ws: WorkspaceId, p: &Project) -> Result<(), StoreError> {
        write_milestones(tx, ws, p).await
    }
}

/// Replaces the project's milestone rows with its current milestones, in project order.
/// Removed milestones leave no row: nothing else refers to them.
async fn write_milestones(tx: &mut Tx, ws: WorkspaceId, p: &Project) -> Result<(), StoreError> {
    let clear = Query::delete()
        .from_table(n(MILESTONES))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("project_id").eq(p.id.0))
        .to_owned();
    tx.execute(&clear).await?;
    if p.fields.milestones.is_empty() {
        return Ok(());
    }
    let mut ins = Query::insert();
    ins.into_table(n(MILESTONES)).columns(
        [
            "workspace_id",
            "id",
            "project_id",
            "position",
            "title",
            "due_on",
            "done_at",
            "state",
        ]
        .map(n),
    );
    for (position, m) in p.fields.milestones.iter().enumerate() {
        built(ins.values([
            ws.0.into(),
            m.id.0.into(),
            p.id.0.into(),
            i64::try_from(position).unwrap_or(i64::MAX).into(),
            m.title.clone().into(),
            day(m.due_on).into(),
            m.done_at.into(),
            if m.is_done() { "done" } else { "open" }.into(),
        ]))?;
    }
    // Two writes naming the same new milestone id at once: the second is a conflict, not a bug.
    tx.execute(&ins).await.map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict {
                constraint: "project_milestones_pkey",
            }
        } else {
            e.into()
        }
    })?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct MilestoneOwner {
    id: Uuid,
    project_id: Uuid,
}

/// The project each of these milestone ids belongs to (deleted projects included), for ids
/// that exist.
pub async fn milestone_projects(
    tx: &mut Tx,
    ws: WorkspaceId,
    milestones: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    if milestones.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["id", "project_id"].map(n))
        .from(n(MILESTONES))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").is_in(milestones.iter().copied()))
        .to_owned();
    let rows: Vec<MilestoneOwner> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.project_id)).collect())
}
