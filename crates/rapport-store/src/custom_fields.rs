//! Custom fields in the database: the definitions (`custom_fields`), and the SQL that reads a
//! record's value of one field out of its `custom` JSON column, for filters, sorts, uniqueness
//! checks and the expression indexes that make filterable fields fast.
//!
//! Keys are checked by `rapport_domain::objects::custom_field::valid_key` (lower-case letters,
//! digits and `_`), which is what makes writing them into SQL text safe; every function here
//! refuses any other key.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{CustomFieldId, WorkspaceId};
use rapport_domain::objects::custom_field::{CustomFieldDraft, CustomType, valid_key};
use rapport_domain::objects::{CustomField, CustomValues};
use sea_query::{Expr, ExprTrait, Order, Query, SimpleExpr};
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::db::{Backend, Db, Tx};
use crate::error::{StoreError, is_unique_violation};
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;
use crate::sql::{col, n};

const TABLE: &str = "custom_fields";

/// The unique index on live definitions' keys per object.
pub const KEY_INDEX: &str = "custom_fields_workspace_key";

/// A definition row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct CustomFieldRow {
    id: Uuid,
    object: String,
    key: String,
    label: String,
    #[sqlx(rename = "type")]
    kind: String,
    description: Option<String>,
    options: String,
    target: Option<String>,
    required: bool,
    is_unique: bool,
    filterable: bool,
    position: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// Only selected by `records::find_for_write`.
    #[sqlx(default)]
    deleted: bool,
}

const COLUMNS: &[&str] = &[
    "id",
    "object",
    "key",
    "label",
    "type",
    "description",
    "options",
    "target",
    "required",
    "is_unique",
    "filterable",
    "position",
    "created_at",
    "updated_at",
    "version",
];

impl Listable for CustomFieldRow {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = COLUMNS;

    fn column(path: &str) -> Column {
        let name = match path {
            "object" => "object",
            "key" => "key",
            "label" => "label",
            "type" => "type",
            "required" => "required",
            "unique" => "is_unique",
            "filterable" => "filterable",
            "position" => "position",
            "created_at" => "created_at",
            "updated_at" => "updated_at",
            _ => "id",
        };
        Column::Plain {
            name,
            empty_is_null: false,
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "key" => CursorValue::Text(self.key.clone()),
            "label" => CursorValue::Text(self.label.clone()),
            "position" => CursorValue::Int(self.position),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored custom field {what} unreadable: {e}"))
}

impl Table for CustomFieldRow {
    type Record = CustomField;
    const SEARCH_TYPE: &'static str = search::CUSTOM_FIELD;

    fn into_record(self) -> Result<CustomField, StoreError> {
        let options: Vec<String> =
            serde_json::from_str(&self.options).map_err(|e| corrupt("options", e))?;
        let kind = CustomType::parse(&self.kind).ok_or_else(|| corrupt("type", &self.kind))?;
        Ok(CustomField {
            id: CustomFieldId(self.id),
            fields: CustomFieldDraft {
                object: self.object,
                key: self.key,
                label: self.label,
                kind,
                description: self.description,
                options,
                target: self.target,
                required: self.required,
                unique: self.is_unique,
                filterable: self.filterable,
                position: self.position,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, c: &CustomField) -> Vec<(&'static str, SimpleExpr)> {
        let f = &c.fields;
        vec![
            ("workspace_id", ws.0.into()),
            ("id", c.id.0.into()),
            ("object", f.object.clone().into()),
            ("key", f.key.clone().into()),
            ("label", f.label.clone().into()),
            ("type", f.kind.as_str().into()),
            ("description", f.description.clone().into()),
            (
                "options",
                serde_json::to_string(&f.options)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
            ),
            ("target", f.target.clone().into()),
            ("required", f.required.into()),
            ("is_unique", f.unique.into()),
            ("filterable", f.filterable.into()),
            ("position", f.position.into()),
            ("created_at", c.created_at.into()),
            ("updated_at", c.updated_at.into()),
            ("version", c.version.into()),
        ]
    }

    fn search_text(c: &CustomField) -> (String, String) {
        (c.fields.label.clone(), c.fields.key.clone())
    }

    fn write_error(e: sqlx::Error) -> StoreError {
        if is_unique_violation(&e) {
            StoreError::Conflict {
                constraint: KEY_INDEX,
            }
        } else {
            e.into()
        }
    }
}

fn live_query(ws: WorkspaceId, object: &str) -> sea_query::SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.iter().map(|c| n(c)))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("object").eq(object))
        .and_where(col("deleted_at").is_null())
        .order_by(n("position"), Order::Asc)
        .order_by(n("id"), Order::Asc);
    q
}

/// The live definitions of one object in a workspace, in display order.
pub async fn live(db: &Db, ws: WorkspaceId, object: &str) -> Result<Vec<CustomField>, StoreError> {
    let rows: Vec<CustomFieldRow> = db.fetch_all(&live_query(ws, object)).await?;
    rows.into_iter().map(Table::into_record).collect()
}

/// [`live`], read in a write's transaction: the definitions its checks apply are the ones that
/// commit with it, and a writer holding a connection never waits for a second one.
pub async fn live_in(
    tx: &mut Tx,
    ws: WorkspaceId,
    object: &str,
) -> Result<Vec<CustomField>, StoreError> {
    let rows: Vec<CustomFieldRow> = tx.fetch_all(&live_query(ws, object)).await?;
    rows.into_iter().map(Table::into_record).collect()
}

/// Every live definition of a workspace, in display order.
pub async fn all_live(db: &Db, ws: WorkspaceId) -> Result<Vec<CustomField>, StoreError> {
    let mut q = Query::select();
    q.columns(COLUMNS.iter().map(|c| n(c)))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("deleted_at").is_null())
        .order_by(n("object"), Order::Asc)
        .order_by(n("position"), Order::Asc)
        .order_by(n("id"), Order::Asc);
    let rows: Vec<CustomFieldRow> = db.fetch_all(&q).await?;
    rows.into_iter().map(Table::into_record).collect()
}

/// The live record-reference definitions (of any object) whose values point at records of
/// `target`, read in the transaction of a merge that moves those values to the survivor.
pub async fn referring_to(
    tx: &mut Tx,
    ws: WorkspaceId,
    target: &str,
) -> Result<Vec<CustomField>, StoreError> {
    let mut q = Query::select();
    q.columns(COLUMNS.iter().map(|c| n(c)))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("type").eq(CustomType::Record.as_str()))
        .and_where(col("target").eq(target))
        .and_where(col("deleted_at").is_null())
        .order_by(n("object"), Order::Asc)
        .order_by(n("id"), Order::Asc);
    let rows: Vec<CustomFieldRow> = tx.fetch_all(&q).await?;
    rows.into_iter().map(Table::into_record).collect()
}

/// How many live definitions an object has in a workspace, other than `except`.
pub async fn count_live(
    tx: &mut Tx,
    ws: WorkspaceId,
    object: &str,
    except: Uuid,
) -> Result<i64, StoreError> {
    let mut q = Query::select();
    q.expr_as(Expr::cust("COUNT(*)"), n("n"))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("object").eq(object))
        .and_where(col("id").ne(except))
        .and_where(col("deleted_at").is_null());
    let row: Option<(i64,)> = tx.fetch_optional(&q).await?;
    Ok(row.map_or(0, |(n,)| n))
}

fn checked(key: &str) -> Result<&str, StoreError> {
    if valid_key(key) {
        Ok(key)
    } else {
        Err(StoreError::Other(format!(
            "'{key}' is not a custom field key"
        )))
    }
}

/// The SQL expression reading one field's value from the `custom` column of the row aliased
/// `t` (or unaliased when `alias` is empty), typed so comparisons, sorts and indexes agree:
/// numbers and money amounts as numbers, flags as booleans, everything else as text. On
/// PostgreSQL a value is only cast when its JSON type is the expected one, so a key that another
/// workspace uses with another type can never make a cast fail.
pub fn value_sql(
    backend: Backend,
    alias: &str,
    key: &str,
    kind: CustomType,
) -> Result<String, StoreError> {
    let key = checked(key)?;
    let column = if alias.is_empty() {
        "custom".to_owned()
    } else {
        format!("\"{alias}\".\"custom\"")
    };
    Ok(match backend {
        Backend::Sqlite => match kind {
            CustomType::Money => format!(
                "CAST(ROUND(CAST(json_extract({column}, '$.{key}.amount') AS REAL) * 10000) AS INTEGER)"
            ),
            _ => format!("json_extract({column}, '$.{key}')"),
        },
        Backend::Postgres => {
            let j = format!("({column}::jsonb -> '{key}')");
            match kind {
                CustomType::Number => format!(
                    "(CASE WHEN jsonb_typeof({j}) = 'number' THEN ({j} #>> '{{}}')::numeric END)"
                ),
                CustomType::Money => format!(
                    "(CASE WHEN jsonb_typeof({j} -> 'amount') = 'string' \
                     THEN round(({j} ->> 'amount')::numeric * 10000)::bigint END)"
                ),
                CustomType::Boolean => format!(
                    "(CASE WHEN jsonb_typeof({j}) = 'boolean' THEN ({j} #>> '{{}}')::boolean END)"
                ),
                // "C" like Rapport's sortable text columns: byte order, the same on every
                // server, which cursors rely on.
                _ => format!("(({column}::jsonb ->> '{key}') COLLATE \"C\")"),
            }
        }
    })
}

/// The SQL of a multi-select field's array, for membership tests, on the row aliased `t`.
pub fn array_sql(backend: Backend, key: &str) -> Result<String, StoreError> {
    let key = checked(key)?;
    Ok(match backend {
        Backend::Sqlite => format!("json_each(\"t\".\"custom\", '$.{key}')"),
        Backend::Postgres => format!(
            "jsonb_array_elements_text(CASE WHEN jsonb_typeof(\"t\".\"custom\"::jsonb -> '{key}') = 'array' \
             THEN \"t\".\"custom\"::jsonb -> '{key}' ELSE '[]'::jsonb END) AS e(v)"
        ),
    })
}

/// The name of the expression index of a filterable field.
fn index_name(table: &str, key: &str) -> String {
    format!("custom_{table}_{key}")
}

/// The statement creating a filterable field's expression index if it does not exist. The
/// index serves every workspace that has a field with this key on this object; its expression
/// reads the value the way [`value_sql`] does for `kind`, so the planner matches them.
fn create_index_sql(
    backend: Backend,
    concurrently: bool,
    table: &str,
    key: &str,
    kind: CustomType,
) -> Result<String, StoreError> {
    let key = checked(key)?;
    let expr = value_sql(backend, "", key, kind)?;
    let name = index_name(table, key);
    let how = if concurrently { " CONCURRENTLY" } else { "" };
    // The index name carries the key only, so two workspaces using one key with different
    // types share the first one's expression; text and numbers then still filter correctly,
    // only without the index.
    Ok(format!(
        "CREATE INDEX{how} IF NOT EXISTS {name} ON {table} (workspace_id, ({expr})) WHERE deleted_at IS NULL"
    ))
}

/// On SQLite, creates a filterable field's index in the definition's transaction (SQLite has
/// one writer: a concurrent build would gain nothing). On PostgreSQL nothing: a plain `CREATE
/// INDEX` would hold back every write to the table while it reads it, so
/// [`build_index_online`] builds the index once the definition is committed.
pub async fn ensure_index(
    tx: &mut Tx,
    table: &str,
    key: &str,
    kind: CustomType,
) -> Result<(), StoreError> {
    match tx.backend() {
        Backend::Sqlite => {
            let sql = create_index_sql(Backend::Sqlite, false, table, key, kind)?;
            tx.execute_ddl(&sql).await
        }
        Backend::Postgres => Ok(()),
    }
}

/// On PostgreSQL, builds a filterable field's index with `CREATE INDEX CONCURRENTLY`, which
/// lets writes to the table go on meanwhile; an index that an interrupted build left invalid
/// is dropped and built again. On SQLite nothing: [`ensure_index`] made it.
pub async fn build_index_online(
    db: &Db,
    table: &str,
    key: &str,
    kind: CustomType,
) -> Result<(), StoreError> {
    if db.backend() != Backend::Postgres {
        return Ok(());
    }
    let name = index_name(table, checked(key)?);
    let q = Query::select()
        .column(n("indisvalid"))
        .from(n("pg_index"))
        .and_where(Expr::cust_with_values(
            "indexrelid = to_regclass($1)",
            [name.clone()],
        ))
        .to_owned();
    match db.fetch_optional::<(bool,)>(&q).await? {
        Some((true,)) => return Ok(()),
        Some((false,)) => {
            db.execute_outside_tx(&format!("DROP INDEX CONCURRENTLY IF EXISTS {name}"))
                .await?;
        }
        None => {}
    }
    let sql = create_index_sql(Backend::Postgres, true, table, key, kind)?;
    db.execute_outside_tx(&sql).await
}

/// Drops a field's expression index when no live filterable definition other than `except`
/// (the one being deleted) uses its key on this object in any workspace any more.
pub async fn drop_index_if_unused(
    tx: &mut Tx,
    object: &str,
    table: &str,
    key: &str,
    except: Uuid,
) -> Result<(), StoreError> {
    let key = checked(key)?;
    let mut q = Query::select();
    q.expr_as(Expr::cust("COUNT(*)"), n("n"))
        .from(n(TABLE))
        .and_where(col("object").eq(object))
        .and_where(col("key").eq(key))
        .and_where(col("filterable").eq(true))
        .and_where(col("id").ne(except))
        .and_where(col("deleted_at").is_null());
    let row: Option<(i64,)> = tx.fetch_optional(&q).await?;
    if row.is_some_and(|(n,)| n > 0) {
        return Ok(());
    }
    tx.execute_ddl(&format!("DROP INDEX IF EXISTS {}", index_name(table, key)))
        .await
}

/// Removes one field's values from every record of an object in a workspace (the field was
/// deleted: a new field may reuse its key with another type).
pub async fn purge(
    tx: &mut Tx,
    ws: WorkspaceId,
    table: &str,
    key: &str,
) -> Result<u64, StoreError> {
    let key = checked(key)?;
    let removed = match tx.backend() {
        Backend::Sqlite => format!("json_remove(custom, '$.{key}')"),
        Backend::Postgres => format!("(custom::jsonb - '{key}')::text"),
    };
    let present = match tx.backend() {
        Backend::Sqlite => format!("json_type(custom, '$.{key}') IS NOT NULL"),
        Backend::Postgres => format!("custom::jsonb ? '{key}'"),
    };
    let mut q = Query::update();
    q.table(n(table))
        .value(n("custom"), Expr::cust(removed))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(Expr::cust(present));
    Ok(tx.execute(&q).await?)
}

/// A live record of the workspace other than `except` whose value of a unique field equals
/// `value` (already canonical), if any. On PostgreSQL the check takes a transaction-scoped
/// advisory lock on the field first, so two concurrent writes of one value cannot both pass;
/// SQLite's single writer serialises them already.
pub async fn holder(
    tx: &mut Tx,
    ws: WorkspaceId,
    table: &str,
    key: &str,
    kind: CustomType,
    value: &serde_json::Value,
    except: Uuid,
) -> Result<Option<Uuid>, StoreError> {
    let backend = tx.backend();
    if backend == Backend::Postgres {
        let lock = format!("custom-unique:{ws}:{table}:{}", checked(key)?);
        let q = Query::select()
            .expr_as(
                Expr::cust_with_values("pg_advisory_xact_lock(hashtextextended($1, 0))", [lock]),
                n("locked"),
            )
            .to_owned();
        tx.execute(&q).await?;
    }
    let expr = value_sql(backend, "t", key, kind)?;
    let bound: sea_query::Value = match value {
        serde_json::Value::String(s) => s.clone().into(),
        serde_json::Value::Number(num) => match (num.as_i64(), num.as_f64()) {
            (Some(i), _) if backend == Backend::Sqlite => i.into(),
            (_, Some(f)) => f.into(),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    #[derive(sqlx::FromRow)]
    struct Id {
        id: Uuid,
    }
    let mut q = Query::select();
    q.column((n("t"), n("id")))
        .from_as(n(table), n("t"))
        .and_where(Expr::col((n("t"), n("workspace_id"))).eq(ws.0))
        .and_where(Expr::col((n("t"), n("deleted_at"))).is_null())
        .and_where(Expr::col((n("t"), n("id"))).ne(except))
        .and_where(Expr::cust(expr).eq(bound))
        .limit(1);
    let row: Option<Id> = tx.fetch_optional(&q).await?;
    Ok(row.map(|r| r.id))
}

/// Whether two or more live records of the workspace share a value of the field (before it is
/// made unique).
pub async fn has_duplicates(
    tx: &mut Tx,
    ws: WorkspaceId,
    table: &str,
    key: &str,
    kind: CustomType,
) -> Result<bool, StoreError> {
    let expr = value_sql(tx.backend(), "t", key, kind)?;
    let mut q = Query::select();
    q.expr_as(Expr::cust("COUNT(*)"), n("n"))
        .from_as(n(table), n("t"))
        .and_where(Expr::col((n("t"), n("workspace_id"))).eq(ws.0))
        .and_where(Expr::col((n("t"), n("deleted_at"))).is_null())
        .and_where(Expr::cust(format!("{expr} IS NOT NULL")))
        .add_group_by([Expr::cust(expr)])
        .and_having(Expr::cust("COUNT(*) > 1"))
        .limit(1);
    let row: Option<(i64,)> = tx.fetch_optional(&q).await?;
    Ok(row.is_some_and(|(n,)| n > 1))
}

/// Reads a row's stored custom values.
pub fn read_values(raw: &str) -> Result<CustomValues, StoreError> {
    CustomValues::from_json_text(raw).map_err(|e| corrupt("values", e))
}
