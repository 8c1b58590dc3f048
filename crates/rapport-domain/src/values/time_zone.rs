//! IANA time zone names (`Europe/Paris`): where an appointment's wall-clock time is meant, so a
//! calendar can show it in the organiser's zone across daylight-saving changes.

use super::ValueError;

/// A time zone name from the IANA database, spelled as the database spells it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Parses a name; the check is the bundled IANA database (chrono-tz), exact case, so
    /// `Europe/Paris` passes and `Europe/Pariss`, `CET+1` or `paris` do not.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let name = input.trim();
        match name.parse::<chrono_tz::Tz>() {
            Ok(tz) => Ok(Self(tz.name().to_owned())),
            Err(_) => Err(ValueError::unknown_code(format!(
                "'{name}' is not an IANA time zone name (such as Europe/Paris, America/New_York or UTC)"
            ))),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_value!(TimeZoneName, TimeZoneName::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_pass_and_others_are_refused() {
        for ok in ["Europe/Paris", "America/New_York", "UTC", "Asia/Kolkata"] {
            assert_eq!(TimeZoneName::parse(ok).map(|t| t.0), Ok(ok.to_owned()));
        }
        assert_eq!(
            TimeZoneName::parse(" Europe/Paris ").map(|t| t.0),
            Ok("Europe/Paris".to_owned())
        );
        for bad in ["Europe/Pariss", "paris", "", "+02:00", "Mars/Olympus_Mons"] {
            let e = TimeZoneName::parse(bad).expect_err(bad);
            assert_eq!(e.code, "unknown_code");
        }
    }
}
