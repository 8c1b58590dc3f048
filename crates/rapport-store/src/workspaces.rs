//! Workspaces: the tenants. Until identity exists there is one, [`WorkspaceId::DEFAULT`].

use chrono::Utc;
use rapport_domain::ids::WorkspaceId;
use sea_query::{Alias, OnConflict, Query};

use crate::db::Db;
use crate::error::StoreError;

/// Creates the workspace when it does not exist yet.
pub async fn ensure(db: &Db, id: WorkspaceId, name: &str) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table(Alias::new("workspaces"))
        .columns([
            Alias::new("id"),
            Alias::new("name"),
            Alias::new("created_at"),
        ])
        .values([id.0.into(), name.into(), Utc::now().into()])
        .map_err(|e| StoreError::Other(e.to_string()))?
        .on_conflict(OnConflict::column(Alias::new("id")).do_nothing().to_owned())
        .to_owned();
    let mut tx = db.begin().await?;
    tx.execute(&q).await?;
    tx.commit().await
}
