//! Personal API tokens: bound to a user and a workspace, stored as SHA-256 digests, with scopes,
//! an optional expiry and the time of last use.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use sea_query::{ExprTrait, Order, Query};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n, tcol, with_owner};

/// A token as listed (never the secret).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    /// Id.
    pub id: Uuid,
    /// The user it acts for.
    pub user_id: Uuid,
    /// A name to recognise it by.
    pub name: String,
    /// Scopes, comma-separated.
    pub scopes: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token with what authentication needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenAuth {
    /// Id.
    pub id: Uuid,
    /// The workspace.
    pub workspace_id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The user's current role in the workspace.
    pub role: String,
    /// Scopes, comma-separated.
    pub scopes: String,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revocation.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The user's disabling.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Whether the workspace requires a second factor.
    pub require_mfa: bool,
    /// When the user confirmed a TOTP app, if they have one.
    pub mfa_confirmed_at: Option<DateTime<Utc>>,
    /// Whether the user has a passkey (a second factor by itself: it verifies the user).
    pub has_passkey: bool,
}

/// A new token.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// Id.
    pub id: Uuid,
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// User.
    pub user_id: UserId,
    /// Name.
    pub name: &'a str,
    /// Digest of the secret (hex).
    pub token_hash: &'a str,
    /// Scopes, comma-separated.
    pub scopes: &'a str,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Stores a new token.
pub async fn insert(tx: &mut Tx, t: &NewToken<'_>) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("api_tokens")).columns(
        [
            "workspace_id",
            "id",
            "user_id",
            "name",
            "token_hash",
            "scopes",
            "created_at",
            "expires_at",
        ]
        .map(n),
    );
    built(q.values([
        t.workspace_id.0.into(),
        t.id.into(),
        t.user_id.0.into(),
        t.name.into(),
        t.token_hash.into(),
        t.scopes.into(),
        t.now.into(),
        t.expires_at.into(),
    ]))?;
    tx.execute(&q).await?;
    Ok(())
}

/// The token with this digest, its user's state and role; `None` when the token is unknown or
/// its user is no longer a member of its workspace.
pub async fn find_by_hash(db: &Db, token_hash: &str) -> Result<Option<TokenAuth>, StoreError> {
    let mut q = Query::select();
    q.expr_as(tcol("t", "id"), n("id"))
        .expr_as(tcol("t", "workspace_id"), n("workspace_id"))
        .expr_as(tcol("t", "user_id"), n("user_id"))
        .expr_as(tcol("t", "scopes"), n("scopes"))
        .expr_as(tcol("t", "expires_at"), n("expires_at"))
        .expr_as(tcol("t", "last_used_at"), n("last_used_at"))
        .expr_as(tcol("t", "revoked_at"), n("revoked_at"));
    q.from_as(n("api_tokens"), n("t"));
    with_owner(&mut q, "t");
    q.and_where(tcol("t", "token_hash").eq(token_hash));
    db.fetch_optional(&q).await
}

/// A user's tokens in a workspace, newest first.
pub async fn list(db: &Db, ws: WorkspaceId, user: UserId) -> Result<Vec<TokenRow>, StoreError> {
    let q = Query::select()
        .columns(
            [
                "id",
                "user_id",
                "name",
                "scopes",
                "created_at",
                "expires_at",
                "last_used_at",
                "revoked_at",
            ]
            .map(n),
        )
        .from(n("api_tokens"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("user_id").eq(user.0))
        .order_by(n("created_at"), Order::Desc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Revokes a user's token; false when there is no such live token.
pub async fn revoke(
    tx: &mut Tx,
    ws: WorkspaceId,
    user: UserId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(n("api_tokens"))
        .value(n("revoked_at"), now)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("user_id").eq(user.0))
        .and_where(col("id").eq(id))
        .and_where(col("revoked_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Revokes every token of a user, in every workspace; returns how many.
pub async fn revoke_for_user(
    tx: &mut Tx,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let q = Query::update()
        .table(n("api_tokens"))
        .value(n("revoked_at"), now)
        .and_where(col("user_id").eq(user.0))
        .and_where(col("revoked_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await?)
}

/// Records a use (callers do this at most once a minute per token, to spare the writer).
pub async fn touch(
    db: &Db,
    ws: WorkspaceId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n("api_tokens"))
        .value(n("last_used_at"), now)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .to_owned();
    let mut tx = db.begin().await?;
    tx.execute(&q).await?;
    tx.commit().await
}
