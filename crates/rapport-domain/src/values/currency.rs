//! ISO 4217 currency codes (active, with a defined minor unit) and their decimal exponents.

use super::ValueError;

/// Active ISO 4217 codes with their minor-unit exponent, sorted by code for binary search.
///
/// Codes whose minor unit ISO lists as "N.A." (gold, SDR, test codes…) are left out on purpose:
/// a CRM amount needs a definite number of decimals. ANG and XCG both appear while the
/// Caribbean guilder transition leaves both in circulation.
const ACTIVE: [(&str, u8); 167] = [
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// An active ISO 4217 currency code, stored upper-case (e.g. `EUR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CurrencyCode {
    code: &'static str,
    minor_units: u8,
}

impl CurrencyCode {
    /// Parses a code case-insensitively (`"eur"`), rejecting unknown or withdrawn ones.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.len() != 3 || !trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(ValueError::invalid_format(
                "A currency code must be three letters (ISO 4217), such as EUR or USD.",
            ));
        }
        let upper = trimmed.to_ascii_uppercase();
        ACTIVE
            .binary_search_by(|(code, _)| (*code).cmp(upper.as_str()))
            .ok()
            .and_then(|index| ACTIVE.get(index))
            .map(|&(code, minor_units)| Self { code, minor_units })
            .ok_or_else(|| {
                ValueError::unknown_code(format!(
                    "'{upper}' is not an active ISO 4217 currency code."
                ))
            })
    }

    /// The upper-case three-letter code.
    pub fn as_str(&self) -> &'static str {
        self.code
    }

    /// How many decimals the currency uses (EUR 2, JPY 0, KWD 3, CLF 4).
    pub fn minor_units(&self) -> u32 {
        u32::from(self.minor_units)
    }

    /// Every supported code, sorted.
    pub fn all() -> impl Iterator<Item = CurrencyCode> {
        ACTIVE
            .iter()
            .map(|&(code, minor_units)| Self { code, minor_units })
    }
}

string_value!(CurrencyCode, CurrencyCode::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_sane() {
        assert!(ACTIVE.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(
            ACTIVE
                .iter()
                .all(|(c, m)| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) && *m <= 4)
        );
        assert_eq!(CurrencyCode::all().count(), ACTIVE.len());
    }

    #[test]
    fn minor_units_match_iso() {
        for (code, units) in [
            ("EUR", 2),
            ("usd", 2),
            ("JPY", 0),
            ("KWD", 3),
            ("BHD", 3),
            ("CLF", 4),
            ("KRW", 0),
            ("TND", 3),
            ("UYW", 4),
            ("XOF", 0),
            ("AED", 2),
            ("ZWG", 2),
        ] {
            let c = CurrencyCode::parse(code).unwrap();
            assert_eq!(c.minor_units(), units, "{code}");
            assert_eq!(c.as_str(), code.to_ascii_uppercase());
        }
    }

    #[test]
    fn rejects_unknown_and_malformed() {
        for unknown in ["XXX", "XAU", "FRF", "HRK", "ABC"] {
            assert_eq!(
                CurrencyCode::parse(unknown).unwrap_err().code,
                "unknown_code",
                "{unknown}"
            );
        }
        for bad in ["", "EU", "EURO", "E1R", "€"] {
            assert_eq!(
                CurrencyCode::parse(bad).unwrap_err().code,
                "invalid_format",
                "{bad}"
            );
        }
    }

    #[test]
    fn serde_round_trip() {
        let c: CurrencyCode = serde_json::from_str("\" jpy \"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"JPY\"");
        assert_eq!(c.to_string(), "JPY");
        assert!(serde_json::from_str::<CurrencyCode>("\"ZZZ\"").is_err());
    }
}
