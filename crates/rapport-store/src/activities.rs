//! Activities in the database, with one `activity_links` row per record each concerns, which is
//! what a record's timeline reads.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{ActivityId, UserId, WorkspaceId};
use rapport_domain::objects::{Activity, ActivityDraft, RecordRef};
use rapport_domain::values::EmailAddress;
use sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::db::Tx;
use crate::error::StoreError;
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;
use crate::sql::{built, col, n, tcol};

const TABLE: &str = "activities";

/// An activity row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct ActivityRow {
    custom: String,
    id: Uuid,
    kind: String,
    subject: Option<String>,
    body: Option<String>,
    occurred_at: DateTime<Utc>,
    direction: Option<String>,
    duration_seconds: Option<i64>,
    outcome: Option<String>,
    email_from: Option<String>,
    email_to: String,
    ends_at: Option<DateTime<Utc>>,
    attendees: String,
    links: String,
    owner_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// Only selected by `records::find_for_write`.
    #[sqlx(default)]
    deleted: bool,
}

/// The columns of an activity, also selected by timelines.
pub const COLUMNS: &[&str] = &[
    "id",
    "kind",
    "subject",
    "body",
    "occurred_at",
    "direction",
    "duration_seconds",
    "outcome",
    "email_from",
    "email_to",
    "ends_at",
    "attendees",
    "links",
    "owner_id",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored activity {what} unreadable: {e}"))
}

fn addresses(raw: &str, what: &str) -> Result<Vec<EmailAddress>, StoreError> {
    let list: Vec<String> = serde_json::from_str(raw).map_err(|e| corrupt(what, e))?;
    list.iter()
        .map(|s| EmailAddress::parse(s).map_err(|e| corrupt(what, e)))
        .collect()
}

fn json_list<T: serde::Serialize>(v: &[T]) -> SimpleExpr {
    serde_json::to_string(v)
        .unwrap_or_else(|_| "[]".into())
        .into()
}

impl Listable for ActivityRow {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = COLUMNS;

    fn custom_values(&self) -> Option<&str> {
        Some(&self.custom)
    }

    fn column(path: &str) -> Column {
        let name = match path {
            "kind" => "kind",
            "subject" => "subject",
            "occurred_at" => "occurred_at",
            "direction" => "direction",
            "duration_seconds" => "duration_seconds",
            "outcome" => "outcome",
            "owner_id" => "owner_id",
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
            "occurred_at" => list::time_cursor(&self.occurred_at),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

impl Table for ActivityRow {
    type Record = Activity;
    const SEARCH_TYPE: &'static str = search::ACTIVITY;

    fn into_record(self) -> Result<Activity, StoreError> {
        let links: Vec<RecordRef> =
            serde_json::from_str(&self.links).map_err(|e| corrupt("links", e))?;
        let from = match self.email_from {
            Some(f) => Some(EmailAddress::parse(&f).map_err(|e| corrupt("from", e))?),
            None => None,
        };
        Ok(Activity {
            id: ActivityId(self.id),
            fields: ActivityDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                kind: self.kind,
                subject: self.subject,
                body: self.body,
                occurred_at: self.occurred_at,
                direction: self.direction,
                duration_seconds: self.duration_seconds,
                outcome: self.outcome,
                from,
                to: addresses(&self.email_to, "to")?,
                ends_at: self.ends_at,
                attendees: addresses(&self.attendees, "attendees")?,
                links,
                owner_id: self.owner_id.map(UserId),
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, a: &Activity) -> Vec<(&'static str, SimpleExpr)> {
        let f = &a.fields;
        vec![
            ("workspace_id", ws.0.into()),
            ("id", a.id.0.into()),
            ("custom", a.fields.custom.to_json_text().into()),
            ("kind", f.kind.clone().into()),
            ("subject", f.subject.clone().into()),
            ("body", f.body.clone().into()),
            ("occurred_at", f.occurred_at.into()),
            ("direction", f.direction.clone().into()),
            ("duration_seconds", f.duration_seconds.into()),
            ("outcome", f.outcome.clone().into()),
            (
                "email_from",
                f.from.as_ref().map(|e| e.as_str().to_owned()).into(),
            ),
            ("email_to", json_list(&f.to)),
            ("ends_at", f.ends_at.into()),
            ("attendees", json_list(&f.attendees)),
            ("links", json_list(&f.links)),
            ("owner_id", f.owner_id.map(|x| x.0).into()),
            ("created_at", a.created_at.into()),
            ("updated_at", a.updated_at.into()),
            ("version", a.version.into()),
        ]
    }

    fn search_text(a: &Activity) -> (String, String) {
        (
            a.fields.subject.clone().unwrap_or_default(),
            a.fields.body.clone().unwrap_or_default(),
        )
    }

    async fn write_side_rows(tx: &mut Tx, ws: WorkspaceId, a: &Activity) -> Result<(), StoreError> {
        let del = Query::delete()
            .from_table(n("activity_links"))
            .and_where(col("workspace_id").eq(ws.0))
            .and_where(col("activity_id").eq(a.id.0))
            .to_owned();
        tx.execute(&del).await?;
        if a.fields.links.is_empty() {
            return Ok(());
        }
        let mut ins = Query::insert();
        ins.into_table(n("activity_links")).columns(
            [
                "workspace_id",
                "activity_id",
                "object_type",
                "record_id",
                "occurred_at",
            ]
            .map(n),
        );
        for l in &a.fields.links {
            built(ins.values([
                ws.0.into(),
                a.id.0.into(),
                l.object.clone().into(),
                l.id.into(),
                a.fields.occurred_at.into(),
            ]))?;
        }
        tx.execute(&ins).await?;
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// How many live activities concern a record since `since`.
pub async fn count_since(
    tx: &mut Tx,
    ws: WorkspaceId,
    object: &str,
    record: Uuid,
    since: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_as(n("activity_links"), n("l"))
        .inner_join(
            n(TABLE),
            tcol(TABLE, "workspace_id")
                .equals((n("l"), n("workspace_id")))
                .and(tcol(TABLE, "id").equals((n("l"), n("activity_id")))),
        )
        .and_where(tcol("l", "workspace_id").eq(ws.0))
        .and_where(tcol("l", "object_type").eq(object))
        .and_where(tcol("l", "record_id").eq(record))
        .and_where(tcol("l", "occurred_at").gte(since))
        .and_where(tcol(TABLE, "deleted_at").is_null())
        .to_owned();
    let row: Option<Count> = tx.fetch_optional(&q).await?;
    Ok(row.map_or(0, |r| r.n))
}
