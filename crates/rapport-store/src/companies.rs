//! Companies in the database: rows, writes (with their search rows, in the caller's transaction)
//! and reads.

use chrono::{DateTime, Utc};
use rapport_domain::ids::{CompanyId, UserId, WorkspaceId};
use rapport_domain::objects::{Address, Company, CompanyDraft, duplicates};
use rapport_domain::values::{CountryCode, CurrencyCode, DomainName, Money, Tag};
use sea_query::SimpleExpr;
use uuid::Uuid;

use crate::cursor::CursorValue;
use crate::db::Tx;
use crate::error::{StoreError, is_unique_violation};
use crate::list::{self, Column, Listable};
use crate::records::{self, Table};
use crate::search;

const TABLE: &str = "companies";

/// The unique index on live companies' domains.
pub const DOMAIN_KEY: &str = "companies_workspace_domain_key";

/// A company row as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct CompanyRow {
    custom: String,
    id: Uuid,
    name: String,
    domain: Option<String>,
    industry: Option<String>,
    employee_count: Option<i64>,
    annual_revenue_amount: Option<i64>,
    annual_revenue_currency: Option<String>,
    address_street: Option<String>,
    address_city: Option<String>,
    address_region: Option<String>,
    address_postal_code: Option<String>,
    address_country: Option<String>,
    owner_id: Option<Uuid>,
    tags: String,
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
    "domain",
    "industry",
    "employee_count",
    "annual_revenue_amount",
    "annual_revenue_currency",
    "address_street",
    "address_city",
    "address_region",
    "address_postal_code",
    "address_country",
    "owner_id",
    "tags",
    "created_at",
    "updated_at",
    "version",
    "custom",
];

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored company {what} unreadable: {e}"))
}

impl Listable for CompanyRow {
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
            "domain" => plain("domain"),
            "industry" => plain("industry"),
            "employee_count" => plain("employee_count"),
            "annual_revenue.amount" => plain("annual_revenue_amount"),
            "annual_revenue.currency" => plain("annual_revenue_currency"),
            "address.street" => plain("address_street"),
            "address.city" => plain("address_city"),
            "address.region" => plain("address_region"),
            "address.postal_code" => plain("address_postal_code"),
            "address.country" => plain("address_country"),
            "owner_id" => plain("owner_id"),
            "tags" => Column::Tags { name: "tags" },
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

/// A company's duplicate-matching keys: its normalised name and its domain's registrable label
/// (see `rapport_domain::objects::duplicates`), stored so candidates come from an index.
pub fn match_keys(name: &str, domain: Option<&str>) -> (Option<String>, Option<String>) {
    let domain = domain
        .and_then(|d| DomainName::parse(d).ok())
        .and_then(|d| duplicates::domain_key(&d));
    (duplicates::company_key(name), domain)
}

fn row_values(ws: WorkspaceId, c: &Company) -> Vec<(&'static str, SimpleExpr)> {
    let f = &c.fields;
    let a = f.address.clone().unwrap_or_default();
    let (match_name, match_domain) = match_keys(&f.name, f.domain.as_ref().map(DomainName::as_str));
    vec![
        ("workspace_id", ws.0.into()),
        ("id", c.id.0.into()),
        ("custom", c.fields.custom.to_json_text().into()),
        ("name", f.name.clone().into()),
        (
            "domain",
            f.domain.as_ref().map(|d| d.as_str().to_owned()).into(),
        ),
        ("industry", f.industry.clone().into()),
        ("employee_count", f.employee_count.into()),
        (
            "annual_revenue_amount",
            f.annual_revenue.as_ref().map(Money::amount_e4).into(),
        ),
        (
            "annual_revenue_currency",
            f.annual_revenue
                .as_ref()
                .map(|m| m.currency().as_str().to_owned())
                .into(),
        ),
        ("address_street", a.street.into()),
        ("address_city", a.city.into()),
        ("address_region", a.region.into()),
        ("address_postal_code", a.postal_code.into()),
        (
            "address_country",
            a.country.map(|x| x.as_str().to_owned()).into(),
        ),
        ("owner_id", f.owner_id.map(|x| x.0).into()),
        (
            "tags",
            serde_json::to_string(&f.tags)
                .unwrap_or_else(|_| "[]".into())
                .into(),
        ),
        ("match_name", match_name.into()),
        ("match_domain", match_domain.into()),
        ("created_at", c.created_at.into()),
        ("updated_at", c.updated_at.into()),
        ("version", c.version.into()),
    ]
}

fn write_error(e: sqlx::Error) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Conflict {
            constraint: DOMAIN_KEY,
        }
    } else {
        e.into()
    }
}

impl Table for CompanyRow {
    type Record = Company;
    const SEARCH_TYPE: &'static str = search::COMPANY;
    const MERGES: bool = true;

    fn into_record(self) -> Result<Company, StoreError> {
        let tags: Vec<Tag> = serde_json::from_str(&self.tags).map_err(|e| corrupt("tags", e))?;
        let country = match self.address_country {
            Some(c) => Some(CountryCode::parse(&c).map_err(|e| corrupt("country", e))?),
            None => None,
        };
        let domain = match self.domain {
            Some(d) => Some(DomainName::parse(&d).map_err(|e| corrupt("domain", e))?),
            None => None,
        };
        let annual_revenue = match (self.annual_revenue_amount, self.annual_revenue_currency) {
            (Some(amount), Some(currency)) => Some(Money::new(
                amount,
                CurrencyCode::parse(&currency).map_err(|e| corrupt("currency", e))?,
            )),
            _ => None,
        };
        let address = Address {
            street: self.address_street,
            city: self.address_city,
            region: self.address_region,
            postal_code: self.address_postal_code,
            country,
        };
        Ok(Company {
            id: CompanyId(self.id),
            fields: CompanyDraft {
                custom: crate::custom_fields::read_values(&self.custom)?,
                name: self.name,
                domain,
                industry: self.industry,
                employee_count: self.employee_count,
                annual_revenue,
                address: (address != Address::default()).then_some(address),
                owner_id: self.owner_id.map(UserId),
                tags,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }

    fn is_deleted(&self) -> bool {
        self.deleted
    }

    fn values(ws: WorkspaceId, c: &Company) -> Vec<(&'static str, SimpleExpr)> {
        row_values(ws, c)
    }

    fn search_text(c: &Company) -> (String, String) {
        let domain = c
            .fields
            .domain
            .as_ref()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default();
        (c.fields.name.clone(), domain)
    }

    fn write_error(e: sqlx::Error) -> StoreError {
        write_error(e)
    }
}

/// The live company holding `domain`, inside a write transaction (to name it in a 409).
pub async fn find_by_domain(
    tx: &mut Tx,
    ws: WorkspaceId,
    domain: &DomainName,
) -> Result<Option<Company>, StoreError> {
    records::find_live_by::<CompanyRow>(tx, ws, "domain", domain.as_str().into()).await
}
