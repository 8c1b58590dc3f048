//! Deals in the database: rows, board ranks within a stage, and the stage history.

use chrono::{DateTime, NaiveDate, Utc};
use rapport_domain::ids::{CompanyId, DealId, PipelineId, StageId, UserId, WorkspaceId};
use rapport_domain::objects::{Deal, DealDraft, DealState};
use rapport_domain::values::{CurrencyCode, Money, Tag};
use sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, SimpleExpr};
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;
use crate::sql::{built, col, n};

const TABLE: &str = "deals";

/// Where a deal without an amount sorts: below every amount.
const NO_AMOUNT: i64 = -1;

/// Where a deal without an expected close date sorts: after every date.
const NO_CLOSE_DATE: &str = "9999-12-31";

/// A deal row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct DealRow {
    custom: String,
    id: Uuid,
    name: String,
    pipeline_id: Uuid,
    stage_id: Uuid,
    stage_kind: String,
    amount_amount: Option<i64>,
    amount_currency: Option<String>,
    expected_close_date: Option<String>,
    probability: Option<i64>,
    company_id: Option<Uuid>,
    close_reason: Option<String>,
    owner_id: Option<Uuid>,
    tags: String,
    closed_at: Option<DateTime<Utc>>,
    stage_entered_at: Option<DateTime<Utc>>,
    last_activity_at: Option<DateTime<Utc>>,
    rots_at: Option<DateTime<Utc>>,
    board_rank: i64,
    amount_sort: i64,
    close_sort: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// Only selected by `records::find_for_write`.
    #[sqlx(default)]
    deleted: bool,
}

const COLUMNS: &[&str] = &[
    "id",
    "name",
    "pipeline_id",
    "stage_id",
    "stage_kind",
    "amount_amount",
    "amount_currency",
    "expected_close_date",
    "probability",
    "company_id",
    "close_reason",
    "owner_id",
    "tags",
    "closed_at",
    "stage_entered_at",
    "last_activity_at",
    "rots_at",
    "board_rank",
    "amount_sort",
    "close_sort",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored deal {what} unreadable: {e}"))
}

impl Listable for DealRow {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = COLUMNS;

    fn custom_values(&self) -> Option<&str> {
        Some(&self.custom)
    }

    fn column(path: &str) -> Column {
        let name = match path {
            "name" => "name",
            "pipeline_id" => "pipeline_id",
            "stage_id" => "stage_id",
            "stage_kind" => "stage_kind",
            "amount" | "amount.amount" => "amount_amount",
            "amount.currency" => "amount_currency",
            "expected_close_date" => "expected_close_date",
            "probability" => "probability",
            "company_id" => "company_id",
            "owner_id" => "owner_id",
            "tags" => return Column::Tags { name: "tags" },
            "closed_at" => "closed_at",
            "stage_entered_at" => "stage_entered_at",
            "last_activity_at" => "last_activity_at",
            "rots_at" => "rots_at",
            "board_rank" => "board_rank",
            "created_at" => "created_at",
            "updated_at" => "updated_at",
            _ => "id",
        };
        Column::Plain {
            name,
            empty_is_null: false,
        }
    }

    /// A deal without an amount sorts as the smallest, one without a close date as the latest
    /// (migration 0026).
    fn sort_column(path: &str) -> &'static str {
        match path {
            "name" => "name",
            "board_rank" => "board_rank",
            "amount" => "amount_sort",
            "expected_close_date" => "close_sort",
            "updated_at" => "updated_at",
            _ => "created_at",
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "name" => CursorValue::Text(self.name.clone()),
            "board_rank" => CursorValue::Int(self.board_rank),
            "amount" => CursorValue::Int(self.amount_sort),
            "expected_close_date" => CursorValue::Text(self.close_sort.clone()),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

impl Table for DealRow {
    type Record = Deal;
    const SEARCH_TYPE: &'static str = search::DEAL;

    fn into_record(self) -> Result<Deal, StoreError> {
        let tags: Vec<Tag> = serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?;
        let amount = match (self.amount_amount, self.amount_currency) {
            (Some(a), Some(c)) => Some(Money::new(
                a,
                CurrencyCode::parse(&c).map_err(|e| corrupt("currency", e))?,
            )),
            _ => None,
        };
        let expected_close_date = match self.expected_close_date {
            Some(d) => Some(
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|e| corrupt("expected_close_date", e))?,
            ),
            None => None,
        };
        // Rotting is a matter of the clock, so it is worked out when read, not stored.
        let rotting = self.rots_at.is_some_and(|t| t <= Utc::now());
        Ok(Deal {
            id: DealId(self.id),
            fields: DealDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                name: self.name,
                pipeline_id: PipelineId(self.pipeline_id),
                stage_id: Some(StageId(self.stage_id)),
                amount,
                expected_close_date,
                probability: self.probability,
                company_id: self.company_id.map(CompanyId),
                close_reason: self.close_reason,
                owner_id: self.owner_id.map(UserId),
                tags,
            },
            state: DealState {
                stage_kind: self.stage_kind,
                closed_at: self.closed_at,
                stage_entered_at: self.stage_entered_at,
                last_activity_at: self.last_activity_at,
                rots_at: self.rots_at,
                rotting,
                board_rank: self.board_rank,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, d: &Deal) -> Vec<(&'static str, SimpleExpr)> {
        let f = &d.fields;
        let s = &d.state;
        vec![
            ("workspace_id", ws.0.into()),
            ("id", d.id.0.into()),
            ("custom", d.fields.custom.to_json_text().into()),
            ("name", f.name.clone().into()),
            ("pipeline_id", f.pipeline_id.0.into()),
            ("stage_id", f.stage_id.map(|x| x.0).into()),
            ("stage_kind", s.stage_kind.clone().into()),
            (
                "amount_amount",
                f.amount.as_ref().map(Money::amount_e4).into(),
            ),
            (
                "amount_currency",
                f.amount
                    .as_ref()
                    .map(|m| m.currency().as_str().to_owned())
                    .into(),
            ),
            (
                "expected_close_date",
                f.expected_close_date
                    .map(|x| x.format("%Y-%m-%d").to_string())
                    .into(),
            ),
            ("probability", f.probability.into()),
            ("company_id", f.company_id.map(|x| x.0).into()),
            ("close_reason", f.close_reason.clone().into()),
            ("owner_id", f.owner_id.map(|x| x.0).into()),
            (
                "tags",
                serde_json::to_string(&f.tags)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
            ),
            ("closed_at", s.closed_at.into()),
            ("stage_entered_at", s.stage_entered_at.into()),
            ("last_activity_at", s.last_activity_at.into()),
            ("rots_at", s.rots_at.into()),
            ("board_rank", s.board_rank.into()),
            (
                "amount_sort",
                f.amount.as_ref().map_or(NO_AMOUNT, Money::amount_e4).into(),
            ),
            (
                "close_sort",
                f.expected_close_date
                    .map_or_else(
                        || NO_CLOSE_DATE.to_owned(),
                        |x| x.format("%Y-%m-%d").to_string(),
                    )
                    .into(),
            ),
            ("created_at", d.created_at.into()),
            ("updated_at", d.updated_at.into()),
            ("version", d.version.into()),
        ]
    }

    fn search_text(d: &Deal) -> (String, String) {
        (
            d.fields.name.clone(),
            d.fields.close_reason.clone().unwrap_or_default(),
        )
    }
}

#[derive(sqlx::FromRow)]
struct Ranked {
    id: Uuid,
    board_rank: i64,
}

/// The live deals of a stage in board order, `(id, rank)`, leaving out `except`.
pub async fn stage_ranks(
    tx: &mut Tx,
    ws: WorkspaceId,
    stage: StageId,
    except: Option<Uuid>,
) -> Result<Vec<(Uuid, i64)>, StoreError> {
    let mut q = Query::select();
    q.columns(["id", "board_rank"].map(n))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("stage_id").eq(stage.0))
        .and_where(col("deleted_at").is_null())
        .order_by(n("board_rank"), Order::Asc)
        .order_by(n("id"), Order::Asc);
    if let Some(x) = except {
        q.and_where(col("id").ne(x));
    }
    let rows: Vec<Ranked> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.board_rank)).collect())
}

#[derive(sqlx::FromRow)]
struct MaxRank {
    r: Option<i64>,
}

/// The highest board rank among the live deals of a stage.
pub async fn max_rank(
    tx: &mut Tx,
    ws: WorkspaceId,
    stage: StageId,
) -> Result<Option<i64>, StoreError> {
    let q = Query::select()
        .expr_as(Func::max(Expr::col(n("board_rank"))), n("r"))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("stage_id").eq(stage.0))
        .and_where(col("deleted_at").is_null())
        .to_owned();
    let row: Option<MaxRank> = tx.fetch_optional(&q).await?;
    Ok(row.and_then(|r| r.r))
}

/// Gives a live deal another board rank (renumbering a stage), bumping its version so cached
/// copies are not served as current.
pub async fn set_rank(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: Uuid,
    rank: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n(TABLE))
        .value(n("board_rank"), rank)
        .value(n("updated_at"), now)
        .value(n("version"), col("version").add(1))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id))
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Records that a deal entered a stage.
pub async fn insert_move(
    tx: &mut Tx,
    ws: WorkspaceId,
    deal: DealId,
    from: Option<StageId>,
    to: StageId,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<(), StoreError> {
    let mut q = Query::insert();
    q.into_table(n("deal_stage_moves")).columns(
        [
            "workspace_id",
            "id",
            "deal_id",
            "from_stage_id",
            "to_stage_id",
            "moved_at",
            "actor",
        ]
        .map(n),
    );
    built(q.values([
        ws.0.into(),
        Uuid::now_v7().into(),
        deal.0.into(),
        from.map(|s| s.0).into(),
        to.0.into(),
        at.into(),
        actor.to_owned().into(),
    ]))?;
    tx.execute(&q).await?;
    Ok(())
}

/// A stage move as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct MoveRow {
    /// The stage left.
    pub from_stage_id: Option<Uuid>,
    /// The stage entered.
    pub to_stage_id: Uuid,
    /// When.
    pub moved_at: DateTime<Utc>,
    /// Who.
    pub actor: String,
}

/// A deal's stage history, oldest first.
pub async fn moves(db: &Db, ws: WorkspaceId, deal: DealId) -> Result<Vec<MoveRow>, StoreError> {
    let q = Query::select()
        .columns(["from_stage_id", "to_stage_id", "moved_at", "actor"].map(n))
        .from(n("deal_stage_moves"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("deal_id").eq(deal.0))
        .order_by(n("moved_at"), Order::Asc)
        .order_by(n("id"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// How many live deals are in these stages.
pub async fn count_in_stages(
    tx: &mut Tx,
    ws: WorkspaceId,
    stages: &[Uuid],
) -> Result<i64, StoreError> {
    if stages.is_empty() {
        return Ok(0);
    }
    let q = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("stage_id").is_in(stages.iter().copied()))
        .and_where(col("deleted_at").is_null())
        .to_owned();
    let row: Option<Count> = tx.fetch_optional(&q).await?;
    Ok(row.map_or(0, |r| r.n))
}

/// How many live deals a pipeline holds.
pub async fn count_in_pipeline(
    tx: &mut Tx,
    ws: WorkspaceId,
    pipeline: PipelineId,
) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("pipeline_id").eq(pipeline.0))
        .and_where(col("deleted_at").is_null())
        .to_owned();
    let row: Option<Count> = tx.fetch_optional(&q).await?;
    Ok(row.map_or(0, |r| r.n))
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: Uuid,
}

/// The live deals of a stage.
pub async fn live_in_stage(
    tx: &mut Tx,
    ws: WorkspaceId,
    stage: StageId,
) -> Result<Vec<Uuid>, StoreError> {
    let q = Query::select()
        .column(n("id"))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("stage_id").eq(stage.0))
        .and_where(col("deleted_at").is_null())
        .order_by(n("board_rank"), Order::Asc)
        .order_by(n("id"), Order::Asc)
        .to_owned();
    let rows: Vec<IdRow> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The live open deals of a pipeline, for recomputing when they rot.
pub async fn live_open_in_pipeline(
    tx: &mut Tx,
    ws: WorkspaceId,
    pipeline: PipelineId,
) -> Result<Vec<Uuid>, StoreError> {
    let q = Query::select()
        .column(n("id"))
        .from(n(TABLE))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("pipeline_id").eq(pipeline.0))
        .and_where(col("stage_kind").eq("open"))
        .and_where(col("deleted_at").is_null())
        .to_owned();
    let rows: Vec<IdRow> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Moves the soft-deleted deals of a removed stage to its replacement, so that restoring one
/// finds a stage that still exists; their history is left as it was when they were deleted.
pub async fn move_deleted(
    tx: &mut Tx,
    ws: WorkspaceId,
    from: StageId,
    to: StageId,
    kind: &str,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(n(TABLE))
        .value(n("stage_id"), to.0)
        .value(n("stage_kind"), kind)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("stage_id").eq(from.0))
        .and_where(col("deleted_at").is_not_null())
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}
