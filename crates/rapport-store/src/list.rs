//! Lists for every object: a checked filter, a sort and a cursor turned into one sea-query
//! statement that renders for SQLite and PostgreSQL alike.

use chrono::{DateTime, Utc};
use rapport_domain::filter::Op;
use rapport_domain::ids::WorkspaceId;
use rapport_domain::objects::custom_field::{CustomSpec, CustomType, format_instant};
use rapport_domain::query::{
    FieldRef, Scalar, SortKey, TypedCond, TypedExpr, TypedValue, sort_signature,
};
use sea_query::{
    Alias, Cond, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement, SimpleExpr, Value,
};
use uuid::Uuid;

use crate::cursor::{self, CursorValue};
use crate::custom_fields::{array_sql, value_sql};
use crate::db::{AnyRow, Backend, Db};
use crate::error::StoreError;

/// How a filter or sort path maps to storage.
#[derive(Debug, Clone, Copy)]
pub enum Column {
    /// A plain column; `empty_is_null` when absent values are stored as '' (sortable text).
    Plain {
        /// Column name.
        name: &'static str,
        /// '' means absent.
        empty_is_null: bool,
    },
    /// One of the contact's channels (`contact_channels.kind`), matched by subquery; `summary` is
    /// the column that is '' or '[]' when the contact has none.
    Channel {
        /// `email` or `phone`.
        kind: &'static str,
        /// Column used for `is_null`.
        summary: &'static str,
        /// The value `summary` holds when there is none.
        empty: &'static str,
    },
    /// A JSON array of tags in a text column.
    Tags {
        /// Column name.
        name: &'static str,
    },
    /// One of several values kept in a side table, one row per value (an appointment's
    /// attendees and linked records), matched by subquery: `eq` and `in` find records with such
    /// a row, `ne` those without, `is_null` those with none at all.
    Side {
        /// The side table.
        table: &'static str,
        /// Its column holding the record's id.
        parent: &'static str,
        /// A `(column, value)` the rows must also have (the kind of attendee), if any.
        only: Option<(&'static str, &'static str)>,
        /// Its column holding the value compared.
        value: &'static str,
    },
    /// Filtered on one column and sorted on another that orders it meaningfully (an enum's
    /// name and its rank: priorities sort by urgency, not alphabetically).
    Ranked {
        /// The column filters compare (the value clients write).
        name: &'static str,
        /// The column sorts and cursors use.
        rank: &'static str,
    },
    /// A computed flag: a deadline missed. True when `done` is later than `due`, or when `done`
    /// is empty and `due` has passed at the time of the request; never true without a `due`.
    DeadlineBreached {
        /// When the work was done (empty while it is not).
        done: &'static str,
        /// When it was due.
        due: &'static str,
    },
}

/// A table that lists: its name, columns and how paths map to columns.
pub trait Listable: AnyRow {
    /// Table name.
    const TABLE: &'static str;
    /// Columns to select.
    const COLUMNS: &'static [&'static str];
    /// Storage of a filter/sort path (paths come from the object's schema, so all are known).
    fn column(path: &str) -> Column;
    /// The row's id.
    fn id(&self) -> Uuid;
    /// The row's value for a sortable path, as stored.
    fn sort_value(&self, path: &str) -> CursorValue;
    /// The column a sortable path orders by (and cursors compare), by default the one it
    /// filters on. A nullable field sorts on a NOT NULL companion column instead (a task's due
    /// time, with a far-future stand-in for "none"): keyset pagination cannot compare NULLs.
    fn sort_column(path: &str) -> &'static str {
        match Self::column(path) {
            Column::Plain { name, .. }
            | Column::Channel { summary: name, .. }
            | Column::Tags { name }
            | Column::Ranked { rank: name, .. }
            | Column::DeadlineBreached { due: name, .. } => name,
            // Never sortable (the schema says so); the id keeps the order total regardless.
            Column::Side { .. } => "id",
        }
    }

    /// The row's stored custom field values (JSON text), for tables that have them: what a
    /// cursor after a row sorted on `custom.<key>` reads.
    fn custom_values(&self) -> Option<&str> {
        None
    }

    /// What a listed row must also meet beyond being live in the workspace, written against the
    /// table aliased `t` (a campaign member is hidden while its contact is deleted).
    fn visible(ws: WorkspaceId) -> Option<SimpleExpr> {
        let _ = ws;
        None
    }
}

/// A list request.
#[derive(Debug, Clone, Copy)]
pub struct ListParams<'a> {
    /// The checked filter.
    pub filter: Option<&'a TypedExpr>,
    /// The sort (non-empty).
    pub sort: &'a [SortKey],
    /// Page size.
    pub limit: u32,
    /// Cursor from a previous page.
    pub cursor: Option<&'a str>,
    /// Count matching rows (bounded).
    pub include_total: bool,
}

/// The most rows `include_total` counts before answering with an estimate instead.
pub const TOTAL_CAP: i64 = 100_000;

/// A total count: exact, or a lower bound when over [`TOTAL_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    /// Exact count.
    Exact(i64),
    /// At least this many.
    AtLeast(i64),
}

/// One page of rows.
#[derive(Debug)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Cursor for the next page.
    pub next_cursor: Option<String>,
    /// The total, when asked.
    pub total: Option<Total>,
}

fn col(name: &'static str) -> Expr {
    Expr::col((Alias::new("t"), Alias::new(name)))
}

fn scalar_value(s: &Scalar) -> Value {
    match s {
        Scalar::Text(t) => t.clone().into(),
        Scalar::Int(i) => (*i).into(),
        Scalar::Time(t) => (*t).into(),
        Scalar::Uuid(u) => (*u).into(),
        Scalar::Bool(b) => (*b).into(),
        Scalar::Float(f) => (*f).into(),
    }
}

/// A value as custom fields store it: ids as text and instants in their fixed-width text form
/// (they live in JSON, not in typed columns).
fn custom_scalar_value(s: &Scalar) -> Value {
    match s {
        Scalar::Uuid(u) => u.to_string().into(),
        Scalar::Time(t) => format_instant(*t).into(),
        other => scalar_value(other),
    }
}

/// A condition that matches nothing: what a comparison the checker never builds renders as.
fn never() -> SimpleExpr {
    Expr::val(1).eq(0)
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The base statement: live rows of one workspace.
fn base<R: Listable>(ws: WorkspaceId) -> SelectStatement {
    let mut q = Query::select();
    q.from_as(Alias::new(R::TABLE), Alias::new("t"));
    for c in R::COLUMNS {
        q.column((Alias::new("t"), Alias::new(*c)));
    }
    q.and_where(col("workspace_id").eq(ws.0))
        .and_where(col("deleted_at").is_null());
    if let Some(visible) = R::visible(ws) {
        q.and_where(visible);
    }
    q
}

/// Renders a checked filter as a condition.
pub fn condition<R: Listable>(backend: Backend, ws: WorkspaceId, expr: &TypedExpr) -> Cond {
    match expr {
        TypedExpr::And(items) => items
            .iter()
            .fold(Cond::all(), |c, e| c.add(condition::<R>(backend, ws, e))),
        TypedExpr::Or(items) => items
            .iter()
            .fold(Cond::any(), |c, e| c.add(condition::<R>(backend, ws, e))),
        // `NOT COALESCE(x, FALSE)` rather than `NOT x`: a comparison with an empty field is NULL,
        // and "not X" must include those records, as `ne` does.
        TypedExpr::Not(inner) => Cond::all().add(
            Func::coalesce([
                Expr::from(condition::<R>(backend, ws, inner)),
                Expr::cust("FALSE"),
            ])
            .not(),
        ),
        TypedExpr::Cond(c) => Cond::all().add(comparison::<R>(backend, ws, c)),
    }
}

fn comparison<R: Listable>(backend: Backend, ws: WorkspaceId, c: &TypedCond) -> SimpleExpr {
    if let FieldRef::Custom(spec) = &c.field {
        return custom(backend, spec, c);
    }
    match R::column(c.field.path()) {
        Column::Plain {
            name,
            empty_is_null,
        } => plain(backend, name, empty_is_null, c),
        Column::Channel {
            kind,
            summary,
            empty,
        } => channel(ws, kind, summary, empty, c),
        Column::Tags { name } => tags(backend, name, c),
        Column::Side {
            table,
            parent,
            only,
            value,
        } => side(ws, table, parent, only, value, c),
        Column::Ranked { name, .. } => plain(backend, name, false, c),
        Column::DeadlineBreached { done, due } => deadline_breached(done, due, c, Utc::now()),
    }
}

/// `flag eq true|false` (or `ne`) on a missed deadline, judged at `now`.
fn deadline_breached(
    done: &'static str,
    due: &'static str,
    c: &TypedCond,
    now: DateTime<Utc>,
) -> SimpleExpr {
    let wanted = match (c.op, &c.value) {
        (Op::Eq, TypedValue::One(Scalar::Bool(b))) => *b,
        (Op::Ne, TypedValue::One(Scalar::Bool(b))) => !*b,
        _ => return Expr::val(1).eq(0),
    };
    let late = col(done).is_not_null().and(col(done).gt(col(due)));
    let overdue = col(done).is_null().and(col(due).lt(now));
    let breached = late.or(overdue);
    if wanted {
        breached
    } else {
        // Without a due time the comparisons are NULL: such a row is not breached.
        Func::coalesce([breached, Expr::cust("FALSE")]).not()
    }
}

fn plain(backend: Backend, name: &'static str, empty_is_null: bool, c: &TypedCond) -> SimpleExpr {
    let null = if empty_is_null {
        col(name).eq("")
    } else {
        col(name).is_null()
    };
    let target = format!("\"t\".\"{name}\"");
    compare(backend, || col(name), &target, &null, c, scalar_value)
}

/// A custom field's condition: its value read from the record's `custom` JSON.
fn custom(backend: Backend, spec: &CustomSpec, c: &TypedCond) -> SimpleExpr {
    if spec.kind == CustomType::MultiSelect {
        return custom_choices(backend, spec, c);
    }
    let Ok(sql) = value_sql(backend, "t", &spec.key, spec.kind) else {
        return never();
    };
    let null = Expr::cust(format!("{sql} IS NULL"));
    compare(
        backend,
        || Expr::cust(sql.clone()),
        &sql,
        &null,
        c,
        custom_scalar_value,
    )
}

/// A multi-select field: `contains` tests membership of one option, `is_null` emptiness.
fn custom_choices(backend: Backend, spec: &CustomSpec, c: &TypedCond) -> SimpleExpr {
    let Ok(from) = array_sql(backend, &spec.key) else {
        return never();
    };
    let (value, placeholder) = match backend {
        Backend::Sqlite => ("value", "?"),
        Backend::Postgres => ("e.v", "$1"),
    };
    let any = format!("EXISTS (SELECT 1 FROM {from})");
    match (c.op, &c.value) {
        (Op::IsNull, TypedValue::IsNull(true)) => Expr::cust(format!("NOT {any}")),
        (Op::IsNull, TypedValue::IsNull(false)) => Expr::cust(any),
        (Op::Contains, TypedValue::One(Scalar::Text(option))) => Expr::cust_with_values(
            format!("EXISTS (SELECT 1 FROM {from} WHERE {value} = {placeholder})"),
            [option.clone()],
        ),
        _ => never(),
    }
}

/// One comparison of `target` (whose SQL text is `target_sql`, for text matching) with the
/// condition's value(s), converted by `value`; `null` tests that the field is empty.
fn compare(
    backend: Backend,
    target: impl Fn() -> Expr,
    target_sql: &str,
    null: &SimpleExpr,
    c: &TypedCond,
    value: fn(&Scalar) -> Value,
) -> SimpleExpr {
    let one = |v: &TypedValue| match v {
        TypedValue::One(s) => value(s),
        _ => Value::String(None),
    };
    let is_null = |flag: bool| {
        if flag {
            null.clone()
        } else {
            null.clone().not()
        }
    };
    match (c.op, &c.value) {
        (Op::IsNull, TypedValue::IsNull(flag)) => is_null(*flag),
        (Op::Eq, v) => target().eq(one(v)),
        // "not equal" includes records where the field is empty, as a person reading it expects.
        (Op::Ne, v) => target().ne(one(v)).or(is_null(true)),
        (Op::Lt, v) => target().lt(one(v)),
        (Op::Lte, v) => target().lte(one(v)),
        (Op::Gt, v) => target().gt(one(v)),
        (Op::Gte, v) => target().gte(one(v)),
        (Op::In, TypedValue::Many(items)) => target().is_in(items.iter().map(value)),
        (Op::InPeriod, TypedValue::Range(start, end)) => {
            let (start, end) = period_bounds(c, *start, *end);
            target().gte(value(&start)).and(target().lt(value(&end)))
        }
        (Op::Contains | Op::StartsWith, TypedValue::One(Scalar::Text(s))) => {
            let anchor = if c.op == Op::Contains {
                Anchor::Anywhere
            } else {
                Anchor::Start
            };
            let (test, pattern) = text_match(backend, target_sql, s, anchor);
            Expr::cust_with_values(test, [pattern])
        }
        // The checker only builds the pairs above; anything else matches nothing rather than all.
        _ => never(),
    }
}

/// The bounds of an `in_period` range as the field stores them: instants for timestamps, and
/// for dates (`YYYY-MM-DD` text) the first day of the period and the first day after it.
fn period_bounds(c: &TypedCond, start: DateTime<Utc>, end: DateTime<Utc>) -> (Scalar, Scalar) {
    if c.field.kind() == rapport_domain::schema::FieldKind::Date {
        let day = |t: DateTime<Utc>| Scalar::Text(t.date_naive().format("%Y-%m-%d").to_string());
        (day(start), day(end))
    } else {
        (Scalar::Time(start), Scalar::Time(end))
    }
}

/// Where a case-insensitive text match must sit in the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// Anywhere (`contains`).
    Anywhere,
    /// At the start (`starts_with`).
    Start,
    /// The whole value (tag membership).
    Whole,
}

/// Case-insensitive match of `column` against `needle`, for every letter (not only ASCII). The
/// dialects differ: SQLite's `lower()` and `LIKE` fold ASCII only, so SQLite uses the REGEXP
/// function sqlx provides (Rust's regex, `(?i)`); PostgreSQL lower-cases under the database's
/// default collation, since Rapport's sortable columns use "C", which folds ASCII only.
/// Returns the SQL test (one placeholder) and the value to bind.
fn text_match(backend: Backend, column: &str, needle: &str, anchor: Anchor) -> (String, String) {
    match backend {
        Backend::Sqlite => {
            let (start, end) = match anchor {
                Anchor::Anywhere => ("", ""),
                Anchor::Start => ("^", ""),
                Anchor::Whole => ("^", "$"),
            };
            let pattern = format!("(?i){start}{}{end}", regex::escape(needle));
            (format!("{column} REGEXP ?"), pattern)
        }
        Backend::Postgres => {
            let folded = like_escape(&needle.to_lowercase());
            let pattern = match anchor {
                Anchor::Anywhere => format!("%{folded}%"),
                Anchor::Start => format!("{folded}%"),
                Anchor::Whole => folded,
            };
            (
                format!("lower({column} COLLATE \"default\") LIKE $1 ESCAPE '\\'"),
                pattern,
            )
        }
    }
}

fn channel(
    ws: WorkspaceId,
    kind: &'static str,
    summary: &'static str,
    empty: &'static str,
    c: &TypedCond,
) -> SimpleExpr {
    let sub = |value_cond: SimpleExpr| {
        let mut q = Query::select();
        q.column(Alias::new("contact_id"))
            .from(Alias::new("contact_channels"))
            .and_where(Expr::col(Alias::new("workspace_id")).eq(ws.0))
            .and_where(Expr::col(Alias::new("kind")).eq(kind))
            .and_where(value_cond);
        col("id").in_subquery(q)
    };
    let value = || Expr::col(Alias::new("value"));
    match (c.op, &c.value) {
        (Op::IsNull, TypedValue::IsNull(true)) => col(summary).eq(empty),
        (Op::IsNull, TypedValue::IsNull(false)) => col(summary).ne(empty),
        (Op::Eq, TypedValue::One(s)) => sub(value().eq(scalar_value(s))),
        (Op::In, TypedValue::Many(items)) => sub(value().is_in(items.iter().map(scalar_value))),
        (Op::StartsWith, TypedValue::One(Scalar::Text(s))) => {
            sub(value().like(LikeExpr::new(format!("{}%", like_escape(s))).escape('\\')))
        }
        _ => Expr::val(1).eq(0),
    }
}

fn side(
    ws: WorkspaceId,
    table: &'static str,
    parent: &'static str,
    only: Option<(&'static str, &'static str)>,
    value: &'static str,
    c: &TypedCond,
) -> SimpleExpr {
    let sub = |value_cond: Option<SimpleExpr>| {
        let mut q = Query::select();
        q.column(Alias::new(parent))
            .from(Alias::new(table))
            .and_where(Expr::col(Alias::new("workspace_id")).eq(ws.0));
        if let Some((column, wanted)) = only {
            q.and_where(Expr::col(Alias::new(column)).eq(wanted));
        }
        if let Some(cond) = value_cond {
            q.and_where(cond);
        }
        q
    };
    let v = || Expr::col(Alias::new(value));
    match (c.op, &c.value) {
        (Op::IsNull, TypedValue::IsNull(true)) => col("id").not_in_subquery(sub(None)),
        (Op::IsNull, TypedValue::IsNull(false)) => col("id").in_subquery(sub(None)),
        (Op::Eq, TypedValue::One(s)) => col("id").in_subquery(sub(Some(v().eq(scalar_value(s))))),
        // "Not attended by X" includes appointments nobody attends, as `ne` does elsewhere.
        (Op::Ne, TypedValue::One(s)) => {
            col("id").not_in_subquery(sub(Some(v().eq(scalar_value(s)))))
        }
        (Op::In, TypedValue::Many(items)) => {
            col("id").in_subquery(sub(Some(v().is_in(items.iter().map(scalar_value)))))
        }
        // Comparisons and periods find records with one side row meeting the whole condition
        // ("a milestone due this week"), which two separate conditions could not say.
        (Op::Lt, TypedValue::One(s)) => col("id").in_subquery(sub(Some(v().lt(scalar_value(s))))),
        (Op::Lte, TypedValue::One(s)) => col("id").in_subquery(sub(Some(v().lte(scalar_value(s))))),
        (Op::Gt, TypedValue::One(s)) => col("id").in_subquery(sub(Some(v().gt(scalar_value(s))))),
        (Op::Gte, TypedValue::One(s)) => col("id").in_subquery(sub(Some(v().gte(scalar_value(s))))),
        (Op::InPeriod, TypedValue::Range(start, end)) => {
            let (start, end) = period_bounds(c, *start, *end);
            let (start, end) = (scalar_value(&start), scalar_value(&end));
            col("id").in_subquery(sub(Some(v().gte(start).and(v().lt(end)))))
        }
        _ => Expr::val(1).eq(0),
    }
}

fn tags(backend: Backend, name: &'static str, c: &TypedCond) -> SimpleExpr {
    match (c.op, &c.value) {
        (Op::IsNull, TypedValue::IsNull(flag)) => {
            if *flag {
                col(name).eq("[]")
            } else {
                col(name).ne("[]")
            }
        }
        (Op::Contains, TypedValue::One(Scalar::Text(tag))) => {
            // Membership in a JSON array is dialect-specific; this is the one place it lives.
            let (from, value) = match backend {
                Backend::Sqlite => (format!("json_each(\"t\".\"{name}\")"), "value"),
                Backend::Postgres => (
                    format!("jsonb_array_elements_text(\"t\".\"{name}\"::jsonb) AS e(v)"),
                    "e.v",
                ),
            };
            let (test, pattern) = text_match(backend, value, tag, Anchor::Whole);
            Expr::cust_with_values(
                format!("EXISTS (SELECT 1 FROM {from} WHERE {test})"),
                [pattern],
            )
        }
        _ => Expr::val(1).eq(0),
    }
}

/// What one sort key orders by: a column, or a custom field's value read from its JSON, which
/// may be empty (those rows come last in either direction).
struct SortTarget {
    expr: Expr,
    nullable: bool,
    descending: bool,
}

fn sort_target<R: Listable>(backend: Backend, key: &SortKey) -> Result<SortTarget, StoreError> {
    Ok(match &key.field {
        FieldRef::Custom(spec) => SortTarget {
            expr: Expr::cust(value_sql(backend, "t", &spec.key, spec.kind)?),
            nullable: true,
            descending: key.descending,
        },
        FieldRef::Builtin(f) => SortTarget {
            expr: col(R::sort_column(f.path)),
            nullable: false,
            descending: key.descending,
        },
    })
}

fn cursor_value(v: &CursorValue, is_time: bool) -> Result<Option<Value>, StoreError> {
    Ok(Some(match v {
        CursorValue::Null => return Ok(None),
        CursorValue::Int(i) => (*i).into(),
        CursorValue::Float(f) => (*f).into(),
        CursorValue::Text(s) if is_time => DateTime::parse_from_rfc3339(s)
            .map_err(|_| StoreError::InvalidCursor("the cursor is not one this API issued".into()))?
            .with_timezone(&Utc)
            .into(),
        CursorValue::Text(s) => s.clone().into(),
    }))
}

/// Keyset condition: rows strictly after the cursor in the sort order (id breaks ties). A
/// `None` value is an empty custom field: empty values sort last, so after one come only other
/// empty ones.
fn after_cursor(targets: &[SortTarget], values: &[Option<Value>], id: Uuid) -> SimpleExpr {
    let id_desc = targets.first().is_some_and(|k| k.descending);
    let plain = targets
        .iter()
        .all(|t| !t.nullable && t.descending == id_desc);
    if plain {
        // One direction: a row-value comparison, which both databases serve from the index.
        let mut left: Vec<Expr> = targets.iter().map(|t| t.expr.clone()).collect();
        left.push(col("id"));
        let mut right: Vec<Expr> = values
            .iter()
            .map(|v| Expr::val(v.clone().unwrap_or(Value::String(None))))
            .collect();
        right.push(Expr::val(id));
        let (left, right) = (Expr::tuple(left), Expr::tuple(right));
        return if id_desc {
            left.lt(right)
        } else {
            left.gt(right)
        };
    }
    let equal = |t: &SortTarget, v: &Option<Value>| match v {
        Some(v) => t.expr.clone().eq(v.clone()),
        None => t.expr.clone().is_null(),
    };
    let beyond = |t: &SortTarget, v: &Option<Value>| match v {
        None => never(),
        Some(v) => {
            let past = if t.descending {
                t.expr.clone().lt(v.clone())
            } else {
                t.expr.clone().gt(v.clone())
            };
            if t.nullable {
                past.or(t.expr.clone().is_null())
            } else {
                past
            }
        }
    };
    let mut any = Cond::any();
    for i in 0..=targets.len() {
        let mut all = Cond::all();
        for (t, v) in targets[..i].iter().zip(values) {
            all = all.add(equal(t, v));
        }
        all = all.add(match targets.get(i) {
            Some(t) => beyond(t, &values[i]),
            None if id_desc => col("id").lt(id),
            None => col("id").gt(id),
        });
        any = any.add(all);
    }
    any.into()
}

/// A row's value of a custom field as a cursor carries it, read from its stored JSON the way
/// the database's sort expression reads it.
fn custom_sort_value(raw: Option<&str>, spec: &CustomSpec) -> CursorValue {
    let value = raw
        .and_then(|r| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(r).ok())
        .and_then(|mut m| m.remove(&spec.key));
    match value {
        Some(serde_json::Value::String(s)) => CursorValue::Text(s),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => CursorValue::Int(i),
            None => n.as_f64().map_or(CursorValue::Null, CursorValue::Float),
        },
        Some(serde_json::Value::Object(m)) if spec.kind == CustomType::Money => m
            .get("amount")
            .and_then(serde_json::Value::as_str)
            .and_then(|a| rapport_domain::values::parse_amount_e4(a).ok())
            .map_or(CursorValue::Null, CursorValue::Int),
        _ => CursorValue::Null,
    }
}

/// Runs a list request.
pub async fn list<R: Listable>(
    db: &Db,
    ws: WorkspaceId,
    p: ListParams<'_>,
) -> Result<Page<R>, StoreError> {
    let backend = db.backend();
    let signature = sort_signature(p.sort);
    let mut q = base::<R>(ws);
    if let Some(f) = p.filter {
        q.cond_where(condition::<R>(backend, ws, f));
    }
    let total = if p.include_total {
        Some(count(db, q.clone()).await?)
    } else {
        None
    };
    let targets = p
        .sort
        .iter()
        .map(|k| sort_target::<R>(backend, k))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(raw) = p.cursor {
        let c = cursor::decode(raw, &signature, p.sort.len())?;
        let values = p
            .sort
            .iter()
            .zip(&c.values)
            .map(|(k, v)| {
                let is_time = matches!(&k.field, FieldRef::Builtin(f)
                    if f.kind == rapport_domain::schema::FieldKind::Timestamp);
                cursor_value(v, is_time)
            })
            .collect::<Result<Vec<_>, _>>()?;
        q.and_where(after_cursor(&targets, &values, c.id));
    }
    for t in &targets {
        if t.nullable {
            // Empty values last, whichever the direction.
            q.order_by_expr(t.expr.clone().is_null(), Order::Asc);
        }
        q.order_by_expr(
            t.expr.clone(),
            if t.descending {
                Order::Desc
            } else {
                Order::Asc
            },
        );
    }
    let id_desc = p.sort.first().is_some_and(|k| k.descending);
    q.order_by(
        (Alias::new("t"), Alias::new("id")),
        if id_desc { Order::Desc } else { Order::Asc },
    );
    q.limit(u64::from(p.limit) + 1);
    let mut items: Vec<R> = db.fetch_all(&q).await?;
    let next_cursor = if items.len() > p.limit as usize {
        items.truncate(p.limit as usize);
        items.last().map(|last| {
            let values = p
                .sort
                .iter()
                .map(|k| match &k.field {
                    FieldRef::Custom(spec) => custom_sort_value(last.custom_values(), spec),
                    FieldRef::Builtin(f) => last.sort_value(f.path),
                })
                .collect();
            cursor::encode(&signature, values, last.id())
        })
    } else {
        None
    };
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

#[derive(sqlx::FromRow)]
struct CountRow {
    n: i64,
}

async fn count(db: &Db, mut q: SelectStatement) -> Result<Total, StoreError> {
    // Counting stops at TOTAL_CAP + 1 rows, so a huge table never makes a list slow.
    q.clear_selects()
        .expr(Expr::val(1))
        .limit(u64::try_from(TOTAL_CAP + 1).unwrap_or(u64::MAX));
    let outer = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(q, Alias::new("capped"))
        .to_owned();
    let row: Option<CountRow> = db.fetch_optional(&outer).await?;
    let n = row.map_or(0, |r| r.n);
    Ok(if n > TOTAL_CAP {
        Total::AtLeast(TOTAL_CAP)
    } else {
        Total::Exact(n)
    })
}

/// Formats a timestamp for a cursor with full precision, so the keyset comparison is exact.
pub fn time_cursor(t: &DateTime<Utc>) -> CursorValue {
    CursorValue::Text(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::ContactRow;
    use rapport_domain::schema::CONTACTS;

    #[test]
    fn not_counts_an_empty_field_as_false() {
        let f =
            rapport_domain::query::parse_filter(r#"not (title eq "CEO")"#, &CONTACTS, Utc::now())
                .expect("valid filter");
        let ws = WorkspaceId::new();
        let mut q = base::<ContactRow>(ws);
        q.cond_where(condition::<ContactRow>(Backend::Sqlite, ws, &f));
        let sql = q.to_string(sea_query::SqliteQueryBuilder);
        assert!(
            sql.contains("NOT COALESCE(\"t\".\"title\" = 'CEO', FALSE)"),
            "{sql}"
        );
    }
}
