//! The ids other systems know records by (`external_id` in batch upserts).

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use sea_query::{ExprTrait, OnConflict, Query};
use uuid::Uuid;

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::{built, col, n};

#[derive(sqlx::FromRow)]
struct Row {
    record_id: Uuid,
}

/// The record an external id names, if any (live or not: the caller checks).
pub async fn find(
    tx: &mut Tx,
    ws: WorkspaceId,
    object: &str,
    external_id: &str,
) -> Result<Option<Uuid>, StoreError> {
    let q = Query::select()
        .column(n("record_id"))
        .from(n("external_ids"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("object_type").eq(object))
        .and_where(col("external_id").eq(external_id))
        .to_owned();
    let row: Option<Row> = tx.fetch_optional(&q).await?;
    Ok(row.map(|r| r.record_id))
}

/// Points an external id at a record (replacing where it pointed before).
pub async fn put(
    tx: &mut Tx,
    ws: WorkspaceId,
    object: &str,
    external_id: &str,
    record: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("external_ids")).columns(
        [
            "workspace_id",
            "object_type",
            "external_id",
            "record_id",
            "created_at",
        ]
        .map(n),
    );
    built(q.values([
        ws.0.into(),
        object.to_owned().into(),
        external_id.to_owned().into(),
        record.into(),
        now.into(),
    ]))?;
    q.on_conflict(
        OnConflict::columns([n("workspace_id"), n("object_type"), n("external_id")])
            .update_columns([n("record_id")])
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}
