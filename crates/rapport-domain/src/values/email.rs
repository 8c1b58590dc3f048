//! E-mail addresses: syntax checked, domain lower-cased, local part kept as typed.

use super::{ValueError, char_len};

/// A syntactically valid e-mail address (no display name), at most 254 characters.
///
/// The domain is lower-cased because it is case-insensitive everywhere; the local part is kept
/// as given because RFC 5321 lets servers treat it case-sensitively, even if almost none do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Longest accepted address, in characters (the RFC 5321 path limit minus the brackets).
    pub const MAX_CHARS: usize = 254;

    /// Parses and normalises an address such as `"  Jane.Doe@Example.COM "`.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValueError::invalid_format("The e-mail address is empty."));
        }
        if char_len(trimmed) > Self::MAX_CHARS {
            return Err(ValueError::too_long(format!(
                "The e-mail address must be at most {} characters.",
                Self::MAX_CHARS
            )));
        }
        // Display names ("Jane <jane@x.com>") and IP literals are legal RFC 5322 but never what a
        // CRM contact field means; a TLD-less domain ("jane@localhost") is almost always a typo.
        let options = email_address::Options::default()
            .without_display_text()
            .without_domain_literal()
            .with_required_tld();
        let parsed =
            email_address::EmailAddress::parse_with_options(trimmed, options).map_err(|e| {
                ValueError::invalid_format(format!(
                    "This is not a valid e-mail address: {}",
                    describe(&e)
                ))
            })?;
        let local = parsed.local_part();
        let domain = parsed.domain().to_lowercase();
        Ok(Self(format!("{local}@{domain}")))
    }

    /// The address as stored: local part as given, domain lower-cased.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The local part (before the last `@`).
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }

    /// The domain part (after the last `@`), lower-case.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }

    /// The whole address lower-cased, for matching and duplicate detection.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// Rewords the crate's errors as user-facing sentences.
fn describe(err: &email_address::Error) -> &'static str {
    use email_address::Error as E;
    match err {
        E::MissingSeparator => "it must contain an @ sign.",
        E::LocalPartEmpty => "nothing before the @ sign.",
        E::LocalPartTooLong => "the part before the @ sign is longer than 64 characters.",
        E::DomainEmpty => "nothing after the @ sign.",
        E::DomainTooFew => "the domain needs a dot, as in example.com.",
        E::DomainTooLong | E::SubDomainTooLong => "the domain is too long.",
        E::SubDomainEmpty | E::DomainInvalidSeparator => "the domain has misplaced dots.",
        E::UnsupportedDisplayName | E::MissingDisplayName | E::MissingEndBracket => {
            "give only the address, without a name or angle brackets."
        }
        E::UnsupportedDomainLiteral | E::InvalidIPAddress => {
            "IP addresses are not accepted as domains."
        }
        E::UnbalancedQuotes => "its quotes are unbalanced.",
        E::InvalidComment => "it contains a malformed comment.",
        E::InvalidCharacter => "it contains a character that is not allowed.",
    }
}

string_value!(EmailAddress, EmailAddress::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lowercases_domain_only() {
        let e = EmailAddress::parse("  Jane.Doe@Example.COM \n").unwrap();
        assert_eq!(e.as_str(), "Jane.Doe@example.com");
        assert_eq!(e.local_part(), "Jane.Doe");
        assert_eq!(e.domain(), "example.com");
        assert_eq!(e.normalized(), "jane.doe@example.com");
        assert_eq!(e.to_string(), "Jane.Doe@example.com");
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "",
            "   ",
            "jane",
            "jane@",
            "@example.com",
            "jane@@example.com",
            "jane@localhost",
            "Jane <jane@example.com>",
            "jane@[127.0.0.1]",
            "ja ne@example.com",
            "jane@exa..mple.com",
        ] {
            let err = EmailAddress::parse(bad).unwrap_err();
            assert_eq!(err.code, "invalid_format", "{bad:?}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn enforces_length_limit() {
        let local = "a".repeat(64);
        let domain = format!(
            "{}.{}.{}.com",
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(57)
        );
        let ok = format!("{local}@{domain}");
        assert_eq!(ok.len(), 254);
        assert!(EmailAddress::parse(&ok).is_ok());
        let long = format!("{local}@e{domain}");
        assert_eq!(EmailAddress::parse(&long).unwrap_err().code, "too_long");
    }

    #[test]
    fn serde_round_trip_goes_through_parse() {
        let e: EmailAddress = serde_json::from_str("\"Bob@EXAMPLE.org\"").unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"Bob@example.org\"");
        assert!(serde_json::from_str::<EmailAddress>("\"nope\"").is_err());
        assert_eq!(EmailAddress::try_from("x@y.fr").unwrap().as_str(), "x@y.fr");
    }
}
