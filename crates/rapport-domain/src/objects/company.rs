//! Companies: the organisations contacts work for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::address::Address;
use super::body::Body;
use super::custom_field::CustomValues;
use crate::ids::{CompanyId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::{DomainName, Money, Tag};

/// The writable fields of a company, validated; also the create body and the merge-patch shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = CompanyInput)]
pub struct CompanyDraft {
    /// Name (required).
    pub name: String,
    /// Web domain, normalised (`example.com`); unique among the workspace's live companies.
    #[schema(value_type = Option<String>, example = "example.com")]
    pub domain: Option<DomainName>,
    /// Industry, free text.
    pub industry: Option<String>,
    /// Number of employees.
    pub employee_count: Option<i64>,
    /// Annual revenue.
    #[schema(value_type = Option<MoneySchema>)]
    pub annual_revenue: Option<Money>,
    /// Postal address.
    pub address: Option<Address>,
    /// The user responsible for the company.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Option<UserId>,
    /// Free tags.
    #[schema(value_type = Vec<String>)]
    pub tags: Vec<Tag>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// Money as the API shows it: a decimal string and an ISO 4217 code, never a float.
#[derive(ToSchema)]
#[schema(as = Money)]
pub struct MoneySchema {
    /// Decimal string with the currency's minor units, e.g. `"1250.00"`.
    #[schema(example = "1250.00")]
    pub amount: String,
    /// ISO 4217 code.
    #[schema(example = "EUR")]
    pub currency: String,
}

/// A stored company as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Company {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: CompanyId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: CompanyDraft,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
}

crate::impl_record!(Company, CompanyId, CompanyDraft);

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "name",
    "domain",
    "industry",
    "employee_count",
    "annual_revenue",
    "address",
    "owner_id",
    "tags",
    "custom",
];

/// The read-only fields.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version"];

impl CompanyDraft {
    /// Parses a create body (or a record after a merge patch), listing every problem.
    pub fn parse(value: Value) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        match read(value, &mut errors) {
            Some(d) => errors.finish(d),
            None => Err(errors.into_vec()),
        }
    }
}

fn read(value: Value, errors: &mut Errors) -> Option<CompanyDraft> {
    let mut known: Vec<&str> = WRITABLE.to_vec();
    known.extend_from_slice(READ_ONLY);
    let mut body = Body::open(value, "", &known, errors)?;
    let custom = CustomValues::take_raw(&mut body);
    for key in READ_ONLY {
        if body.take(key).is_some() {
            body.fail(
                key,
                "read_only",
                format!("'{key}' is set by the server and cannot be written"),
            );
        }
    }
    let name_given = body.has("name");
    let name = body.text("name", 200);
    if name.is_none() && !name_given {
        body.fail("name", "required", "a company needs a name");
    } else if name.is_none() && name_given && body.has_no_error_at("name") {
        body.fail(
            "name",
            "required",
            "a company needs a name (it cannot be empty)",
        );
    }
    let domain = body.parsed("domain", DomainName::parse);
    let industry = body.text("industry", 100);
    let employee_count = body.integer("employee_count", 0, 100_000_000);
    let annual_revenue = body.money("annual_revenue");
    let address = Address::read(&mut body, "address");
    let owner_id = body.uuid("owner_id").map(UserId);
    let tags = body.tags("tags");
    Some(CompanyDraft {
        custom,
        name: name.unwrap_or_default(),
        domain,
        industry,
        employee_count,
        annual_revenue,
        address,
        owner_id,
        tags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_company_parses_with_normalised_domain_and_money() {
        let draft = CompanyDraft::parse(json!({
            "name": "Acme", "domain": "https://WWW.Acme.COM/about",
            "annual_revenue": {"amount": "1250.5", "currency": "eur"}, "employee_count": 12
        }))
        .expect("valid");
        assert_eq!(draft.domain.as_ref().map(|d| d.as_str()), Some("acme.com"));
        let json = serde_json::to_value(&draft).expect("json");
        assert_eq!(
            json["annual_revenue"],
            json!({"amount": "1250.50", "currency": "EUR"})
        );
    }

    #[test]
    fn name_is_required_and_float_money_is_refused() {
        let errors = CompanyDraft::parse(
            json!({"annual_revenue": {"amount": 12.5, "currency": "EUR"}, "employee_count": -1}),
        )
        .expect_err("invalid");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(pointers.contains(&"/name"));
        assert!(pointers.contains(&"/annual_revenue"));
        assert!(pointers.contains(&"/employee_count"));
    }
}
