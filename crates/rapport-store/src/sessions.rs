//! Browser sessions, shared by every instance through the database. The cookie carries a random
//! id; only its SHA-256 digest is stored, so a copy of the database does not hold live sessions.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use sea_query::{ExprTrait, Query};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n, tcol, with_owner};

/// A new session.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// Digest of the id in the cookie (hex).
    pub id_hash: &'a str,
    /// The user.
    pub user_id: UserId,
    /// The workspace the session acts in.
    pub workspace_id: WorkspaceId,
    /// The CSRF token the browser must echo on writes.
    pub csrf_token: &'a str,
    /// Creation (login) time.
    pub now: DateTime<Utc>,
    /// Absolute end of the session.
    pub expires_at: DateTime<Utc>,
    /// Client address.
    pub ip: Option<&'a str>,
    /// Client user agent.
    pub user_agent: Option<&'a str>,
}

/// A session with what authentication needs: its user and their role in its workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionAuth {
    /// The user.
    pub user_id: Uuid,
    /// The workspace.
    pub workspace_id: Uuid,
    /// The user's role there.
    pub role: String,
    /// The CSRF token.
    pub csrf_token: String,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last request (updated at most once a minute).
    pub last_seen_at: DateTime<Utc>,
    /// Absolute end.
    pub expires_at: DateTime<Utc>,
    /// Last time the user proved their password again.
    pub reauthenticated_at: DateTime<Utc>,
    /// When the user was disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Whether the workspace requires a second factor.
    pub require_mfa: bool,
    /// When the user confirmed a TOTP app, if they have one.
    pub mfa_confirmed_at: Option<DateTime<Utc>>,
    /// Whether the user has a passkey (a second factor by itself: it verifies the user).
    pub has_passkey: bool,
}

/// Stores a new session.
pub async fn insert(tx: &mut Tx, s: &NewSession<'_>) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("sessions")).columns(
        [
            "id_hash",
            "user_id",
            "workspace_id",
            "csrf_token",
            "created_at",
            "last_seen_at",
            "expires_at",
            "reauthenticated_at",
            "ip",
            "user_agent",
        ]
        .map(n),
    );
    built(q.values([
        s.id_hash.into(),
        s.user_id.0.into(),
        s.workspace_id.0.into(),
        s.csrf_token.into(),
        s.now.into(),
        s.now.into(),
        s.expires_at.into(),
        s.now.into(),
        s.ip.map(str::to_owned).into(),
        s.user_agent.map(str::to_owned).into(),
    ]))?;
    tx.execute(&q).await?;
    Ok(())
}

/// The session with this id digest, its user and their current role; `None` when the session,
/// the user or the membership is gone.
pub async fn find(db: &Db, id_hash: &str) -> Result<Option<SessionAuth>, StoreError> {
    let mut q = Query::select();
    q.expr_as(tcol("s", "user_id"), n("user_id"))
        .expr_as(tcol("s", "workspace_id"), n("workspace_id"))
        .expr_as(tcol("s", "csrf_token"), n("csrf_token"))
        .expr_as(tcol("s", "created_at"), n("created_at"))
        .expr_as(tcol("s", "last_seen_at"), n("last_seen_at"))
        .expr_as(tcol("s", "expires_at"), n("expires_at"))
        .expr_as(tcol("s", "reauthenticated_at"), n("reauthenticated_at"));
    q.from_as(n("sessions"), n("s"));
    with_owner(&mut q, "s");
    q.and_where(tcol("s", "id_hash").eq(id_hash));
    db.fetch_optional(&q).await
}

/// Records activity (callers do this at most once a minute per session, to spare the writer).
pub async fn touch(db: &Db, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n("sessions"))
        .value(n("last_seen_at"), now)
        .and_where(col("id_hash").eq(id_hash))
        .to_owned();
    let mut tx = db.begin().await?;
    tx.execute(&q).await?;
    tx.commit().await
}

/// Records that the user proved their password again.
pub async fn reauthenticated(
    tx: &mut Tx,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n("sessions"))
        .value(n("reauthenticated_at"), now)
        .value(n("last_seen_at"), now)
        .and_where(col("id_hash").eq(id_hash))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Ends one session; false when it did not exist.
pub async fn delete(tx: &mut Tx, id_hash: &str) -> Result<bool, StoreError> {
    let q = Query::delete()
        .from_table(n("sessions"))
        .and_where(col("id_hash").eq(id_hash))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Ends every session of a user; returns how many.
pub async fn delete_for_user(tx: &mut Tx, user: UserId) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(n("sessions"))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    Ok(tx.execute(&q).await?)
}

/// Deletes sessions past their absolute end or idle since before `idle_before`.
pub async fn prune(
    db: &Db,
    now: DateTime<Utc>,
    idle_before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(n("sessions"))
        .cond_where(
            col("expires_at")
                .lte(now)
                .or(col("last_seen_at").lt(idle_before)),
        )
        .to_owned();
    let mut tx = db.begin().await?;
    let deleted = tx.execute(&q).await?;
    tx.commit().await?;
    Ok(deleted)
}
