//! Colours given to things people label (tags): `#rrggbb`, as CSS and every colour picker write
//! them.

use super::ValueError;

/// A colour as `#rrggbb`, lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HexColor(String);

impl HexColor {
    /// Parses `#AABBCC` or `#aabbcc` (stored lower-case); the short `#abc` form is refused so
    /// every stored colour has one spelling.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let raw = input.trim();
        let valid = raw.len() == 7
            && raw.starts_with('#')
            && raw.bytes().skip(1).all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(ValueError::invalid_format(
                "must be a colour written #rrggbb (for example #3366cc)",
            ));
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    /// The colour, `#rrggbb`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_value!(HexColor, HexColor::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_six_hex_digits_after_a_hash() {
        assert_eq!(
            HexColor::parse(" #AaBbCc ").map(|c| c.0),
            Ok("#aabbcc".into())
        );
        for bad in ["aabbcc", "#abc", "#aabbcg", "#aabbccdd", ""] {
            assert_eq!(
                HexColor::parse(bad).map_err(|e| e.code),
                Err("invalid_format"),
                "{bad}"
            );
        }
    }
}
