//! What merging contacts and companies reads and writes beyond the records themselves: the
//! candidates a duplicate check starts from (each from an index), where other records point at
//! a record (so a merge can move them), and campaign memberships, which are rows, not records.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::ids::WorkspaceId;
use rapport_domain::objects::campaign::MemberStatus;
use sea_query::{Cond, Expr, ExprTrait, JoinType, Query};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::{col, n, tcol};

/// How many candidates one duplicate query reads at most: enough for any real set of
/// duplicates, small enough that a shared address (`info@...`) held by thousands stays cheap.
pub const CANDIDATES: u64 = 200;

#[derive(sqlx::FromRow)]
struct IdRow {
    id: Uuid,
}

/// Live contacts other than `except` holding one of `values` as a channel of `kind` (`email`
/// lower-cased, `phone` E.164).
pub async fn contacts_with_channels(
    db: &Db,
    ws: WorkspaceId,
    kind: &str,
    values: &[String],
    except: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .distinct()
        .expr_as(tcol("ch", "contact_id"), n("id"))
        .from_as(n("contact_channels"), n("ch"))
        .join_as(
            JoinType::InnerJoin,
            n("contacts"),
            n("c"),
            tcol("c", "workspace_id")
                .equals((n("ch"), n("workspace_id")))
                .and(tcol("c", "id").equals((n("ch"), n("contact_id")))),
        )
        .and_where(tcol("ch", "workspace_id").eq(ws.0))
        .and_where(tcol("ch", "kind").eq(kind))
        .and_where(tcol("ch", "value").is_in(values.iter().cloned()))
        .and_where(tcol("ch", "contact_id").ne(except))
        .and_where(tcol("c", "deleted_at").is_null())
        .limit(CANDIDATES)
        .to_owned();
    let rows: Vec<IdRow> = db.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Live contacts other than `except` working for `company`.
pub async fn contacts_at(
    db: &Db,
    ws: WorkspaceId,
    company: Uuid,
    except: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let q = Query::select()
        .column(n("id"))
        .from(n("contacts"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("company_id").eq(company))
        .and_where(col("deleted_at").is_null())
        .and_where(col("id").ne(except))
        .limit(CANDIDATES)
        .to_owned();
    let rows: Vec<IdRow> = db.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Live companies other than `except` whose normalised name is `name` or whose domain's label
/// is `domain` (see `rapport_domain::objects::duplicates`).
pub async fn companies_matching(
    db: &Db,
    ws: WorkspaceId,
    name: Option<&str>,
    domain: Option<&str>,
    except: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let mut any = Cond::any();
    if let Some(name) = name {
        any = any.add(col("match_name").eq(name));
    }
    if let Some(domain) = domain {
        any = any.add(col("match_domain").eq(domain));
    }
    if any.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .column(n("id"))
        .from(n("companies"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("deleted_at").is_null())
        .and_where(col("id").ne(except))
        .cond_where(any)
        .limit(CANDIDATES)
        .to_owned();
    let rows: Vec<IdRow> = db.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Where records of one object point at records of another.
#[derive(Debug, Clone, Copy)]
pub enum Pointer {
    /// A column of the record holding the id (`cases.contact_id`), when `kind` (a column and
    /// the value it must hold, `tasks.record_type = 'contacts'`) allows.
    Column {
        /// The column.
        column: &'static str,
        /// The type column and value, for a pointer to records of several objects.
        kind: Option<(&'static str, &'static str)>,
    },
    /// Rows of a side table kept with the record (`activity_links`), one per record pointed at.
    Side {
        /// The side table.
        table: &'static str,
        /// Its column holding the pointing record's id.
        parent: &'static str,
        /// The type column and value, when it points at several objects.
        kind: Option<(&'static str, &'static str)>,
        /// Its column holding the id pointed at.
        value: &'static str,
    },
}

/// The records (aliased `t`) whose `pointers` point at `target`: what a sweep over them selects.
pub fn pointing_at(ws: WorkspaceId, pointers: &[Pointer], target: Uuid) -> Cond {
    let mut any = Cond::any();
    for p in pointers {
        match *p {
            Pointer::Column { column, kind } => {
                let mut all = Cond::all().add(tcol("t", column).eq(target));
                if let Some((k, v)) = kind {
                    all = all.add(tcol("t", k).eq(v));
                }
                any = any.add(all);
            }
            Pointer::Side {
                table,
                parent,
                kind,
                value,
            } => {
                let mut sub = Query::select();
                sub.column(n(parent))
                    .from(n(table))
                    .and_where(col("workspace_id").eq(ws.0))
                    .and_where(col(value).eq(target));
                if let Some((k, v)) = kind {
                    sub.and_where(col(k).eq(v));
                }
                any = any.add(tcol("t", "id").in_subquery(sub));
            }
        }
    }
    any
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct MemberRow {
    id: Uuid,
    campaign_id: Uuid,
    member_id: Uuid,
    status: String,
    added_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

fn rank(status: &str) -> u8 {
    match MemberStatus::parse(status) {
        Some(MemberStatus::Converted) => 2,
        Some(MemberStatus::Responded) => 1,
        _ => 0,
    }
}

/// The campaigns whose members include `loser` (any state), so their rows can be locked first.
pub async fn campaigns_of(
    tx: &mut Tx,
    ws: WorkspaceId,
    member_type: &str,
    loser: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct CampaignRow {
        campaign_id: Uuid,
    }
    let q = Query::select()
        .distinct()
        .column(n("campaign_id"))
        .from(n("campaign_members"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("member_type").eq(member_type))
        .and_where(col("member_id").eq(loser))
        .to_owned();
    let rows: Vec<CampaignRow> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.campaign_id).collect())
}

/// Makes `loser`'s campaign memberships `survivor`'s. Where both were members of a campaign,
/// one membership remains (the unique key allows no more): live if either was, at the further
/// status, since the earlier time it was added. Returns how many memberships were moved or
/// combined.
pub async fn move_members(
    tx: &mut Tx,
    ws: WorkspaceId,
    member_type: &str,
    loser: Uuid,
    survivor: Uuid,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let q = Query::select()
        .columns(
            [
                "id",
                "campaign_id",
                "member_id",
                "status",
                "added_at",
                "deleted_at",
            ]
            .map(n),
        )
        .from(n("campaign_members"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("member_type").eq(member_type))
        .and_where(col("member_id").is_in([loser, survivor]))
        .to_owned();
    let rows: Vec<MemberRow> = tx.fetch_all(&q).await?;
    let mut theirs: Vec<MemberRow> = Vec::new();
    let mut mine: HashMap<Uuid, MemberRow> = HashMap::new();
    for r in rows {
        if r.member_id == loser {
            theirs.push(r);
        } else {
            mine.insert(r.campaign_id, r);
        }
    }
    let moved = theirs.len();
    for lost in theirs {
        let Some(kept) = mine.get(&lost.campaign_id) else {
            let q = Query::update()
                .table(n("campaign_members"))
                .value(n("member_id"), survivor)
                .value(n("updated_at"), now)
                .and_where(col("workspace_id").eq(ws.0))
                .and_where(col("id").eq(lost.id))
                .to_owned();
            tx.execute(&q).await?;
            continue;
        };
        // A removed membership says nothing about how far the person went: only live ones
        // count, unless both were removed.
        let live: Vec<&MemberRow> = [kept, &lost]
            .into_iter()
            .filter(|r| r.deleted_at.is_none())
            .collect();
        let counted: Vec<&MemberRow> = if live.is_empty() {
            vec![kept, &lost]
        } else {
            live
        };
        let status = counted
            .iter()
            .max_by_key(|r| rank(&r.status))
            .map_or(kept.status.clone(), |r| r.status.clone());
        let added_at = counted
            .iter()
            .map(|r| r.added_at)
            .min()
            .unwrap_or(kept.added_at);
        let deleted_at = if kept.deleted_at.is_none() || lost.deleted_at.is_none() {
            None
        } else {
            kept.deleted_at
        };
        let update = Query::update()
            .table(n("campaign_members"))
            .value(n("status"), status)
            .value(n("added_at"), added_at)
            .value(n("deleted_at"), deleted_at)
            .value(n("updated_at"), now)
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("id").eq(kept.id))
            .to_owned();
        tx.execute(&update).await?;
        let delete = Query::delete()
            .from_table(n("campaign_members"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("id").eq(lost.id))
            .to_owned();
        tx.execute(&delete).await?;
    }
    Ok(moved)
}

/// Gives every company without them its match keys (run once, after the migration that adds
/// them), computed as writes compute them.
pub async fn backfill_company_keys(db: &Db) -> Result<(), StoreError> {
    #[derive(sqlx::FromRow)]
    struct KeyRow {
        workspace_id: Uuid,
        id: Uuid,
        name: String,
        domain: Option<String>,
    }
    let mut after: Option<(Uuid, Uuid)> = None;
    loop {
        let mut q = Query::select();
        q.columns(["workspace_id", "id", "name", "domain"].map(n))
            .from(n("companies"))
            .and_where(col("match_name").is_null());
        if let Some((ws, id)) = after {
            q.and_where(
                Expr::tuple([col("workspace_id"), col("id")])
                    .gt(Expr::tuple([Expr::val(ws), Expr::val(id)])),
            );
        }
        q.order_by(n("workspace_id"), sea_query::Order::Asc)
            .order_by(n("id"), sea_query::Order::Asc)
            .limit(500);
        let mut tx = db.begin().await?;
        let rows: Vec<KeyRow> = tx.fetch_all(&q).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some((last.workspace_id, last.id));
        for r in &rows {
            let (name, domain) = crate::companies::match_keys(&r.name, r.domain.as_deref());
            let u = Query::update()
                .table(n("companies"))
                .value(n("match_name"), name)
                .value(n("match_domain"), domain)
                .and_where(col("workspace_id").eq(r.workspace_id))
                .and_where(col("id").eq(r.id))
                .to_owned();
            tx.execute(&u).await?;
        }
        tx.commit().await?;
    }
}
