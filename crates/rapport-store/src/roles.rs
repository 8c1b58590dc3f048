//! Custom roles: a workspace's own roles, stored as a JSON definition (the app parses and
//! checks it; the store keeps it).

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use sea_query::{ExprTrait, OnConflict, Order, Query};

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n};

/// A stored custom role.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleRow {
    /// Its name.
    pub name: String,
    /// Its definition (JSON).
    pub definition: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: [&str; 4] = ["name", "definition", "created_at", "updated_at"];

/// Creates the role, or replaces its definition.
pub async fn put(
    tx: &mut Tx,
    ws: WorkspaceId,
    name: &str,
    definition: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("roles")).columns(
        [
            "workspace_id",
            "name",
            "definition",
            "created_at",
            "updated_at",
        ]
        .map(n),
    );
    built(q.values([
        ws.0.into(),
        name.into(),
        definition.into(),
        now.into(),
        now.into(),
    ]))?;
    q.on_conflict(
        OnConflict::columns(["workspace_id", "name"].map(n))
            .update_columns(["definition", "updated_at"].map(n))
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// One role.
pub async fn find(db: &Db, ws: WorkspaceId, name: &str) -> Result<Option<RoleRow>, StoreError> {
    let q = Query::select()
        .columns(COLUMNS.map(n))
        .from(n("roles"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("name").eq(name))
        .to_owned();
    db.fetch_optional(&q).await
}

/// Every custom role of the workspace, by name.
pub async fn list(db: &Db, ws: WorkspaceId) -> Result<Vec<RoleRow>, StoreError> {
    let q = Query::select()
        .columns(COLUMNS.map(n))
        .from(n("roles"))
        .and_where(col("workspace_id").eq(ws.0))
        .order_by(n("name"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// How many memberships hold the role.
pub async fn holders(tx: &mut Tx, ws: WorkspaceId, name: &str) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(sea_query::Expr::col(n("user_id")).count(), n("n"))
        .from(n("memberships"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("role").eq(name))
        .to_owned();
    Ok(tx.fetch_optional::<(i64,)>(&q).await?.map_or(0, |(n,)| n))
}

/// Deletes the role; false when there is none.
pub async fn delete(tx: &mut Tx, ws: WorkspaceId, name: &str) -> Result<bool, StoreError> {
    let q = Query::delete()
        .from_table(n("roles"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("name").eq(name))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}
