//! Leads in the database.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{CompanyId, ContactId, DealId, LeadId, UserId, WorkspaceId};
use rapport_domain::objects::{Lead, LeadDraft, LeadState};
use rapport_domain::values::{EmailAddress, PhoneE164, Tag};
use sea_query::SimpleExpr;
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::error::StoreError;
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;

const TABLE: &str = "leads";

/// A lead row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct LeadRow {
    custom: String,
    id: Uuid,
    first_name: Option<String>,
    last_name: Option<String>,
    company_name: Option<String>,
    title: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    source: Option<String>,
    status: String,
    disqualified_reason: Option<String>,
    owner_id: Option<Uuid>,
    tags: String,
    score: i64,
    converted_at: Option<DateTime<Utc>>,
    converted_contact_id: Option<Uuid>,
    converted_company_id: Option<Uuid>,
    converted_deal_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// Only selected by `records::find_for_write`.
    #[sqlx(default)]
    deleted: bool,
}

const COLUMNS: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "company_name",
    "title",
    "email",
    "phone",
    "source",
    "status",
    "disqualified_reason",
    "owner_id",
    "tags",
    "score",
    "converted_at",
    "converted_contact_id",
    "converted_company_id",
    "converted_deal_id",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored lead {what} unreadable: {e}"))
}

impl Listable for LeadRow {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = COLUMNS;

    fn custom_values(&self) -> Option<&str> {
        Some(&self.custom)
    }

    fn column(path: &str) -> Column {
        let name = match path {
            "first_name" => "first_name",
            "last_name" => "last_name",
            "company_name" => "company_name",
            "title" => "title",
            "email" => "email",
            "phone" => "phone",
            "source" => "source",
            "status" => "status",
            "owner_id" => "owner_id",
            "tags" => return Column::Tags { name: "tags" },
            "score" => "score",
            "converted_at" => "converted_at",
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
            "score" => CursorValue::Int(self.score),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

impl Table for LeadRow {
    type Record = Lead;
    const SEARCH_TYPE: &'static str = search::LEAD;

    fn into_record(self) -> Result<Lead, StoreError> {
        let tags: Vec<Tag> = serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?;
        let email = match self.email {
            Some(e) => Some(EmailAddress::parse(&e).map_err(|x| corrupt("email", x))?),
            None => None,
        };
        let phone = match self.phone {
            Some(p) => Some(PhoneE164::from_stored(&p).map_err(|x| corrupt("phone", x))?),
            None => None,
        };
        Ok(Lead {
            id: LeadId(self.id),
            fields: LeadDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                first_name: self.first_name,
                last_name: self.last_name,
                company_name: self.company_name,
                title: self.title,
                email,
                phone,
                source: self.source,
                status: self.status,
                disqualified_reason: self.disqualified_reason,
                owner_id: self.owner_id.map(UserId),
                tags,
            },
            state: LeadState {
                score: self.score,
                converted_at: self.converted_at,
                converted_contact_id: self.converted_contact_id.map(ContactId),
                converted_company_id: self.converted_company_id.map(CompanyId),
                converted_deal_id: self.converted_deal_id.map(DealId),
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, l: &Lead) -> Vec<(&'static str, SimpleExpr)> {
        let f = &l.fields;
        let s = &l.state;
        vec![
            ("workspace_id", ws.0.into()),
            ("id", l.id.0.into()),
            ("custom", l.fields.custom.to_json_text().into()),
            ("first_name", f.first_name.clone().into()),
            ("last_name", f.last_name.clone().into()),
            ("company_name", f.company_name.clone().into()),
            ("title", f.title.clone().into()),
            (
                "email",
                f.email.as_ref().map(|e| e.as_str().to_owned()).into(),
            ),
            (
                "phone",
                f.phone.as_ref().map(|p| p.as_str().to_owned()).into(),
            ),
            ("source", f.source.clone().into()),
            ("status", f.status.clone().into()),
            ("disqualified_reason", f.disqualified_reason.clone().into()),
            ("owner_id", f.owner_id.map(|x| x.0).into()),
            (
                "tags",
                serde_json::to_string(&f.tags)
                    .unwrap_or_else(|_| "[]".into())
                    .into(),
            ),
            ("score", s.score.into()),
            ("converted_at", s.converted_at.into()),
            (
                "converted_contact_id",
                s.converted_contact_id.map(|x| x.0).into(),
            ),
            (
                "converted_company_id",
                s.converted_company_id.map(|x| x.0).into(),
            ),
            ("converted_deal_id", s.converted_deal_id.map(|x| x.0).into()),
            ("created_at", l.created_at.into()),
            ("updated_at", l.updated_at.into()),
            ("version", l.version.into()),
        ]
    }

    fn search_text(l: &Lead) -> (String, String) {
        let f = &l.fields;
        let body = [
            f.company_name.clone(),
            f.email.as_ref().map(|e| e.as_str().to_owned()),
            f.phone.as_ref().map(|p| p.digits().to_owned()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        (f.display_name(), body)
    }
}

/// The live leads whose email address is `address`, inside a write transaction: the natural
/// key imports match leads on. A lead's address is stored lower-cased whole (`LeadDraft`), so
/// an address parsed the same way finds it in any letter case, through index `leads_email`.
pub async fn live_ids_by_email(
    tx: &mut crate::db::Tx,
    ws: WorkspaceId,
    address: &str,
) -> Result<Vec<Uuid>, StoreError> {
    use sea_query::{Alias, Expr, ExprTrait, Query};
    let q = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new(TABLE))
        .and_where(Expr::col(Alias::new("workspace_id")).eq(ws.0))
        .and_where(Expr::col(Alias::new("email")).eq(address))
        .and_where(Expr::col(Alias::new("deleted_at")).is_null())
        .to_owned();
    let rows: Vec<(Uuid,)> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
