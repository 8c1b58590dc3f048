//! Dashboard aggregates. Whole UTC days come from rollup tables that triggers keep exact in the
//! transaction of every deal and activity write (migration 0023), so a report reads a few rows
//! per day whatever the number of deals and activities; only the partial first and last day of
//! a period that does not start or end at midnight (`last_30_days`) read the source rows, over
//! an index covering them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rapport_domain::ids::WorkspaceId;
use sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use uuid::Uuid;

use crate::db::Db;
use crate::error::StoreError;
use crate::sql::{col, n};

/// Deals of one stage in one currency.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StageSum {
    /// The stage.
    pub stage_id: Uuid,
    /// ISO 4217 code; `None` for deals without an amount.
    pub currency: Option<String>,
    /// How many deals.
    pub n: i64,
    /// Sum of amounts, in ten-thousandths.
    pub total: Option<i64>,
    /// Sum of amount × probability (percent), in ten-thousandths × 100.
    pub weighted: Option<i64>,
}

/// Won or lost deals in one currency, or for one reason.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutcomeSum {
    /// `won` or `lost`.
    pub stage_kind: String,
    /// ISO 4217 code, or the close reason, depending on the grouping.
    pub key: Option<String>,
    /// How many deals.
    pub n: i64,
    /// Sum of amounts, in ten-thousandths (by currency only).
    pub total: Option<i64>,
}

/// Restricts to records owned by `owners` when the caller's record scope says so.
fn scoped(q: &mut SelectStatement, owners: Option<&[Uuid]>) {
    if let Some(o) = owners {
        q.and_where(col("owner_id").is_in(o.iter().copied()));
    }
}

fn sum(expr: Expr, alias: &str, q: &mut SelectStatement) {
    // SUM(bigint) is numeric on PostgreSQL: bring it back to a 64-bit integer on both.
    q.expr_as(expr.sum().cast_as(Alias::new("BIGINT")), n(alias));
}

/// Rollup rows whose counts went back to zero (every deal of the group moved away) stay in the
/// table; they must not show up as empty groups.
fn nonzero(q: &mut SelectStatement, table: &str) {
    // Qualified: the summed column shares its name with the output alias.
    q.and_having(Expr::cust(format!("SUM({table}.n) > 0")));
}

/// The rollups store "none" as a sentinel so it can be part of a primary key.
fn absent_text(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

fn absent_id(v: Option<Uuid>) -> Option<Uuid> {
    v.filter(|u| !u.is_nil())
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// A period `[from, to)` cut into the whole UTC days a rollup answers and the partial days at
/// either end that the source rows answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Split {
    /// Whole days `[first, end)`.
    days: Option<(NaiveDate, NaiveDate)>,
    /// Instants outside those days, each `[start, end)`.
    edges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

fn split(from: DateTime<Utc>, to: DateTime<Utc>) -> Split {
    let start_day = from.date_naive();
    let first = if midnight(start_day) == from {
        Some(start_day)
    } else {
        start_day.checked_add_signed(TimeDelta::days(1))
    };
    let end = to.date_naive();
    match first {
        Some(first) if first < end => {
            let mut edges = Vec::new();
            if from < midnight(first) {
                edges.push((from, midnight(first)));
            }
            if midnight(end) < to {
                edges.push((midnight(end), to));
            }
            Split {
                days: Some((first, end)),
                edges,
            }
        }
        _ => Split {
            days: None,
            edges: if from < to {
                vec![(from, to)]
            } else {
                Vec::new()
            },
        },
    }
}

/// Count, sum and probability-weighted sum of a pipeline's live deals per stage and currency.
pub async fn pipeline(
    db: &Db,
    ws: WorkspaceId,
    pipeline: Uuid,
    owners: Option<&[Uuid]>,
) -> Result<Vec<StageSum>, StoreError> {
    let mut q = Query::select();
    q.column(n("stage_id")).column(n("currency"));
    sum(col("n"), "n", &mut q);
    sum(col("total"), "total", &mut q);
    sum(col("weighted"), "weighted", &mut q);
    q.from(n("deal_stage_sums"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("pipeline_id").eq(pipeline))
        .group_by_col(n("stage_id"))
        .group_by_col(n("currency"));
    nonzero(&mut q, "deal_stage_sums");
    scoped(&mut q, owners);
    let rows: Vec<StageSum> = db.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| StageSum {
            currency: absent_text(r.currency),
            ..r
        })
        .collect())
}

/// Deals won and lost in `[from, to)`: per kind and currency (`by_reason` false) or per kind and
/// close reason (`by_reason` true).
pub async fn won_lost(
    db: &Db,
    ws: WorkspaceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    by_reason: bool,
    owners: Option<&[Uuid]>,
) -> Result<Vec<OutcomeSum>, StoreError> {
    let span = split(from, to);
    let mut rows: Vec<OutcomeSum> = Vec::new();
    if let Some((first, end)) = span.days {
        let key = if by_reason {
            "close_reason"
        } else {
            "currency"
        };
        let mut q = Query::select();
        q.column(n("stage_kind")).expr_as(col(key), n("key"));
        sum(col("n"), "n", &mut q);
        sum(col("total"), "total", &mut q);
        q.from(n("deal_close_day_sums"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("day").gte(first))
            .and_where(col("day").lt(end))
            .group_by_col(n("stage_kind"))
            .group_by_col(n(key));
        nonzero(&mut q, "deal_close_day_sums");
        scoped(&mut q, owners);
        let days: Vec<OutcomeSum> = db.fetch_all(&q).await?;
        rows.extend(days.into_iter().map(|r| OutcomeSum {
            key: absent_text(r.key),
            ..r
        }));
    }
    for (start, end) in span.edges {
        rows.extend(won_lost_rows(db, ws, start, end, by_reason, owners).await?);
    }
    let mut merged: BTreeMap<(String, Option<String>), (i64, Option<i64>)> = BTreeMap::new();
    for r in rows {
        let slot = merged.entry((r.stage_kind, r.key)).or_insert((0, None));
        slot.0 += r.n;
        if let Some(t) = r.total {
            slot.1 = Some(slot.1.unwrap_or(0) + t);
        }
    }
    Ok(merged
        .into_iter()
        .map(|((stage_kind, key), (n, total))| OutcomeSum {
            stage_kind,
            key,
            n,
            total,
        })
        .collect())
}

/// [`won_lost`] from the deals themselves, for a span within a day or two.
async fn won_lost_rows(
    db: &Db,
    ws: WorkspaceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    by_reason: bool,
    owners: Option<&[Uuid]>,
) -> Result<Vec<OutcomeSum>, StoreError> {
    let key = if by_reason {
        "close_reason"
    } else {
        "amount_currency"
    };
    let mut q = Query::select();
    q.column(n("stage_kind"))
        .expr_as(col(key), n("key"))
        .expr_as(Expr::cust("COUNT(*)"), n("n"));
    sum(col("amount_amount"), "total", &mut q);
    q.from(n("deals"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("deleted_at").is_null())
        .and_where(col("closed_at").gte(from))
        .and_where(col("closed_at").lt(to))
        .and_where(col("stage_kind").is_in(["won", "lost"]))
        .group_by_col(n("stage_kind"))
        .group_by_col(n(key));
    scoped(&mut q, owners);
    db.fetch_all(&q).await
}

#[derive(sqlx::FromRow)]
struct ActivityCount {
    owner_id: Option<Uuid>,
    kind: String,
    n: i64,
}

/// Activities in `[from, to)` per owner and kind.
pub async fn activities(
    db: &Db,
    ws: WorkspaceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    owners: Option<&[Uuid]>,
) -> Result<Vec<(Option<Uuid>, String, i64)>, StoreError> {
    let span = split(from, to);
    let mut merged: BTreeMap<(Option<Uuid>, String), i64> = BTreeMap::new();
    if let Some((first, end)) = span.days {
        let mut q = Query::select();
        q.columns(["owner_id", "kind"].map(n));
        sum(col("n"), "n", &mut q);
        q.from(n("activity_day_counts"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("day").gte(first))
            .and_where(col("day").lt(end))
            .group_by_col(n("owner_id"))
            .group_by_col(n("kind"));
        nonzero(&mut q, "activity_day_counts");
        scoped(&mut q, owners);
        let rows: Vec<ActivityCount> = db.fetch_all(&q).await?;
        for r in rows {
            *merged.entry((absent_id(r.owner_id), r.kind)).or_default() += r.n;
        }
    }
    for (start, end) in span.edges {
        let mut q = Query::select();
        q.columns(["owner_id", "kind"].map(n))
            .expr_as(Expr::cust("COUNT(*)"), n("n"))
            .from(n("activities"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("deleted_at").is_null())
            .and_where(col("occurred_at").gte(start))
            .and_where(col("occurred_at").lt(end))
            .group_by_col(n("owner_id"))
            .group_by_col(n("kind"));
        scoped(&mut q, owners);
        let rows: Vec<ActivityCount> = db.fetch_all(&q).await?;
        for r in rows {
            *merged.entry((r.owner_id, r.kind)).or_default() += r.n;
        }
    }
    Ok(merged
        .into_iter()
        .map(|((owner, kind), n)| (owner, kind, n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn calendar_periods_are_whole_days() {
        let s = split(at("2026-10-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
        assert_eq!(s.days, Some((day("2026-10-01"), day("2027-01-01"))));
        assert!(s.edges.is_empty());
    }

    #[test]
    fn rolling_periods_read_their_partial_ends_from_the_rows() {
        let s = split(at("2026-11-02T10:30:00Z"), at("2026-12-02T10:30:00Z"));
        assert_eq!(s.days, Some((day("2026-11-03"), day("2026-12-02"))));
        assert_eq!(
            s.edges,
            vec![
                (at("2026-11-02T10:30:00Z"), at("2026-11-03T00:00:00Z")),
                (at("2026-12-02T00:00:00Z"), at("2026-12-02T10:30:00Z")),
            ]
        );
    }

    #[test]
    fn short_spans_read_only_rows() {
        let s = split(at("2026-12-01T10:00:00Z"), at("2026-12-02T09:00:00Z"));
        assert_eq!(s.days, None);
        assert_eq!(
            s.edges,
            vec![(at("2026-12-01T10:00:00Z"), at("2026-12-02T09:00:00Z"))]
        );
        assert_eq!(
            split(at("2026-12-01T10:00:00Z"), at("2026-12-01T10:00:00Z")),
            Split {
                days: None,
                edges: Vec::new()
            }
        );
    }
}
