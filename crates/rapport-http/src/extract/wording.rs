//! Serde's account of a malformed query string or body, in a person's words: which parameter
//! or member, what was expected, an example. Problem details never show a Rust type name or
//! serde's phrasing (`expected struct LoginBody`, `invalid type: map`).

/// What a value of serde's expected type looks like to a person.
fn expected(serde: &str) -> String {
    let t = serde.trim().trim_matches('`');
    let plain = match t {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize"
        | "an integer" => "a whole number, e.g. 50",
        "f32" | "f64" | "a number" => "a number, e.g. 12.5",
        "a boolean" | "bool" => "true or false",
        "a string" | "a borrowed string" | "a string or a number" => "text, e.g. \"Acme\"",
        "a sequence" | "a list" => "a list, e.g. [\"read\"]",
        "a UUID string" | "UUID" => "an id (UUID), e.g. 0190c2a4-5f1e-7a3b-9c1d-2e3f4a5b6c7d",
        "a formatted date and time string or a unix timestamp" => {
            "a date and time in RFC 3339, e.g. 2026-11-22T10:15:30.123Z"
        }
        _ if t.starts_with("struct ") || t.starts_with("a map") || t.starts_with("map") => {
            "a JSON object, e.g. {\"name\": \"...\"}"
        }
        _ if t.starts_with("enum ") || t.starts_with("variant") => "one of the listed values",
        _ => return "a different kind of value".into(),
    };
    plain.to_owned()
}

/// Names in serde's list (`` `a`, `b` ``), as plain words.
fn names(list: &str) -> String {
    list.split(',')
        .map(|n| n.trim().trim_matches('`'))
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The field or parameter a message about a missing or unknown one names.
pub fn named_in(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))
        .or_else(|| message.strip_prefix("duplicate field `"))?;
    rest.split('`').next()
}

/// Rewrites one serde message about `what` (a parameter or field, `None` for the whole value);
/// `noun` is what the request's parts are called (`parameter`, `field`).
pub fn plain(message: &str, what: Option<&str>, noun: &str) -> String {
    let m = message.trim();
    let subject = what.map_or_else(|| "the value".to_owned(), |w| format!("'{w}'"));
    if let Some(rest) = m.strip_prefix("unknown field `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let known = tail
            .split_once("expected one of ")
            .or_else(|| tail.split_once("expected "))
            .map(|(_, l)| names(l));
        return match known {
            Some(k) if !k.is_empty() => {
                format!("'{name}' is not a {noun} here; the known ones are: {k}")
            }
            _ => format!("'{name}' is not a {noun} here"),
        };
    }
    if let Some(rest) = m.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("'{name}' is required");
    }
    if let Some(rest) = m.strip_prefix("duplicate field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("'{name}' is given twice; give it once");
    }
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        let want = rest.split_once("expected ").map_or("", |(_, e)| e);
        return format!("{subject} has the wrong type: it takes {}", expected(want));
    }
    if let Some(rest) = m.strip_prefix("invalid value: ") {
        let want = rest.split_once("expected ").map_or("", |(_, e)| e);
        return format!(
            "{subject} has a value it does not take: it takes {}",
            expected(want)
        );
    }
    if m.contains("`true` or `false`") {
        return format!("{subject} takes true or false, e.g. true");
    }
    if m.contains("UUID") || m.contains("uuid") {
        return format!("{subject} takes an id (UUID), e.g. 0190c2a4-5f1e-7a3b-9c1d-2e3f4a5b6c7d");
    }
    if m.contains("digit") || m.contains("number too large") || m.contains("integer") {
        return format!("{subject} takes a whole number, e.g. 50");
    }
    if m.contains("input") || m.contains("premature") || m.contains("trailing") {
        return format!(
            "{subject} takes a date and time in RFC 3339, e.g. 2026-11-22T10:15:30.123Z"
        );
    }
    format!("{subject} is not in a form this request takes")
}

#[cfg(test)]
mod tests {
    use super::plain;

    /// What serde would say, and what a person reads instead.
    #[test]
    fn serde_wording_becomes_a_sentence_without_rust() {
        for (serde, what, want) in [
            (
                "unknown field `page`, expected one of `limit`, `cursor`",
                None,
                "'page' is not a parameter here; the known ones are: limit, cursor",
            ),
            ("missing field `q`", None, "'q' is required"),
            (
                "duplicate field `limit`",
                None,
                "'limit' is given twice; give it once",
            ),
            (
                "invalid type: sequence, expected struct LoginBody",
                None,
                "the value has the wrong type: it takes a JSON object, e.g. {\"name\": \"...\"}",
            ),
            (
                "invalid type: string \"10\", expected u32",
                Some("limit"),
                "'limit' has the wrong type: it takes a whole number, e.g. 50",
            ),
            (
                "provided string was not `true` or `false`",
                Some("include_total"),
                "'include_total' takes true or false, e.g. true",
            ),
            (
                "UUID parsing failed: invalid character",
                Some("actor_id"),
                "'actor_id' takes an id (UUID), e.g. 0190c2a4-5f1e-7a3b-9c1d-2e3f4a5b6c7d",
            ),
        ] {
            let got = plain(serde, what, "parameter");
            assert_eq!(got, want);
            for rust in ["struct", "u32", "sequence", "`", "invalid type"] {
                assert!(!got.contains(rust), "{got}");
            }
        }
    }
}
