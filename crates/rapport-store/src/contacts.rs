//! Contacts in the database: rows, writes (with their channel and search rows, in the caller's
//! transaction) and reads.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{CompanyId, ContactId, UserId, WorkspaceId};
use rapport_domain::objects::{Address, Contact, ContactDraft, EmailEntry, PhoneEntry};
use rapport_domain::values::{CountryCode, LifecycleStage, PhoneE164, Tag};
use sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::db::Tx;
use crate::error::{StoreError, is_foreign_key_violation};
use crate::list::{self, Column, Listable};
use crate::records::Table;
use crate::search;

const TABLE: &str = "contacts";

/// A contact row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct ContactRow {
    custom: String,
    id: Uuid,
    first_name: String,
    last_name: String,
    email: String,
    emails: String,
    phones: String,
    title: Option<String>,
    company_id: Option<Uuid>,
    address_street: Option<String>,
    address_city: Option<String>,
    address_region: Option<String>,
    address_postal_code: Option<String>,
    address_country: Option<String>,
    lifecycle_stage: Option<String>,
    owner_id: Option<Uuid>,
    tags: String,
    notes: Option<String>,
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
    "email",
    "emails",
    "phones",
    "title",
    "company_id",
    "address_street",
    "address_city",
    "address_region",
    "address_postal_code",
    "address_country",
    "lifecycle_stage",
    "owner_id",
    "tags",
    "notes",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored contact {what} unreadable: {e}"))
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// A phone entry as stored: read without re-running the phone library (see `PhoneE164::from_stored`).
#[derive(serde::Deserialize)]
struct StoredPhone {
    number: String,
    label: Option<String>,
}

fn stored_phones(json: &str) -> Result<Vec<PhoneEntry>, StoreError> {
    let raw: Vec<StoredPhone> = serde_json::from_str(json).map_err(|e| corrupt("phones", e))?;
    raw.into_iter()
        .map(|p| {
            let number = PhoneE164::from_stored(&p.number).map_err(|e| corrupt("phones", e))?;
            Ok(PhoneEntry {
                number,
                label: p.label,
            })
        })
        .collect()
}

impl Listable for ContactRow {
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
            "first_name" => Column::Plain {
                name: "first_name",
                empty_is_null: true,
            },
            "last_name" => Column::Plain {
                name: "last_name",
                empty_is_null: true,
            },
            "email" => Column::Channel {
                kind: "email",
                summary: "email",
                empty: "",
            },
            "phone" => Column::Channel {
                kind: "phone",
                summary: "phones",
                empty: "[]",
            },
            "tags" => Column::Tags { name: "tags" },
            "address.street" => plain("address_street"),
            "address.city" => plain("address_city"),
            "address.region" => plain("address_region"),
            "address.postal_code" => plain("address_postal_code"),
            "address.country" => plain("address_country"),
            "title" => plain("title"),
            "company_id" => plain("company_id"),
            "lifecycle_stage" => plain("lifecycle_stage"),
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
            "first_name" => CursorValue::Text(self.first_name.clone()),
            "last_name" => CursorValue::Text(self.last_name.clone()),
            "email" => CursorValue::Text(self.email.clone()),
            "updated_at" => list::time_cursor(&self.updated_at),
            _ => list::time_cursor(&self.created_at),
        }
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn row_values(ws: WorkspaceId, c: &Contact) -> Vec<(&'static str, SimpleExpr)> {
    let f = &c.fields;
    let a = f.address.clone().unwrap_or_default();
    vec![
        ("workspace_id", ws.0.into()),
        ("id", c.id.0.into()),
        ("custom", c.fields.custom.to_json_text().into()),
        (
            "first_name",
            f.first_name.clone().unwrap_or_default().into(),
        ),
        ("last_name", f.last_name.clone().unwrap_or_default().into()),
        (
            "email",
            f.primary_email()
                .map(|e| e.normalized())
                .unwrap_or_default()
                .into(),
        ),
        ("emails", json(&f.emails).into()),
        ("phones", json(&f.phones).into()),
        ("title", f.title.clone().into()),
        ("company_id", f.company_id.map(|x| x.0).into()),
        ("address_street", a.street.into()),
        ("address_city", a.city.into()),
        ("address_region", a.region.into()),
        ("address_postal_code", a.postal_code.into()),
        (
            "address_country",
            a.country.map(|x| x.as_str().to_owned()).into(),
        ),
        (
            "lifecycle_stage",
            f.lifecycle_stage.map(|x| x.as_str().to_owned()).into(),
        ),
        ("owner_id", f.owner_id.map(|x| x.0).into()),
        ("tags", json(&f.tags).into()),
        ("notes", f.notes.clone().into()),
        ("created_at", c.created_at.into()),
        ("updated_at", c.updated_at.into()),
        ("version", c.version.into()),
    ]
}

fn write_error(e: sqlx::Error) -> StoreError {
    if is_foreign_key_violation(&e) {
        StoreError::MissingReference {
            constraint: "contacts_company_fkey",
        }
    } else {
        e.into()
    }
}

impl Table for ContactRow {
    type Record = Contact;
    const SEARCH_TYPE: &'static str = search::CONTACT;
    const MERGES: bool = true;

    fn into_record(self) -> Result<Contact, StoreError> {
        let emails: Vec<EmailEntry> =
            serde_json::from_str(&self.emails).map_err(|e| corrupt("emails", e))?;
        let phones = stored_phones(&self.phones)?;
        let tags: Vec<Tag> = serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?;
        let country = match self.address_country {
            Some(c) => Some(CountryCode::parse(&c).map_err(|e| corrupt("country", e))?),
            None => None,
        };
        let address = Address {
            street: self.address_street,
            city: self.address_city,
            region: self.address_region,
            postal_code: self.address_postal_code,
            country,
        };
        let lifecycle_stage = match self.lifecycle_stage {
            Some(s) => Some(LifecycleStage::parse(&s).map_err(|e| corrupt("lifecycle_stage", e))?),
            None => None,
        };
        Ok(Contact {
            id: ContactId(self.id),
            fields: ContactDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                first_name: non_empty(self.first_name),
                last_name: non_empty(self.last_name),
                emails,
                phones,
                title: self.title,
                company_id: self.company_id.map(CompanyId),
                address: (address != Address::default()).then_some(address),
                lifecycle_stage,
                owner_id: self.owner_id.map(UserId),
                tags,
                notes: self.notes,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
            warnings: Vec::new(),
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, c: &Contact) -> Vec<(&'static str, SimpleExpr)> {
        row_values(ws, c)
    }

    fn search_text(c: &Contact) -> (String, String) {
        let f = &c.fields;
        let mut body: Vec<String> = f
            .emails
            .iter()
            .map(|e| e.address.as_str().to_owned())
            .collect();
        body.extend(f.phones.iter().map(|p| p.number.digits().to_owned()));
        (f.display_name(), body.join(" "))
    }

    fn write_error(e: sqlx::Error) -> StoreError {
        write_error(e)
    }

    async fn write_side_rows(tx: &mut Tx, ws: WorkspaceId, c: &Contact) -> Result<(), StoreError> {
        write_channels(tx, ws, c).await
    }
}

/// Every email address and phone number of the contact, for exact lookups by filters.
async fn write_channels(tx: &mut Tx, ws: WorkspaceId, c: &Contact) -> Result<(), StoreError> {
    let del = Query::delete()
        .from_table(Alias::new("contact_channels"))
        .and_where(Expr::col(Alias::new("workspace_id")).eq(ws.0))
        .and_where(Expr::col(Alias::new("contact_id")).eq(c.id.0))
        .to_owned();
    tx.execute(&del).await?;
    let channels: Vec<(&str, String)> = c
        .fields
        .emails
        .iter()
        .map(|e| ("email", e.address.normalized()))
        .chain(
            c.fields
                .phones
                .iter()
                .map(|p| ("phone", p.number.as_str().to_owned())),
        )
        .collect();
    if !channels.is_empty() {
        let mut ins = Query::insert();
        ins.into_table(Alias::new("contact_channels"))
            .columns(["workspace_id", "contact_id", "kind", "value"].map(Alias::new));
        for (kind, value) in channels {
            ins.values([ws.0.into(), c.id.0.into(), kind.into(), value.into()])
                .map_err(|e| StoreError::Other(e.to_string()))?;
        }
        tx.execute(&ins).await?;
    }
    Ok(())
}

/// The live contacts holding the email address `normalized` (any of their addresses, not only
/// the primary one), inside a write transaction: the natural key imports and batch upserts match on.
pub async fn live_ids_by_email(
    tx: &mut Tx,
    ws: WorkspaceId,
    normalized: &str,
) -> Result<Vec<Uuid>, StoreError> {
    let ch = Alias::new("ch");
    let c = Alias::new("c");
    let q = Query::select()
        .column((c.clone(), Alias::new("id")))
        .from_as(Alias::new("contact_channels"), ch.clone())
        .join_as(
            sea_query::JoinType::InnerJoin,
            Alias::new(TABLE),
            c.clone(),
            Expr::col((c.clone(), Alias::new("workspace_id")))
                .equals((ch.clone(), Alias::new("workspace_id")))
                .and(
                    Expr::col((c.clone(), Alias::new("id")))
                        .equals((ch.clone(), Alias::new("contact_id"))),
                ),
        )
        .and_where(Expr::col((ch.clone(), Alias::new("workspace_id"))).eq(ws.0))
        .and_where(Expr::col((ch.clone(), Alias::new("kind"))).eq("email"))
        .and_where(Expr::col((ch, Alias::new("value"))).eq(normalized))
        .and_where(Expr::col((c, Alias::new("deleted_at"))).is_null())
        .to_owned();
    let rows: Vec<(Uuid,)> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
