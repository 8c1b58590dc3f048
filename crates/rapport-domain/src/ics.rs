//! iCalendar (RFC 5545) text for calendar feeds, written by hand: CRLF line endings, content
//! lines folded at 75 octets on character boundaries, TEXT values escaped, times in UTC (`Z`).
//!
//! The `icalendar` crate was the first choice, but its folding lets a continuation line reach
//! 76 octets (it compares the remaining bytes with 75 although continuation lines carry a
//! leading space), which strict clients may refuse; the format needs a page of code, so it lives
//! here, pure and tested.

use chrono::{DateTime, Utc};

/// Longest content line, in octets, without its CRLF (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// One event of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// `UID`: stable across updates (the appointment id).
    pub uid: String,
    /// `DTSTAMP`: when this version of the event was made (its last change).
    pub stamp: DateTime<Utc>,
    /// `DTSTART`.
    pub starts_at: DateTime<Utc>,
    /// `DTEND`.
    pub ends_at: DateTime<Utc>,
    /// `SUMMARY`.
    pub summary: &'a str,
    /// `LOCATION`, when there is a place.
    pub location: Option<&'a str>,
    /// `URL`, when there is a link.
    pub url: Option<&'a str>,
    /// `DESCRIPTION`, when there are notes.
    pub description: Option<&'a str>,
    /// `SEQUENCE`: grows with every change, so clients replace their copy.
    pub sequence: i64,
}

/// A whole `VCALENDAR` named `name`, holding `events`.
pub fn calendar(name: &str, events: &[Event<'_>]) -> String {
    let mut out = String::with_capacity(256 + events.len() * 320);
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Rapport//Rapport CRM//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape_text(name)));
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        // UIDs are our own UUIDs, but escape anyway: a content line must never break.
        line(&mut out, &format!("UID:{}", escape_text(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{}", utc(e.stamp)));
        line(&mut out, &format!("DTSTART:{}", utc(e.starts_at)));
        line(&mut out, &format!("DTEND:{}", utc(e.ends_at)));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence.max(0)));
        line(&mut out, &format!("SUMMARY:{}", escape_text(e.summary)));
        if let Some(l) = e.location {
            line(&mut out, &format!("LOCATION:{}", escape_text(l)));
        }
        if let Some(u) = e.url {
            // A URI, not TEXT: no escaping, but never a raw line break.
            line(&mut out, &format!("URL:{}", strip_breaks(u)));
        }
        if let Some(d) = e.description {
            line(&mut out, &format!("DESCRIPTION:{}", escape_text(d)));
        }
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// `20261122T101530Z`.
pub fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                // CRLF is one break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            // Other control characters are not allowed in TEXT (tab is).
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn strip_breaks(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Appends one content line, folded, with its CRLF.
fn line(out: &mut String, content: &str) {
    out.push_str(&fold(content));
    out.push_str("\r\n");
}

/// Folds a content line (RFC 5545 §3.1): at most 75 octets per physical line, continuation
/// lines starting with one space (so 74 octets of content), never inside a UTF-8 character.
pub fn fold(content: &str) -> String {
    let mut out = String::with_capacity(content.len() + content.len() / 64 * 3);
    let mut room = MAX_LINE_OCTETS;
    let mut used = 0;
    for c in content.chars() {
        let width = c.len_utf8();
        if used + width > room {
            out.push_str("\r\n ");
            // The leading space takes one octet of the next line.
            room = MAX_LINE_OCTETS - 1;
            used = 0;
        }
        out.push(c);
        used += width;
    }
    out
}

/// Reverses [`fold`] and splits the text into content lines (for tests and readers).
pub fn unfold(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .replace("\r\n\t", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reverses [`escape_text`].
pub fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn folding_keeps_every_physical_line_within_75_octets() {
        for len in [1, 74, 75, 76, 149, 150, 151, 224, 225, 1000] {
            let content = "x".repeat(len);
            let folded = fold(&content);
            for (i, l) in folded.split("\r\n").enumerate() {
                assert!(
                    l.len() <= MAX_LINE_OCTETS,
                    "{len}: line {i} has {}",
                    l.len()
                );
                if i > 0 {
                    assert!(
                        l.starts_with(' '),
                        "{len}: continuation starts with a space"
                    );
                }
            }
            assert_eq!(unfold(&folded), std::slice::from_ref(&content), "{len}");
        }
        // Multi-byte characters are never split, and lines still fit.
        let content = format!("SUMMARY:{}", "é老🦀".repeat(40));
        let folded = fold(&content);
        for l in folded.split("\r\n") {
            assert!(l.len() <= MAX_LINE_OCTETS);
        }
        assert_eq!(unfold(&folded), [content]);
    }

    #[test]
    fn text_is_escaped_and_unescapes_to_itself() {
        let raw = "Agenda; budget, plan\\notes\nline two\r\nline three";
        let escaped = escape_text(raw);
        assert_eq!(
            escaped,
            "Agenda\\; budget\\, plan\\\\notes\\nline two\\nline three"
        );
        assert_eq!(
            unescape_text(&escaped),
            "Agenda; budget, plan\\notes\nline two\nline three"
        );
    }

    #[test]
    fn a_calendar_has_crlf_lines_and_utc_times() {
        let text = calendar(
            "Ana's appointments",
            &[Event {
                uid: "0190c7a6-0000-7000-8000-000000000001".into(),
                stamp: at("2026-11-20T08:00:00Z"),
                starts_at: at("2026-11-23T09:00:00+01:00"),
                ends_at: at("2026-11-23T10:30:00+01:00"),
                summary: "Kick-off, part 1",
                location: Some("Room 4; floor 2"),
                url: Some("https://meet.example.com/abc"),
                description: None,
                sequence: 2,
            }],
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "only CRLF breaks");
        let lines = unfold(&text);
        for wanted in [
            "BEGIN:VEVENT",
            "UID:0190c7a6-0000-7000-8000-000000000001",
            "DTSTART:20261123T080000Z",
            "DTEND:20261123T093000Z",
            "DTSTAMP:20261120T080000Z",
            "SUMMARY:Kick-off\\, part 1",
            "LOCATION:Room 4\\; floor 2",
            "URL:https://meet.example.com/abc",
            "X-WR-CALNAME:Ana's appointments",
        ] {
            assert!(lines.iter().any(|l| l == wanted), "{wanted} in {lines:?}");
        }
        assert!(!lines.iter().any(|l| l.starts_with("DESCRIPTION")));
    }
}
