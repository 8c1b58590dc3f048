//! Web addresses (`https://meet.example.com/abc`): a video call link must be something a browser
//! opens, so only `http` and `https` with a host are accepted.

use super::{ValueError, char_len};

/// Longest address accepted.
const MAX_CHARS: usize = 2000;

/// An absolute `http` or `https` URL with a host, in its normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebUrl(String);

impl WebUrl {
    /// Parses and normalises (scheme and host lower-cased) an absolute web address.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let raw = input.trim();
        if char_len(raw) > MAX_CHARS {
            return Err(ValueError::too_long(format!(
                "A web address must be at most {MAX_CHARS} characters."
            )));
        }
        let url = url::Url::parse(raw).map_err(|_| {
            ValueError::invalid_format("must be an absolute web address (https://...)")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ValueError::invalid_format(
                "must be an http or https address (other schemes are not opened by browsers)",
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(ValueError::invalid_format("must name a host"));
        }
        Ok(Self(url.into()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_value!(WebUrl, WebUrl::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_addresses_are_normalised_and_other_schemes_refused() {
        assert_eq!(
            WebUrl::parse(" HTTPS://Meet.Example.com/abc?x=1 ").map(|u| u.0),
            Ok("https://meet.example.com/abc?x=1".to_owned())
        );
        for bad in [
            "meet.example.com/abc",
            "javascript:alert(1)",
            "ftp://example.com/x",
            "mailto:a@example.com",
            "https://",
            "",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
