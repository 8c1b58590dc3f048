//! Opening a workspace: the tenant row and what a team needs on its first day (a sales
//! pipeline), written in the transaction of whatever creates the workspace.

use rapport_domain::ids::WorkspaceId;
use rapport_domain::objects::pipeline::default_sales_pipeline;
use rapport_domain::objects::{Pipeline, Record, time};
use rapport_store::pipelines::PipelineRow;
use rapport_store::{Tx, records, workspaces};
use serde_json::json;

use crate::audit::{self, Event};
use crate::ctx::Ctx;
use crate::error::AppError;

/// Creates workspace `id` called `name` inside `tx`, with its audit entry and the default
/// sales pipeline; `ctx` is who does it, recorded in the new workspace's audit chain.
pub async fn open(tx: &mut Tx, ctx: &Ctx, id: WorkspaceId, name: &str) -> Result<(), AppError> {
    workspaces::create(tx, id, name).await?;
    let mut actor = ctx.clone();
    actor.workspace_id = id;
    let event = Event::on("workspaces.create", "workspaces", &id).with(json!({ "name": name }));
    audit::record(tx, &actor, event).await?;
    let pipeline = Pipeline::create(default_sales_pipeline(), time::now_millis());
    records::insert::<PipelineRow>(tx, id, &pipeline).await?;
    let fields =
        serde_json::to_value(pipeline.fields()).map_err(|e| AppError::Internal(e.to_string()))?;
    let event = Event::on("pipelines.create", "pipelines", &pipeline.id())
        .with(json!({ "fields": fields, "default": true }));
    audit::record(tx, &actor, event).await?;
    Ok(())
}
