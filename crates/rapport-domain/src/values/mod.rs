//! Validated value types: once you hold one, it is valid.
//!
//! Every type here follows "parse, don't validate": the only way to build one is its `parse`
//! function (which `TryFrom`, `FromStr` and serde `Deserialize` all go through), so code that
//! receives a value never has to check it again. Errors are a single [`ValueError`] carrying a
//! machine-readable code and a sentence meant for the API user.

use std::borrow::Cow;

/// Implements the string plumbing shared by every string-backed value type.
///
/// `$parse` is a `fn(&str) -> Result<$ty, ValueError>`; the type must have `as_str()`. Serde goes
/// through `$parse` so a JSON body can never smuggle in an unvalidated value.
macro_rules! string_value {
    ($ty:ty, $parse:expr) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::values::ValueError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                ($parse)(s)
            }
        }

        impl ::std::convert::TryFrom<&str> for $ty {
            type Error = $crate::values::ValueError;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                ($parse)(s)
            }
        }

        impl ::std::convert::TryFrom<String> for $ty {
            type Error = $crate::values::ValueError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                ($parse)(s.as_str())
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let raw = $crate::values::deserialize_str(deserializer)?;
                ($parse)(raw.as_ref()).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    };
}

mod color;
mod country;
mod currency;
mod domain_name;
mod email;
mod lifecycle;
mod money;
mod phone;
mod tag;
mod text;
mod time_zone;
mod web_url;

pub use color::HexColor;
pub use country::CountryCode;
pub use currency::CurrencyCode;
pub use domain_name::DomainName;
pub use email::EmailAddress;
pub use lifecycle::LifecycleStage;
pub use money::{Money, parse_amount_e4};
pub use phone::{PhoneE164, warm_up};
pub use tag::{Tag, TagList};
pub use text::{clean_multiline, clean_text, is_deceptive};
pub use time_zone::TimeZoneName;
pub use web_url::WebUrl;

/// Why a value was rejected: a short machine code plus a sentence for the API user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    /// Machine-readable reason, one of the `ValueError::*` code constants.
    pub code: &'static str,
    /// Human-readable explanation, safe to show to the API user.
    pub message: String,
}

impl ValueError {
    /// The input does not have the expected shape.
    pub const INVALID_FORMAT: &'static str = "invalid_format";
    /// The input is longer than allowed.
    pub const TOO_LONG: &'static str = "too_long";
    /// The input is well-formed but not a known/assigned code.
    pub const UNKNOWN_CODE: &'static str = "unknown_code";
    /// The input is a number outside the representable range.
    pub const OUT_OF_RANGE: &'static str = "out_of_range";
    /// The amount has more decimals than its currency allows.
    pub const TOO_MANY_DECIMALS: &'static str = "too_many_decimals";

    /// Builds an error from a code and a message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Builds an `invalid_format` error.
    pub fn invalid_format(message: impl Into<String>) -> Self {
        Self::new(Self::INVALID_FORMAT, message)
    }

    /// Builds a `too_long` error.
    pub fn too_long(message: impl Into<String>) -> Self {
        Self::new(Self::TOO_LONG, message)
    }

    /// Builds an `unknown_code` error.
    pub fn unknown_code(message: impl Into<String>) -> Self {
        Self::new(Self::UNKNOWN_CODE, message)
    }

    /// Builds an `out_of_range` error.
    pub fn out_of_range(message: impl Into<String>) -> Self {
        Self::new(Self::OUT_OF_RANGE, message)
    }

    /// Builds a `too_many_decimals` error.
    pub fn too_many_decimals(message: impl Into<String>) -> Self {
        Self::new(Self::TOO_MANY_DECIMALS, message)
    }
}

/// Deserializes a string, borrowing when the input allows it (avoids a copy for JSON bodies).
pub(crate) fn deserialize_str<'de, D>(deserializer: D) -> Result<Cow<'de, str>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct StrVisitor;

    impl<'de> serde::de::Visitor<'de> for StrVisitor {
        type Value = Cow<'de, str>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }

        fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }

        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }

    deserializer.deserialize_str(StrVisitor)
}

/// Counts characters (not bytes): limits are stated to users in characters.
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_displays_its_message_only() {
        let err = ValueError::too_long("Must be at most 3 characters.");
        assert_eq!(err.code, "too_long");
        assert_eq!(err.to_string(), "Must be at most 3 characters.");
    }

    #[test]
    fn deserialize_rejects_non_strings() {
        let err = serde_json::from_str::<CountryCode>("12").unwrap_err();
        assert!(err.to_string().contains("a string"), "{err}");
    }
}
