//! Projects: what differs from every other object (the shared use cases are in
//! [`crate::records`]). Milestones keep their ids across edits, as a pipeline's stages do; the
//! server derives progress from them and `completed_at` from the status; one milestone can be
//! marked done on its own ([`complete_milestone`]).

use rapport_domain::ids::{MilestoneId, ProjectId};
use rapport_domain::objects::project::progress;
use rapport_domain::objects::{Project, ProjectDraft, ProjectStatus, time};
use rapport_domain::policy::Action;
use rapport_domain::schema::PROJECTS;
use rapport_domain::validation::FieldError;
use rapport_store::Tx;
use rapport_store::projects::{self as store, ProjectRow};
use rapport_store::records::find_for_write;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::{self, Object, Patched};
use crate::references;

/// How many times completing a milestone retries when another write slipped in between.
const RETRIES: usize = 3;

impl Object for Project {
    type Table = ProjectRow;
    const SCHEMA: &'static rapport_domain::schema::ObjectSchema = &PROJECTS;

    fn parse(_app: &App, body: Value) -> Result<ProjectDraft, Vec<FieldError>> {
        ProjectDraft::parse(body)
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// The company, the deal and the owner must exist in the workspace (a record of another
    /// workspace answers like a missing one), and a milestone id must not be another project's.
    /// Only references the write brings in are checked: a project whose deal was deleted can
    /// still be edited, and a restored project comes back as it was.
    async fn check(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &ProjectDraft,
        own: Uuid,
    ) -> Result<(), AppError> {
        let ws = ctx.workspace_id;
        let stored = find_for_write::<ProjectRow>(tx, ws, own)
            .await?
            .map(|(p, _)| p.fields);
        let changed = |get: fn(&ProjectDraft) -> Option<Uuid>| {
            get(draft).filter(|v| stored.as_ref().is_none_or(|s| get(s) != Some(*v)))
        };
        let mut refs: Vec<(&str, &str, Uuid)> = Vec::new();
        if let Some(c) = changed(|d| d.company_id.map(|c| c.0)) {
            refs.push(("/company_id", "companies", c));
        }
        if let Some(d) = changed(|d| d.deal_id.map(|x| x.0)) {
            refs.push(("/deal_id", "deals", d));
        }
        let mut errors = match references::check_all(tx, ws, &refs, &[]).await {
            Ok(()) => Vec::new(),
            Err(AppError::Validation(e)) => e,
            Err(e) => return Err(e),
        };
        let ids: Vec<Uuid> = draft.milestones.iter().map(|m| m.id.0).collect();
        let owners = store::milestone_projects(tx, ws, &ids).await?;
        errors.extend(
            draft
                .milestones
                .iter()
                .enumerate()
                .filter(|(_, m)| owners.iter().any(|(id, p)| *id == m.id.0 && *p != own))
                .map(|(i, _)| FieldError {
                    pointer: format!("/milestones/{i}/id"),
                    code: "foreign_milestone".into(),
                    message: "this milestone belongs to another project; leave the id out to add \
                              a new milestone"
                        .into(),
                }),
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(errors))
        }
    }

    /// Progress follows the milestones; `completed_at` is set when the status becomes
    /// `completed`, kept while it stays completed, and cleared when the project is reopened
    /// or cancelled. Completing every milestone does not complete the project: delivery is
    /// signed off by a person.
    async fn settle(
        _app: &App,
        _tx: &mut Tx,
        _ctx: &Ctx,
        before: Option<&Project>,
        record: &mut Project,
    ) -> Result<(), AppError> {
        record.state.progress = progress(&record.fields.milestones);
        let was_completed = before.filter(|b| b.fields.status == ProjectStatus::Completed);
        record.state.completed_at = match (record.fields.status, was_completed) {
            (ProjectStatus::Completed, Some(b)) => b.state.completed_at.or(Some(record.updated_at)),
            (ProjectStatus::Completed, None) => Some(record.updated_at),
            _ => None,
        };
        Ok(())
    }
}

/// `POST /projects/{id}/milestones/{milestone_id}/complete`: marks one milestone done now.
/// Idempotent: a milestone already done keeps its `done_at` and the project its version.
pub async fn complete_milestone(
    app: &App,
    ctx: &Ctx,
    id: ProjectId,
    milestone: MilestoneId,
    if_match: Option<i64>,
) -> Result<Project, AppError> {
    records::allow::<Project>(app, ctx, Action::Update).await?;
    let reach = records::reach(app, ctx).await?;
    for _ in 0..RETRIES {
        let current: Project = records::get(app, ctx, id.0).await?;
        if let Some(v) = if_match
            && v != current.version
        {
            return Err(AppError::PreconditionFailed {
                current_version: current.version,
            });
        }
        let Some(target) = current.milestone(milestone) else {
            return Err(AppError::NotFound);
        };
        if target.is_done() {
            return Ok(current);
        }
        let now = time::now_millis();
        let mut milestones = current.fields.milestones.clone();
        for m in &mut milestones {
            if m.id == milestone {
                m.done_at = Some(now);
            }
        }
        let patch = json!({ "milestones": milestones });
        let tx = app.db.begin().await?;
        // The patch is built from this version: another write in between must not be undone.
        match records::patch_in::<Project>(
            app,
            ctx,
            tx,
            id.0,
            &patch,
            Some(current.version),
            reach.as_deref(),
        )
        .await
        {
            Ok(Patched::Done { tx, after, .. }) => {
                tx.commit().await?;
                return Ok(after);
            }
            Ok(Patched::Raced) => {}
            Err(AppError::PreconditionFailed { .. }) if if_match.is_none() => {}
            Err(e) => return Err(e),
        }
    }
    Err(AppError::Unavailable(
        "the project is changing too often; retry".into(),
    ))
}
