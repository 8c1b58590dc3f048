//! Associations between records, stored from both ends.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use sea_query::{ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n};

/// One end of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct End<'a> {
    /// Its object's API name.
    pub object: &'a str,
    /// Its id.
    pub id: Uuid,
}

/// An association as seen from one record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Association {
    /// The other record's object.
    pub to_type: String,
    /// The other record.
    pub to_id: Uuid,
    /// The label, if any.
    pub label: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Creates or relabels the association between `a` and `b`; `true` when it is new.
pub async fn put(
    tx: &mut Tx,
    ws: WorkspaceId,
    a: End<'_>,
    b: End<'_>,
    label: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let existed = get(tx, ws, a, b).await?.is_some();
    let mut q = Query::insert();
    q.into_table(n("associations")).columns(
        [
            "workspace_id",
            "from_type",
            "from_id",
            "to_type",
            "to_id",
            "label",
            "created_at",
        ]
        .map(n),
    );
    for (x, y) in [(a, b), (b, a)] {
        built(q.values([
            ws.0.into(),
            x.object.to_owned().into(),
            x.id.into(),
            y.object.to_owned().into(),
            y.id.into(),
            label.map(str::to_owned).into(),
            now.into(),
        ]))?;
    }
    q.on_conflict(
        OnConflict::columns(["workspace_id", "from_type", "from_id", "to_type", "to_id"].map(n))
            .update_columns([n("label")])
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(!existed)
}

/// The association between `a` and `b`, seen from `a`.
pub async fn get(
    tx: &mut Tx,
    ws: WorkspaceId,
    a: End<'_>,
    b: End<'_>,
) -> Result<Option<Association>, StoreError> {
    let q = Query::select()
        .columns(["to_type", "to_id", "label", "created_at"].map(n))
        .from(n("associations"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("from_type").eq(a.object))
        .and_where(col("from_id").eq(a.id))
        .and_where(col("to_type").eq(b.object))
        .and_where(col("to_id").eq(b.id))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// Removes the association between `a` and `b`; `true` when there was one.
pub async fn delete(
    tx: &mut Tx,
    ws: WorkspaceId,
    a: End<'_>,
    b: End<'_>,
) -> Result<bool, StoreError> {
    let mut removed = 0;
    for (x, y) in [(a, b), (b, a)] {
        let q = Query::delete()
            .from_table(n("associations"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("from_type").eq(x.object))
            .and_where(col("from_id").eq(x.id))
            .and_where(col("to_type").eq(y.object))
            .and_where(col("to_id").eq(y.id))
            .to_owned();
        removed += tx.execute(&q).await?;
    }
    Ok(removed > 0)
}

/// A record's associations with records of `to_type` (all types when `None`), oldest first,
/// at most `limit`.
pub async fn of(
    db: &Db,
    ws: WorkspaceId,
    a: End<'_>,
    to_type: Option<&str>,
    limit: u64,
) -> Result<Vec<Association>, StoreError> {
    let mut q = Query::select();
    q.columns(["to_type", "to_id", "label", "created_at"].map(n))
        .from(n("associations"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("from_type").eq(a.object))
        .and_where(col("from_id").eq(a.id))
        .order_by(n("to_type"), Order::Asc)
        .order_by(n("created_at"), Order::Asc)
        .order_by(n("to_id"), Order::Asc)
        .limit(limit);
    if let Some(t) = to_type {
        q.and_where(col("to_type").eq(t));
    }
    db.fetch_all(&q).await
}

/// Gives record `to` every association of record `from` (both of `object`), as a merge does:
/// where `to` is already associated with the same record, its association stays and takes
/// `from`'s label only if it had none; an association between the two records themselves is
/// dropped. Returns how many of `from`'s associations were moved or combined.
pub async fn move_all(
    tx: &mut Tx,
    ws: WorkspaceId,
    object: &str,
    from: Uuid,
    to: Uuid,
) -> Result<usize, StoreError> {
    let all_of = |id: Uuid| {
        Query::select()
            .columns(["to_type", "to_id", "label", "created_at"].map(n))
            .from(n("associations"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("from_type").eq(object))
            .and_where(col("from_id").eq(id))
            .to_owned()
    };
    let theirs: Vec<Association> = tx.fetch_all(&all_of(from)).await?;
    if theirs.is_empty() {
        return Ok(0);
    }
    let mine: HashMap<(String, Uuid), Option<String>> = tx
        .fetch_all::<Association>(&all_of(to))
        .await?
        .into_iter()
        .map(|a| ((a.to_type, a.to_id), a.label))
        .collect();
    let (loser, survivor) = (End { object, id: from }, End { object, id: to });
    for a in &theirs {
        let other = End {
            object: &a.to_type,
            id: a.to_id,
        };
        delete(tx, ws, loser, other).await?;
        if other == survivor {
            continue;
        }
        let keep = match mine.get(&(a.to_type.clone(), a.to_id)) {
            None => true,
            Some(label) => label.is_none() && a.label.is_some(),
        };
        if keep {
            put(tx, ws, survivor, other, a.label.as_deref(), a.created_at).await?;
        }
    }
    Ok(theirs.len())
}
