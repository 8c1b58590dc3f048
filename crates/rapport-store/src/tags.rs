//! The tag vocabulary: one row per tag of a workspace, added by every record write that carries a
//! tag not seen before (in the write's transaction, from [`crate::records`]), renamed, recoloured
//! and removed by managers. Records keep their tags in their own `tags` column; usage counts are
//! read from those columns.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use rapport_domain::objects::{Record, time};
use sea_query::{ExprTrait, OnConflict, Order, Query};
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{built, col, n};

const TABLE: &str = "tags";

/// How tags are compared: lower-cased, as `Tag::key` does (records hold each tag once by it).
pub fn key_of(name: &str) -> String {
    name.to_lowercase()
}

/// A tag of the vocabulary as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TagRow {
    /// The name lower-cased: the tag's identity in its workspace.
    pub name_key: String,
    /// The name as the vocabulary spells it.
    pub name: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// When a record first carried it.
    pub created_at: DateTime<Utc>,
    /// When it was last renamed or recoloured.
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &[&str] = &["name_key", "name", "color", "created_at", "updated_at"];

/// The tags of a record, read from its fields as the API shows them (the `tags` member), so
/// every object with tags feeds the vocabulary without saying so.
fn tags_of<R: Record>(r: &R) -> Vec<String> {
    match serde_json::to_value(r.fields()) {
        Ok(Value::Object(mut fields)) => match fields.remove("tags") {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Adds the tags of `names` the workspace's vocabulary does not have yet (first spelling wins).
pub async fn note(tx: &mut Tx, ws: WorkspaceId, names: &[String]) -> Result<(), StoreError> {
    if names.is_empty() {
        return Ok(());
    }
    let now = time::now_millis();
    let mut q = Query::insert();
    q.into_table(n(TABLE)).columns(
        [
            "workspace_id",
            "name_key",
            "name",
            "created_at",
            "updated_at",
        ]
        .map(n),
    );
    let mut seen = Vec::with_capacity(names.len());
    for name in names {
        let key = key_of(name);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        built(q.values([
            ws.0.into(),
            key.into(),
            name.clone().into(),
            now.into(),
            now.into(),
        ]))?;
    }
    q.on_conflict(
        OnConflict::columns(["workspace_id", "name_key"].map(n))
            .do_nothing()
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Adds the tags `r` carries to the vocabulary: the generic step of every record write.
pub async fn note_record<R: Record>(tx: &mut Tx, ws: WorkspaceId, r: &R) -> Result<(), StoreError> {
    note(tx, ws, &tags_of(r)).await
}

/// A page of the vocabulary in name order (case-insensitive), after the tag keyed `after`.
pub async fn page(
    db: &Db,
    ws: WorkspaceId,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<TagRow>, StoreError> {
    let mut q = Query::select();
    q.columns(COLUMNS.iter().map(|c| n(c)))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0));
    if let Some(key) = after {
        q.and_where(col("name_key").gt(key));
    }
    q.order_by(n("name_key"), Order::Asc).limit(limit);
    db.fetch_all(&q).await
}

/// Holds the tag's row until the transaction ends (PostgreSQL: a row lock, so two changes of one
/// tag run one after the other); `false` when the workspace has no such tag.
pub async fn lock(tx: &mut Tx, ws: WorkspaceId, key: &str) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(n(TABLE))
        .value(n("name"), col("name"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("name_key").eq(key))
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// One tag, inside a write transaction.
pub async fn find_for_write(
    tx: &mut Tx,
    ws: WorkspaceId,
    key: &str,
) -> Result<Option<TagRow>, StoreError> {
    let q = Query::select()
        .columns(COLUMNS.iter().map(|c| n(c)))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("name_key").eq(key))
        .to_owned();
    tx.fetch_optional(&q).await
}

/// Gives the tag keyed `key` a new name (and so possibly a new key) and colour.
pub async fn update(
    tx: &mut Tx,
    ws: WorkspaceId,
    key: &str,
    name: &str,
    color: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n(TABLE))
        .value(n("name_key"), key_of(name))
        .value(n("name"), name)
        .value(n("color"), color.map(str::to_owned))
        .value(n("updated_at"), now)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("name_key").eq(key))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Removes the tag keyed `key` from the vocabulary.
pub async fn remove(tx: &mut Tx, ws: WorkspaceId, key: &str) -> Result<(), StoreError> {
    let q = Query::delete()
        .from_table(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("name_key").eq(key))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Who a count is limited to: records whose `column` names one of `owners` (a record scope).
#[derive(Debug, Clone, Copy)]
pub struct Owners<'a> {
    /// The owner column (`owner_id`, `assignee_id`).
    pub column: &'static str,
    /// The owners reached.
    pub owners: &'a [Uuid],
}

/// How many live records of `table` hold each tag, by tag key. Membership in a JSON array is
/// dialect-specific, so each backend has its statement.
pub async fn usage(
    db: &Db,
    ws: WorkspaceId,
    table: &'static str,
    scope: Option<Owners<'_>>,
) -> Result<HashMap<String, i64>, StoreError> {
    if scope.is_some_and(|s| s.owners.is_empty()) {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, i64)> = if let Some(pool) = db.sqlite_reader() {
        let mut sql = format!(
            "SELECT j.value AS tag, COUNT(*) AS n FROM \"{table}\" AS t, json_each(t.tags) AS j \
             WHERE t.workspace_id = ? AND t.deleted_at IS NULL"
        );
        if let Some(s) = scope {
            let marks = vec!["?"; s.owners.len()].join(", ");
            sql.push_str(&format!(" AND t.\"{}\" IN ({marks})", s.column));
        }
        sql.push_str(" GROUP BY j.value");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ws.0);
        for o in scope.map(|s| s.owners).unwrap_or_default() {
            q = q.bind(*o);
        }
        q.fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("tag")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()?
    } else if let Some(pool) = db.postgres() {
        let mut sql = format!(
            "SELECT e.v AS tag, COUNT(*) AS n FROM \"{table}\" AS t, \
             jsonb_array_elements_text(t.tags::jsonb) AS e(v) \
             WHERE t.workspace_id = $1 AND t.deleted_at IS NULL"
        );
        if let Some(s) = scope {
            let marks: Vec<String> = (0..s.owners.len()).map(|i| format!("${}", i + 2)).collect();
            sql.push_str(&format!(
                " AND t.\"{}\" IN ({})",
                s.column,
                marks.join(", ")
            ));
        }
        sql.push_str(" GROUP BY e.v");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ws.0);
        for o in scope.map(|s| s.owners).unwrap_or_default() {
            q = q.bind(*o);
        }
        q.fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("tag")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()?
    } else {
        Vec::new()
    };
    // Records hold a tag once whatever its case, but two records may spell it differently.
    let mut out: HashMap<String, i64> = HashMap::new();
    for (tag, count) in rows {
        *out.entry(key_of(&tag)).or_default() += count;
    }
    Ok(out)
}

/// Collects the tags records already carry into the vocabulary (run once, after the migration
/// that creates it): every workspace, every tagged object, deleted records included. A tag's
/// spelling and creation time are those of the oldest record holding it.
pub async fn backfill(db: &Db) -> Result<(), StoreError> {
    let mut found: Vec<(Uuid, DateTime<Utc>, String)> = Vec::new();
    for schema in rapport_domain::schema::tagged() {
        let table = schema.name;
        if let Some(pool) = db.sqlite_writer() {
            let sql = format!(
                "SELECT t.workspace_id AS ws, j.value AS tag, MIN(t.created_at) AS first \
                 FROM \"{table}\" AS t, json_each(t.tags) AS j GROUP BY t.workspace_id, j.value"
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
            {
                found.push((r.try_get("ws")?, r.try_get("first")?, r.try_get("tag")?));
            }
        } else if let Some(pool) = db.postgres() {
            let sql = format!(
                "SELECT t.workspace_id AS ws, e.v AS tag, MIN(t.created_at) AS first \
                 FROM \"{table}\" AS t, jsonb_array_elements_text(t.tags::jsonb) AS e(v) \
                 GROUP BY t.workspace_id, e.v"
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
            {
                found.push((r.try_get("ws")?, r.try_get("first")?, r.try_get("tag")?));
            }
        }
    }
    // Oldest first, so the first spelling inserted for a key is the one that stays.
    found.sort();
    let mut tx = db.begin().await?;
    for chunk in found.chunks(200) {
        let mut q = Query::insert();
        q.into_table(n(TABLE)).columns(
            [
                "workspace_id",
                "name_key",
                "name",
                "created_at",
                "updated_at",
            ]
            .map(n),
        );
        for (ws, first, tag) in chunk {
            built(q.values([
                (*ws).into(),
                key_of(tag).into(),
                tag.clone().into(),
                (*first).into(),
                (*first).into(),
            ]))?;
        }
        q.on_conflict(
            OnConflict::columns(["workspace_id", "name_key"].map(n))
                .do_nothing()
                .to_owned(),
        );
        tx.execute(&q).await?;
    }
    tx.commit().await
}
