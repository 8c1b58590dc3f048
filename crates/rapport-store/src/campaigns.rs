//! Campaigns in the database: the campaign rows (through [`crate::records`]), their members and
//! their influenced deals, each written in the caller's transaction.
//!
//! Members and deal links are removed softly (`deleted_at`) and come back through the same row,
//! so a re-import never duplicates them. A member whose contact is deleted, or a link to a
//! deleted deal, is hidden from lists and counts while the record stays deleted.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rapport_domain::ids::{CampaignId, UserId, WorkspaceId};
use rapport_domain::objects::campaign::{
    CampaignKind, CampaignMember, CampaignStatus, InfluencedDeal, MemberCounts, MemberStatus,
};
use rapport_domain::objects::{Campaign, CampaignDraft, CampaignState};
use rapport_domain::values::{CurrencyCode, Money};
use sea_query::{Cond, Expr, ExprTrait, OnConflict, Query, SimpleExpr};
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;
use crate::sql::{built, col, n, tcol};

const TABLE: &str = "campaigns";
const MEMBERS: &str = "campaign_members";
const DEALS: &str = "campaign_deals";

/// The tables whose rows members point at, by member type: a member whose record is deleted is
/// hidden. A type missing here is always shown.
// The leads table is not in this branch's schema yet: add ("leads", "leads") with it.
const MEMBER_TABLES: &[(&str, &str)] = &[("contacts", "contacts"), ("leads", "leads")];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored campaign {what} unreadable: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------------------------

/// A campaign row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct CampaignRow {
    custom: String,
    id: Uuid,
    name: String,
    kind: Option<String>,
    status: String,
    budget_amount: Option<i64>,
    budget_currency: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
    owner_id: Option<Uuid>,
    description: Option<String>,
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
    "kind",
    "status",
    "budget_amount",
    "budget_currency",
    "starts_on",
    "ends_on",
    "owner_id",
    "description",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn date(what: &str, raw: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    raw.map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| corrupt(what, e)))
        .transpose()
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

impl Listable for CampaignRow {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = COLUMNS;

    fn custom_values(&self) -> Option<&str> {
        Some(&self.custom)
    }

    fn column(path: &str) -> Column {
        let plain = |name| Column::Plain {
            name,
            empty_is_null: false,
        };
        match path {
            "name" => plain("name"),
            "kind" => plain("kind"),
            "status" => plain("status"),
            "budget.amount" => plain("budget_amount"),
            "budget.currency" => plain("budget_currency"),
            "starts_on" => plain("starts_on"),
            "ends_on" => plain("ends_on"),
            "owner_id" => plain("owner_id"),
            "created_at" => plain("created_at"),
            "updated_at" => plain("updated_at"),
            _ => plain("id"),
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "name" => CursorValue::Text(self.name.clone()),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

impl Table for CampaignRow {
    type Record = Campaign;
    const SEARCH_TYPE: &'static str = search::CAMPAIGN;

    /// The record without its member counts, which [`member_counts`] reads.
    fn into_record(self) -> Result<Campaign, StoreError> {
        let kind = match self.kind {
            Some(k) => Some(CampaignKind::parse(&k).ok_or_else(|| corrupt("kind", k))?),
            None => None,
        };
        let status =
            CampaignStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        let budget = match (self.budget_amount, self.budget_currency) {
            (Some(amount), Some(currency)) => Some(Money::new(
                amount,
                CurrencyCode::parse(&currency).map_err(|e| corrupt("currency", e))?,
            )),
            _ => None,
        };
        Ok(Campaign {
            id: CampaignId(self.id),
            fields: CampaignDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                name: self.name,
                kind,
                status,
                budget,
                starts_on: date("starts_on", self.starts_on)?,
                ends_on: date("ends_on", self.ends_on)?,
                owner_id: self.owner_id.map(UserId),
                description: self.description,
            },
            state: CampaignState::default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, c: &Campaign) -> Vec<(&'static str, SimpleExpr)> {
        let f = &c.fields;
        vec![
            ("workspace_id", ws.0.into()),
            ("id", c.id.0.into()),
            ("custom", c.fields.custom.to_json_text().into()),
            ("name", f.name.clone().into()),
            ("kind", f.kind.map(|k| k.as_str().to_owned()).into()),
            ("status", f.status.as_str().into()),
            (
                "budget_amount",
                f.budget.as_ref().map(Money::amount_e4).into(),
            ),
            (
                "budget_currency",
                f.budget
                    .as_ref()
                    .map(|m| m.currency().as_str().to_owned())
                    .into(),
            ),
            ("starts_on", date_text(f.starts_on).into()),
            ("ends_on", date_text(f.ends_on).into()),
            ("owner_id", f.owner_id.map(|x| x.0).into()),
            ("description", f.description.clone().into()),
            ("created_at", c.created_at.into()),
            ("updated_at", c.updated_at.into()),
            ("version", c.version.into()),
        ]
    }

    fn search_text(c: &Campaign) -> (String, String) {
        (c.fields.name.clone(), String::new())
    }
}

/// Holds the live campaign's row until the transaction ends (PostgreSQL: a row lock, so two
/// member writes to one campaign run one after the other); `false` when it is missing or deleted.
pub async fn lock_live(tx: &mut Tx, ws: WorkspaceId, id: CampaignId) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(n(TABLE))
        .value(n("version"), col("version"))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id.0))
        .and_where(col("deleted_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

/// Records a change of the campaign's members: version + 1, updated now (its representation,
/// the member counts, changed). Returns the new version.
pub async fn touch(
    tx: &mut Tx,
    ws: WorkspaceId,
    id: CampaignId,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Version {
        version: i64,
    }
    let q = Query::update()
        .table(n(TABLE))
        .value(n("version"), col("version").add(1))
        .value(n("updated_at"), now)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("id").eq(id.0))
        .and_where(col("deleted_at").is_null())
        .returning_col(n("version"))
        .to_owned();
    let row: Option<Version> = tx.fetch_optional(&q).await?;
    row.map(|r| r.version).ok_or(StoreError::NotFound)
}

#[derive(sqlx::FromRow)]
struct CountRow {
    campaign_id: Uuid,
    status: String,
    n: i64,
}

/// The visible members of each of `campaigns` by status, in one query.
pub async fn member_counts(
    db: &Db,
    ws: WorkspaceId,
    campaigns: &[Uuid],
) -> Result<HashMap<Uuid, MemberCounts>, StoreError> {
    let mut out: HashMap<Uuid, MemberCounts> = HashMap::new();
    if campaigns.is_empty() {
        return Ok(out);
    }
    let mut q = Query::select();
    q.from_as(n(MEMBERS), n("t"))
        .expr_as(tcol("t", "campaign_id"), n("campaign_id"))
        .expr_as(tcol("t", "status"), n("status"))
        .expr_as(Expr::cust("COUNT(*)"), n("n"))
        .and_where(tcol("t", "workspace_id").eq(ws.0))
        .and_where(tcol("t", "campaign_id").is_in(campaigns.iter().copied()))
        .and_where(tcol("t", "deleted_at").is_null())
        .and_where(member_visible())
        .group_by_col((n("t"), n("campaign_id")))
        .group_by_col((n("t"), n("status")));
    let rows: Vec<CountRow> = db.fetch_all(&q).await?;
    for r in rows {
        let status =
            MemberStatus::parse(&r.status).ok_or_else(|| corrupt("member status", &r.status))?;
        out.entry(r.campaign_id).or_default().add(status, r.n);
    }
    Ok(out)
}

/// `t`'s record is live, for each member type whose table is known.
fn member_visible() -> SimpleExpr {
    let mut all = Cond::all();
    for (object, table) in MEMBER_TABLES {
        let live = Query::select()
            .expr(Expr::val(1))
            .from_as(n(table), n("r"))
            .and_where(tcol("r", "workspace_id").equals((n("t"), n("workspace_id"))))
            .and_where(tcol("r", "id").equals((n("t"), n("member_id"))))
            .and_where(tcol("r", "deleted_at").is_null())
            .to_owned();
        all = all.add(tcol("t", "member_type").ne(*object).or(Expr::exists(live)));
    }
    Expr::from(all)
}

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

/// A member row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    id: Uuid,
    member_type: String,
    member_id: Uuid,
    status: String,
    added_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Only selected by [`members_for_write`].
    #[sqlx(default)]
    removed: bool,
}

const MEMBER_COLUMNS: &[&str] = &[
    "id",
    "member_type",
    "member_id",
    "status",
    "added_at",
    "updated_at",
];

impl MemberRow {
    /// The member as the API shows it.
    pub fn into_member(self) -> Result<CampaignMember, StoreError> {
        Ok(CampaignMember {
            status: MemberStatus::parse(&self.status)
                .ok_or_else(|| corrupt("member status", &self.status))?,
            object: self.member_type,
            id: self.member_id,
            added_at: self.added_at,
            updated_at: self.updated_at,
        })
    }

    /// `(type, id)` of the member's record.
    pub fn record(&self) -> (&str, Uuid) {
        (&self.member_type, self.member_id)
    }

    /// Whether the member was removed (its row waits to be added again).
    pub fn is_removed(&self) -> bool {
        self.removed
    }
}

impl Listable for MemberRow {
    const TABLE: &'static str = MEMBERS;
    const COLUMNS: &'static [&'static str] = MEMBER_COLUMNS;

    fn column(path: &str) -> Column {
        let plain = |name| Column::Plain {
            name,
            empty_is_null: false,
        };
        match path {
            "type" => plain("member_type"),
            "id" => plain("member_id"),
            "status" => plain("status"),
            "updated_at" => plain("updated_at"),
            "campaign_id" => plain("campaign_id"),
            _ => plain("added_at"),
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, path: &str) -> CursorValue {
        match path {
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.added_at),
        }
    }

    fn visible(_ws: WorkspaceId) -> Option<SimpleExpr> {
        Some(member_visible())
    }
}

/// The campaign's member rows (removed ones included) for these record ids, inside a write.
pub async fn members_for_write(
    tx: &mut Tx,
    ws: WorkspaceId,
    campaign: CampaignId,
    records: &[Uuid],
) -> Result<Vec<MemberRow>, StoreError> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::select();
    q.columns(MEMBER_COLUMNS.iter().map(|c| n(c)))
        .expr_as(col("deleted_at").is_not_null(), n("removed"))
        .from(n(MEMBERS))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("campaign_id").eq(campaign.0))
        .and_where(col("member_id").is_in(records.iter().copied()));
    tx.fetch_all(&q).await
}

/// A member as it will be stored.
#[derive(Debug, Clone)]
pub struct MemberWrite {
    /// `contacts` or `leads`.
    pub object: &'static str,
    /// The record's id.
    pub id: Uuid,
    /// Its status.
    pub status: MemberStatus,
    /// When it joined (kept for an existing live member).
    pub added_at: DateTime<Utc>,
    /// Now.
    pub updated_at: DateTime<Utc>,
}

/// Writes members of a campaign in one statement: new ones are inserted, existing rows (live or
/// removed) take the given status and times and are live again.
pub async fn put_members(
    tx: &mut Tx,
    ws: WorkspaceId,
    campaign: CampaignId,
    members: &[MemberWrite],
) -> Result<(), StoreError> {
    if members.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table(n(MEMBERS)).columns(
        [
            "workspace_id",
            "id",
            "campaign_id",
            "member_type",
            "member_id",
            "status",
            "added_at",
            "updated_at",
            "deleted_at",
        ]
        .map(n),
    );
    let none: Option<DateTime<Utc>> = None;
    for m in members {
        built(q.values([
            ws.0.into(),
            Uuid::now_v7().into(),
            campaign.0.into(),
            m.object.into(),
            m.id.into(),
            m.status.as_str().into(),
            m.added_at.into(),
            m.updated_at.into(),
            none.into(),
        ]))?;
    }
    q.on_conflict(
        OnConflict::columns(["workspace_id", "campaign_id", "member_type", "member_id"].map(n))
            .update_columns(["status", "added_at", "updated_at", "deleted_at"].map(n))
            .to_owned(),
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Removes a live member; `false` when the record is not a live member of the campaign.
pub async fn remove_member(
    tx: &mut Tx,
    ws: WorkspaceId,
    campaign: CampaignId,
    object: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(n(MEMBERS))
        .value(n("deleted_at"), now)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("campaign_id").eq(campaign.0))
        .and_where(col("member_type").eq(object))
        .and_where(col("member_id").eq(id))
        .and_where(col("deleted_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}

// ---------------------------------------------------------------------------------------------
// Influenced deals
// ---------------------------------------------------------------------------------------------

/// A link from a campaign to a deal it influenced, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DealLinkRow {
    id: Uuid,
    deal_id: Uuid,
    linked_at: DateTime<Utc>,
    /// Only selected by [`link_deal`].
    #[sqlx(default)]
    removed: bool,
}

const DEAL_COLUMNS: &[&str] = &["id", "deal_id", "linked_at"];

impl DealLinkRow {
    /// The link as the API shows it.
    pub fn into_deal(self) -> InfluencedDeal {
        InfluencedDeal {
            deal_id: self.deal_id,
            linked_at: self.linked_at,
        }
    }
}

impl Listable for DealLinkRow {
    const TABLE: &'static str = DEALS;
    const COLUMNS: &'static [&'static str] = DEAL_COLUMNS;

    fn column(path: &str) -> Column {
        let plain = |name| Column::Plain {
            name,
            empty_is_null: false,
        };
        match path {
            "deal_id" => plain("deal_id"),
            "campaign_id" => plain("campaign_id"),
            _ => plain("linked_at"),
        }
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn sort_value(&self, _path: &str) -> CursorValue {
        list::time_cursor(&self.linked_at)
    }

    /// A link to a deleted deal is hidden while the deal is.
    fn visible(_ws: WorkspaceId) -> Option<SimpleExpr> {
        let live = Query::select()
            .expr(Expr::val(1))
            .from_as(n("deals"), n("d"))
            .and_where(tcol("d", "workspace_id").equals((n("t"), n("workspace_id"))))
            .and_where(tcol("d", "id").equals((n("t"), n("deal_id"))))
            .and_where(tcol("d", "deleted_at").is_null())
            .to_owned();
        Some(Expr::exists(live))
    }
}

/// Links a deal to a campaign (again, after an unlink); returns the link and whether it is new.
/// The deal must have been checked live in this transaction.
pub async fn link_deal(
    tx: &mut Tx,
    ws: WorkspaceId,
    campaign: CampaignId,
    deal: Uuid,
    now: DateTime<Utc>,
) -> Result<(InfluencedDeal, bool), StoreError> {
    let mut q = Query::select();
    q.columns(DEAL_COLUMNS.iter().map(|c| n(c)))
        .expr_as(col("deleted_at").is_not_null(), n("removed"))
        .from(n(DEALS))
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("campaign_id").eq(campaign.0))
        .and_where(col("deal_id").eq(deal));
    let existing: Option<DealLinkRow> = tx.fetch_optional(&q).await?;
    match existing {
        Some(row) if !row.removed => Ok((row.into_deal(), false)),
        Some(row) => {
            let q = Query::update()
                .table(n(DEALS))
                .value(n("deleted_at"), Option::<DateTime<Utc>>::None)
                .value(n("linked_at"), now)
                .and_where(col("workspace_id").eq(ws.0))
                .and_where(col("id").eq(row.id))
                .to_owned();
            tx.execute(&q).await?;
            Ok((
                InfluencedDeal {
                    deal_id: deal,
                    linked_at: now,
                },
                true,
            ))
        }
        None => {
            let mut q = Query::insert();
            q.into_table(n(DEALS))
                .columns(["workspace_id", "id", "campaign_id", "deal_id", "linked_at"].map(n));
            built(q.values([
                ws.0.into(),
                Uuid::now_v7().into(),
                campaign.0.into(),
                deal.into(),
                now.into(),
            ]))?;
            tx.execute(&q).await?;
            Ok((
                InfluencedDeal {
                    deal_id: deal,
                    linked_at: now,
                },
                true,
            ))
        }
    }
}

/// Unlinks a deal; `false` when it was not linked.
pub async fn unlink_deal(
    tx: &mut Tx,
    ws: WorkspaceId,
    campaign: CampaignId,
    deal: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table(n(DEALS))
        .value(n("deleted_at"), now)
        .and_where(col("workspace_id").eq(ws.0))
        .and_where(col("campaign_id").eq(campaign.0))
        .and_where(col("deal_id").eq(deal))
        .and_where(col("deleted_at").is_null())
        .to_owned();
    Ok(tx.execute(&q).await? == 1)
}
