//! Passkeys (WebAuthn credentials) per user, and the ceremonies in flight: a registration or a
//! login is started by one request and finished by another, maybe on another instance, so its
//! state lives here, keyed by the digest of a one-time id and consumed on use.

use chrono::{DateTime, Utc};
use rapport_domain::ids::UserId;
use sea_query::{ExprTrait, Order, Query};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::{StoreError, is_unique_violation};
use crate::sql::{built, col, n};

/// A stored passkey.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    /// Its id.
    pub id: Uuid,
    /// Its user.
    pub user_id: Uuid,
    /// The name the user gave it.
    pub name: String,
    /// base64url of the WebAuthn credential id.
    pub credential_id: String,
    /// The credential as webauthn-rs serialises it (JSON).
    pub passkey: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last logged in.
    pub last_used_at: Option<DateTime<Utc>>,
}

const COLUMNS: [&str; 7] = [
    "id",
    "user_id",
    "name",
    "credential_id",
    "passkey",
    "created_at",
    "last_used_at",
];

/// Stores a new passkey (a credential id registered twice is a conflict).
pub async fn insert(tx: &mut Tx, p: &PasskeyRow) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("passkeys")).columns(
        [
            "id",
            "user_id",
            "name",
            "credential_id",
            "passkey",
            "created_at",
        ]
        .map(n),
    );
    built(q.values([
        p.id.into(),
        p.user_id.into(),
        p.name.as_str().into(),
        p.credential_id.as_str().into(),
        p.passkey.as_str().into(),
        p.created_at.into(),
    ]))?;
    tx.execute(&q).await.map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict {
                constraint: "passkeys_credential_id_key",
            }
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// A user's passkeys, oldest first.
pub async fn for_user(db: &Db, user: UserId) -> Result<Vec<PasskeyRow>, StoreError> {
    let q = Query::select()
        .columns(COLUMNS.map(n))
        .from(n("passkeys"))
        .and_where(col("user_id").eq(user.0))
        .order_by(n("created_at"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The passkey with this credential id, read for an update.
pub async fn by_credential(
    tx: &mut Tx,
    credential_id: &str,
) -> Result<Option<PasskeyRow>, StoreError> {
    let q = Query::select()
        .columns(COLUMNS.map(n))
        .from(n("passkeys"))
        .and_where(col("credential_id").eq(credential_id))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// Saves the credential after a login (its signature counter moves) and the time of use.
pub async fn used(
    tx: &mut Tx,
    id: Uuid,
    passkey: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n("passkeys"))
        .value(n("passkey"), passkey)
        .value(n("last_used_at"), now)
        .and_where(col("id").eq(id))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Renames one of the user's passkeys; false when it is not theirs.
pub async fn rename(tx: &mut Tx, user: UserId, id: Uuid, name: &str) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(n("passkeys"))
        .value(n("name"), name)
        .and_where(col("id").eq(id))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Removes one of the user's passkeys; false when it is not theirs.
pub async fn delete(tx: &mut Tx, user: UserId, id: Uuid) -> Result<bool, StoreError> {
    let q = Query::delete()
        .from_table(n("passkeys"))
        .and_where(col("id").eq(id))
        .and_where(col("user_id").eq(user.0))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// A ceremony in flight.
#[derive(Debug, Clone)]
pub struct Ceremony<'a> {
    /// Digest of the one-time id the client holds.
    pub id_hash: &'a str,
    /// `register` or `login`.
    pub purpose: &'a str,
    /// Whose ceremony it is.
    pub user_id: UserId,
    /// For a registration: the name the passkey will get.
    pub name: Option<&'a str>,
    /// The webauthn-rs state (JSON).
    pub state: &'a str,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// Stores a ceremony's state.
pub async fn start_ceremony(tx: &mut Tx, c: &Ceremony<'_>) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("webauthn_ceremonies")).columns(
        [
            "id_hash",
            "purpose",
            "user_id",
            "name",
            "state",
            "expires_at",
        ]
        .map(n),
    );
    built(q.values([
        c.id_hash.into(),
        c.purpose.into(),
        c.user_id.0.into(),
        c.name.map(str::to_owned).into(),
        c.state.into(),
        c.expires_at.into(),
    ]))?;
    tx.execute(&q).await?;
    Ok(())
}

/// A consumed ceremony: whose it was, the passkey name, the state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TakenCeremony {
    /// Whose ceremony it was.
    pub user_id: Uuid,
    /// The passkey name (registrations).
    pub name: Option<String>,
    /// The webauthn-rs state (JSON).
    pub state: String,
}

/// Consumes a ceremony: returns it once, while unexpired, and never again.
pub async fn take_ceremony(
    tx: &mut Tx,
    id_hash: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<Option<TakenCeremony>, StoreError> {
    let q = Query::delete()
        .from_table(n("webauthn_ceremonies"))
        .and_where(col("id_hash").eq(id_hash))
        .and_where(col("purpose").eq(purpose))
        .returning(Query::returning().columns(["user_id", "name", "state", "expires_at"].map(n)))
        .to_owned();
    let row: Option<(Uuid, Option<String>, String, DateTime<Utc>)> = tx.fetch_optional(&q).await?;
    Ok(row
        .filter(|(_, _, _, expires)| *expires > now)
        .map(|(user_id, name, state, _)| TakenCeremony {
            user_id,
            name,
            state,
        }))
}

/// Removes expired ceremonies (maintenance).
pub async fn prune_ceremonies(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(n("webauthn_ceremonies"))
        .and_where(col("expires_at").lt(now))
        .to_owned();
    let mut tx = db.begin().await?;
    let n = tx.execute(&q).await?;
    tx.commit().await?;
    Ok(n)
}
