//! Phone numbers, validated against libphonenumber metadata and stored in E.164 form.
//!
//! Numbers written without a country prefix ("06 12 34 56 78") are ambiguous: they can only be
//! parsed when the caller supplies a default region (ISO 3166-1 alpha-2, e.g. `"FR"`).

use std::fmt::Write as _;
use std::str::FromStr;

use phonenumber::country::Id;

use super::{ValueError, char_len};

/// A valid phone number in E.164 form, e.g. `+33612345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneE164(String);

/// Longest input we hand to the phone library; real numbers with spacing fit easily.
const MAX_INPUT_CHARS: usize = 40;

impl PhoneE164 {
    /// A number this program stored itself, read back from the database: it was validated on the
    /// way in, so the costly library check is skipped (it dominated list latency). Anything that
    /// is not E.164 in shape is still refused.
    pub fn from_stored(e164: &str) -> Result<Self, ValueError> {
        let digits = e164.strip_prefix('+').unwrap_or("");
        if (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(e164.to_owned()))
        } else {
            Err(ValueError::invalid_format(
                "The stored phone number is not in E.164 form.",
            ))
        }
    }

    /// Parses a phone number written by a person and normalises it to E.164.
    ///
    /// Accepts international forms (`+33 6 12 34 56 78`, `+1 (415) 555-0132`, `00 33 6 …`, where a
    /// leading `00` means `+`). A national number without a country prefix (`06 12 34 56 78`)
    /// needs `default_region` (ISO alpha-2, e.g. `"FR"`); without it, it is rejected.
    pub fn parse(input: &str, default_region: Option<&str>) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValueError::invalid_format("The phone number is empty."));
        }
        if char_len(trimmed) > MAX_INPUT_CHARS {
            return Err(ValueError::too_long(format!(
                "The phone number must be at most {MAX_INPUT_CHARS} characters."
            )));
        }
        // Only the punctuation people actually type gets through: this keeps letters, extensions
        // and URI forms away from the library, whose error paths are less predictable.
        let allowed =
            |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.' | '/');
        if !trimmed.chars().all(allowed) {
            return Err(ValueError::invalid_format(
                "The phone number may only contain digits, spaces, '+', '-', '.', '/' and parentheses.",
            ));
        }
        let plus_count = trimmed.matches('+').count();
        if plus_count > 1 || (plus_count == 1 && !trimmed.starts_with('+')) {
            return Err(ValueError::invalid_format(
                "A '+' may only appear at the start of the phone number.",
            ));
        }
        // "00" is the international call prefix almost everywhere; the library only knows it
        // relative to a region, so rewrite it to keep "0033…" working without one.
        let normalized: String = match trimmed.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => trimmed.to_owned(),
        };
        let region = match default_region {
            Some(code) => Some(region_id(code)?),
            None => None,
        };
        if region.is_none() && !normalized.starts_with('+') {
            return Err(ValueError::invalid_format(
                "The phone number has no country prefix: write it in international form, starting with + and the country code (for example +33 6 12 34 56 78).",
            ));
        }
        let number = phonenumber::parse(region, &normalized)
            .map_err(|_| ValueError::invalid_format("This is not a valid phone number."))?;
        if !phonenumber::is_valid(&number) {
            return Err(ValueError::invalid_format(
                "This is not a valid phone number: check the country code and the number of digits.",
            ));
        }
        let mut e164 = String::with_capacity(16);
        write!(e164, "{}", number.format().mode(phonenumber::Mode::E164))
            .map_err(|_| ValueError::invalid_format("This is not a valid phone number."))?;
        Ok(Self(e164))
    }

    /// Parses a number that must already carry its country prefix (used by serde and `FromStr`).
    fn parse_international(input: &str) -> Result<Self, ValueError> {
        Self::parse(input, None)
    }

    /// The E.164 form, with its leading `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The E.164 digits without the leading `+` (handy for `tel:`-less lookups and indexes).
    pub fn digits(&self) -> &str {
        self.0.strip_prefix('+').unwrap_or(&self.0)
    }
}

/// Maps an ISO alpha-2 region to the library's id, case-insensitively.
fn region_id(code: &str) -> Result<Id, ValueError> {
    let upper = code.trim().to_ascii_uppercase();
    Id::from_str(&upper).map_err(|_| {
        ValueError::unknown_code(format!(
            "'{}' is not a known region for phone numbers; use a two-letter country code such as FR.",
            code.trim()
        ))
    })
}

/// Loads the phone metadata now, so the first real request does not pay for it (call at start-up).
pub fn warm_up() {
    // The result is irrelevant; the side effect of initialising the metadata is what we want.
    let _ = PhoneE164::parse("+33612345678", None);
}

string_value!(PhoneE164, PhoneE164::parse_international);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_international_forms() {
        warm_up();
        let cases = [
            ("+33 6 12 34 56 78", "+33612345678"),
            ("  +33 (0)6 12 34 56 78 ", "+33612345678"),
            ("+1 (415) 555-0132", "+14155550132"),
            ("00 33 6 12 34 56 78", "+33612345678"),
            ("+44 20 7946 0018", "+442079460018"),
        ];
        for (input, expected) in cases {
            let p = PhoneE164::parse(input, None).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.as_str(), expected, "{input}");
        }
        let p = PhoneE164::parse("+33612345678", None).unwrap();
        assert_eq!(p.digits(), "33612345678");
        assert_eq!(p.to_string(), "+33612345678");
    }

    #[test]
    fn national_numbers_need_a_region() {
        let err = PhoneE164::parse("06 12 34 56 78", None).unwrap_err();
        assert_eq!(err.code, "invalid_format");
        assert!(err.message.contains("country"), "{}", err.message);
        let p = PhoneE164::parse("06 12 34 56 78", Some("FR")).unwrap();
        assert_eq!(p.as_str(), "+33612345678");
        let p = PhoneE164::parse("06.12.34.56.78", Some("fr")).unwrap();
        assert_eq!(p.as_str(), "+33612345678");
        // An explicit prefix wins over the default region.
        let p = PhoneE164::parse("+1 415 555 0132", Some("FR")).unwrap();
        assert_eq!(p.as_str(), "+14155550132");
        assert_eq!(
            PhoneE164::parse("06 12 34 56 78", Some("ZZ"))
                .unwrap_err()
                .code,
            "unknown_code"
        );
    }

    #[test]
    fn rejects_invalid_numbers() {
        for bad in [
            "",
            "+",
            "12",
            "+33 6 12",
            "+33 6 12 34 56 78 90 12",
            "+999 123 456 789",
            "call me",
            "+33 6 12 34 56 78 ext 5",
            "33+612345678",
            "++33612345678",
            "+1 555 555 5555 5555 5555 5555 5555 5555 5",
        ] {
            assert!(PhoneE164::parse(bad, None).is_err(), "{bad:?}");
        }
        assert!(PhoneE164::parse("01 23", Some("FR")).is_err());
    }

    #[test]
    fn serde_round_trip() {
        let p: PhoneE164 = serde_json::from_str("\"+33 6 12 34 56 78\"").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"+33612345678\"");
        assert_eq!(serde_json::from_str::<PhoneE164>(&json).unwrap(), p);
        assert!(serde_json::from_str::<PhoneE164>("\"0612345678\"").is_err());
    }
}
