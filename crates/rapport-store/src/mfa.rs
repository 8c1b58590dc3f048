//! Second factors: a TOTP secret per user (unconfirmed until a first code proves the app has it),
//! hashed single-use recovery codes, and the workspace setting that requires a second factor.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{UserId, WorkspaceId};
use sea_query::{ExprTrait, OnConflict, Query};

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n};

/// A user's TOTP enrolment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotpRow {
    /// The shared secret, base32.
    pub secret: String,
    /// When a first code confirmed it; unconfirmed secrets do not count as a factor.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The last time step accepted (codes of this step or earlier are refused: no replay).
    pub last_step: Option<i64>,
}

/// Stores a new, unconfirmed secret, replacing an earlier unconfirmed one.
pub async fn put_totp(
    tx: &mut Tx,
    user: UserId,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("user_totp"))
        .columns(["user_id", "secret", "created_at"].map(n));
    built(q.values([user.0.into(), secret.into(), now.into()]))?;
    q.on_conflict(
        OnConflict::column(n("user_id"))
            .update_columns(["secret", "created_at"].map(n))
            .value(n("confirmed_at"), Option::<DateTime<Utc>>::None)
            .value(n("last_step"), Option::<i64>::None)
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

fn select_totp(user: UserId) -> sea_query::SelectStatement {
    Query::select()
        .columns(["secret", "confirmed_at", "last_step"].map(n))
        .from(n("user_totp"))
        .and_where(col("user_id").eq(user.0))
        .to_owned()
}

/// The user's enrolment, if any.
pub async fn totp(db: &Db, user: UserId) -> Result<Option<TotpRow>, StoreError> {
    db.fetch_optional(&select_totp(user)).await
}

/// The user's enrolment, read inside a transaction.
pub async fn totp_in(tx: &mut Tx, user: UserId) -> Result<Option<TotpRow>, StoreError> {
    tx.fetch_optional(&select_totp(user)).await
}

/// Records `step` as used, atomically: false when it (or a later step) was used already, so two
/// requests racing with the same code cannot both pass.
pub async fn use_step(tx: &mut Tx, user: UserId, step: i64) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(n("user_totp"))
        .value(n("last_step"), step)
        .and_where(col("user_id").eq(user.0))
        .and_where(col("last_step").is_null().or(col("last_step").lt(step)))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Marks the secret confirmed.
pub async fn confirm_totp(tx: &mut Tx, user: UserId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n("user_totp"))
        .value(n("confirmed_at"), now)
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Removes the user's TOTP and recovery codes; returns whether there was a secret.
pub async fn remove(tx: &mut Tx, user: UserId) -> Result<bool, StoreError> {
    let codes = Query::delete()
        .from_table(n("recovery_codes"))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    tx.execute(&codes).await?;
    let secret = Query::delete()
        .from_table(n("user_totp"))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    Ok(tx.execute(&secret).await? > 0)
}

/// Replaces the user's recovery codes with these digests.
pub async fn replace_recovery_codes(
    tx: &mut Tx,
    user: UserId,
    hashes: &[String],
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table(n("recovery_codes"))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    tx.execute(&delete).await?;
    if hashes.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table(n("recovery_codes"))
        .columns(["user_id", "code_hash"].map(n));
    for h in hashes {
        built(q.values([user.0.into(), h.as_str().into()]))?;
    }
    tx.execute(&q).await?;
    Ok(())
}

/// Uses up a recovery code: false when it is unknown or was used before.
pub async fn use_recovery_code(
    tx: &mut Tx,
    user: UserId,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(n("recovery_codes"))
        .value(n("used_at"), now)
        .and_where(col("user_id").eq(user.0))
        .and_where(col("code_hash").eq(hash))
        .and_where(col("used_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// How many unused recovery codes the user has left.
pub async fn recovery_codes_left(db: &Db, user: UserId) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(sea_query::Expr::col(n("code_hash")).count(), n("n"))
        .from(n("recovery_codes"))
        .and_where(col("user_id").eq(user.0))
        .and_where(col("used_at").is_null())
        .to_owned();
    Ok(db.fetch_optional::<(i64,)>(&q).await?.map_or(0, |(n,)| n))
}

/// Whether the workspace requires a second factor of every member.
pub async fn required(db: &Db, ws: WorkspaceId) -> Result<bool, StoreError> {
    let q = Query::select()
        .column(n("require_mfa"))
        .from(n("workspaces"))
        .and_where(col("id").eq(ws.0))
        .to_owned();
    Ok(db
        .fetch_optional::<(bool,)>(&q)
        .await?
        .is_some_and(|(r,)| r))
}

/// Sets whether the workspace requires a second factor.
pub async fn set_required(tx: &mut Tx, ws: WorkspaceId, on: bool) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n("workspaces"))
        .value(n("require_mfa"), on)
        .and_where(col("id").eq(ws.0))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}
