//! Writes and reads of any object, written once: each object's table says how its record maps to
//! columns, what its search document is and which rows it keeps in step; everything here runs in
//! the caller's transaction, so the record, its side rows and its search document commit together.

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use rapport_domain::objects::Record;
use sea_query::{Alias, ExprTrait, Query, SelectStatement, SimpleExpr};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::list::{self, ListParams, Listable, Page};
use crate::search;
use crate::sql::col;

/// How one object is stored.
pub trait Table: Listable {
    /// The domain record.
    type Record: Record;
    /// `object_type` in the search index.
    const SEARCH_TYPE: &'static str;

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
    write_search::<T>(tx, ws, r).await
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
