//! Pipelines: what differs from every other object (the shared use cases are in
//! [`crate::records`]). Stages keep their ids across edits, so deals follow a renamed or reordered
//! stage; a stage that holds deals is only removed by moving them to another stage first
//! ([`remove_stage`]); a pipeline holding deals cannot be deleted.

use rapport_domain::ids::{PipelineId, StageId};
use rapport_domain::objects::{Deal, Pipeline, PipelineDraft, Record, time};
use rapport_domain::policy::Action;
use rapport_domain::schema::PIPELINES;
use rapport_domain::validation::FieldError;
use rapport_store::Tx;
use rapport_store::deals as deal_store;
use rapport_store::pipelines::{self as store, PipelineRow};
use rapport_store::records as rows;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::records::{self, Object};

impl Object for Pipeline {
    type Table = PipelineRow;
    const SCHEMA: &'static rapport_domain::schema::ObjectSchema = &PIPELINES;

    fn parse(_app: &App, body: Value) -> Result<PipelineDraft, Vec<FieldError>> {
        PipelineDraft::parse(body)
    }

    /// Stage ids must not belong to another pipeline, and a stage left out must hold no deal.
    async fn check(
        tx: &mut Tx,
        ctx: &Ctx,
        draft: &PipelineDraft,
        own: Uuid,
    ) -> Result<(), AppError> {
        let ws = ctx.workspace_id;
        let ids: Vec<Uuid> = draft.stages.iter().map(|s| s.id.0).collect();
        let owners = store::stage_pipelines(tx, ws, &ids).await?;
        let errors: Vec<FieldError> = draft
            .stages
            .iter()
            .enumerate()
            .filter(|(_, s)| owners.iter().any(|(id, p)| *id == s.id.0 && *p != own))
            .map(|(i, _)| FieldError {
                pointer: format!("/stages/{i}/id"),
                code: "foreign_stage".into(),
                message: "this stage belongs to another pipeline".into(),
            })
            .collect();
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let Some((current, _)) = rows::find_for_write::<PipelineRow>(tx, ws, own).await? else {
            return Ok(());
        };
        let dropped: Vec<Uuid> = current
            .fields
            .stages
            .iter()
            .filter(|s| !ids.contains(&s.id.0))
            .map(|s| s.id.0)
            .collect();
        let held = deal_store::count_in_stages(tx, ws, &dropped).await?;
        if held > 0 {
            return Err(AppError::Conflict {
                code: "stage_has_deals",
                detail: format!(
                    "{held} deal(s) are in a stage this change removes; move them with POST \
                     /api/v1/pipelines/{own}/stages/{{stage_id}}/remove {{\"move_to\": \"<stage id>\"}}"
                ),
                existing_id: None,
            });
        }
        Ok(())
    }

    /// Deals follow their stage: a stage that became won or lost closes them, a changed
    /// `rotting_days` moves their rotting time.
    async fn after_write(
        app: &App,
        tx: &mut Tx,
        ctx: &Ctx,
        before: Option<&Self>,
        record: &Self,
    ) -> Result<(), AppError> {
        let Some(before) = before else {
            return Ok(());
        };
        let ws = ctx.workspace_id;
        let mut stale: Vec<Uuid> = Vec::new();
        if before.fields.rotting_days != record.fields.rotting_days {
            stale = deal_store::live_open_in_pipeline(tx, ws, record.id).await?;
        }
        for stage in &record.fields.stages {
            if before.stage(stage.id).is_some_and(|b| b.kind != stage.kind) {
                stale.extend(deal_store::live_in_stage(tx, ws, stage.id).await?);
            }
        }
        stale.sort_unstable();
        stale.dedup();
        for id in stale {
            crate::deals::refresh(app, tx, ctx, id).await?;
        }
        Ok(())
    }

    async fn before_delete(tx: &mut Tx, ctx: &Ctx, record: &Self) -> Result<(), AppError> {
        let held = deal_store::count_in_pipeline(tx, ctx.workspace_id, record.id).await?;
        if held > 0 {
            return Err(AppError::Conflict {
                code: "pipeline_has_deals",
                detail: format!(
                    "the pipeline still holds {held} deal(s); move or delete them first"
                ),
                existing_id: None,
            });
        }
        Ok(())
    }
}

/// Removes a stage from a pipeline, first moving its deals (each recorded in their stage history)
/// to `move_to`, another stage of the same pipeline; all in one transaction.
pub async fn remove_stage(
    app: &App,
    ctx: &Ctx,
    pipeline: PipelineId,
    stage: StageId,
    move_to: Option<StageId>,
) -> Result<Pipeline, AppError> {
    records::allow::<Pipeline>(app, ctx, Action::Update).await?;
    let ws = ctx.workspace_id;
    let mut tx = app.db.begin().await?;
    let Some((current, false)) =
        rows::find_for_write::<PipelineRow>(&mut tx, ws, pipeline.0).await?
    else {
        return Err(AppError::NotFound);
    };
    if current.stage(stage).is_none() {
        return Err(AppError::NotFound);
    }
    if current.fields.stages.len() == 1 {
        return Err(AppError::Conflict {
            code: "last_stage",
            detail: "a pipeline keeps at least one stage".into(),
            existing_id: None,
        });
    }
    let held = deal_store::live_in_stage(&mut tx, ws, stage).await?;
    let target = match move_to {
        Some(t) if t != stage && current.stage(t).is_some() => Some(t),
        Some(_) => {
            return Err(AppError::Validation(vec![FieldError {
                pointer: "/move_to".into(),
                code: "not_found".into(),
                message: "must be another stage of this pipeline".into(),
            }]));
        }
        None if held.is_empty() => None,
        None => {
            return Err(AppError::Validation(vec![FieldError {
                pointer: "/move_to".into(),
                code: "required".into(),
                message: format!(
                    "the stage holds {} deal(s): name the stage they move to",
                    held.len()
                ),
            }]));
        }
    };
    if let Some(t) = target {
        records::allow::<Deal>(app, ctx, Action::Update).await?;
        for id in &held {
            crate::deals::move_within(app, &mut tx, ctx, *id, t).await?;
        }
        let kind = current.stage(t).map_or("open", |s| s.kind.as_str());
        deal_store::move_deleted(&mut tx, ws, stage, t, kind).await?;
    }
    let mut draft = current.fields.clone();
    draft.stages.retain(|s| s.id != stage);
    let before =
        serde_json::to_value(&current.fields).map_err(|e| AppError::Internal(e.to_string()))?;
    let expected = current.version;
    let next = current.revised(draft, time::now_millis());
    rows::update::<PipelineRow>(&mut tx, ws, &next, expected).await?;
    let after =
        serde_json::to_value(&next.fields).map_err(|e| AppError::Internal(e.to_string()))?;
    let event = Event::on("pipelines.update", "pipelines", &pipeline).with(json!({
        "version": next.version,
        "changes": audit::diff(&before, &after, &[]),
        "removed_stage": stage,
        "moved_deals": held,
        "move_to": target,
    }));
    audit::record(&mut tx, ctx, event).await?;
    tx.commit().await?;
    Ok(next)
}
