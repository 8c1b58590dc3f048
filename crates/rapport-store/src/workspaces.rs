//! Workspaces: the tenants. Every record, membership and token belongs to one.

use chrono::Utc;
use rapport_domain::ids::WorkspaceId;
use sea_query::{Alias, Expr, ExprTrait, Query};

use crate::db::Tx;
use crate::error::StoreError;

/// A workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Name (unique on this instance).
    pub name: String,
    /// Creation time.
    pub created_at: chrono::DateTime<Utc>,
}

/// Creates a workspace; `Conflict { constraint: "workspaces_name_key" }` when the name is taken.
pub async fn create(tx: &mut Tx, id: WorkspaceId, name: &str) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(Alias::new("workspaces"))
        .columns([
            Alias::new("id"),
            Alias::new("name"),
            Alias::new("created_at"),
        ])
        .values([id.0.into(), name.into(), Utc::now().into()])
        .map_err(|e| StoreError::Other(e.to_string()))?
        .to_owned();
    tx.execute(&q).await.map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            StoreError::Conflict {
                constraint: "workspaces_name_key",
            }
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// The workspace with this name, inside a write transaction.
pub async fn find_by_name(tx: &mut Tx, name: &str) -> Result<Option<WorkspaceRow>, StoreError> {
    let q = Query::select()
        .columns([
            Alias::new("id"),
            Alias::new("name"),
            Alias::new("created_at"),
        ])
        .from(Alias::new("workspaces"))
        .and_where(Expr::col(Alias::new("name")).eq(name))
        .to_owned();
    tx.fetch_optional(&q).await
}
