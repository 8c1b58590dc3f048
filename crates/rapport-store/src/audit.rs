//! The audit log: append-only, one hash chain per workspace. Each entry's hash covers its own
//! fields and the previous entry's hash, and `audit_heads` keeps the chain's tip, so editing,
//! removing or reordering any entry (the last one included) breaks verification.
//!
//! Appending takes the tip with an `UPDATE ... RETURNING`, which on PostgreSQL holds that row's
//! lock until the transaction ends: appends to one workspace's chain serialise, and an entry
//! commits or rolls back with the change it records.
//!
//! Retention removes a chain's oldest entries and leaves a checkpoint (`audit_checkpoints`) holding
//! the hash of the last entry removed, which the first remaining entry links to; verification
//! starts from the latest checkpoint. Checkpoints are signed by rapport-app: this module stores
//! them and hands them to a caller-supplied check, and never sees the key.

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
    /// The id this server gave the request.
    pub request_id: Option<String>,
    /// The caller's own `X-Request-Id`, when it sent one.
    pub client_request_id: Option<String>,
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
    /// Request id (this server's).
    pub request_id: Option<String>,
    /// The caller's own request id.
    pub client_request_id: Option<String>,
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

const COLUMNS: [&str; 15] = [
    "workspace_id",
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "request_id",
    "client_request_id",
    "ip",
    "user_agent",
    "details",
    "prev_hash",
    "hash",
];

/// The hash of an entry: SHA-256 over a canonical JSON array of every stored field but the hash.
/// The caller's request id, stored since migration 0030, joins the array only when present, so
/// the entries written before it keep their hashes.
pub fn entry_hash(ws: Uuid, seq: i64, e: &NewEntry, prev_hash: &str) -> String {
    let mut canonical = serde_json::json!([
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
    if let (Some(theirs), Some(items)) = (&e.client_request_id, canonical.as_array_mut()) {
        items.push(serde_json::Value::String(theirs.clone()));
    }
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
        entry.client_request_id.into(),
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

/// The select of `ws`'s entries matching `f`'s filters (not its paging).
fn filtered(ws: WorkspaceId, f: &AuditQuery) -> sea_query::SelectStatement {
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
    q
}

/// Entries matching the query, newest first.
pub async fn list(db: &Db, ws: WorkspaceId, f: &AuditQuery) -> Result<Vec<Entry>, StoreError> {
    let mut q = filtered(ws, f);
    q.order_by(n("seq"), Order::Desc).limit(f.limit);
    db.fetch_all(&q).await
}

/// Entries matching the query after `after_seq`, oldest first, at most `f.limit` of them: pages
/// for an export, which passes the last seq it got as the next `after_seq`.
pub async fn list_oldest_first(
    db: &Db,
    ws: WorkspaceId,
    f: &AuditQuery,
    after_seq: i64,
) -> Result<Vec<Entry>, StoreError> {
    let mut q = filtered(ws, f);
    q.and_where(col("seq").gt(after_seq))
        .order_by(n("seq"), Order::Asc)
        .limit(f.limit);
    db.fetch_all(&q).await
}

/// Which part of a chain a verification finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// An entry of the log (or its absence).
    Entry,
    /// A checkpoint left by pruning.
    Checkpoint,
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every remaining entry is intact, and the chain starts at its first entry or at a checkpoint
    /// whose signature was checked.
    Intact {
        /// How many entries were checked.
        entries: u64,
        /// The last pruned entry, when older entries were pruned.
        pruned_through: Option<i64>,
    },
    /// The remaining entries are intact from the latest checkpoint on, but the checkpoints'
    /// signatures were not checked (no key): someone with write access to the database could
    /// have removed entries and written such a checkpoint.
    Unauthenticated {
        /// How many entries were checked.
        entries: u64,
        /// The last pruned entry, where the chain now starts.
        pruned_through: i64,
    },
    /// The chain breaks at `seq`.
    Broken {
        /// An entry or a checkpoint.
        part: Part,
        /// The first entry (position) that does not verify, or the checkpoint's `seq`.
        seq: i64,
        /// Why.
        reason: String,
    },
}

/// A signed record of pruning: entries up to `seq` were removed; `hash` is entry `seq`'s hash,
/// which the first remaining entry names as its `prev_hash`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Checkpoint {
    /// The workspace (chain).
    pub workspace_id: Uuid,
    /// The last entry removed.
    pub seq: i64,
    /// That entry's hash: where the chain now starts.
    pub hash: String,
    /// The cutoff: entries older than this were removed (the newest entry always stays).
    pub pruned_before: DateTime<Utc>,
    /// How many entries this pruning removed.
    pub entries: i64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// HMAC-SHA256 of [`Checkpoint::message`] (hex), made by rapport-app with the secret key.
    pub signature: String,
}

impl Checkpoint {
    /// What the signature covers: a canonical JSON array of every field but the signature,
    /// labelled, so that a MAC the key makes for another purpose never passes as a checkpoint's.
    pub fn message(&self) -> String {
        serde_json::json!([
            "rapport.audit_checkpoint.v1",
            self.workspace_id.to_string(),
            self.seq,
            self.hash,
            self.pruned_before
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            self.entries,
            self.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        ])
        .to_string()
    }
}

const CHECKPOINT_COLUMNS: [&str; 7] = [
    "workspace_id",
    "seq",
    "hash",
    "pruned_before",
    "entries",
    "created_at",
    "signature",
];

/// Checks a checkpoint's signature: `true` when it is authentic.
pub type Authenticate<'a> = &'a (dyn Fn(&Checkpoint) -> bool + Sync);

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

/// The checkpoints of `ws`'s chain, oldest first.
pub async fn checkpoints(db: &Db, ws: WorkspaceId) -> Result<Vec<Checkpoint>, StoreError> {
    let q = Query::select()
        .columns(CHECKPOINT_COLUMNS.map(n))
        .from(n("audit_checkpoints"))
        .and_where(col("workspace_id").eq(ws.0))
        .order_by(n("seq"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

async fn latest_checkpoint_seq(db: &Db, ws: WorkspaceId) -> Result<Option<i64>, StoreError> {
    let q = Query::select()
        .expr(Expr::col(n("seq")).max())
        .from(n("audit_checkpoints"))
        .and_where(col("workspace_id").eq(ws.0))
        .to_owned();
    Ok(db
        .fetch_optional::<(Option<i64>,)>(&q)
        .await?
        .and_then(|(s,)| s))
}

/// Re-computes a workspace's chain from its start (or its latest checkpoint) and compares it
/// with its tip. `authenticate` checks each checkpoint's signature; without it, a pruned chain
/// is at best [`Verdict::Unauthenticated`].
pub async fn verify(
    db: &Db,
    ws: WorkspaceId,
    authenticate: Option<Authenticate<'_>>,
) -> Result<Verdict, StoreError> {
    // A prune that commits while the chain is being read moves its start: the entries it
    // removed would look missing. The walk is then redone from the new checkpoint.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let checkpoints = checkpoints(db, ws).await?;
        let verdict = verify_from(db, ws, &checkpoints, authenticate).await?;
        if attempt < 3
            && matches!(
                verdict,
                Verdict::Broken {
                    part: Part::Entry,
                    ..
                }
            )
            && latest_checkpoint_seq(db, ws).await? != checkpoints.last().map(|c| c.seq)
        {
            continue;
        }
        return Ok(verdict);
    }
}

async fn verify_from(
    db: &Db,
    ws: WorkspaceId,
    checkpoints: &[Checkpoint],
    authenticate: Option<Authenticate<'_>>,
) -> Result<Verdict, StoreError> {
    if let Some(check) = authenticate {
        for c in checkpoints {
            if !check(c) {
                return Ok(Verdict::Broken {
                    part: Part::Checkpoint,
                    seq: c.seq,
                    reason: "its signature does not match its content: the checkpoint was forged or edited".into(),
                });
            }
        }
    }
    let (start_seq, start_hash) = checkpoints
        .last()
        .map_or((0, GENESIS.to_owned()), |c| (c.seq, c.hash.clone()));
    if start_seq > 0 {
        let leftover = Query::select()
            .expr(Expr::col(n("seq")).min())
            .from(n("audit_log"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("seq").lte(start_seq))
            .to_owned();
        if let Some((Some(seq),)) = db.fetch_optional::<(Option<i64>,)>(&leftover).await? {
            return Ok(Verdict::Broken {
                part: Part::Entry,
                seq,
                reason: format!(
                    "entry {seq} is there although the checkpoint after entry {start_seq} says it was pruned (it was put back or inserted)"
                ),
            });
        }
    }
    let head = Query::select()
        .columns(["seq", "hash"].map(n))
        .from(n("audit_heads"))
        .and_where(col("workspace_id").eq(ws.0))
        .to_owned();
    let (head_seq, head_hash) = db
        .fetch_optional::<(i64, String)>(&head)
        .await?
        .unwrap_or((0, GENESIS.to_owned()));
    let (last, prev, entries) = match walk(db, ws, start_seq, start_hash, None).await? {
        Walk::Reached {
            last_seq,
            last_hash,
            entries,
        } => (last_seq, last_hash, entries),
        Walk::Broken { seq, reason } => {
            return Ok(Verdict::Broken {
                part: Part::Entry,
                seq,
                reason,
            });
        }
    };
    if last != head_seq {
        return Ok(Verdict::Broken {
            part: Part::Entry,
            seq: last + 1,
            reason: format!(
                "the chain's tip is entry {head_seq} but the entries end at {last}: entries at the end were removed"
            ),
        });
    }
    if prev != head_hash {
        return Ok(Verdict::Broken {
            part: Part::Entry,
            seq: last,
            reason: "the last entry does not match the chain's tip (it was replaced)".into(),
        });
    }
    Ok(match (start_seq, authenticate) {
        (0, _) => Verdict::Intact {
            entries,
            pruned_through: None,
        },
        (seq, Some(_)) => Verdict::Intact {
            entries,
            pruned_through: Some(seq),
        },
        (seq, None) => Verdict::Unauthenticated {
            entries,
            pruned_through: seq,
        },
    })
}

/// Where a walk along a chain ended.
enum Walk {
    /// Every entry read links and hashes correctly.
    Reached {
        /// The last entry read (the start when there was none).
        last_seq: i64,
        /// Its hash.
        last_hash: String,
        /// How many entries were read.
        entries: u64,
    },
    /// The first entry that does not verify.
    Broken { seq: i64, reason: String },
}

/// Checks entries after `after_seq` (whose hash is `prev`) in order, up to `through` or the end.
async fn walk(
    db: &Db,
    ws: WorkspaceId,
    after_seq: i64,
    prev: String,
    through: Option<i64>,
) -> Result<Walk, StoreError> {
    const PAGE: u64 = 1000;
    let mut expected_seq = after_seq + 1;
    let mut prev = prev;
    let mut entries = 0u64;
    loop {
        let mut q = Query::select();
        q.columns(COLUMNS.map(n))
            .from(n("audit_log"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("seq").gte(expected_seq))
            .order_by(n("seq"), Order::Asc)
            .limit(PAGE);
        if let Some(t) = through {
            q.and_where(col("seq").lte(t));
        }
        let rows: Vec<Entry> = db.fetch_all(&q).await?;
        let done = (rows.len() as u64) < PAGE;
        for row in rows {
            if row.seq != expected_seq {
                return Ok(Walk::Broken {
                    seq: expected_seq,
                    reason: format!("entry {expected_seq} is missing"),
                });
            }
            if row.prev_hash != prev {
                return Ok(Walk::Broken {
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
                client_request_id: row.client_request_id,
                ip: row.ip,
                user_agent: row.user_agent,
                details: row.details,
            };
            let hash = entry_hash(ws.0, row.seq, &fields, &row.prev_hash);
            if hash != row.hash {
                return Ok(Walk::Broken {
                    seq: row.seq,
                    reason: "its content does not match its hash (the entry was edited or moved)"
                        .into(),
                });
            }
            prev = row.hash;
            expected_seq += 1;
            entries += 1;
        }
        if done {
            break;
        }
    }
    Ok(Walk::Reached {
        last_seq: expected_seq - 1,
        last_hash: prev,
        entries,
    })
}

/// The newest entry of `ws`'s chain older than `cutoff`: pruning removes it and every entry
/// before it. Never the chain's tip, which `audit_heads` names and verification needs.
pub async fn prune_point(
    db: &Db,
    ws: WorkspaceId,
    cutoff: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let head = Query::select()
        .column(n("seq"))
        .from(n("audit_heads"))
        .and_where(col("workspace_id").eq(ws.0))
        .to_owned();
    let Some((head_seq,)) = db.fetch_optional::<(i64,)>(&head).await? else {
        return Ok(None);
    };
    let q = Query::select()
        .expr(Expr::col(n("seq")).max())
        .from(n("audit_log"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("at").lt(cutoff))
        .and_where(col("seq").lt(head_seq))
        .to_owned();
    Ok(db
        .fetch_optional::<(Option<i64>,)>(&q)
        .await?
        .and_then(|(s,)| s))
}

/// What a pruning stretch looks like before it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stretch {
    /// The entries from the chain's start (or latest checkpoint) to `through` verify; `hash` is
    /// entry `through`'s.
    Intact {
        /// Entry `through`'s hash.
        hash: String,
    },
    /// The stretch breaks at `seq`.
    Broken {
        /// The first entry that does not verify.
        seq: i64,
        /// Why.
        reason: String,
    },
}

/// Verifies `ws`'s chain from its latest checkpoint (or its start) up to entry `through`: what
/// pruning checks first, so that it never removes the evidence of a break.
pub async fn verify_through(db: &Db, ws: WorkspaceId, through: i64) -> Result<Stretch, StoreError> {
    let (start_seq, start_hash) = checkpoints(db, ws)
        .await?
        .pop()
        .map_or((0, GENESIS.to_owned()), |c| (c.seq, c.hash));
    Ok(
        match walk(db, ws, start_seq, start_hash, Some(through)).await? {
            Walk::Reached {
                last_seq,
                last_hash,
                ..
            } if last_seq == through => Stretch::Intact { hash: last_hash },
            Walk::Reached { last_seq, .. } => Stretch::Broken {
                seq: last_seq + 1,
                reason: format!("entry {} is missing", last_seq + 1),
            },
            Walk::Broken { seq, reason } => Stretch::Broken { seq, reason },
        },
    )
}

/// What [`prune`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pruning {
    /// The entries were removed and this checkpoint written.
    Done(Checkpoint),
    /// Entry `through` is no longer there: another prune got to it first.
    Gone,
    /// Entry `through` changed since it was verified, or became the tip: nothing was removed.
    Changed,
}

/// In `tx`: removes `ws`'s entries up to `through` (verified beforehand, with hash
/// `through_hash`) and writes their checkpoint, signed by `sign` (given the checkpoint, it
/// returns the signature of [`Checkpoint::message`]).
pub async fn prune(
    tx: &mut Tx,
    ws: WorkspaceId,
    through: i64,
    through_hash: &str,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
    sign: impl FnOnce(&Checkpoint) -> String,
) -> Result<Pruning, StoreError> {
    // Taking the tip's row lock first serialises this with appends and with another prune of
    // the same chain (PostgreSQL; SQLite's write transaction already does).
    let lock = Query::update()
        .table(n("audit_heads"))
        .value(n("seq"), Expr::col(n("seq")))
        .and_where(col("workspace_id").eq(ws.0))
        .returning(Query::returning().column(n("seq")))
        .to_owned();
    let Some((head_seq,)) = tx.fetch_optional::<(i64,)>(&lock).await? else {
        return Ok(Pruning::Gone);
    };
    let current = Query::select()
        .column(n("hash"))
        .from(n("audit_log"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("seq").eq(through))
        .to_owned();
    match tx.fetch_optional::<(String,)>(&current).await? {
        None => return Ok(Pruning::Gone),
        Some((hash,)) if hash != through_hash || through >= head_seq => {
            return Ok(Pruning::Changed);
        }
        Some(_) => {}
    }
    let delete = Query::delete()
        .from_table(n("audit_log"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("seq").lte(through))
        .to_owned();
    let removed = tx.execute(&delete).await?;
    let mut checkpoint = Checkpoint {
        workspace_id: ws.0,
        seq: through,
        hash: through_hash.to_owned(),
        // Stored to the millisecond, as signed: a database keeping microseconds must not
        // change what the signature covers.
        pruned_before: truncate_millis(cutoff),
        entries: i64::try_from(removed).unwrap_or(i64::MAX),
        created_at: truncate_millis(now),
        signature: String::new(),
    };
    checkpoint.signature = sign(&checkpoint);
    let mut q = Query::insert();
    q.into_table(n("audit_checkpoints"))
        .columns(CHECKPOINT_COLUMNS.map(n));
    built(q.values([
        checkpoint.workspace_id.into(),
        checkpoint.seq.into(),
        checkpoint.hash.clone().into(),
        checkpoint.pruned_before.into(),
        checkpoint.entries.into(),
        checkpoint.created_at.into(),
        checkpoint.signature.clone().into(),
    ]))?;
    tx.execute(&q).await?;
    Ok(Pruning::Done(checkpoint))
}
