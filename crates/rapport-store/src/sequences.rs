//! Per-workspace counters (a case's number): the next value is taken inside the caller's write
//! transaction, so two concurrent writers never get the same number and a rolled-back write gives
//! its number back.

use rapport_domain::ids::WorkspaceId;
use sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::{built, n};

#[derive(sqlx::FromRow)]
struct Taken {
    last_value: i64,
}

/// Takes the next value (1 first) of the workspace's counter `name`.
///
/// One upsert that returns the new value: on PostgreSQL it locks the counter row until the
/// transaction ends, so a concurrent writer waits and then reads the incremented value; SQLite
/// writes one transaction at a time anyway.
#[tracing::instrument(skip_all, fields(workspace_id = %ws, sequence = name))]
pub async fn next(tx: &mut Tx, ws: WorkspaceId, name: &str) -> Result<i64, StoreError> {
    let mut q = Query::insert();
    q.into_table(n("sequences"))
        .columns(["workspace_id", "name", "last_value"].map(n));
    built(q.values([ws.0.into(), name.into(), 1_i64.into()]))?;
    q.on_conflict(
        OnConflict::columns(["workspace_id", "name"].map(n))
            .value(
                n("last_value"),
                Expr::col((n("sequences"), n("last_value"))).add(1),
            )
            .to_owned(),
    )
    .returning_col(n("last_value"));
    let taken: Option<Taken> = tx.fetch_optional(&q).await?;
    taken
        .map(|t| t.last_value)
        .ok_or_else(|| StoreError::Other(format!("sequence {name} returned no value")))
}
