//! Free-form tags attached to records, and the rules for a record's list of tags.

use std::collections::HashSet;

use super::{ValueError, char_len};

/// A single tag: trimmed, 1 to 64 characters, no control characters and no commas, case kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Longest accepted tag, in characters.
    pub const MAX_CHARS: usize = 64;

    /// Parses a tag such as `" VIP "` (stored as `VIP`).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValueError::invalid_format("A tag cannot be empty."));
        }
        if char_len(trimmed) > Self::MAX_CHARS {
            return Err(ValueError::too_long(format!(
                "A tag must be at most {} characters.",
                Self::MAX_CHARS
            )));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ValueError::invalid_format(
                "A tag cannot contain line breaks, tabs or other control characters.",
            ));
        }
        if trimmed.chars().any(super::is_deceptive) {
            return Err(ValueError::invalid_format(
                "A tag cannot contain invisible or direction-changing characters (such as U+202E).",
            ));
        }
        // Commas are how tags are split in CSV imports and query strings; allowing them would make
        // one tag turn into two on the way back.
        if trimmed.contains(',') {
            return Err(ValueError::invalid_format("A tag cannot contain a comma."));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The tag as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lower-cased form, used to compare tags without regard to case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }

    /// Same as [`TagList::parse_list`], reachable from the tag type itself.
    pub fn parse_list<I, S>(items: I) -> Result<Vec<Tag>, (usize, ValueError)>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        TagList::parse_list(items)
    }
}

string_value!(Tag, Tag::parse);

/// Rules for the list of tags on one record.
#[derive(Debug, Clone, Copy)]
pub struct TagList;

impl TagList {
    /// Most distinct tags one record may carry.
    pub const MAX_TAGS: usize = 50;

    /// Parses a list of tags, dropping case-insensitive duplicates (the first spelling wins).
    ///
    /// On error, returns the position in `items` of the offending entry: the invalid tag, or the
    /// first distinct tag beyond [`TagList::MAX_TAGS`].
    pub fn parse_list<I, S>(items: I) -> Result<Vec<Tag>, (usize, ValueError)>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut seen = HashSet::new();
        let mut tags = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let tag = Tag::parse(item.as_ref()).map_err(|e| (index, e))?;
            if !seen.insert(tag.key()) {
                continue;
            }
            if tags.len() == Self::MAX_TAGS {
                return Err((
                    index,
                    ValueError::too_long(format!(
                        "A record can have at most {} tags.",
                        Self::MAX_TAGS
                    )),
                ));
            }
            tags.push(tag);
        }
        Ok(tags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_tags() {
        assert_eq!(Tag::parse("  VIP ").unwrap().as_str(), "VIP");
        assert_eq!(
            Tag::parse("Salon de l'Auto 2025").unwrap().to_string(),
            "Salon de l'Auto 2025"
        );
        assert_eq!(
            Tag::parse(&"é".repeat(64))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            64
        );
        assert_eq!(Tag::parse(&"é".repeat(65)).unwrap_err().code, "too_long");
        for bad in ["", "   ", "a,b", "a\nb", "a\tb", "a\u{7}b"] {
            assert_eq!(
                Tag::parse(bad).unwrap_err().code,
                "invalid_format",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn list_dedupes_case_insensitively_keeping_first_spelling() {
        let tags = TagList::parse_list(vec![
            "VIP".to_owned(),
            " vip".to_owned(),
            "Lead".to_owned(),
            "ÉTÉ".to_owned(),
            "été".to_owned(),
        ])
        .unwrap();
        let names: Vec<&str> = tags.iter().map(Tag::as_str).collect();
        assert_eq!(names, ["VIP", "Lead", "ÉTÉ"]);
        assert!(
            TagList::parse_list(Vec::<String>::new())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn list_reports_offending_position() {
        let err = TagList::parse_list(vec![
            "ok".to_owned(),
            "also ok".to_owned(),
            "bad,tag".to_owned(),
        ])
        .unwrap_err();
        assert_eq!(err.0, 2);
        assert_eq!(err.1.code, "invalid_format");

        let mut many: Vec<String> = (0..50).map(|i| format!("t{i}")).collect();
        many.push("T0".to_owned()); // a duplicate does not count towards the limit
        assert_eq!(TagList::parse_list(many.clone()).unwrap().len(), 50);
        many.push("one too many".to_owned());
        let (index, err) = TagList::parse_list(many).unwrap_err();
        assert_eq!(index, 51);
        assert_eq!(err.code, "too_long");
        assert!(err.message.contains("50"));
    }

    #[test]
    fn serde_round_trip() {
        let tags: Vec<Tag> = serde_json::from_str(r#"[" a ","B"]"#).unwrap();
        assert_eq!(serde_json::to_string(&tags).unwrap(), r#"["a","B"]"#);
        assert!(serde_json::from_str::<Tag>(r#""x,y""#).is_err());
    }
}
