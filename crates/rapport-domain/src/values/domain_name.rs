//! Company web domains, normalised from whatever users paste (URLs included) to a bare host.

use super::{ValueError, char_len};

/// A normalised, syntactically valid web domain such as `example.com` (ASCII/punycode only).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

impl DomainName {
    /// Longest accepted domain, in characters (DNS limit without the root dot).
    pub const MAX_CHARS: usize = 253;

    /// Parses and normalises a domain or URL: `"HTTPS://WWW.Example.COM/about?x=1"` -> `example.com`.
    ///
    /// Strips an `http(s)://` scheme, a leading `www.`, any path, query, fragment, port and
    /// trailing dot. Internationalised names must be given in punycode (`xn--…`).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        let without_scheme = strip_scheme(trimmed);
        // Everything after the host is noise for a company domain.
        let host_port = without_scheme.split(['/', '?', '#']).next().unwrap_or("");
        let host = match host_port.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                host
            }
            Some(_) => {
                return Err(ValueError::invalid_format(
                    "A domain may not contain ':' except before a port number, as in example.com:8080.",
                ));
            }
            None => host_port,
        };
        if host.is_empty() {
            return Err(ValueError::invalid_format(
                "The domain is empty; give one such as example.com.",
            ));
        }
        if !host.is_ascii() {
            // Converting Unicode names needs the full IDNA mapping tables, which we do not carry.
            return Err(ValueError::invalid_format(
                "Internationalised domain names must be given in their punycode form (starting with xn--), for example xn--bcher-kva.example for bücher.example.",
            ));
        }
        let lower = host.to_ascii_lowercase();
        let no_dot = lower.strip_suffix('.').unwrap_or(&lower);
        // "www.com" is a real domain; only drop "www." when a registrable name remains.
        let name = match no_dot.strip_prefix("www.") {
            Some(rest) if rest.contains('.') => rest,
            _ => no_dot,
        };
        if char_len(name) > Self::MAX_CHARS {
            return Err(ValueError::too_long(format!(
                "A domain must be at most {} characters.",
                Self::MAX_CHARS
            )));
        }
        validate_labels(name)?;
        Ok(Self(name.to_owned()))
    }

    /// The normalised domain, lower-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Removes a leading `http://` or `https://`, whatever its case.
fn strip_scheme(s: &str) -> &str {
    for scheme in ["https://", "http://"] {
        if let Some(prefix) = s.get(..scheme.len())
            && prefix.eq_ignore_ascii_case(scheme)
        {
            return s.get(scheme.len()..).unwrap_or("");
        }
    }
    s
}

/// Checks each DNS label and the TLD shape.
fn validate_labels(name: &str) -> Result<(), ValueError> {
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(ValueError::invalid_format(
            "A domain needs at least a name and an extension, as in example.com.",
        ));
    }
    for label in &labels {
        if label.is_empty() {
            return Err(ValueError::invalid_format(
                "A domain cannot contain empty parts (two dots in a row).",
            ));
        }
        if label.len() > 63 {
            return Err(ValueError::too_long(
                "Each part of a domain between dots must be at most 63 characters.",
            ));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ValueError::invalid_format(
                "A domain may only contain letters, digits, hyphens and dots.",
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(ValueError::invalid_format(
                "A part of a domain cannot start or end with a hyphen.",
            ));
        }
    }
    let tld = labels.last().copied().unwrap_or("");
    let alphabetic = tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_lowercase());
    if !alphabetic && !tld.starts_with("xn--") {
        return Err(ValueError::invalid_format(
            "The domain extension (after the last dot) must be letters, such as .com or .fr.",
        ));
    }
    Ok(())
}

string_value!(DomainName, DomainName::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_urls_and_noise() {
        let cases = [
            ("HTTPS://WWW.Example.COM/about?x=1", "example.com"),
            ("example.com", "example.com"),
            (
                "  http://shop.example.co.uk:8080/path#frag ",
                "shop.example.co.uk",
            ),
            ("example.com.", "example.com"),
            ("www.example.com", "example.com"),
            ("www.com", "www.com"),
            ("example.com?ref=x", "example.com"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("example.xn--p1ai", "example.xn--p1ai"),
            ("a-b.9c.io", "a-b.9c.io"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                DomainName::parse(input).unwrap().as_str(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_invalid_domains() {
        for bad in [
            "",
            "   ",
            "https://",
            "localhost",
            "example",
            "-example.com",
            "example-.com",
            "exa_mple.com",
            "example..com",
            ".example.com",
            "example.c0m",
            "example.c",
            "192.168.0.1",
            "user@example.com",
            "ftp://example.com",
            "example.com:abc",
            "exa mple.com",
        ] {
            assert_eq!(
                DomainName::parse(bad).unwrap_err().code,
                "invalid_format",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn asks_for_punycode_on_unicode() {
        let err = DomainName::parse("https://bücher.example/").unwrap_err();
        assert_eq!(err.code, "invalid_format");
        assert!(err.message.contains("punycode"), "{}", err.message);
    }

    #[test]
    fn enforces_lengths() {
        let label63 = "a".repeat(63);
        assert!(DomainName::parse(&format!("{label63}.com")).is_ok());
        assert_eq!(
            DomainName::parse(&format!("a{label63}.com"))
                .unwrap_err()
                .code,
            "too_long"
        );
        let long = format!("{label63}.{label63}.{label63}.{}.com", "b".repeat(57));
        assert_eq!(long.len(), 253);
        assert!(DomainName::parse(&long).is_ok());
        assert_eq!(
            DomainName::parse(&format!("c{long}")).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn serde_round_trip() {
        let d: DomainName = serde_json::from_str("\"https://www.Rapport.dev/\"").unwrap();
        assert_eq!(d.to_string(), "rapport.dev");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"rapport.dev\"");
        assert!(serde_json::from_str::<DomainName>("\"nope\"").is_err());
    }
}
