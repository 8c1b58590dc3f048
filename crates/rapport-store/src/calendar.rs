//! Calendar feed tokens: one per member and workspace, the secret stored as its SHA-256 only, so
//! the feed URL works until it is replaced or revoked and a database leak yields no usable URL.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use sea_query::{ExprTrait, JoinType, OnConflict, Query};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n, tcol};

/// Whose feed a token opens, with what their membership allows now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedOwner {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The member.
    pub user_id: Uuid,
    /// Their current role in the workspace.
    pub role: String,
    /// When their account was disabled, if it was.
    pub disabled_at: Option<DateTime<Utc>>,
}

/// Stores the member's feed token, replacing any earlier one (whose URL stops working).
pub async fn put(
    tx: &mut Tx,
    ws: WorkspaceId,
    user: UserId,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("calendar_feeds"))
        .columns(["workspace_id", "user_id", "token_hash", "created_at"].map(n));
    built(q.values([ws.0.into(), user.0.into(), token_hash.into(), now.into()]))?;
    q.on_conflict(
        OnConflict::columns([n("workspace_id"), n("user_id")])
            .update_columns([n("token_hash"), n("created_at")])
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Removes the member's feed token; false when there was none.
pub async fn remove(tx: &mut Tx, ws: WorkspaceId, user: UserId) -> Result<bool, StoreError> {
    let q = Query::delete()
        .from_table(n("calendar_feeds"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// The owner of the feed token with this digest, if they are still a member (an inner join:
/// leaving the workspace closes the feed).
pub async fn find_by_hash(db: &Db, token_hash: &str) -> Result<Option<FeedOwner>, StoreError> {
    let q = Query::select()
        .expr_as(tcol("f", "workspace_id"), n("workspace_id"))
        .expr_as(tcol("f", "user_id"), n("user_id"))
        .expr_as(tcol("m", "role"), n("role"))
        .expr_as(tcol("u", "disabled_at"), n("disabled_at"))
        .from_as(n("calendar_feeds"), n("f"))
        .join_as(
            JoinType::InnerJoin,
            n("memberships"),
            n("m"),
            tcol("m", "user_id")
                .equals((n("f"), n("user_id")))
                .and(tcol("m", "workspace_id").equals((n("f"), n("workspace_id")))),
        )
        .join_as(
            JoinType::InnerJoin,
            n("users"),
            n("u"),
            tcol("u", "id").equals((n("f"), n("user_id"))),
        )
        .and_where(tcol("f", "token_hash").eq(token_hash))
        .to_owned();
    db.fetch_optional(&q).await
}
