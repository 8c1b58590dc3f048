//! Dashboard aggregates, each one grouped query over an index that covers it, so they stay fast
//! at hundreds of thousands of deals and millions of activities.

use chrono::{DateTime, Utc};
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

/// Count, sum and probability-weighted sum of a pipeline's live deals per stage and currency.
pub async fn pipeline(
    db: &Db,
    ws: WorkspaceId,
    pipeline: Uuid,
    owners: Option<&[Uuid]>,
) -> Result<Vec<StageSum>, StoreError> {
    let mut q = Query::select();
    q.column(n("stage_id"))
        .expr_as(col("amount_currency"), n("currency"))
        .expr_as(Expr::cust("COUNT(*)"), n("n"));
    sum(col("amount_amount"), "total", &mut q);
    sum(
        col("amount_amount").mul(Expr::cust("COALESCE(probability, 0)")),
        "weighted",
        &mut q,
    );
    q.from(n("deals"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("pipeline_id").eq(pipeline))
        .and_where(col("deleted_at").is_null())
        .group_by_col(n("stage_id"))
        .group_by_col(n("amount_currency"));
    scoped(&mut q, owners);
    db.fetch_all(&q).await
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

/// Activities in `[from, to)` per owner and kind.
pub async fn activities(
    db: &Db,
    ws: WorkspaceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    owners: Option<&[Uuid]>,
) -> Result<Vec<(Option<Uuid>, String, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        owner_id: Option<Uuid>,
        kind: String,
        n: i64,
    }
    let mut q = Query::select();
    q.columns(["owner_id", "kind"].map(n))
        .expr_as(Expr::cust("COUNT(*)"), n("n"))
        .from(n("activities"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("deleted_at").is_null())
        .and_where(col("occurred_at").gte(from))
        .and_where(col("occurred_at").lt(to))
        .group_by_col(n("owner_id"))
        .group_by_col(n("kind"));
    scoped(&mut q, owners);
    let rows: Vec<Row> = db.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.owner_id, r.kind, r.n))
        .collect())
}
