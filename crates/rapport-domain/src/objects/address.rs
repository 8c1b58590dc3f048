//! Postal address shared by contacts and companies.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::Body;
use crate::values::CountryCode;

/// A postal address; every part is optional, the country is ISO 3166-1 alpha-2.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Address {
    /// Street and number.
    pub street: Option<String>,
    /// City or town.
    pub city: Option<String>,
    /// State, region or province.
    pub region: Option<String>,
    /// Postal or ZIP code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case.
    #[schema(value_type = Option<String>, example = "FR")]
    pub country: Option<CountryCode>,
}

const FIELDS: &[&str] = &["street", "city", "region", "postal_code", "country"];

impl Address {
    /// Reads `key` of `body` as an address; an address with every part empty is no address.
    pub fn read(body: &mut Body<'_>, key: &str) -> Option<Address> {
        let mut obj = body.object(key, FIELDS)?;
        let address = Address {
            street: obj.text("street", 200),
            city: obj.text("city", 100),
            region: obj.text("region", 100),
            postal_code: obj.text("postal_code", 20),
            country: obj.parsed("country", CountryCode::parse),
        };
        (address != Address::default()).then_some(address)
    }
}
