//! Teams: named groups of a workspace's users. Under a role's "team" record scope, a user
//! reaches the records owned by anyone sharing a team with them.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use sea_query::{ExprTrait, JoinType, Order, Query};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::{StoreError, is_unique_violation};
use crate::sql::{built, col, n, tcol};

/// A team.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    /// Its id.
    pub id: Uuid,
    /// Its name (unique in the workspace).
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Creates a team (a taken name is a conflict).
pub async fn create(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("teams"))
        .columns(["workspace_id", "id", "name", "created_at"].map(n));
    built(q.values([ws.0.into(), id.into(), name.into(), now.into()]))?;
    tx.execute(&q).await.map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict {
                constraint: "teams_name_key",
            }
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// The workspace's teams, by name.
pub async fn list(db: &Db, ws: WorkspaceId) -> Result<Vec<TeamRow>, StoreError> {
    let q = Query::select()
        .columns(["id", "name", "created_at"].map(n))
        .from(n("teams"))
        .and_where(col("workspace_id").eq(ws.0))
        .order_by(n("name"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Deletes a team and its memberships; false when there is none.
pub async fn delete(tx: &mut Tx, ws: WorkspaceId, id: Uuid) -> Result<bool, StoreError> {
    let members = Query::delete()
        .from_table(n("team_members"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("team_id").eq(id))
        .to_owned();
    tx.execute(&members).await?;
    let q = Query::delete()
        .from_table(n("teams"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Whether the team exists in the workspace.
pub async fn exists(tx: &mut Tx, ws: WorkspaceId, id: Uuid) -> Result<bool, StoreError> {
    let q = Query::select()
        .column(n("id"))
        .from(n("teams"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional::<(Uuid,)>(&q).await?.is_some())
}

/// Adds a user to a team (already there: nothing changes).
pub async fn add_member(
    tx: &mut Tx,
    ws: WorkspaceId,
    team: Uuid,
    user: UserId,
) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("team_members"))
        .columns(["workspace_id", "team_id", "user_id"].map(n));
    built(q.values([ws.0.into(), team.into(), user.0.into()]))?;
    q.on_conflict(
        sea_query::OnConflict::columns(["workspace_id", "team_id", "user_id"].map(n))
            .do_nothing()
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Removes a user from a team; false when they were not in it.
pub async fn remove_member(
    tx: &mut Tx,
    ws: WorkspaceId,
    team: Uuid,
    user: UserId,
) -> Result<bool, StoreError> {
    let q = Query::delete()
        .from_table(n("team_members"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("team_id").eq(team))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// A team's members.
pub async fn members(db: &Db, ws: WorkspaceId, team: Uuid) -> Result<Vec<Uuid>, StoreError> {
    let q = Query::select()
        .column(n("user_id"))
        .from(n("team_members"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("team_id").eq(team))
        .order_by(n("user_id"), Order::Asc)
        .to_owned();
    Ok(db
        .fetch_all::<(Uuid,)>(&q)
        .await?
        .into_iter()
        .map(|(u,)| u)
        .collect())
}

/// The user and everyone sharing a team with them.
pub async fn teammates(db: &Db, ws: WorkspaceId, user: UserId) -> Result<Vec<Uuid>, StoreError> {
    let q = Query::select()
        .distinct()
        .expr_as(tcol("other", "user_id"), n("user_id"))
        .from_as(n("team_members"), n("mine"))
        .join_as(
            JoinType::InnerJoin,
            n("team_members"),
            n("other"),
            tcol("other", "workspace_id")
                .equals((n("mine"), n("workspace_id")))
                .and(tcol("other", "team_id").equals((n("mine"), n("team_id")))),
        )
        .and_where(tcol("mine", "workspace_id").eq(ws.0))
        .and_where(tcol("mine", "user_id").eq(user.0))
        .to_owned();
    let mut ids: Vec<Uuid> = db
        .fetch_all::<(Uuid,)>(&q)
        .await?
        .into_iter()
        .map(|(u,)| u)
        .collect();
    if !ids.contains(&user.0) {
        ids.push(user.0);
    }
    Ok(ids)
}

/// Takes a user out of every team of the workspace (they left it).
pub async fn remove_user(tx: &mut Tx, ws: WorkspaceId, user: UserId) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(n("team_members"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    Ok(tx.execute(&q).await?)
}
