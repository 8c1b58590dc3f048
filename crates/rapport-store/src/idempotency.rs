//! Idempotency-Key records: the first response to a keyed POST, kept 24 hours, shared by every
//! instance through the database.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::ids::WorkspaceId;
use sea_query::{Alias, Expr, ExprTrait, Query};

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
/// died (lease past) is taken over.
pub async fn claim(
    db: &Db,
    ws: WorkspaceId,
    key: &str,
    hash: &str,
    lease: Duration,
) -> Result<Claim, StoreError> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
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
    let existing: Option<KeyRow> = tx.fetch_optional(&select).await?;
    let claim = match existing {
        Some(row) if row.created_at + RETENTION > now => {
            if row.request_hash != hash {
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
                let mut q = Query::update();
                q.table(Alias::new("idempotency_keys"))
                    .value(Alias::new("locked_until"), now + lease);
                key_where(&mut q, ws, key);
                tx.execute(&q).await?;
                Claim::Run
            }
        }
        stale => {
            if stale.is_some() {
                let q = Query::delete()
                    .from_table(Alias::new("idempotency_keys"))
                    .and_where(Expr::col(Alias::new("workspace_id")).eq(ws.0))
                    .and_where(Expr::col(Alias::new("key")).eq(key))
                    .to_owned();
                tx.execute(&q).await?;
            }
            let q = Query::insert()
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
                .to_owned();
            tx.execute(&q).await?;
            Claim::Run
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
