//! Projects: post-sale delivery, with ordered milestones. The server derives a project's
//! progress from its milestones and when it was completed from its status.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Body;
use super::custom_field::CustomValues;
use crate::ids::{CompanyId, DealId, MilestoneId, ProjectId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::Tag;

/// Most milestones a project may have: keeps a project (and its export) small enough to read,
/// write and export whole.
pub const MAX_MILESTONES: usize = 200;

/// Where a project stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// Not started (the default).
    #[default]
    Planned,
    /// Under way.
    Active,
    /// Paused.
    OnHold,
    /// Delivered: `completed_at` says when.
    Completed,
    /// Dropped.
    Cancelled,
}

/// Statuses as filter values and in messages.
pub const STATUSES: &[&str] = &["planned", "active", "on_hold", "completed", "cancelled"];

impl ProjectStatus {
    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Planned => "planned",
            ProjectStatus::Active => "active",
            ProjectStatus::OnHold => "on_hold",
            ProjectStatus::Completed => "completed",
            ProjectStatus::Cancelled => "cancelled",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            ProjectStatus::Planned,
            ProjectStatus::Active,
            ProjectStatus::OnHold,
            ProjectStatus::Completed,
            ProjectStatus::Cancelled,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// One milestone of a project, in project order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Milestone {
    /// Id; send it back to keep (rename, reorder, re-date) a milestone, leave it out to add one.
    #[schema(value_type = String, format = Uuid)]
    pub id: MilestoneId,
    /// What is delivered (required).
    pub title: String,
    /// When it is due (`YYYY-MM-DD`, required).
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    /// When it was done; `null` while open. `POST .../milestones/{milestone_id}/complete` sets
    /// it to now; a write may also set it, or clear it to reopen the milestone.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<DateTime<Utc>>,
}

impl Milestone {
    /// Whether it is done.
    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }
}

/// The writable fields of a project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ProjectInput)]
pub struct ProjectDraft {
    /// Name (required).
    pub name: String,
    /// The customer.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub company_id: Option<CompanyId>,
    /// The deal it delivers.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub deal_id: Option<DealId>,
    /// `planned` (default), `active`, `on_hold`, `completed` or `cancelled`.
    #[schema(value_type = String, example = "planned")]
    pub status: ProjectStatus,
    /// First day (`YYYY-MM-DD`).
    #[schema(value_type = Option<String>, format = Date)]
    pub starts_on: Option<NaiveDate>,
    /// Last day (`YYYY-MM-DD`), not before `starts_on`.
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<NaiveDate>,
    /// The user responsible for the project.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Option<UserId>,
    /// Free text.
    pub description: Option<String>,
    /// Free tags.
    #[schema(value_type = Vec<String>)]
    pub tags: Vec<Tag>,
    /// Milestones in project order (at most 200). The array is replaced whole by a write, like
    /// any JSON array in a merge patch: send every milestone to keep, with its id.
    pub milestones: Vec<Milestone>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// What the server derives for a project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProjectState {
    /// Done milestones out of all, in percent, rounded down (100 only when every milestone is
    /// done); 0 for a project without milestones.
    pub progress: i64,
    /// When the status became `completed`; kept while it stays completed, cleared when it
    /// leaves `completed`.
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<DateTime<Utc>>,
}

/// A stored project as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: ProjectId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: ProjectDraft,
    /// What the server derives.
    #[serde(flatten)]
    pub state: ProjectState,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(Project, ProjectId, ProjectDraft, derived: state);

impl Project {
    /// The milestone with this id.
    pub fn milestone(&self, id: MilestoneId) -> Option<&Milestone> {
        self.fields.milestones.iter().find(|m| m.id == id)
    }
}

/// Progress in percent: done milestones out of all, rounded down.
pub fn progress(milestones: &[Milestone]) -> i64 {
    let all = milestones.len();
    if all == 0 {
        return 0;
    }
    let done = milestones.iter().filter(|m| m.is_done()).count();
    i64::try_from(done * 100 / all).unwrap_or(0)
}

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "name",
    "company_id",
    "deal_id",
    "status",
    "starts_on",
    "ends_on",
    "owner_id",
    "description",
    "tags",
    "milestones",
    "custom",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "version",
    "progress",
    "completed_at",
];

impl ProjectDraft {
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
        let name = body.text("name", 200);
        if name.is_none() && body.has_no_error_at("name") {
            body.fail("name", "required", "a project needs a name");
        }
        let status = body
            .choice("status", STATUSES)
            .and_then(ProjectStatus::parse)
            .unwrap_or_default();
        let starts_on = body.date("starts_on");
        let ends_on = body.date("ends_on");
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            body.fail(
                "ends_on",
                "before_start",
                format!("a project cannot end ({end}) before it starts ({start})"),
            );
        }
        let draft = ProjectDraft {
            custom,
            name: name.unwrap_or_default(),
            company_id: body.uuid("company_id").map(CompanyId),
            deal_id: body.uuid("deal_id").map(DealId),
            status,
            starts_on,
            ends_on,
            owner_id: body.uuid("owner_id").map(UserId),
            description: body.multiline("description", 10_000),
            tags: body.tags("tags"),
            milestones: read_milestones(&mut body),
        };
        errors.finish(draft)
    }
}

fn read_milestones(body: &mut Body<'_>) -> Vec<Milestone> {
    let items = body.array("milestones", MAX_MILESTONES);
    let base = body.pointer("milestones");
    let mut out: Vec<Milestone> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let prefix = format!("{base}/{i}");
        let Some(mut m) = Body::open(
            item,
            &prefix,
            &["id", "title", "due_on", "done_at"],
            body.errors(),
        ) else {
            continue;
        };
        let id = m.uuid("id").map(MilestoneId);
        let title = m.text("title", 200);
        if title.is_none() && m.has_no_error_at("title") {
            m.fail("title", "required", "a milestone needs a title");
        }
        let due_given = m.has("due_on");
        let due_on = m.date("due_on");
        if !due_given {
            m.fail(
                "due_on",
                "required",
                "a milestone needs a due date (YYYY-MM-DD)",
            );
        }
        let done_at = m.timestamp("done_at");
        if let Some(id) = id
            && out.iter().any(|o| o.id == id)
        {
            m.fail("id", "duplicate", "this milestone id is listed twice");
            continue;
        }
        let (Some(title), Some(due_on)) = (title, due_on) else {
            continue;
        };
        out.push(Milestone {
            id: id.unwrap_or_default(),
            title,
            due_on,
            done_at,
        });
    }
    out
}

/// The columns of a project's CSV export: the project's, then the milestone's.
pub const CSV_COLUMNS: &[&str] = &[
    "project_id",
    "project_name",
    "status",
    "company_id",
    "deal_id",
    "owner_id",
    "starts_on",
    "ends_on",
    "progress",
    "completed_at",
    "tags",
    "description",
    "milestone_position",
    "milestone_id",
    "milestone_title",
    "milestone_due_on",
    "milestone_done_at",
];

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or outer spaces.
fn csv_field(value: &str) -> String {
    let needs_quotes =
        value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// Free text as a CSV cell: text a spreadsheet would run as a formula (starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`, so opening an export never runs what
/// a client typed.
fn csv_text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        csv_field(&format!("'{value}"))
    } else {
        csv_field(value)
    }
}

/// A project as CSV: a header, then one row per milestone (in project order) with the project's
/// columns repeated; a project without milestones gives one row with empty milestone columns.
/// Lines end with CRLF (RFC 4180).
pub fn to_csv(p: &Project) -> String {
    let f = &p.fields;
    let id = |v: Option<uuid::Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let tags: Vec<&str> = f.tags.iter().map(Tag::as_str).collect();
    let project = [
        p.id.to_string(),
        csv_text(&f.name),
        f.status.as_str().to_owned(),
        id(f.company_id.map(|c| c.0)),
        id(f.deal_id.map(|d| d.0)),
        id(f.owner_id.map(|o| o.0)),
        day(f.starts_on),
        day(f.ends_on),
        p.state.progress.to_string(),
        p.state
            .completed_at
            .as_ref()
            .map(super::time::format)
            .unwrap_or_default(),
        csv_text(&tags.join("; ")),
        csv_text(f.description.as_deref().unwrap_or("")),
    ]
    .join(",");
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    if f.milestones.is_empty() {
        out.push_str(&project);
        out.push_str(&",".repeat(5));
        out.push_str("\r\n");
    }
    for (position, m) in f.milestones.iter().enumerate() {
        let milestone = [
            position.to_string(),
            m.id.to_string(),
            csv_text(&m.title),
            m.due_on.to_string(),
            m.done_at
                .as_ref()
                .map(super::time::format)
                .unwrap_or_default(),
        ]
        .join(",");
        out.push_str(&project);
        out.push(',');
        out.push_str(&milestone);
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn milestones_keep_their_order_and_ids_and_progress_rounds_down() {
        let kept = "0190c7a6-0000-7000-8000-000000000001";
        let d = ProjectDraft::parse(json!({
            "name": "Rollout",
            "milestones": [
                {"title": "Kick-off", "due_on": "2026-01-05", "done_at": "2026-01-05T10:00:00Z"},
                {"id": kept, "title": "Pilot", "due_on": "2026-02-01"},
                {"title": "Go-live", "due_on": "2026-03-01"}
            ]
        }))
        .expect("valid");
        let titles: Vec<&str> = d.milestones.iter().map(|m| m.title.as_str()).collect();
        assert_eq!(titles, ["Kick-off", "Pilot", "Go-live"]);
        assert_eq!(d.milestones[1].id.to_string(), kept);
        assert_eq!(d.status, ProjectStatus::Planned);
        assert_eq!(progress(&d.milestones), 33);
        assert_eq!(progress(&[]), 0);
    }

    #[test]
    fn every_problem_is_listed_with_its_pointer() {
        let errors = ProjectDraft::parse(json!({
            "status": "done", "starts_on": "2026-05-01", "ends_on": "2026-04-30",
            "progress": 50,
            "milestones": [{"title": "", "due_on": "soon"}, {"title": "X"}, {"title": "Y", "due_on": "2026-01-01", "done_at": "yesterday", "colour": "red"}]
        }))
        .expect_err("invalid");
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                "/ends_on",
                "/milestones/0/due_on",
                "/milestones/0/title",
                "/milestones/1/due_on",
                "/milestones/2/colour",
                "/milestones/2/done_at",
                "/name",
                "/progress",
                "/status",
            ]
        );
    }

    #[test]
    fn csv_quotes_what_needs_it_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_text("=1+1"), "'=1+1");
        assert_eq!(csv_text("-x,y"), "\"'-x,y\"");
    }

    #[test]
    fn a_project_has_at_most_200_milestones_and_unique_milestone_ids() {
        let many: Vec<Value> = (0..=MAX_MILESTONES)
            .map(|i| json!({"title": format!("M{i}"), "due_on": "2026-01-01"}))
            .collect();
        let errors =
            ProjectDraft::parse(json!({"name": "Big", "milestones": many})).expect_err("too many");
        assert_eq!(errors[0].pointer, "/milestones");
        assert_eq!(errors[0].code, "too_many");
        let id = "0190c7a6-0000-7000-8000-000000000001";
        let errors = ProjectDraft::parse(json!({"name": "Twice", "milestones": [
            {"id": id, "title": "A", "due_on": "2026-01-01"},
            {"id": id, "title": "B", "due_on": "2026-01-02"}
        ]}))
        .expect_err("duplicate");
        assert_eq!(errors[0].pointer, "/milestones/1/id");
    }
}
