//! Users and their memberships in workspaces. A user is instance-wide (one account per email
//! address); what they may do is set per workspace by their membership's role.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use sea_query::{ExprTrait, JoinType, Order, Query};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::{StoreError, is_unique_violation};
use crate::sql::{built, col, n, tcol};

/// A user account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// Id.
    pub id: Uuid,
    /// The address as given.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// The argon2id PHC string, when the user has a password.
    pub password_hash: Option<String>,
    /// When the account was disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

const USER_COLUMNS: [&str; 6] = [
    "id",
    "email",
    "display_name",
    "password_hash",
    "disabled_at",
    "created_at",
];

/// The key an address is unique by.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Creates a user; `Conflict { constraint: "users_email_key" }` when the address is taken.
pub async fn insert(
    tx: &mut Tx,
    id: UserId,
    email: &str,
    display_name: &str,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("users")).columns(
        [
            "id",
            "email",
            "email_key",
            "display_name",
            "password_hash",
            "created_at",
            "updated_at",
        ]
        .map(n),
    );
    built(q.values([
        id.0.into(),
        email.into(),
        email_key(email).into(),
        display_name.into(),
        password_hash.map(str::to_owned).into(),
        now.into(),
        now.into(),
    ]))?;
    tx.execute(&q).await.map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict {
                constraint: "users_email_key",
            }
        } else {
            e.into()
        }
    })?;
    Ok(())
}

fn select_users() -> sea_query::SelectStatement {
    Query::select()
        .columns(USER_COLUMNS.map(n))
        .from(n("users"))
        .to_owned()
}

/// The user with this address (any spelling).
pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, StoreError> {
    let q = select_users()
        .and_where(col("email_key").eq(email_key(email)))
        .to_owned();
    db.fetch_optional(&q).await
}

/// The user with this address, inside a write transaction.
pub async fn find_by_email_for_write(
    tx: &mut Tx,
    email: &str,
) -> Result<Option<UserRow>, StoreError> {
    let q = select_users()
        .and_where(col("email_key").eq(email_key(email)))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// A user by id.
pub async fn find(db: &Db, id: UserId) -> Result<Option<UserRow>, StoreError> {
    let q = select_users().and_where(col("id").eq(id.0)).to_owned();
    db.fetch_optional(&q).await
}

/// A user by id, inside a write transaction.
pub async fn find_for_write(tx: &mut Tx, id: UserId) -> Result<Option<UserRow>, StoreError> {
    let q = select_users().and_where(col("id").eq(id.0)).to_owned();
    tx.fetch_optional(&q).await
}

/// Whether any user exists (first run: none).
pub async fn any(db: &Db) -> Result<bool, StoreError> {
    let q = Query::select()
        .column(n("id"))
        .from(n("users"))
        .limit(1)
        .to_owned();
    Ok(db.fetch_optional::<(Uuid,)>(&q).await?.is_some())
}

/// Marks a user disabled (or enabled again with `None`).
pub async fn set_disabled(
    tx: &mut Tx,
    id: UserId,
    at: Option<DateTime<Utc>>,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(n("users"))
        .value(n("disabled_at"), at)
        .value(n("updated_at"), Utc::now())
        .and_where(col("id").eq(id.0))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Replaces a user's password hash.
pub async fn set_password(tx: &mut Tx, id: UserId, hash: &str) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n("users"))
        .value(n("password_hash"), hash)
        .value(n("updated_at"), Utc::now())
        .and_where(col("id").eq(id.0))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Changes a user's sign-in address; `Conflict { constraint: "users_email_key" }` when another
/// account has it.
pub async fn set_email(tx: &mut Tx, id: UserId, email: &str) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n("users"))
        .value(n("email"), email)
        .value(n("email_key"), email_key(email))
        .value(n("updated_at"), Utc::now())
        .and_where(col("id").eq(id.0))
        .to_owned();
    tx.execute(&q).await.map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict {
                constraint: "users_email_key",
            }
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// A user's membership of a workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    /// The workspace.
    pub workspace_id: Uuid,
    /// The workspace's name.
    pub workspace_name: String,
    /// The user.
    pub user_id: Uuid,
    /// Their address.
    pub email: String,
    /// Their display name.
    pub display_name: String,
    /// Their role there.
    pub role: String,
    /// Since when.
    pub created_at: DateTime<Utc>,
    /// Whether the account is disabled.
    pub disabled_at: Option<DateTime<Utc>>,
}

fn select_members() -> sea_query::SelectStatement {
    Query::select()
        .expr_as(tcol("m", "workspace_id"), n("workspace_id"))
        .expr_as(tcol("w", "name"), n("workspace_name"))
        .expr_as(tcol("m", "user_id"), n("user_id"))
        .expr_as(tcol("u", "email"), n("email"))
        .expr_as(tcol("u", "display_name"), n("display_name"))
        .expr_as(tcol("m", "role"), n("role"))
        .expr_as(tcol("m", "created_at"), n("created_at"))
        .expr_as(tcol("u", "disabled_at"), n("disabled_at"))
        .from_as(n("memberships"), n("m"))
        .join_as(
            JoinType::InnerJoin,
            n("users"),
            n("u"),
            tcol("u", "id").equals((n("m"), n("user_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            n("workspaces"),
            n("w"),
            tcol("w", "id").equals((n("m"), n("workspace_id"))),
        )
        .to_owned()
}

/// Adds a membership, or changes its role when it exists.
pub async fn put_membership(
    tx: &mut Tx,
    ws: WorkspaceId,
    user: UserId,
    role: &str,
) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("memberships"))
        .columns(["workspace_id", "user_id", "role", "created_at"].map(n));
    built(q.values([ws.0.into(), user.0.into(), role.into(), Utc::now().into()]))?;
    q.on_conflict(
        sea_query::OnConflict::columns([n("workspace_id"), n("user_id")])
            .update_column(n("role"))
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Removes a membership; false when there was none.
pub async fn remove_membership(
    tx: &mut Tx,
    ws: WorkspaceId,
    user: UserId,
) -> Result<bool, StoreError> {
    let q = Query::delete()
        .from_table(n("memberships"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// One membership.
pub async fn membership(
    db: &Db,
    ws: WorkspaceId,
    user: UserId,
) -> Result<Option<MemberRow>, StoreError> {
    let q = select_members()
        .and_where(tcol("m", "workspace_id").eq(ws.0))
        .and_where(tcol("m", "user_id").eq(user.0))
        .to_owned();
    db.fetch_optional(&q).await
}

/// One membership, inside a write transaction.
pub async fn membership_for_write(
    tx: &mut Tx,
    ws: WorkspaceId,
    user: UserId,
) -> Result<Option<MemberRow>, StoreError> {
    let q = select_members()
        .and_where(tcol("m", "workspace_id").eq(ws.0))
        .and_where(tcol("m", "user_id").eq(user.0))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// A workspace's members, by address.
pub async fn members(db: &Db, ws: WorkspaceId) -> Result<Vec<MemberRow>, StoreError> {
    let q = select_members()
        .and_where(tcol("m", "workspace_id").eq(ws.0))
        .order_by((n("u"), n("email_key")), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Every membership of the instance, by address then workspace (`rapport user list`).
pub async fn all_memberships(db: &Db) -> Result<Vec<MemberRow>, StoreError> {
    let q = select_members()
        .order_by((n("u"), n("email_key")), Order::Asc)
        .order_by((n("m"), n("created_at")), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Every account of the instance, by address (`rapport user list`).
pub async fn all(db: &Db) -> Result<Vec<UserRow>, StoreError> {
    let q = select_users()
        .order_by(n("email_key"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The workspaces a user belongs to, oldest membership first.
pub async fn memberships_of(db: &Db, user: UserId) -> Result<Vec<MemberRow>, StoreError> {
    let q = select_members()
        .and_where(tcol("m", "user_id").eq(user.0))
        .order_by((n("m"), n("created_at")), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The workspaces a user belongs to, inside a write transaction.
pub async fn memberships_of_for_write(
    tx: &mut Tx,
    user: UserId,
) -> Result<Vec<MemberRow>, StoreError> {
    let q = select_members()
        .and_where(tcol("m", "user_id").eq(user.0))
        .order_by((n("m"), n("created_at")), Order::Asc)
        .to_owned();
    tx.fetch_all(&q).await
}

/// How many owners a workspace has (the last one cannot leave or be demoted).
pub async fn owner_count(tx: &mut Tx, ws: WorkspaceId) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(sea_query::Expr::col(n("user_id")).count(), n("n"))
        .from(n("memberships"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("role").eq("owner"))
        .to_owned();
    Ok(tx.fetch_optional::<(i64,)>(&q).await?.map_or(0, |(n,)| n))
}
