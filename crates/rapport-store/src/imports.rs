//! CSV imports in the database: one row per uploaded file with its status and progress, and
//! the lease a runner holds while it works on it. Every progress write is conditional on the
//! lease (the runner's name), so a runner whose lease was taken over cannot overwrite the new
//! holder's progress: its chunk rolls back instead.

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use sea_query::{ExprTrait, LockBehavior, LockType, Order, Query, SelectStatement};
use uuid::Uuid;

use crate::db::{Backend, Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n};

const TABLE: &str = "imports";

const COLUMNS: &[&str] = &[
    "workspace_id",
    "id",
    "object",
    "status",
    "columns",
    "mapping",
    "size",
    "rows_total",
    "rows_done",
    "rows_failed",
    "created",
    "updated",
    "unchanged",
    "byte_offset",
    "errors_bytes",
    "failure",
    "created_by",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "cancel_requested_at",
    "lease_owner",
    "lease_until",
];

/// An import as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportRow {
    /// The workspace.
    pub workspace_id: Uuid,
    /// Its id (UUIDv7).
    pub id: Uuid,
    /// The object imported into.
    pub object: String,
    /// uploaded, queued, running, completed, failed or cancelled.
    pub status: String,
    /// The header names, as a JSON array.
    pub columns: String,
    /// Column -> target, as a JSON object, once started.
    pub mapping: Option<String>,
    /// File size in bytes.
    pub size: i64,
    /// Data rows in the file.
    pub rows_total: i64,
    /// Data rows processed (written or failed).
    pub rows_done: i64,
    /// Data rows skipped with a problem.
    pub rows_failed: i64,
    /// Records created.
    pub created: i64,
    /// Records updated.
    pub updated: i64,
    /// Rows that matched a record and changed nothing.
    pub unchanged: i64,
    /// Where the next unread data row starts.
    pub byte_offset: i64,
    /// The committed length of the error report.
    pub errors_bytes: i64,
    /// Why the whole import failed.
    pub failure: Option<String>,
    /// Who uploaded it.
    pub created_by: Option<Uuid>,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When a runner first took it.
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed, failed or was cancelled.
    pub finished_at: Option<DateTime<Utc>>,
    /// When a cancel was asked for while it ran.
    pub cancel_requested_at: Option<DateTime<Utc>>,
    /// The runner holding it.
    pub lease_owner: Option<String>,
    /// Until when that runner holds it.
    pub lease_until: Option<DateTime<Utc>>,
}

/// What a chunk changes, stored with the chunk's writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Data rows processed in all.
    pub rows_done: i64,
    /// Rows skipped in all.
    pub rows_failed: i64,
    /// Created in all.
    pub created: i64,
    /// Updated in all.
    pub updated: i64,
    /// Unchanged in all.
    pub unchanged: i64,
    /// The next unread row's offset.
    pub byte_offset: i64,
    /// The error report's length.
    pub errors_bytes: i64,
}

impl ImportRow {
    /// Its stored progress.
    pub fn progress(&self) -> Progress {
        Progress {
            rows_done: self.rows_done,
            rows_failed: self.rows_failed,
            created: self.created,
            updated: self.updated,
            unchanged: self.unchanged,
            byte_offset: self.byte_offset,
            errors_bytes: self.errors_bytes,
        }
    }
}

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.iter().map(|c| n(c)))
        .from(n(TABLE))
        .to_owned()
}

fn by_id(ws: WorkspaceId, id: Uuid) -> SelectStatement {
    select()
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .to_owned()
}

/// Records a new upload.
pub async fn insert(tx: &mut Tx, row: &ImportRow) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n(TABLE)).columns(
        [
            "workspace_id",
            "id",
            "object",
            "status",
            "columns",
            "size",
            "rows_total",
            "byte_offset",
            "created_by",
            "created_at",
            "updated_at",
        ]
        .map(n),
    );
    built(q.values([
        row.workspace_id.into(),
        row.id.into(),
        row.object.clone().into(),
        row.status.clone().into(),
        row.columns.clone().into(),
        row.size.into(),
        row.rows_total.into(),
        row.byte_offset.into(),
        row.created_by.into(),
        row.created_at.into(),
        row.updated_at.into(),
    ]))?;
    tx.execute(&q).await?;
    Ok(())
}

/// One import of the workspace.
pub async fn find(db: &Db, ws: WorkspaceId, id: Uuid) -> Result<Option<ImportRow>, StoreError> {
    db.fetch_optional(&by_id(ws, id)).await
}

/// One import of the workspace, inside a write transaction.
pub async fn find_for_write(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
) -> Result<Option<ImportRow>, StoreError> {
    tx.fetch_optional(&by_id(ws, id)).await
}

/// The workspace's imports, newest first (ids are time-ordered), `limit` of them after the
/// one with id `after`.
pub async fn list(
    db: &Db,
    ws: WorkspaceId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<ImportRow>, StoreError> {
    let mut q = select()
        .and_where(col("workspace_id").eq(ws.0))
        .order_by(n("id"), Order::Desc)
        .limit(limit)
        .to_owned();
    if let Some(a) = after {
        q.and_where(col("id").lt(a));
    }
    db.fetch_all(&q).await
}

/// Moves an import from `from` to `to` (and sets the mapping when given); false when it was not
/// in `from` any more.
pub async fn set_status(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
    from: &[&str],
    to: &str,
    mapping: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table(n(TABLE))
        .value(n("status"), to)
        .value(n("updated_at"), now)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .and_where(col("status").is_in(from.iter().copied()));
    if let Some(m) = mapping {
        q.value(n("mapping"), m);
    }
    if matches!(to, "completed" | "failed" | "cancelled") {
        q.value(n("finished_at"), now)
            .value(n("lease_owner"), Option::<String>::None)
            .value(n("lease_until"), Option::<DateTime<Utc>>::None);
    }
    Ok(tx.execute(&q).await? == 1)
}

/// Marks a running import to stop after its current chunk.
pub async fn request_cancel(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table(n(TABLE))
        .value(n("cancel_requested_at"), now)
        .value(n("updated_at"), now)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .and_where(col("status").eq("running"));
    Ok(tx.execute(&q).await? == 1)
}

/// Claims the oldest queued import, or a running one whose runner's lease expired, for
/// `owner` until `lease_until`. On PostgreSQL the candidate row is locked with `SKIP LOCKED`,
/// so concurrent instances claim different jobs without waiting on each other; on SQLite the
/// write transaction (`BEGIN IMMEDIATE`) already serialises claims.
pub async fn claim(
    db: &Db,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<ImportRow>, StoreError> {
    let mut tx = db.begin().await?;
    let mut q = Query::select()
        .columns([n("workspace_id"), n("id")])
        .from(n(TABLE))
        .and_where(col("status").is_in(["queued", "running"]))
        .and_where(col("lease_until").is_null().or(col("lease_until").lt(now)))
        .order_by(n("created_at"), Order::Asc)
        .limit(1)
        .to_owned();
    if tx.backend() == Backend::Postgres {
        q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let Some((ws, id)) = tx.fetch_optional::<(Uuid, Uuid)>(&q).await? else {
        return Ok(None);
    };
    let mut up = Query::update();
    up.table(n(TABLE))
        .value(n("status"), "running")
        .value(n("lease_owner"), owner)
        .value(n("lease_until"), lease_until)
        .value(n("updated_at"), now)
        .value(
            n("started_at"),
            sea_query::Func::coalesce([col("started_at"), sea_query::Expr::val(now)]),
        )
        .and_where(col("workspace_id").eq(ws))
        .and_where(col("id").eq(id));
    tx.execute(&up).await?;
    let row = tx.fetch_optional(&by_id(WorkspaceId(ws), id)).await?;
    tx.commit().await?;
    Ok(row)
}

/// What follows a saved chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// More chunks: the lease is extended to this time.
    Continue(DateTime<Utc>),
    /// The job ends with this status (`completed`, `cancelled`) and its lease is dropped.
    Finish(&'static str),
}

/// Stores a chunk's progress in the chunk's transaction, provided `owner` still holds the
/// lease; false when another runner took the job over (the caller rolls the chunk back).
pub async fn save_progress(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
    owner: &str,
    p: Progress,
    after: After,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table(n(TABLE))
        .value(n("rows_done"), p.rows_done)
        .value(n("rows_failed"), p.rows_failed)
        .value(n("created"), p.created)
        .value(n("updated"), p.updated)
        .value(n("unchanged"), p.unchanged)
        .value(n("byte_offset"), p.byte_offset)
        .value(n("errors_bytes"), p.errors_bytes)
        .value(n("updated_at"), now)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .and_where(col("status").eq("running"))
        .and_where(col("lease_owner").eq(owner));
    match after {
        After::Finish(status) => {
            q.value(n("status"), status)
                .value(n("finished_at"), now)
                .value(n("lease_owner"), Option::<String>::None)
                .value(n("lease_until"), Option::<DateTime<Utc>>::None);
        }
        After::Continue(lease_until) => {
            q.value(n("lease_until"), lease_until);
        }
    }
    Ok(tx.execute(&q).await? == 1)
}

/// Ends a job the runner cannot go on with (its file is gone, its creator left), if `owner`
/// still holds it.
pub async fn fail(
    db: &Db,
    ws: WorkspaceId,
    id: Uuid,
    owner: &str,
    failure: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut q = Query::update();
    q.table(n(TABLE))
        .value(n("status"), "failed")
        .value(n("failure"), failure)
        .value(n("finished_at"), now)
        .value(n("updated_at"), now)
        .value(n("lease_owner"), Option::<String>::None)
        .value(n("lease_until"), Option::<DateTime<Utc>>::None)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .and_where(col("lease_owner").eq(owner));
    let mut tx = db.begin().await?;
    tx.execute(&q).await?;
    tx.commit().await
}

/// Gives a running job's lease back (a runner shutting down), so another runner, or this
/// instance restarted, takes it at once.
pub async fn release(db: &Db, ws: WorkspaceId, id: Uuid, owner: &str) -> Result<(), StoreError> {
    let mut q = Query::update();
    q.table(n(TABLE))
        .value(n("lease_owner"), Option::<String>::None)
        .value(n("lease_until"), Option::<DateTime<Utc>>::None)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .and_where(col("lease_owner").eq(owner));
    let mut tx = db.begin().await?;
    tx.execute(&q).await?;
    tx.commit().await
}
