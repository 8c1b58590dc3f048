//! Timestamps as the API shows them: RFC 3339, UTC, milliseconds (`2026-11-22T10:15:30.123Z`).

use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use serde::Serializer;

/// Now, truncated to milliseconds so what is stored is exactly what is shown.
pub fn now_millis() -> DateTime<Utc> {
    truncate_millis(Utc::now())
}

/// Drops sub-millisecond precision.
pub fn truncate_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.nanosecond() / 1_000_000 * 1_000_000;
    t.with_nanosecond(nanos).unwrap_or(t)
}

/// Formats as the API shows timestamps.
pub fn format(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serde helper: `#[serde(serialize_with = "time::serialize")]`.
pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(t))
}

/// Serde helper for optional timestamps (`null` when absent).
pub fn serialize_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format(t)),
        None => s.serialize_none(),
    }
}
