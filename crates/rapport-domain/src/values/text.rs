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
    check_length(trimmed, max_chars)?;
    Ok(Some(trimmed.to_owned()))
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
