//! Money: an exact amount (fixed point, 1/10 000 of a unit) in an ISO 4217 currency.
//!
//! Amounts travel as decimal strings (`{"amount": "1250.00", "currency": "EUR"}`), never as JSON
//! numbers, because most JSON clients decode numbers as binary floats and lose cents.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use super::{CurrencyCode, ValueError};

/// Internal scale: amounts are stored as integer counts of 1/10 000 of a unit.
const SCALE_DECIMALS: u32 = 4;
/// `10^SCALE_DECIMALS`.
const SCALE: i64 = 10_000;

/// An exact amount of money in a given currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount_e4: i64,
    currency: CurrencyCode,
}

impl Money {
    /// Builds a value read back from storage: `amount_e4` is the amount times 10 000.
    pub fn new(amount_e4: i64, currency: CurrencyCode) -> Self {
        Self {
            amount_e4,
            currency,
        }
    }

    /// Parses a decimal amount string and a currency code, e.g. `("1250.00", "EUR")`.
    pub fn parse(amount: &str, currency: &str) -> Result<Self, ValueError> {
        let currency = CurrencyCode::parse(currency)?;
        Self::parse_in(amount, currency)
    }

    /// Parses a decimal amount string in an already known currency.
    ///
    /// Trailing zeros beyond the currency's decimals are tolerated ("10.00" JPY is exactly 10);
    /// any significant digit beyond them is `too_many_decimals`, since rounding money silently
    /// would be worse than refusing it.
    pub fn parse_in(amount: &str, currency: CurrencyCode) -> Result<Self, ValueError> {
        let parsed = parse_decimal(amount)?;
        if parsed.significant_decimals > currency.minor_units() {
            let message = match currency.minor_units() {
                0 => format!("{} amounts cannot have decimals.", currency.as_str()),
                1 => format!("{} amounts can have at most 1 decimal.", currency.as_str()),
                n => format!(
                    "{} amounts can have at most {n} decimals.",
                    currency.as_str()
                ),
            };
            return Err(ValueError::too_many_decimals(message));
        }
        Ok(Self {
            amount_e4: parsed.amount_e4,
            currency,
        })
    }

    /// The amount times 10 000 (exact fixed-point representation).
    pub fn amount_e4(&self) -> i64 {
        self.amount_e4
    }

    /// The currency.
    pub fn currency(&self) -> CurrencyCode {
        self.currency
    }

    /// The amount as a decimal string with exactly the currency's decimals ("1250.00", "1250"
    /// for JPY, "1.500" for KWD).
    ///
    /// A stored value more precise than its currency (only possible through [`Money::new`]) keeps
    /// its extra digits instead of being rounded, so no money ever disappears in formatting.
    pub fn amount_string(&self) -> String {
        format_e4(self.amount_e4, self.currency.minor_units())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency.as_str())
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Money", 2)?;
        s.serialize_field("amount", &self.amount_string())?;
        s.serialize_field("currency", self.currency.as_str())?;
        s.end()
    }
}

/// Wire shape of [`Money`], validated into the real type right after decoding.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyWire {
    #[serde(deserialize_with = "amount_string")]
    amount: String,
    currency: String,
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = MoneyWire::deserialize(deserializer)?;
        Money::parse(&wire.amount, &wire.currency).map_err(de::Error::custom)
    }
}

/// Accepts only a JSON string for the amount, with a pointed message for JSON numbers.
fn amount_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct AmountVisitor;

    const NOT_A_NUMBER: &str = "The amount must be a decimal string such as \"1250.00\", not a JSON number (numbers lose precision).";

    impl Visitor<'_> for AmountVisitor {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal string such as \"1250.00\"")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<String, E> {
            Err(E::custom(NOT_A_NUMBER))
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<String, E> {
            Err(E::custom(NOT_A_NUMBER))
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<String, E> {
            Err(E::custom(NOT_A_NUMBER))
        }
    }

    deserializer.deserialize_any(AmountVisitor)
}

/// Parses a decimal string with up to 4 decimals into amount × 10 000 (for filters such as
/// `annual_revenue.amount gte 1000`, where no currency is known).
pub fn parse_amount_e4(s: &str) -> Result<i64, ValueError> {
    parse_decimal(s).map(|parsed| parsed.amount_e4)
}

/// Result of [`parse_decimal`].
struct ParsedDecimal {
    amount_e4: i64,
    /// Decimals left once trailing zeros are dropped ("1.50" has 1).
    significant_decimals: u32,
}

/// Parses `-?digits(.digits)?` exactly; no exponent, spaces, '+' or thousands separators,
/// because each of those has locale-dependent readings we refuse to guess.
fn parse_decimal(s: &str) -> Result<ParsedDecimal, ValueError> {
    const SHAPE: &str = "The amount must be a decimal string such as \"1250.00\" or \"-3.5\": digits, an optional leading '-', an optional '.' followed by digits, with no spaces, exponent or thousands separators.";
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (unsigned, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int_part) || frac_part.is_some_and(|f| !all_digits(f)) {
        return Err(ValueError::invalid_format(SHAPE));
    }
    let significant = frac_part.unwrap_or("").trim_end_matches('0');
    // At most 4 bytes, all ASCII digits, so the count fits a u32 trivially.
    let significant_decimals = u32::try_from(significant.len()).unwrap_or(u32::MAX);
    if significant_decimals > SCALE_DECIMALS {
        return Err(ValueError::too_many_decimals(format!(
            "The amount can have at most {SCALE_DECIMALS} decimals."
        )));
    }
    let out_of_range = || ValueError::out_of_range("The amount is too large.");
    let mut units: i64 = 0;
    for digit in int_part.bytes() {
        units = units
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(digit - b'0')))
            .ok_or_else(out_of_range)?;
    }
    let mut fraction: i64 = 0;
    for position in 0..SCALE_DECIMALS as usize {
        let digit = significant
            .as_bytes()
            .get(position)
            .map_or(0, |b| i64::from(b - b'0'));
        fraction = fraction * 10 + digit;
    }
    let magnitude = units
        .checked_mul(SCALE)
        .and_then(|v| v.checked_add(fraction))
        .ok_or_else(out_of_range)?;
    let amount_e4 = if negative { -magnitude } else { magnitude };
    Ok(ParsedDecimal {
        amount_e4,
        significant_decimals,
    })
}

/// Formats amount × 10 000 with at least `min_decimals` decimals (more only if needed to be exact).
fn format_e4(amount_e4: i64, min_decimals: u32) -> String {
    let magnitude = amount_e4.unsigned_abs();
    let scale = SCALE.unsigned_abs();
    let units = magnitude / scale;
    let fraction = format!("{:04}", magnitude % scale);
    let needed = fraction.trim_end_matches('0').len();
    let decimals = needed.max(min_decimals.min(SCALE_DECIMALS) as usize);
    let sign = if amount_e4 < 0 { "-" } else { "" };
    match fraction.get(..decimals) {
        Some(digits) if !digits.is_empty() => format!("{sign}{units}.{digits}"),
        _ => format!("{sign}{units}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> CurrencyCode {
        CurrencyCode::parse(code).unwrap()
    }

    #[test]
    fn parses_and_formats_with_currency_decimals() {
        let m = Money::parse("1250", "eur").unwrap();
        assert_eq!(m.amount_e4(), 12_500_000);
        assert_eq!(m.amount_string(), "1250.00");
        assert_eq!(m.to_string(), "1250.00 EUR");
        assert_eq!(
            Money::parse("1250.5", "EUR").unwrap().amount_string(),
            "1250.50"
        );
        assert_eq!(Money::parse("1250", "JPY").unwrap().amount_string(), "1250");
        assert_eq!(Money::parse("1.5", "KWD").unwrap().amount_string(), "1.500");
        assert_eq!(
            Money::parse("0.1234", "CLF").unwrap().amount_string(),
            "0.1234"
        );
        assert_eq!(Money::parse("-3.05", "USD").unwrap().amount_e4(), -30_500);
        assert_eq!(
            Money::parse("-3.05", "USD").unwrap().amount_string(),
            "-3.05"
        );
        assert_eq!(Money::parse("-0", "USD").unwrap().amount_string(), "0.00");
        assert_eq!(
            Money::parse("007.10", "USD").unwrap().amount_string(),
            "7.10"
        );
    }

    #[test]
    fn too_many_decimals_depends_on_currency() {
        let err = Money::parse("1.234", "EUR").unwrap_err();
        assert_eq!(err.code, "too_many_decimals");
        assert!(
            err.message.contains("EUR") && err.message.contains('2'),
            "{}",
            err.message
        );
        let err = Money::parse("10.5", "JPY").unwrap_err();
        assert_eq!(err.code, "too_many_decimals");
        assert!(err.message.contains("cannot have decimals"));
        // Trailing zeros carry no precision and are accepted.
        assert_eq!(Money::parse("10.00", "JPY").unwrap().amount_string(), "10");
        assert_eq!(
            Money::parse("1.2345", "EUR").unwrap_err().code,
            "too_many_decimals"
        );
        assert_eq!(
            Money::parse("1.23456", "CLF").unwrap_err().code,
            "too_many_decimals"
        );
    }

    #[test]
    fn rejects_malformed_amounts() {
        for bad in [
            "", "-", ".", "1.", ".5", "+1", "1e3", "1 000", "1,000.00", "1,5", " 1", "1 ", "--1",
            "1.2.3", "0x10", "١٢", "NaN", "inf",
        ] {
            assert_eq!(
                parse_amount_e4(bad).unwrap_err().code,
                "invalid_format",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn detects_overflow() {
        let max_units = i64::MAX / SCALE;
        assert_eq!(
            parse_amount_e4(&max_units.to_string()).unwrap(),
            max_units * SCALE
        );
        assert_eq!(
            parse_amount_e4(&format!("-{max_units}")).unwrap(),
            -max_units * SCALE
        );
        assert_eq!(
            parse_amount_e4(&(max_units + 1).to_string())
                .unwrap_err()
                .code,
            "out_of_range"
        );
        assert_eq!(
            parse_amount_e4("99999999999999999999999").unwrap_err().code,
            "out_of_range"
        );
        assert_eq!(
            parse_amount_e4(&format!("{max_units}.9999"))
                .unwrap_err()
                .code,
            "out_of_range"
        );
    }

    #[test]
    fn parse_amount_e4_for_filters() {
        assert_eq!(parse_amount_e4("1000").unwrap(), 10_000_000);
        assert_eq!(parse_amount_e4("0.0001").unwrap(), 1);
        assert_eq!(parse_amount_e4("-12.5").unwrap(), -125_000);
        assert_eq!(parse_amount_e4("1.50000").unwrap(), 15_000);
        assert_eq!(
            parse_amount_e4("0.00001").unwrap_err().code,
            "too_many_decimals"
        );
    }

    #[test]
    fn new_keeps_stored_precision_when_formatting() {
        assert_eq!(Money::new(12_345, cur("EUR")).amount_string(), "1.2345");
        assert_eq!(Money::new(-5, cur("JPY")).amount_string(), "-0.0005");
        assert_eq!(
            Money::new(i64::MIN, cur("USD")).amount_string(),
            "-922337203685477.5808"
        );
        assert_eq!(Money::new(15_000, cur("KWD")).currency().as_str(), "KWD");
    }

    #[test]
    fn serde_round_trip() {
        let m: Money = serde_json::from_str(r#"{"amount":"1250","currency":"eur"}"#).unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"1250.00","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        let jpy = Money::parse("1250", "JPY").unwrap();
        assert_eq!(
            serde_json::to_string(&jpy).unwrap(),
            r#"{"amount":"1250","currency":"JPY"}"#
        );
    }

    #[test]
    fn serde_rejects_numbers_unknown_fields_and_bad_values() {
        let err =
            serde_json::from_str::<Money>(r#"{"amount":1250.5,"currency":"EUR"}"#).unwrap_err();
        assert!(err.to_string().contains("decimal string"), "{err}");
        let err = serde_json::from_str::<Money>(r#"{"amount":1250,"currency":"EUR"}"#).unwrap_err();
        assert!(err.to_string().contains("not a JSON number"), "{err}");
        let err =
            serde_json::from_str::<Money>(r#"{"amount":"1","currency":"EUR","x":1}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let err =
            serde_json::from_str::<Money>(r#"{"amount":"1.001","currency":"EUR"}"#).unwrap_err();
        assert!(err.to_string().contains("at most 2 decimals"), "{err}");
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"ZZZ"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1"}"#).is_err());
    }
}
