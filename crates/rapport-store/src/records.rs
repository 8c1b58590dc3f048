//! Writes and reads of any object, written once: each object's table says how its record maps to
//! columns, what its search document is and which rows it keeps in step; everything here runs in
//! the caller's transaction, so the record, its side rows and its search document commit together.

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use rapport_domain::objects::Record;
use rapport_domain::query::TypedExpr;
use sea_query::{Alias, Cond, ExprTrait, Order, Query, SelectStatement, SimpleExpr};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::list::{self, ListParams, Listable, Page};
use crate::sql::{col, n, tcol};
use crate::{search, tags};

/// How one object is stored.
pub trait Table: Listable {
    /// The domain record.
    type Record: Record;
    /// `object_type` in the search index.
    const SEARCH_TYPE: &'static str;
    /// Whether a merged record stays as a tombstone naming the record it was merged into (the
    /// table has a `merged_into` column): contacts and companies.
    const MERGES: bool = false;

    /// The row as the domain record.
    fn into_record(self) -> Result<Self::Record, StoreError>;
    /// Whether the row is soft-deleted (selected only by [`find_for_write`]).
    fn is_deleted(&self) -> bool;
    /// Every column with its value (workspace and id included).
    fn values(ws: WorkspaceId, r: &Self::Record) -> Vec<(&'static str, SimpleExpr)>;
    /// The search document: title words and body words.
    fn search_text(r: &Self::Record) -> (String, String);
    /// Turns a failed write into a store error that names the constraint.
    fn write_error(e: sqlx::Error) -> StoreError {
        e.into()
    }
    /// Rows kept in step with the record (e.g. a contact's channels), in the same transaction.
    fn write_side_rows(
        tx: &mut Tx,
        ws: WorkspaceId,
        r: &Self::Record,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (tx, ws, r);
        async { Ok(()) }
    }
}

fn select<T: Table>(ws: WorkspaceId) -> SelectStatement {
    let mut q = Query::select();
    q.columns(T::COLUMNS.iter().map(|c| Alias::new(*c)))
        .from(Alias::new(T::TABLE))
        .and_where(col("workspace_id").eq(ws.0));
    q
}

async fn write_search<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    r: &T::Record,
) -> Result<(), StoreError> {
    let (title, body) = T::search_text(r);
    search::put(tx, ws, T::SEARCH_TYPE, r.id(), &title, &body).await
}

/// Inserts a new record with its side rows and search document.
#[tracing::instrument(skip_all, fields(table = T::TABLE, workspace_id = %ws))]
pub async fn insert<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    r: &T::Record,
) -> Result<(), StoreError> {
    let values = T::values(ws, r);
    let mut q = Query::insert();
    q.into_table(Alias::new(T::TABLE))
        .columns(values.iter().map(|(n, _)| Alias::new(*n)));
    q.values(values.into_iter().map(|(_, v)| v))
        .map_err(|e| StoreError::Other(e.to_string()))?;
    tx.execute(&q).await.map_err(T::write_error)?;
    T::write_side_rows(tx, ws, r).await?;
    tags::note_record(tx, ws, r).await?;
    write_search::<T>(tx, ws, r).await
}

/// Replaces a live record's fields if its version is still `expected_version` (`r` carries the
/// new version); otherwise `VersionMismatch` and nothing changes.
#[tracing::instrument(skip_all, fields(table = T::TABLE, workspace_id = %ws))]
pub async fn update<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    r: &T::Record,
    expected_version: i64,
) -> Result<(), StoreError> {
    let mut q = Query::update();
    q.table(Alias::new(T::TABLE));
    for (name, value) in T::values(ws, r) {
        if !matches!(name, "workspace_id" | "id" | "created_at") {
            q.value(Alias::new(name), value);
        }
    }
    q.and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(r.id()))
        .and_where(col("deleted_at").is_null())
        .and_where(col("version").eq(expected_version));
    if tx.execute(&q).await.map_err(T::write_error)? == 0 {
        return Err(StoreError::VersionMismatch);
    }
    T::write_side_rows(tx, ws, r).await?;
    tags::note_record(tx, ws, r).await?;
    write_search::<T>(tx, ws, r).await
}

/// Replaces a record's fields, deleted or not, if its version is still `expected_version`: how a
/// change that sweeps across records (a merge moving references, a tag renamed) reaches the ones
/// in the bin too, so restoring them brings back nothing stale. The search document is written
/// for a live record only (a deleted one has none).
#[tracing::instrument(skip_all, fields(table = T::TABLE, workspace_id = %ws))]
pub async fn rewrite<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    r: &T::Record,
    expected_version: i64,
    is_deleted: bool,
) -> Result<(), StoreError> {
    let mut q = Query::update();
    q.table(Alias::new(T::TABLE));
    for (name, value) in T::values(ws, r) {
        if !matches!(name, "workspace_id" | "id" | "created_at") {
            q.value(Alias::new(name), value);
        }
    }
    q.and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(r.id()))
        .and_where(col("version").eq(expected_version));
    if tx.execute(&q).await.map_err(T::write_error)? == 0 {
        return Err(StoreError::VersionMismatch);
    }
    T::write_side_rows(tx, ws, r).await?;
    tags::note_record(tx, ws, r).await?;
    if is_deleted {
        Ok(())
    } else {
        write_search::<T>(tx, ws, r).await
    }
}

/// Holds a live record's row until the transaction ends (PostgreSQL: a row lock, so two writes
/// that read it first run one after the other; SQLite writes are serial already); `false` when
/// it is missing or deleted.
pub async fn lock_live<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(Alias::new(T::TABLE))
        .value(Alias::new("version"), col("version"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .and_where(col("deleted_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Which records a sweep across a workspace visits.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// Those whose pointers point at this record (see [`crate::merges::Pointer`]).
    PointingAt(&'a [crate::merges::Pointer], Uuid),
    /// Those meeting a checked filter (`tags contains "vip"`), deleted ones included.
    Matching(&'a TypedExpr),
}

/// Records that `which` selects, deleted ones included, after `after` in id order, at most
/// `limit`: one page of a sweep across a workspace, each with whether it is deleted.
pub async fn page_where<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    which: Selection<'_>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<(T::Record, bool)>, StoreError> {
    let cond: Cond = match which {
        Selection::PointingAt(pointers, target) => crate::merges::pointing_at(ws, pointers, target),
        Selection::Matching(expr) => list::condition::<T>(tx.backend(), ws, expr),
    };
    let mut q = Query::select();
    q.from_as(n(T::TABLE), n("t"));
    for c in T::COLUMNS {
        q.column((n("t"), n(c)));
    }
    q.expr_as(tcol("t", "deleted_at").is_not_null(), n("deleted"))
        .and_where(tcol("t", "workspace_id").eq(ws.0))
        .cond_where(cond);
    if let Some(last) = after {
        q.and_where(tcol("t", "id").gt(last));
    }
    q.order_by((n("t"), n("id")), Order::Asc).limit(limit);
    let rows: Vec<T> = tx.fetch_all(&q).await?;
    rows.into_iter()
        .map(|row| {
            let deleted = row.is_deleted();
            Ok((row.into_record()?, deleted))
        })
        .collect()
}

/// Turns a live record at `expected_version` into a tombstone of a merge: deleted, naming the
/// record it was merged `into`, version + 1; its search document leaves. Tombstones that pointed
/// at it point at `into` from now on, so a chain of merges redirects in one step.
#[tracing::instrument(skip_all, fields(table = T::TABLE, workspace_id = %ws))]
pub async fn mark_merged<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    r: &T::Record,
    into: Uuid,
    now: DateTime<Utc>,
    expected_version: i64,
) -> Result<i64, StoreError> {
    if !T::MERGES {
        return Err(StoreError::Other(format!(
            "{} records do not merge",
            T::TABLE
        )));
    }
    let q = Query::update()
        .table(n(T::TABLE))
        .value(n("deleted_at"), now)
        .value(n("merged_into"), into)
        .value(n("updated_at"), now)
        .value(n("version"), expected_version + 1)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(r.id()))
        .and_where(col("deleted_at").is_null())
        .and_where(col("version").eq(expected_version))
        .to_owned();
    if tx.execute(&q).await? == 0 {
        return Err(StoreError::VersionMismatch);
    }
    let chain = Query::update()
        .table(n(T::TABLE))
        .value(n("merged_into"), into)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("merged_into").eq(r.id()))
        .to_owned();
    tx.execute(&chain).await?;
    search::remove(tx, ws, T::SEARCH_TYPE, r.id()).await?;
    Ok(expected_version + 1)
}

#[derive(sqlx::FromRow)]
struct MergedInto {
    merged_into: Option<Uuid>,
}

fn merged_into_query<T: Table>(ws: WorkspaceId, id: Uuid) -> SelectStatement {
    Query::select()
        .column(n("merged_into"))
        .from(n(T::TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .and_where(col("deleted_at").is_not_null())
        .to_owned()
}

/// The tombstone of a record merged into another: the record as it was and the survivor's id;
/// `None` for a live, missing or merely deleted record (or an object that does not merge).
pub async fn tombstone<T: Table>(
    db: &Db,
    ws: WorkspaceId,
    id: Uuid,
) -> Result<Option<(T::Record, Uuid)>, StoreError> {
    if !T::MERGES {
        return Ok(None);
    }
    let row: Option<MergedInto> = db.fetch_optional(&merged_into_query::<T>(ws, id)).await?;
    let Some(into) = row.and_then(|r| r.merged_into) else {
        return Ok(None);
    };
    let mut q = select::<T>(ws);
    q.and_where(col("id").eq(id));
    let row: Option<T> = db.fetch_optional(&q).await?;
    Ok(row.map(T::into_record).transpose()?.map(|r| (r, into)))
}

/// The record a deleted record was merged into, inside a write transaction; `None` when it was
/// not merged.
pub async fn merged_into<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
) -> Result<Option<Uuid>, StoreError> {
    if !T::MERGES {
        return Ok(None);
    }
    let row: Option<MergedInto> = tx.fetch_optional(&merged_into_query::<T>(ws, id)).await?;
    Ok(row.and_then(|r| r.merged_into))
}

/// Soft-deletes (`Some(time)`) or restores (`None`) a record at `expected_version`, bumping the
/// version; returns the new version. The search document leaves or comes back with it.
#[tracing::instrument(skip_all, fields(table = T::TABLE, workspace_id = %ws))]
pub async fn set_deleted<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    r: &T::Record,
    deleted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    expected_version: i64,
) -> Result<i64, StoreError> {
    let mut q = Query::update();
    q.table(Alias::new(T::TABLE))
        .value(Alias::new("deleted_at"), deleted_at)
        .value(Alias::new("updated_at"), now)
        .value(Alias::new("version"), expected_version + 1)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(r.id()))
        .and_where(col("version").eq(expected_version));
    // Restoring can meet a unique constraint another live record took meanwhile.
    if tx.execute(&q).await.map_err(T::write_error)? == 0 {
        return Err(StoreError::VersionMismatch);
    }
    if deleted_at.is_some() {
        search::remove(tx, ws, T::SEARCH_TYPE, r.id()).await?;
    } else {
        // A record back from the bin brings its tags back into the vocabulary if they left it.
        tags::note_record(tx, ws, r).await?;
        write_search::<T>(tx, ws, r).await?;
    }
    Ok(expected_version + 1)
}

/// A live record.
pub async fn find<T: Table>(
    db: &Db,
    ws: WorkspaceId,
    id: Uuid,
) -> Result<Option<T::Record>, StoreError> {
    let mut q = select::<T>(ws);
    q.and_where(col("id").eq(id))
        .and_where(col("deleted_at").is_null());
    let row: Option<T> = db.fetch_optional(&q).await?;
    row.map(T::into_record).transpose()
}

/// Live records among `ids`, in no particular order.
pub async fn find_many<T: Table>(
    db: &Db,
    ws: WorkspaceId,
    ids: &[Uuid],
) -> Result<Vec<T::Record>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = select::<T>(ws);
    q.and_where(col("id").is_in(ids.iter().copied()))
        .and_where(col("deleted_at").is_null());
    let rows: Vec<T> = db.fetch_all(&q).await?;
    rows.into_iter().map(T::into_record).collect()
}

/// A record inside a write transaction, deleted or not: `(record, is_deleted)`.
pub async fn find_for_write<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
) -> Result<Option<(T::Record, bool)>, StoreError> {
    let mut q = select::<T>(ws);
    q.and_where(col("id").eq(id))
        .expr_as(col("deleted_at").is_not_null(), Alias::new("deleted"));
    let Some(row) = tx.fetch_optional::<T>(&q).await? else {
        return Ok(None);
    };
    let deleted = row.is_deleted();
    Ok(Some((row.into_record()?, deleted)))
}

/// Whether a live record with this id exists, inside a write transaction.
pub async fn exists_live<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let mut q = select::<T>(ws);
    q.and_where(col("id").eq(id))
        .and_where(col("deleted_at").is_null());
    Ok(tx.fetch_optional::<T>(&q).await?.is_some())
}

/// Which of `ids` are live records, inside a write transaction (one query for a batch).
pub async fn live_ids<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = select::<T>(ws);
    q.and_where(col("id").is_in(ids.iter().copied()))
        .and_where(col("deleted_at").is_null());
    let rows: Vec<T> = tx.fetch_all(&q).await?;
    Ok(rows.iter().map(Listable::id).collect())
}

/// Live records matching `filter` (a column equal to a value), inside a write transaction.
pub async fn find_live_by<T: Table>(
    tx: &mut Tx,
    ws: WorkspaceId,
    column: &'static str,
    value: SimpleExpr,
) -> Result<Option<T::Record>, StoreError> {
    let mut q = select::<T>(ws);
    q.and_where(col(column).eq(value))
        .and_where(col("deleted_at").is_null())
        .limit(1);
    let row: Option<T> = tx.fetch_optional(&q).await?;
    row.map(T::into_record).transpose()
}

/// A page of live records.
pub async fn list<T: Table>(
    db: &Db,
    ws: WorkspaceId,
    p: ListParams<'_>,
) -> Result<Page<T::Record>, StoreError> {
    let page = list::list::<T>(db, ws, p).await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(T::into_record)
            .collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
        total: page.total,
    })
}
