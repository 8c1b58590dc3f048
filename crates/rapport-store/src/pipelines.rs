//! Pipelines in the database. The stages are read with the pipeline (a JSON column) and mirrored
//! in `pipeline_stages`, which deals reference; a removed stage keeps its row (marked removed) so
//! stage history and soft-deleted deals still name it.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{PipelineId, WorkspaceId};
use rapport_domain::objects::{Pipeline, PipelineDraft, Stage};
use sea_query::{ExprTrait, OnConflict, Query, SimpleExpr};
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::db::Tx;
use crate::error::StoreError;
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;
use crate::sql::{built, col, n};

const TABLE: &str = "pipelines";

/// A pipeline row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct PipelineRow {
    id: Uuid,
    name: String,
    rotting_days: Option<i64>,
    stages: String,
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
    "rotting_days",
    "stages",
    "created_at",
    "updated_at",
    "version",
];

impl Listable for PipelineRow {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = COLUMNS;

    fn column(path: &str) -> Column {
        let name = match path {
            "name" => "name",
            "created_at" => "created_at",
            "updated_at" => "updated_at",
            _ => "id",
        };
        Column::Plain {
            name,
            empty_is_null: false,
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "name" => CursorValue::Text(self.name.clone()),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

impl Table for PipelineRow {
    type Record = Pipeline;
    const SEARCH_TYPE: &'static str = search::PIPELINE;

    fn into_record(self) -> Result<Pipeline, StoreError> {
        let stages: Vec<Stage> = serde_json::from_str(&self.stages)
            .map_err(|e| StoreError::Other(format!("stored pipeline stages unreadable: {e}")))?;
        Ok(Pipeline {
            id: PipelineId(self.id),
            fields: PipelineDraft {
                name: self.name,
                rotting_days: self.rotting_days,
                stages,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, p: &Pipeline) -> Vec<(&'static str, SimpleExpr)> {
        vec![
            ("workspace_id", ws.0.into()),
            ("id", p.id.0.into()),
            ("name", p.fields.name.clone().into()),
            ("rotting_days", p.fields.rotting_days.into()),
            (
                "stages",
                serde_json::to_string(&p.fields.stages)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
            ),
            ("created_at", p.created_at.into()),
            ("updated_at", p.updated_at.into()),
            ("version", p.version.into()),
        ]
    }

    fn search_text(p: &Pipeline) -> (String, String) {
        let stages: Vec<&str> = p.fields.stages.iter().map(|s| s.name.as_str()).collect();
        (p.fields.name.clone(), stages.join(" "))
    }

    async fn write_side_rows(tx: &mut Tx, ws: WorkspaceId, p: &Pipeline) -> Result<(), StoreError> {
        write_stages(tx, ws, p).await
    }
}

/// Upserts the current stages in board order and marks the others of this pipeline removed.
async fn write_stages(tx: &mut Tx, ws: WorkspaceId, p: &Pipeline) -> Result<(), StoreError> {
    let mut ins = Query::insert();
    ins.into_table(n("pipeline_stages")).columns(
        [
            "workspace_id",
            "id",
            "pipeline_id",
            "position",
            "name",
            "probability",
            "kind",
            "removed_at",
        ]
        .map(n),
    );
    for (position, s) in p.fields.stages.iter().enumerate() {
        built(ins.values([
            ws.0.into(),
            s.id.0.into(),
            p.id.0.into(),
            i64::try_from(position).unwrap_or(i64::MAX).into(),
            s.name.clone().into(),
            s.probability.into(),
            s.kind.clone().into(),
            Option::<DateTime<Utc>>::None.into(),
        ]))?;
    }
    ins.on_conflict(
        OnConflict::columns([n("workspace_id"), n("id")])
            .update_columns(["position", "name", "probability", "kind", "removed_at"].map(n))
            .to_owned(),
    );
    tx.execute(&ins).await?;
    let kept: Vec<Uuid> = p.fields.stages.iter().map(|s| s.id.0).collect();
    let retire = Query::update()
        .table(n("pipeline_stages"))
        .value(n("removed_at"), p.updated_at)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("pipeline_id").eq(p.id.0))
        .and_where(col("removed_at").is_null())
        .and_where(col("id").is_not_in(kept))
        .to_owned();
    tx.execute(&retire).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct StageOwner {
    id: Uuid,
    pipeline_id: Uuid,
}

/// The pipeline each of these stage ids belongs to (removed stages included), for ids that exist.
pub async fn stage_pipelines(
    tx: &mut Tx,
    ws: WorkspaceId,
    stages: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    if stages.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["id", "pipeline_id"].map(n))
        .from(n("pipeline_stages"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").is_in(stages.iter().copied()))
        .to_owned();
    let rows: Vec<StageOwner> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.pipeline_id)).collect())
}

#[derive(sqlx::FromRow)]
struct StageName {
    id: Uuid,
    name: String,
}

/// The names of stages (removed ones included), to show stage history.
pub async fn stage_names(
    db: &crate::Db,
    ws: WorkspaceId,
    stages: &[Uuid],
) -> Result<Vec<(Uuid, String)>, StoreError> {
    if stages.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["id", "name"].map(n))
        .from(n("pipeline_stages"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").is_in(stages.iter().copied()))
        .to_owned();
    let rows: Vec<StageName> = db.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}
