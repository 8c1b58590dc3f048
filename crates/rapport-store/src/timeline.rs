//! A record's timeline: its activities, tasks, stage moves and changes (audit entries), newest
//! first, merged from one keyset query per source so each page costs a few index range scans
//! whatever the record's history holds. A company's timeline also rolls up the activities and
//! tasks of its contacts and deals and its deals' stage moves, as a salesperson reading an
//! account expects; its changes stay its own.

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use rapport_domain::objects::{Activity, Task};
use sea_query::{Cond, ExprTrait, JoinType, Order, Query, SelectStatement};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::activities::{self, ActivityRow};
use crate::db::Db;
use crate::error::StoreError;
use crate::records::Table;
use crate::sql::{col, n, tcol};
use crate::tasks::{self, TaskRow};

/// What a timeline entry is. Within one instant, entries sort by kind in this order, newest
/// kind first (an activity logged with a change shows above it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// A change to the record (audit entry).
    Change = 0,
    /// A deal entering a stage.
    StageMove = 1,
    /// A task about the record.
    Task = 2,
    /// An activity linked to the record.
    Activity = 3,
}

/// Where a page ends: the last entry's time, kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Time.
    pub at: DateTime<Utc>,
    /// Kind.
    pub kind: Kind,
    /// Id within the kind (an id, or a zero-padded audit sequence number).
    pub id: String,
}

/// One timeline entry.
#[derive(Debug, Clone)]
pub enum Entry {
    /// An activity.
    Activity(Box<Activity>),
    /// A task about the record, at its creation.
    Task(Box<Task>),
    /// A stage move of a deal.
    StageMove {
        /// The deal that moved (a company's timeline shows those of all its deals).
        deal_id: Uuid,
        /// The stage left.
        from_stage_id: Option<Uuid>,
        /// The stage entered.
        to_stage_id: Uuid,
        /// Who.
        actor: String,
    },
    /// A change recorded in the audit log.
    Change {
        /// `deals.update` and the like.
        action: String,
        /// `user`, `token` or `system`.
        actor_kind: String,
        /// The acting user.
        actor_id: Option<String>,
        /// The entry's details (field diffs with personal values masked).
        details: String,
    },
}

/// A page of entries with their positions, newest first.
pub type Page = Vec<(Position, Entry)>;

/// `(at, id) < (t, id)` for a source of `kind`, against the page's last position.
fn after(
    table: &str,
    at: &str,
    id: &str,
    kind: Kind,
    from: Option<&Position>,
    cursor_id: sea_query::SimpleExpr,
) -> Cond {
    let Some(p) = from else {
        return Cond::all();
    };
    let at = || tcol(table, at);
    match kind.cmp(&p.kind) {
        std::cmp::Ordering::Less => Cond::all().add(at().lte(p.at)),
        std::cmp::Ordering::Greater => Cond::all().add(at().lt(p.at)),
        std::cmp::Ordering::Equal => Cond::any()
            .add(at().lt(p.at))
            .add(at().eq(p.at).and(tcol(table, id).lt(cursor_id))),
    }
}

/// Whose timeline: a record of an object (API name), and whether a company's rolls up its
/// contacts' and deals' entries.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// `deals`, `companies`...
    pub object: &'a str,
    /// The record.
    pub record: Uuid,
    /// Roll up a company's contacts and deals (for callers who reach every record: a narrower
    /// record scope would see entries of records it cannot open).
    pub roll_up: bool,
}

impl Subject<'_> {
    fn rolls_up(&self) -> bool {
        self.roll_up && self.object == COMPANIES
    }
}

/// The records whose entries a timeline shows, as a condition on a source's `(type, id)`
/// columns: the record itself, and for a company its live contacts and deals.
fn about(table: &str, type_col: &str, id_col: &str, ws: WorkspaceId, who: Subject<'_>) -> Cond {
    let (object, record) = (who.object, who.record);
    let own = tcol(table, type_col)
        .eq(object)
        .and(tcol(table, id_col).eq(record));
    if !who.rolls_up() {
        return Cond::all().add(own);
    }
    let mut any = Cond::any().add(own);
    for (api, table_name) in [("contacts", "contacts"), ("deals", "deals")] {
        any = any.add(
            tcol(table, type_col)
                .eq(api)
                .and(tcol(table, id_col).in_subquery(of_company(table_name, ws, record))),
        );
    }
    any
}

const COMPANIES: &str = "companies";

/// The ids of a company's live records in `table` (contacts or deals).
fn of_company(table: &str, ws: WorkspaceId, company: Uuid) -> SelectStatement {
    Query::select()
        .column(n("id"))
        .from(n(table))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("company_id").eq(company))
        .and_where(col("deleted_at").is_null())
        .to_owned()
}

fn uuid_of(p: Option<&Position>) -> sea_query::SimpleExpr {
    p.and_then(|p| Uuid::parse_str(&p.id).ok())
        .unwrap_or_default()
        .into()
}

async fn activities_of(
    db: &Db,
    ws: WorkspaceId,
    who: Subject<'_>,
    from: Option<&Position>,
    limit: u64,
) -> Result<Page, StoreError> {
    // An activity linked to a company and to one of its contacts comes once per link, next to
    // itself in this order: keep the first and read on until the page is full.
    let mut out: Page = Vec::new();
    let mut at = from.cloned();
    loop {
        let rows = activity_rows(db, ws, who, at.as_ref(), limit).await?;
        let read = rows.len();
        for r in rows {
            let a = r.into_record()?;
            let pos = Position {
                at: a.fields.occurred_at,
                kind: Kind::Activity,
                id: a.id.0.to_string(),
            };
            at = Some(pos.clone());
            if out.last().is_some_and(|(p, _)| p == &pos) {
                continue;
            }
            out.push((pos, Entry::Activity(Box::new(a))));
        }
        if u64::try_from(read).unwrap_or(0) < limit
            || u64::try_from(out.len()).unwrap_or(0) >= limit
        {
            return Ok(out);
        }
    }
}

async fn activity_rows(
    db: &Db,
    ws: WorkspaceId,
    who: Subject<'_>,
    from: Option<&Position>,
    limit: u64,
) -> Result<Vec<ActivityRow>, StoreError> {
    let mut q = Query::select();
    for c in activities::COLUMNS {
        q.expr_as(tcol("a", c), n(c));
    }
    q.from_as(n("activity_links"), n("l"))
        .join_as(
            JoinType::InnerJoin,
            n("activities"),
            n("a"),
            tcol("a", "workspace_id")
                .equals((n("l"), n("workspace_id")))
                .and(tcol("a", "id").equals((n("l"), n("activity_id")))),
        )
        .and_where(tcol("l", "workspace_id").eq(ws.0))
        .cond_where(about("l", "object_type", "record_id", ws, who))
        .and_where(tcol("a", "deleted_at").is_null())
        .cond_where(after(
            "l",
            "occurred_at",
            "activity_id",
            Kind::Activity,
            from,
            uuid_of(from.filter(|p| p.kind == Kind::Activity)),
        ))
        .order_by((n("l"), n("occurred_at")), Order::Desc)
        .order_by((n("l"), n("activity_id")), Order::Desc)
        .limit(limit);
    db.fetch_all(&q).await
}

async fn tasks_of(
    db: &Db,
    ws: WorkspaceId,
    who: Subject<'_>,
    from: Option<&Position>,
    limit: u64,
) -> Result<Page, StoreError> {
    let mut q = Query::select();
    q.columns(tasks::COLUMNS.iter().map(|c| n(c)))
        .from(n("tasks"))
        .and_where(col("workspace_id").eq(ws.0))
        .cond_where(about("tasks", "record_type", "record_id", ws, who))
        .and_where(col("deleted_at").is_null())
        .cond_where(after(
            "tasks",
            "created_at",
            "id",
            Kind::Task,
            from,
            uuid_of(from.filter(|p| p.kind == Kind::Task)),
        ))
        .order_by(n("created_at"), Order::Desc)
        .order_by(n("id"), Order::Desc)
        .limit(limit);
    let rows: Vec<TaskRow> = db.fetch_all(&q).await?;
    rows.into_iter()
        .map(|r| {
            let t = r.into_record()?;
            let pos = Position {
                at: t.created_at,
                kind: Kind::Task,
                id: t.id.0.to_string(),
            };
            Ok((pos, Entry::Task(Box::new(t))))
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct MoveRow {
    id: Uuid,
    deal_id: Uuid,
    from_stage_id: Option<Uuid>,
    to_stage_id: Uuid,
    moved_at: DateTime<Utc>,
    actor: String,
}

async fn moves_of(
    db: &Db,
    ws: WorkspaceId,
    who: Subject<'_>,
    from: Option<&Position>,
    limit: u64,
) -> Result<Page, StoreError> {
    let deals = if who.rolls_up() {
        col("deal_id").in_subquery(of_company("deals", ws, who.record))
    } else {
        col("deal_id").eq(who.record)
    };
    let q = Query::select()
        .columns(
            [
                "id",
                "from_stage_id",
                "to_stage_id",
                "deal_id",
                "moved_at",
                "actor",
            ]
            .map(n),
        )
        .from(n("deal_stage_moves"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(deals)
        .cond_where(after(
            "deal_stage_moves",
            "moved_at",
            "id",
            Kind::StageMove,
            from,
            uuid_of(from.filter(|p| p.kind == Kind::StageMove)),
        ))
        .order_by(n("moved_at"), Order::Desc)
        .order_by(n("id"), Order::Desc)
        .limit(limit)
        .to_owned();
    let rows: Vec<MoveRow> = db.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let pos = Position {
                at: m.moved_at,
                kind: Kind::StageMove,
                id: m.id.to_string(),
            };
            let entry = Entry::StageMove {
                deal_id: m.deal_id,
                from_stage_id: m.from_stage_id,
                to_stage_id: m.to_stage_id,
                actor: m.actor,
            };
            (pos, entry)
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    seq: i64,
    at: DateTime<Utc>,
    action: String,
    actor_kind: String,
    actor_id: Option<String>,
    details: String,
}

async fn changes_of(
    db: &Db,
    ws: WorkspaceId,
    object: &str,
    record: Uuid,
    from: Option<&Position>,
    limit: u64,
) -> Result<Page, StoreError> {
    let seq = from
        .filter(|p| p.kind == Kind::Change)
        .and_then(|p| p.id.parse::<i64>().ok())
        .unwrap_or(0);
    let q: SelectStatement = Query::select()
        .columns(["seq", "at", "action", "actor_kind", "actor_id", "details"].map(n))
        .from(n("audit_log"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("object_type").eq(object))
        .and_where(col("object_id").eq(record.to_string()))
        .cond_where(after(
            "audit_log",
            "at",
            "seq",
            Kind::Change,
            from,
            seq.into(),
        ))
        .order_by(n("at"), Order::Desc)
        .order_by(n("seq"), Order::Desc)
        .limit(limit)
        .to_owned();
    let rows: Vec<ChangeRow> = db.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let pos = Position {
                at: c.at,
                kind: Kind::Change,
                id: format!("{:020}", c.seq),
            };
            let entry = Entry::Change {
                action: c.action,
                actor_kind: c.actor_kind,
                actor_id: c.actor_id,
                details: c.details,
            };
            (pos, entry)
        })
        .collect())
}

/// Up to `limit` entries of a record's timeline after `from` (newest first), and whether more
/// follow.
pub async fn page(
    db: &Db,
    ws: WorkspaceId,
    who: Subject<'_>,
    from: Option<&Position>,
    limit: usize,
) -> Result<(Page, bool), StoreError> {
    let take = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut all = activities_of(db, ws, who, from, take).await?;
    all.extend(tasks_of(db, ws, who, from, take).await?);
    if who.object == "deals" || who.rolls_up() {
        all.extend(moves_of(db, ws, who, from, take).await?);
    }
    all.extend(changes_of(db, ws, who.object, who.record, from, take).await?);
    all.sort_by(|(a, _), (b, _)| (b.at, b.kind, &b.id).cmp(&(a.at, a.kind, &a.id)));
    let more = all.len() > limit;
    all.truncate(limit);
    Ok((all, more))
}
