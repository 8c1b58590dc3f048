//! ISO 3166-1 alpha-2 country codes, checked against the officially assigned list.

use super::ValueError;

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted for binary search.
///
/// Embedded rather than fetched: the list changes every few years at most, and a value type must
/// not depend on anything outside the process.
const ASSIGNED: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// An officially assigned ISO 3166-1 alpha-2 country code, stored upper-case (e.g. `FR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode(&'static str);

impl CountryCode {
    /// Parses a code case-insensitively (`"fr"`, `" FR "`), rejecting unassigned ones like `"ZZ"`.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.len() != 2 || !trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(ValueError::invalid_format(
                "A country code must be two letters (ISO 3166-1 alpha-2), such as FR or US.",
            ));
        }
        let upper = trimmed.to_ascii_uppercase();
        // Returning the table's own &'static str makes the type Copy and allocation-free.
        match ASSIGNED.binary_search(&upper.as_str()) {
            Ok(index) => ASSIGNED
                .get(index)
                .copied()
                .map(Self)
                .ok_or_else(|| unknown(&upper)),
            Err(_) => Err(unknown(&upper)),
        }
    }

    /// The upper-case two-letter code.
    pub fn as_str(&self) -> &'static str {
        self.0
    }

    /// Every assigned code, sorted.
    pub fn all() -> impl Iterator<Item = CountryCode> {
        ASSIGNED.iter().copied().map(Self)
    }
}

fn unknown(code: &str) -> ValueError {
    ValueError::unknown_code(format!(
        "'{code}' is not an assigned ISO 3166-1 country code."
    ))
}

string_value!(CountryCode, CountryCode::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_complete() {
        assert_eq!(ASSIGNED.len(), 249);
        assert!(ASSIGNED.windows(2).all(|w| w[0] < w[1]));
        assert!(
            ASSIGNED
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
        assert_eq!(CountryCode::all().count(), 249);
    }

    #[test]
    fn parses_case_insensitively() {
        assert_eq!(CountryCode::parse("fr").unwrap().as_str(), "FR");
        assert_eq!(CountryCode::parse(" Us ").unwrap().as_str(), "US");
        assert_eq!(CountryCode::parse("AD").unwrap().as_str(), "AD");
        assert_eq!(CountryCode::parse("zw").unwrap().as_str(), "ZW");
        assert_eq!(CountryCode::parse("AQ").unwrap().to_string(), "AQ");
    }

    #[test]
    fn rejects_unassigned_and_malformed() {
        for unassigned in ["ZZ", "XK", "UK", "EU", "AA"] {
            assert_eq!(
                CountryCode::parse(unassigned).unwrap_err().code,
                "unknown_code",
                "{unassigned}"
            );
        }
        for bad in ["", "F", "FRA", "F1", "é1", "1 "] {
            assert_eq!(
                CountryCode::parse(bad).unwrap_err().code,
                "invalid_format",
                "{bad}"
            );
        }
    }

    #[test]
    fn serde_round_trip() {
        let c: CountryCode = serde_json::from_str("\"de\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"DE\"");
        assert!(serde_json::from_str::<CountryCode>("\"XX\"").is_err());
    }
}
