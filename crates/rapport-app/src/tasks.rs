//! Tasks: what differs from every other object (the shared use cases are in [`crate::records`]):
//! the assignee must be a member and defaults to the creator, the linked record must exist in
//! the workspace, and `completed_at` follows the status.

use rapport_domain::objects::{Task, TaskDraft, TaskStatus};
use rapport_domain::schema::TASKS;
use rapport_domain::validation::FieldError;
use rapport_store::Tx;
use rapport_store::records::find_for_write;
use rapport_store::tasks::TaskRow;
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::Object;
use crate::references;

impl Object for Task {
    type Table = TaskRow;
    const SCHEMA: &'static rapport_domain::schema::ObjectSchema = &TASKS;

    fn parse(_app: &App, body: Value) -> Result<TaskDraft, Vec<FieldError>> {
        TaskDraft::parse(body)
    }

    fn custom(draft: &mut Self::Draft) -> Option<&mut rapport_domain::objects::CustomValues> {
        Some(&mut draft.custom)
    }

    /// The assignee must be a member and the linked record a live record of this workspace
    /// (a record of another workspace answers like a missing one). Only what the write brings
    /// in is checked: a task whose contact was deleted or whose assignee left can still be
    /// edited and closed, and a restored task comes back as it was.
    async fn check(tx: &mut Tx, ctx: &Ctx, draft: &TaskDraft, own: Uuid) -> Result<(), AppError> {
        let stored = find_for_write::<TaskRow>(tx, ctx.workspace_id, own)
            .await?
            .map(|(t, _)| t.fields);
        let records: Vec<(&str, &str, Uuid)> = draft
            .record
            .iter()
            .filter(|r| {
                stored
                    .as_ref()
                    .is_none_or(|s| s.record.as_ref() != Some(*r))
            })
            .map(|r| ("/record/id", r.object.as_str(), r.id))
            .collect();
        references::check_all(tx, ctx.workspace_id, &records, &[]).await
    }

    /// A new task without an assignee is the creator's (a system job's stays unassigned);
    /// `completed_at` is set when the status becomes `done`, kept while it stays done, and
    /// cleared when the task is reopened or cancelled.
    async fn settle(
        _app: &App,
        _tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Task>,
        record: &mut Task,
    ) -> Result<(), AppError> {
        if before.is_none() && record.fields.assignee_id.is_none() {
            record.fields.assignee_id = ctx.actor.user();
        }
        let was_done = before.filter(|b| b.fields.status == TaskStatus::Done);
        record.state.completed_at = match (record.fields.status, was_done) {
            (TaskStatus::Done, Some(b)) => b.state.completed_at.or(Some(record.updated_at)),
            (TaskStatus::Done, None) => Some(record.updated_at),
            _ => None,
        };
        Ok(())
    }
}
