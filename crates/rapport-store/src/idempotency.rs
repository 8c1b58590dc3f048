//! Idempotency-Key records: the first response to a keyed POST, kept 24 hours, shared by every
//! instance through the database.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::ids::WorkspaceId;
use sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};

use crate::db::Db;
use crate::error::StoreError;

/// How long a key is remembered.
pub const RETENTION: Duration = Duration::hours(24);

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers to replay, as a JSON object of name -> value.
    pub headers: String,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// What to do with a keyed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First time: run it (the key is now held until `complete` or `release`).
    Run,
    /// Seen with the same body: replay this.
    Replay(StoredResponse),
    /// Seen with a different body.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    request_hash: String,
    status: Option<i32>,
    headers: Option<String>,
    body: Option<Vec<u8>>,
    created_at: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

fn key_where(q: &mut sea_query::UpdateStatement, ws: WorkspaceId, key: &str) {
    q.and_where(Expr::col(Alias::new("workspace_id")).eq(ws.0))
        .and_where(Expr::col(Alias::new("key")).eq(key));
}

/// Claims `key` for a request whose method, path and body hash to `hash`. A claim whose holder
/// died (lease past) is taken over, and a record past its retention is started afresh.
///
/// Concurrent claims of one new key are settled by the primary key: the insert does nothing when
/// another request inserted first, and take-overs are conditional updates, so exactly one wins.
pub async fn claim(
    db: &Db,
    ws: WorkspaceId,
    key: &str,
    hash: &str,
    lease: Duration,
) -> Result<Claim, StoreError> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let insert = Query::insert()
        .into_table(Alias::new("idempotency_keys"))
        .columns(
            [
                "workspace_id",
                "key",
                "request_hash",
                "created_at",
                "locked_until",
            ]
            .map(Alias::new),
        )
        .values([
            ws.0.into(),
            key.into(),
            hash.into(),
            now.into(),
            (now + lease).into(),
        ])
        .map_err(|e| StoreError::Other(e.to_string()))?
        .on_conflict(
            OnConflict::columns([Alias::new("workspace_id"), Alias::new("key")])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    if tx.execute(&insert).await? == 1 {
        tx.commit().await?;
        return Ok(Claim::Run);
    }
    let select = Query::select()
        .columns(
            [
                "request_hash",
                "status",
                "headers",
                "body",
                "created_at",
                "locked_until",
            ]
            .map(Alias::new),
        )
        .from(Alias::new("idempotency_keys"))
        .and_where(Expr::col(Alias::new("workspace_id")).eq(ws.0))
        .and_where(Expr::col(Alias::new("key")).eq(key))
        .to_owned();
    let Some(row) = tx.fetch_optional::<KeyRow>(&select).await? else {
        // Released between our insert attempt and this read: the caller may simply retry.
        return Ok(Claim::InFlight);
    };
    let claim = if row.created_at + RETENTION <= now {
        // Expired: start afresh, unless a concurrent request already did.
        let mut q = Query::update();
        q.table(Alias::new("idempotency_keys"))
            .value(Alias::new("request_hash"), hash)
            .value(Alias::new("created_at"), now)
            .value(Alias::new("locked_until"), now + lease)
            .value(Alias::new("status"), Option::<i32>::None)
            .value(Alias::new("headers"), Option::<String>::None)
            .value(Alias::new("body"), Option::<Vec<u8>>::None);
        key_where(&mut q, ws, key);
        q.and_where(Expr::col(Alias::new("created_at")).eq(row.created_at));
        if tx.execute(&q).await? == 1 {
            Claim::Run
        } else {
            Claim::InFlight
        }
    } else if row.request_hash != hash {
        Claim::Mismatch
    } else if let Some(status) = row.status {
        Claim::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            headers: row.headers.unwrap_or_else(|| "{}".into()),
            body: row.body.unwrap_or_default(),
        })
    } else if row.locked_until.is_some_and(|t| t > now) {
        Claim::InFlight
    } else {
        // The holder's lease passed (it died): take over, unless a concurrent request already did.
        let mut q = Query::update();
        q.table(Alias::new("idempotency_keys"))
            .value(Alias::new("locked_until"), now + lease);
        key_where(&mut q, ws, key);
        q.and_where(Expr::col(Alias::new("status")).is_null());
        match row.locked_until {
            Some(t) => q.and_where(Expr::col(Alias::new("locked_until")).eq(t)),
            None => q.and_where(Expr::col(Alias::new("locked_until")).is_null()),
        };
        if tx.execute(&q).await? == 1 {
            Claim::Run
        } else {
            Claim::InFlight
        }
    };
    tx.commit().await?;
    Ok(claim)
}

/// Stores the response of a claimed key.
pub async fn complete(
    db: &Db,
    ws: WorkspaceId,
    key: &str,
    response: &StoredResponse,
) -> Result<(), StoreError> {
    let mut q = Query::update();
    q.table(Alias::new("idempotency_keys"))
        .value(Alias::new("status"), i32::from(response.status))
        .value(Alias::new("headers"), response.headers.clone())
        .value(Alias::new("body"), response.body.clone())
        .value(Alias::new("locked_until"), Option::<DateTime<Utc>>::None);
    key_where(&mut q, ws, key);
    let mut tx = db.begin().await?;
    tx.execute(&q).await?;
    tx.commit().await
}

/// Forgets a claimed key (the request failed in a way a retry may fix).
pub async fn release(db: &Db, ws: WorkspaceId, key: &str) -> Result<(), StoreError> {
    let q = Query::delete()
        .from_table(Alias::new("idempotency_keys"))
        .and_where(Expr::col(Alias::new("workspace_id")).eq(ws.0))
        .and_where(Expr::col(Alias::new("key")).eq(key))
        .to_owned();
    let mut tx = db.begin().await?;
    tx.execute(&q).await?;
    tx.commit().await
}

/// Deletes records older than the retention; returns how many.
pub async fn prune(db: &Db) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table(Alias::new("idempotency_keys"))
        .and_where(Expr::col(Alias::new("created_at")).lt(Utc::now() - RETENTION))
        .to_owned();
    let mut tx = db.begin().await?;
    let n = tx.execute(&q).await?;
    tx.commit().await?;
    Ok(n)
}
