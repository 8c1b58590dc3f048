//! One-time links: the first-run setup link, invitations, password resets and e-mail changes.
//! Random tokens stored as digests, expiring, and used at most once (taking one is a conditional
//! update, so two clicks race safely).

use chrono::{DateTime, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use sea_query::{ExprTrait, Query};
use uuid::Uuid;

use crate::db::Tx;
use crate::error::StoreError;
use crate::sql::{built, col, n};

/// A new link.
#[derive(Debug, Clone)]
pub struct NewLink<'a> {
    /// Digest of the token (hex).
    pub token_hash: &'a str,
    /// `setup` or `invite`.
    pub purpose: &'a str,
    /// The workspace an invitation is to.
    pub workspace_id: Option<WorkspaceId>,
    /// The role an invitation grants.
    pub role: Option<&'a str>,
    /// The address an invitation is for, when given.
    pub email: Option<&'a str>,
    /// Who made it.
    pub created_by: Option<UserId>,
    /// Now.
    pub now: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// A link that was taken.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    /// The purpose.
    pub purpose: String,
    /// The workspace (invitations).
    pub workspace_id: Option<Uuid>,
    /// The role (invitations).
    pub role: Option<String>,
    /// The address (invitations).
    pub email: Option<String>,
    /// Who made it.
    pub created_by: Option<Uuid>,
}

/// Stores a link.
pub async fn insert(tx: &mut Tx, l: &NewLink<'_>) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("one_time_links")).columns(
        [
            "token_hash",
            "purpose",
            "workspace_id",
            "role",
            "email",
            "created_by",
            "created_at",
            "expires_at",
        ]
        .map(n),
    );
    built(q.values([
        l.token_hash.into(),
        l.purpose.into(),
        l.workspace_id.map(|w| w.0).into(),
        l.role.map(str::to_owned).into(),
        l.email.map(str::to_owned).into(),
        l.created_by.map(|u| u.0).into(),
        l.now.into(),
        l.expires_at.into(),
    ]))?;
    tx.execute(&q).await?;
    Ok(())
}

/// Uses the link with this digest and purpose if it is unused and unexpired; `None` otherwise.
pub async fn take(
    tx: &mut Tx,
    token_hash: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<Option<LinkRow>, StoreError> {
    let q = Query::update()
        .table(n("one_time_links"))
        .value(n("used_at"), now)
        .and_where(col("token_hash").eq(token_hash))
        .and_where(col("purpose").eq(purpose))
        .and_where(col("used_at").is_null())
        .and_where(col("expires_at").gt(now))
        .returning(
            Query::returning()
                .columns(["purpose", "workspace_id", "role", "email", "created_by"].map(n)),
        )
        .to_owned();
    tx.fetch_optional(&q).await
}

/// Uses up every live link with this purpose and address (the other reset links of an account
/// whose password was just reset); returns how many.
pub async fn revoke(
    tx: &mut Tx,
    purpose: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let q = Query::update()
        .table(n("one_time_links"))
        .value(n("used_at"), now)
        .and_where(col("purpose").eq(purpose))
        .and_where(col("email").eq(email))
        .and_where(col("used_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await?)
}

/// Uses up every live link with this purpose made by `user` (the pending address changes of an
/// account whose password was just reset: whoever asked for them may not be its owner).
pub async fn revoke_made_by(
    tx: &mut Tx,
    purpose: &str,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let q = Query::update()
        .table(n("one_time_links"))
        .value(n("used_at"), now)
        .and_where(col("purpose").eq(purpose))
        .and_where(col("created_by").eq(user.0))
        .and_where(col("used_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await?)
}

/// Whether the link with this digest and purpose is unused and unexpired, without using it (to
/// refuse a dead link before doing expensive work for it).
pub async fn is_live(
    db: &crate::db::Db,
    token_hash: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let q = Query::select()
        .column(n("token_hash"))
        .from(n("one_time_links"))
        .and_where(col("token_hash").eq(token_hash))
        .and_where(col("purpose").eq(purpose))
        .and_where(col("used_at").is_null())
        .and_where(col("expires_at").gt(now))
        .to_owned();
    Ok(db.fetch_optional::<(String,)>(&q).await?.is_some())
}

/// Whose links [`count_since`] counts.
#[derive(Debug, Clone, Copy)]
pub enum Made<'a> {
    /// Links for this address.
    For(&'a str),
    /// Links made by this user.
    By(UserId),
}

/// Live links with this purpose made since `since`, for an address or by a user (to space out
/// requests).
pub async fn count_since(
    tx: &mut Tx,
    purpose: &str,
    made: Made<'_>,
    since: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut q = Query::select();
    q.expr(sea_query::Expr::col(n("token_hash")).count())
        .from(n("one_time_links"))
        .and_where(col("purpose").eq(purpose))
        .and_where(col("used_at").is_null())
        .and_where(col("created_at").gte(since));
    match made {
        Made::For(email) => q.and_where(col("email").eq(email)),
        Made::By(user) => q.and_where(col("created_by").eq(user.0)),
    };
    Ok(tx.fetch_optional::<(i64,)>(&q).await?.map_or(0, |(c,)| c))
}
