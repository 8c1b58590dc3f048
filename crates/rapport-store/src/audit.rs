//! The audit log: append-only, one hash chain per workspace. Each entry's hash covers its own
//! fields and the previous entry's hash, and `audit_heads` keeps the chain's tip, so editing,
//! removing or reordering any entry (the last one included) breaks verification.
//!
//! Appending takes the tip with an `UPDATE ... RETURNING`, which on PostgreSQL holds that row's
//! lock until the transaction ends: appends to one workspace's chain serialise, and an entry
//! commits or rolls back with the change it records.

use chrono::{DateTime, SecondsFormat, Utc};
use rapport_domain::ids::WorkspaceId;
use sea_query::{Expr, ExprTrait, Order, Query};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n};

/// The `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain of instance-wide events (e.g. a failed login for an unknown address).
pub const INSTANCE: WorkspaceId = WorkspaceId(Uuid::nil());

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// When (UTC, stored to the millisecond).
    pub at: DateTime<Utc>,
    /// `user`, `token` or `system`.
    pub actor_kind: String,
    /// The user's id, when a user acted.
    pub actor_id: Option<String>,
    /// What happened, e.g. `contacts.update`, `auth.login_failed`.
    pub action: String,
    /// The object type, when the entry is about a record.
    pub object_type: Option<String>,
    /// The record's id.
    pub object_id: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// The client address.
    pub ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// Details as JSON (e.g. a field-level diff).
    pub details: String,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    /// The workspace (chain).
    pub workspace_id: Uuid,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// `user`, `token` or `system`.
    pub actor_kind: String,
    /// The acting user.
    pub actor_id: Option<String>,
    /// What happened.
    pub action: String,
    /// Object type.
    pub object_type: Option<String>,
    /// Record id.
    pub object_id: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// Details (JSON).
    pub details: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

const COLUMNS: [&str; 14] = [
    "workspace_id",
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "request_id",
    "ip",
    "user_agent",
    "details",
    "prev_hash",
    "hash",
];

/// The hash of an entry: SHA-256 over a canonical JSON array of every stored field but the hash.
pub fn entry_hash(ws: Uuid, seq: i64, e: &NewEntry, prev_hash: &str) -> String {
    let canonical = serde_json::json!([
        ws.to_string(),
        seq,
        e.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        e.actor_kind,
        e.actor_id,
        e.action,
        e.object_type,
        e.object_id,
        e.request_id,
        e.ip,
        e.user_agent,
        e.details,
        prev_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends an entry to the workspace's chain, in the caller's transaction; returns its `seq`.
pub async fn append(tx: &mut Tx, ws: WorkspaceId, entry: &NewEntry) -> Result<i64, StoreError> {
    let advance = Query::update()
        .table(n("audit_heads"))
        .value(n("seq"), Expr::col(n("seq")).add(1))
        .and_where(col("workspace_id").eq(ws.0))
        .returning(Query::returning().columns(["seq", "hash"].map(n)))
        .to_owned();
    let tip = match tx.fetch_optional::<(i64, String)>(&advance).await? {
        Some(tip) => tip,
        None => {
            let mut q = Query::insert();
            q.into_table(n("audit_heads"))
                .columns(["workspace_id", "seq", "hash"].map(n));
            built(q.values([ws.0.into(), 0i64.into(), GENESIS.into()]))?;
            q.on_conflict(
                sea_query::OnConflict::column(n("workspace_id"))
                    .do_nothing()
                    .to_owned(),
            );
            tx.execute(&q).await?;
            tx.fetch_optional::<(i64, String)>(&advance)
                .await?
                .ok_or_else(|| StoreError::Other("audit head vanished".into()))?
        }
    };
    let (seq, prev_hash) = tip;
    let mut entry = entry.clone();
    entry.at = truncate_millis(entry.at);
    let hash = entry_hash(ws.0, seq, &entry, &prev_hash);
    let mut q = Query::insert();
    q.into_table(n("audit_log")).columns(COLUMNS.map(n));
    built(q.values([
        ws.0.into(),
        seq.into(),
        entry.at.into(),
        entry.actor_kind.into(),
        entry.actor_id.into(),
        entry.action.into(),
        entry.object_type.into(),
        entry.object_id.into(),
        entry.request_id.into(),
        entry.ip.into(),
        entry.user_agent.into(),
        entry.details.into(),
        prev_hash.into(),
        hash.clone().into(),
    ]))?;
    tx.execute(&q).await?;
    let set_tip = Query::update()
        .table(n("audit_heads"))
        .value(n("hash"), hash)
        .and_where(col("workspace_id").eq(ws.0))
        .to_owned();
    tx.execute(&set_tip).await?;
    Ok(seq)
}

fn truncate_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Filters for reading the log.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this actor (user id).
    pub actor_id: Option<String>,
    /// Only this object type.
    pub object_type: Option<String>,
    /// Only this record.
    pub object_id: Option<String>,
    /// Only this action (`contacts.update`) or family (`contacts.`, a prefix ending in a dot).
    pub action: Option<String>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Entries before this seq (newest-first paging).
    pub before_seq: Option<i64>,
    /// Page size.
    pub limit: u64,
}

/// Entries matching the query, newest first.
pub async fn list(db: &Db, ws: WorkspaceId, f: &AuditQuery) -> Result<Vec<Entry>, StoreError> {
    let mut q = Query::select();
    q.columns(COLUMNS.map(n))
        .from(n("audit_log"))
        .and_where(col("workspace_id").eq(ws.0));
    if let Some(a) = &f.actor_id {
        q.and_where(col("actor_id").eq(a.as_str()));
    }
    if let Some(o) = &f.object_type {
        q.and_where(col("object_type").eq(o.as_str()));
    }
    if let Some(o) = &f.object_id {
        q.and_where(col("object_id").eq(o.as_str()));
    }
    if let Some(a) = &f.action {
        match a.strip_suffix('.') {
            // A family: `contacts.` matches `contacts.create`, `contacts.update`...
            Some(prefix) => q.and_where(col("action").like(format!("{prefix}.%"))),
            None => q.and_where(col("action").eq(a.as_str())),
        };
    }
    if let Some(t) = f.from {
        q.and_where(col("at").gte(t));
    }
    if let Some(t) = f.to {
        q.and_where(col("at").lt(t));
    }
    if let Some(s) = f.before_seq {
        q.and_where(col("seq").lt(s));
    }
    q.order_by(n("seq"), Order::Desc).limit(f.limit);
    db.fetch_all(&q).await
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry is intact; `entries` were checked.
    Intact {
        /// How many entries.
        entries: u64,
    },
    /// The chain breaks at `seq`.
    Broken {
        /// The first entry (position) that does not verify.
        seq: i64,
        /// Why.
        reason: String,
    },
}

/// Workspaces that have an audit chain (the instance chain included).
pub async fn chains(db: &Db) -> Result<Vec<Uuid>, StoreError> {
    let q = Query::select()
        .column(n("workspace_id"))
        .from(n("audit_heads"))
        .to_owned();
    Ok(db
        .fetch_all::<(Uuid,)>(&q)
        .await?
        .into_iter()
        .map(|(w,)| w)
        .collect())
}

/// Re-computes a workspace's chain from its first entry and compares it with its tip.
pub async fn verify(db: &Db, ws: WorkspaceId) -> Result<Verdict, StoreError> {
    const PAGE: u64 = 1000;
    let head = Query::select()
        .columns(["seq", "hash"].map(n))
        .from(n("audit_heads"))
        .and_where(col("workspace_id").eq(ws.0))
        .to_owned();
    let (head_seq, head_hash) = db
        .fetch_optional::<(i64, String)>(&head)
        .await?
        .unwrap_or((0, GENESIS.to_owned()));
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_owned();
    loop {
        let mut q = Query::select();
        q.columns(COLUMNS.map(n))
            .from(n("audit_log"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("seq").gte(expected_seq))
            .order_by(n("seq"), Order::Asc)
            .limit(PAGE);
        let rows: Vec<Entry> = db.fetch_all(&q).await?;
        let done = (rows.len() as u64) < PAGE;
        for row in rows {
            if row.seq != expected_seq {
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    reason: format!("entry {expected_seq} is missing"),
                });
            }
            if row.prev_hash != prev {
                return Ok(Verdict::Broken {
                    seq: row.seq,
                    reason: "its link to the previous entry does not match (an entry before it was removed, replaced or moved)".into(),
                });
            }
            let fields = NewEntry {
                at: row.at,
                actor_kind: row.actor_kind,
                actor_id: row.actor_id,
                action: row.action,
                object_type: row.object_type,
                object_id: row.object_id,
                request_id: row.request_id,
                ip: row.ip,
                user_agent: row.user_agent,
                details: row.details,
            };
            let hash = entry_hash(ws.0, row.seq, &fields, &row.prev_hash);
            if hash != row.hash {
                return Ok(Verdict::Broken {
                    seq: row.seq,
                    reason: "its content does not match its hash (the entry was edited or moved)"
                        .into(),
                });
            }
            prev = row.hash;
            expected_seq += 1;
        }
        if done {
            break;
        }
    }
    let last = expected_seq - 1;
    if last != head_seq {
        return Ok(Verdict::Broken {
            seq: last + 1,
            reason: format!(
                "the chain's tip is entry {head_seq} but only {last} entries remain: entries at the end were removed"
            ),
        });
    }
    if prev != head_hash {
        return Ok(Verdict::Broken {
            seq: last,
            reason: "the last entry does not match the chain's tip (it was replaced)".into(),
        });
    }
    Ok(Verdict::Intact {
        entries: u64::try_from(last).unwrap_or(0),
    })
}
