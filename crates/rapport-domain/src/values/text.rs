//! Short free-text fields: trimming, emptiness, control characters and length limits.

use super::{ValueError, char_len};

/// Cleans a single-line text field: trims, maps empty to `None`, rejects every control
/// character (line breaks included) and more than `max_chars` characters.
pub fn clean_text(input: &str, max_chars: usize) -> Result<Option<String>, ValueError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValueError::invalid_format(
            "This text must fit on one line and cannot contain tabs or other control characters.",
        ));
    }
    if trimmed.chars().any(is_deceptive) {
        return Err(ValueError::invalid_format(
            "This text contains invisible or direction-changing characters (such as U+202E or \
             U+200B), which can make a name look like another; remove them.",
        ));
    }
    check_length(trimmed, max_chars)?;
    Ok(Some(trimmed.to_owned()))
}

/// Characters that change how text around them reads without showing themselves: zero-width
/// spaces and joiners, direction marks, embeddings, overrides and isolates, the byte-order mark.
/// `evil\u{202E}fdp.exe` shows as `evilexe.pdf`; in a name they make two records look alike.
pub fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Cleans a multi-line text field: like [`clean_text`] but keeps line breaks and tabs.
///
/// Windows (`\r\n`) and old Mac (`\r`) line endings become `\n` so that the same note typed on
/// two systems stores identically and counts the same length.
pub fn clean_multiline(input: &str, max_chars: usize) -> Result<Option<String>, ValueError> {
    let unified = input.replace("\r\n", "\n").replace('\r', "\n");
    let trimmed = unified.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ValueError::invalid_format(
            "This text contains control characters that are not allowed.",
        ));
    }
    check_length(trimmed, max_chars)?;
    Ok(Some(trimmed.to_owned()))
}

/// Rejects text longer than `max_chars` characters, naming the limit.
fn check_length(text: &str, max_chars: usize) -> Result<(), ValueError> {
    if char_len(text) > max_chars {
        return Err(ValueError::too_long(format!(
            "This text must be at most {max_chars} characters."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_text_refuses_invisible_and_direction_changing_characters() {
        for c in ['\u{202E}', '\u{2066}', '\u{200B}', '\u{200D}', '\u{FEFF}'] {
            let err = clean_text(&format!("Ana{c}Lima"), 50).expect_err("deceptive");
            assert!(err.message.contains("invisible"), "{c:?}: {}", err.message);
        }
        assert!(clean_text("Zoë O'Brien-Ñúñez", 50).is_ok());
    }

    #[test]
    fn clean_text_trims_and_empties_to_none() {
        assert_eq!(clean_text("  Acme  ", 10).unwrap().as_deref(), Some("Acme"));
        assert_eq!(clean_text("   ", 10).unwrap(), None);
        assert_eq!(clean_text("", 10).unwrap(), None);
        assert_eq!(clean_text(" \n ", 10).unwrap(), None);
    }

    #[test]
    fn clean_text_rejects_control_characters_and_length() {
        for bad in ["a\nb", "a\tb", "a\u{0}b", "a\u{1b}[31m"] {
            assert_eq!(
                clean_text(bad, 100).unwrap_err().code,
                "invalid_format",
                "{bad:?}"
            );
        }
        assert_eq!(clean_text("ééé", 3).unwrap().as_deref(), Some("ééé"));
        let err = clean_text("abcd", 3).unwrap_err();
        assert_eq!(err.code, "too_long");
        assert!(err.message.contains('3'), "{}", err.message);
    }

    #[test]
    fn multiline_keeps_newlines_and_tabs() {
        assert_eq!(
            clean_multiline(" line 1\r\n\tline 2\rline 3 \n", 100)
                .unwrap()
                .as_deref(),
            Some("line 1\n\tline 2\nline 3")
        );
        assert_eq!(
            clean_multiline("a\u{7}b", 100).unwrap_err().code,
            "invalid_format"
        );
        assert_eq!(
            clean_multiline("ab\r\ncd", 5).unwrap().as_deref(),
            Some("ab\ncd")
        );
        assert_eq!(clean_multiline("ab\ncd", 4).unwrap_err().code, "too_long");
        assert_eq!(clean_multiline("\r\n\t ", 4).unwrap(), None);
    }
}
