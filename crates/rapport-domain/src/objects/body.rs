//! Reading a JSON object field by field, collecting every problem with its JSON pointer and
//! rejecting fields the object does not have.

use serde_json::{Map, Value};

use crate::validation::{Errors, pointer_key};
use crate::values::{self, Tag, ValueError};

/// A JSON object being read into a draft; problems go to the shared [`Errors`].
pub struct Body<'a> {
    map: Map<String, Value>,
    prefix: String,
    errors: &'a mut Errors,
}

impl<'a> Body<'a> {
    /// Starts reading `value` (which must be an object) at `prefix` ("" for the root), rejecting
    /// any key not in `known`.
    pub fn open(
        value: Value,
        prefix: &str,
        known: &[&str],
        errors: &'a mut Errors,
    ) -> Option<Self> {
        let Value::Object(map) = value else {
            let pointer = if prefix.is_empty() {
                "/".to_owned()
            } else {
                prefix.to_owned()
            };
            errors.push(pointer, "invalid_type", "must be a JSON object");
            return None;
        };
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                errors.push(
                    format!("{prefix}/{}", pointer_key(key)),
                    "unknown_field",
                    format!("'{key}' is not a field of this object"),
                );
            }
        }
        Some(Self {
            map,
            prefix: prefix.to_owned(),
            errors,
        })
    }

    /// The pointer of `key` within this object.
    pub fn pointer(&self, key: &str) -> String {
        format!("{}/{}", self.prefix, pointer_key(key))
    }

    /// The raw value of `key`, left in place.
    pub fn peek(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// Records a problem for `key`.
    pub fn fail(&mut self, key: &str, code: &str, message: impl Into<String>) {
        let pointer = self.pointer(key);
        self.errors.push(pointer, code, message);
    }

    /// Records a problem at an arbitrary pointer.
    pub fn fail_at(&mut self, pointer: String, err: ValueError) {
        self.errors.value(pointer, err);
    }

    /// True when `key` is present and not null (before it is taken).
    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    /// True when no problem has been recorded for `key` yet.
    pub fn has_no_error_at(&self, key: &str) -> bool {
        let pointer = self.pointer(key);
        !self.errors.has_pointer(&pointer)
    }

    /// Takes the raw value of `key`; JSON `null` counts as absent.
    pub fn take(&mut self, key: &str) -> Option<Value> {
        match self.map.remove(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// Takes a string field, or records `invalid_type`.
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            _ => {
                self.fail(key, "invalid_type", "must be a string");
                None
            }
        }
    }

    /// A single-line text, trimmed, empty meaning absent, at most `max` characters.
    pub fn text(&mut self, key: &str, max: usize) -> Option<String> {
        let raw = self.string(key)?;
        match values::clean_text(&raw, max) {
            Ok(v) => v,
            Err(e) => {
                let p = self.pointer(key);
                self.fail_at(p, e);
                None
            }
        }
    }

    /// A multi-line text (notes), at most `max` characters.
    pub fn multiline(&mut self, key: &str, max: usize) -> Option<String> {
        let raw = self.string(key)?;
        match values::clean_multiline(&raw, max) {
            Ok(v) => v,
            Err(e) => {
                let p = self.pointer(key);
                self.fail_at(p, e);
                None
            }
        }
    }

    /// A string parsed by `parse`.
    pub fn parsed<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        let raw = self.string(key)?;
        match parse(&raw) {
            Ok(v) => Some(v),
            Err(e) => {
                let p = self.pointer(key);
                self.fail_at(p, e);
                None
            }
        }
    }

    /// A UUID string.
    pub fn uuid(&mut self, key: &str) -> Option<uuid::Uuid> {
        let raw = self.string(key)?;
        match uuid::Uuid::parse_str(&raw) {
            Ok(v) => Some(v),
            Err(_) => {
                self.fail(key, "invalid_format", "must be an id (a UUID string)");
                None
            }
        }
    }

    /// A whole number within `min..=max`.
    pub fn integer(&mut self, key: &str, min: i64, max: i64) -> Option<i64> {
        let v = self.take(key)?;
        match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(_) => {
                self.fail(
                    key,
                    "out_of_range",
                    format!("must be between {min} and {max}"),
                );
                None
            }
            None => {
                self.fail(key, "invalid_type", "must be a whole number");
                None
            }
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        match self.take(key)? {
            Value::Bool(b) => Some(b),
            _ => {
                self.fail(key, "invalid_type", "must be true or false");
                None
            }
        }
    }

    /// One of a fixed set of strings (`choices` lists them in the message).
    pub fn choice(&mut self, key: &str, choices: &[&'static str]) -> Option<&'static str> {
        let raw = self.string(key)?;
        match choices.iter().find(|c| **c == raw) {
            Some(c) => Some(*c),
            None => {
                self.fail(
                    key,
                    "invalid_choice",
                    format!("must be one of: {}", choices.join(", ")),
                );
                None
            }
        }
    }

    /// Money: `{"amount": "<decimal string>", "currency": "<ISO 4217>"}`, never a float.
    /// Read by hand rather than through serde, so each problem is said in words.
    pub fn money(&mut self, key: &str) -> Option<values::Money> {
        const SHAPE: &str = "money is {\"amount\": \"1250.00\", \"currency\": \"EUR\"}";
        let v = self.take(key)?;
        let Value::Object(map) = v else {
            self.fail(key, "invalid_money", format!("must be an object: {SHAPE}"));
            return None;
        };
        if let Some(other) = map
            .keys()
            .find(|k| !matches!(k.as_str(), "amount" | "currency"))
        {
            self.fail(
                key,
                "invalid_money",
                format!("'{other}' is not part of a money value: {SHAPE}"),
            );
            return None;
        }
        let amount = match map.get("amount") {
            Some(Value::String(a)) => a.clone(),
            Some(Value::Number(_)) => {
                self.fail(
                    key,
                    "invalid_money",
                    "the amount must be a decimal string such as \"1250.00\", not a JSON number \
                     (numbers lose precision)",
                );
                return None;
            }
            _ => {
                self.fail(
                    key,
                    "invalid_money",
                    format!("the amount is required: {SHAPE}"),
                );
                return None;
            }
        };
        let Some(Value::String(currency)) = map.get("currency") else {
            self.fail(
                key,
                "invalid_money",
                format!("the currency is required, as an ISO 4217 code: {SHAPE}"),
            );
            return None;
        };
        match values::Money::parse(&amount, currency) {
            Ok(m) => Some(m),
            Err(e) => {
                self.fail(key, "invalid_money", e.message);
                None
            }
        }
    }

    /// An RFC 3339 timestamp with an offset, converted to UTC and truncated to milliseconds.
    pub fn timestamp(&mut self, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        let raw = self.string(key)?;
        match chrono::DateTime::parse_from_rfc3339(&raw) {
            Ok(t) => Some(super::time::truncate_millis(t.with_timezone(&chrono::Utc))),
            Err(_) => {
                self.fail(
                    key,
                    "invalid_format",
                    "must be an RFC 3339 timestamp with an offset (2026-11-22T10:15:30Z)",
                );
                None
            }
        }
    }

    /// A deadline: an RFC 3339 timestamp, or a calendar date as a person types it
    /// (`2026-12-07`), read as the end of that day in UTC (`2026-12-07T23:59:59.999Z`): a task
    /// due on a day is not overdue until the day is over. Workspaces have no time zone yet; when
    /// they do, the day will end there.
    pub fn deadline(&mut self, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        let raw = self.string(key)?;
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&raw) {
            return Some(super::time::truncate_millis(t.with_timezone(&chrono::Utc)));
        }
        let end = chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_milli_opt(23, 59, 59, 999))
            .map(|t| t.and_utc());
        if end.is_none() {
            self.fail(
                key,
                "invalid_format",
                "must be a date (2026-11-22) or an RFC 3339 timestamp with an offset (2026-11-22T10:15:30Z)",
            );
        }
        end
    }

    /// A calendar date, `YYYY-MM-DD`.
    pub fn date(&mut self, key: &str) -> Option<chrono::NaiveDate> {
        let raw = self.string(key)?;
        match chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(key, "invalid_format", "must be a date (YYYY-MM-DD)");
                None
            }
        }
    }

    /// Refuses server-set fields a client sent.
    pub fn refuse_read_only(&mut self, keys: &[&str]) {
        for key in keys {
            if self.take(key).is_some() {
                self.fail(
                    key,
                    "read_only",
                    format!("'{key}' is set by the server and cannot be written"),
                );
            }
        }
    }

    /// An array of values (absent means empty), at most `max` items.
    pub fn array(&mut self, key: &str, max: usize) -> Vec<Value> {
        match self.take(key) {
            None => Vec::new(),
            Some(Value::Array(items)) if items.len() <= max => items,
            Some(Value::Array(_)) => {
                self.fail(key, "too_many", format!("at most {max} items are allowed"));
                Vec::new()
            }
            Some(_) => {
                self.fail(key, "invalid_type", "must be an array");
                Vec::new()
            }
        }
    }

    /// A list of tags: strings, de-duplicated case-insensitively.
    pub fn tags(&mut self, key: &str) -> Vec<Tag> {
        let items = self.array(key, 50);
        // Keep each string's original index so an error points at the right array element.
        let mut strings = Vec::with_capacity(items.len());
        let mut positions = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Value::String(s) => {
                    strings.push(s);
                    positions.push(i);
                }
                _ => {
                    let p = format!("{}/{i}", self.pointer(key));
                    self.errors
                        .push(p, "invalid_type", "a tag must be a string");
                }
            }
        }
        match Tag::parse_list(strings) {
            Ok(tags) => tags,
            Err((i, e)) => {
                let original = positions.get(i).copied().unwrap_or(i);
                let p = format!("{}/{original}", self.pointer(key));
                self.fail_at(p, e);
                Vec::new()
            }
        }
    }

    /// Opens a nested object for reading.
    pub fn object(&mut self, key: &str, known: &[&str]) -> Option<Body<'_>> {
        let value = self.take(key)?;
        let prefix = self.pointer(key);
        Body::open(value, &prefix, known, self.errors)
    }

    /// The shared error collector (for nested readers of array items).
    pub fn errors(&mut self) -> &mut Errors {
        self.errors
    }
}
