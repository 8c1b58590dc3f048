//! Resolves a named period such as `this_month` to a half-open UTC range `[start, end)`.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::calendar::{
    midnight, month_start, quarter_start, shift_days, shift_months, week_start, year_start,
};

/// Every period name `resolve_period` accepts.
pub const PERIODS: [&str; 20] = [
    "today",
    "yesterday",
    "tomorrow",
    "this_week",
    "last_week",
    "next_week",
    "this_month",
    "last_month",
    "next_month",
    "this_quarter",
    "last_quarter",
    "next_quarter",
    "this_year",
    "last_year",
    "next_year",
    "last_7_days",
    "last_30_days",
    "last_90_days",
    "next_7_days",
    "next_30_days",
];

/// Resolves a period name to `[start, end)` in UTC; calendar periods use whole UTC days and
/// ISO weeks (Monday first), `last_N_days` ends at `now` and `next_N_days` starts at `now`.
pub fn resolve_period(
    name: &str,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let today = now.date_naive();
    let range = match name {
        "today" => days(today, 0),
        "yesterday" => days(today, -1),
        "tomorrow" => days(today, 1),
        "this_week" => week_start(today).and_then(|start| weeks(start, 0)),
        "last_week" => week_start(today).and_then(|start| weeks(start, -1)),
        "next_week" => week_start(today).and_then(|start| weeks(start, 1)),
        "this_month" => month_start(today).and_then(|start| months(start, 0, 1)),
        "last_month" => month_start(today).and_then(|start| months(start, -1, 1)),
        "next_month" => month_start(today).and_then(|start| months(start, 1, 1)),
        "this_quarter" => quarter_start(today).and_then(|start| months(start, 0, 3)),
        "last_quarter" => quarter_start(today).and_then(|start| months(start, -1, 3)),
        "next_quarter" => quarter_start(today).and_then(|start| months(start, 1, 3)),
        "this_year" => year_start(today).and_then(|start| months(start, 0, 12)),
        "last_year" => year_start(today).and_then(|start| months(start, -1, 12)),
        "next_year" => year_start(today).and_then(|start| months(start, 1, 12)),
        "last_7_days" => rolling(now, -7),
        "last_30_days" => rolling(now, -30),
        "last_90_days" => rolling(now, -90),
        "next_7_days" => rolling(now, 7),
        "next_30_days" => rolling(now, 30),
        _ => {
            return Err(format!(
                "unknown period '{name}': expected one of {}",
                PERIODS.join(", ")
            ));
        }
    };
    range.ok_or_else(|| format!("period '{name}' is out of range"))
}

type Range = Option<(DateTime<Utc>, DateTime<Utc>)>;

/// The whole UTC day `shift` days from `today`.
fn days(today: NaiveDate, shift: i64) -> Range {
    let start = shift_days(today, shift)?;
    Some((midnight(start), midnight(shift_days(start, 1)?)))
}

/// The ISO week `shift` weeks from the one starting on `monday`.
fn weeks(monday: NaiveDate, shift: i64) -> Range {
    let start = shift_days(monday, shift.checked_mul(7)?)?;
    Some((midnight(start), midnight(shift_days(start, 7)?)))
}

/// The `len`-month block `shift` blocks from the one starting on `first`.
fn months(first: NaiveDate, shift: i64, len: i64) -> Range {
    let start = shift_months(first, shift.checked_mul(len)?)?;
    Some((midnight(start), midnight(shift_months(start, len)?)))
}

/// `days` whole 24-hour days before (negative) or after `now`.
fn rolling(now: DateTime<Utc>, days: i64) -> Range {
    let other = now.checked_add_signed(TimeDelta::try_days(days)?)?;
    Some(if days < 0 { (other, now) } else { (now, other) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Resolves against `now` and renders as `start..end` for compact assertions.
    fn span(name: &str, now: &str) -> String {
        let (start, end) = resolve_period(name, at(now)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S").to_string();
        format!("{}..{}", fmt(start), fmt(end))
    }

    /// Sunday 2026-11-22 10:15:30 UTC.
    const NOW: &str = "2026-11-22T10:15:30Z";

    #[test]
    fn days_around_now() {
        assert_eq!(
            span("today", NOW),
            "2026-11-22T00:00:00..2026-11-23T00:00:00"
        );
        assert_eq!(
            span("yesterday", NOW),
            "2026-11-21T00:00:00..2026-11-22T00:00:00"
        );
        assert_eq!(
            span("tomorrow", NOW),
            "2026-11-23T00:00:00..2026-11-24T00:00:00"
        );
        assert_eq!(
            span("tomorrow", "2026-12-31T23:00:00Z"),
            "2027-01-01T00:00:00..2027-01-02T00:00:00"
        );
    }

    #[test]
    fn iso_weeks_start_on_monday() {
        // Sunday belongs to the week that started the previous Monday.
        assert_eq!(
            span("this_week", NOW),
            "2026-11-16T00:00:00..2026-11-23T00:00:00"
        );
        assert_eq!(
            span("last_week", NOW),
            "2026-11-09T00:00:00..2026-11-16T00:00:00"
        );
        assert_eq!(
            span("next_week", NOW),
            "2026-11-23T00:00:00..2026-11-30T00:00:00"
        );
        // On the Monday itself the week starts that day.
        assert_eq!(
            span("this_week", "2026-11-23T00:00:00Z"),
            "2026-11-23T00:00:00..2026-11-30T00:00:00"
        );
        // Weeks straddle year ends.
        assert_eq!(
            span("this_week", "2027-01-01T12:00:00Z"),
            "2026-12-28T00:00:00..2027-01-04T00:00:00"
        );
    }

    #[test]
    fn calendar_months() {
        assert_eq!(
            span("this_month", NOW),
            "2026-11-01T00:00:00..2026-12-01T00:00:00"
        );
        assert_eq!(
            span("last_month", NOW),
            "2026-10-01T00:00:00..2026-11-01T00:00:00"
        );
        assert_eq!(
            span("next_month", NOW),
            "2026-12-01T00:00:00..2027-01-01T00:00:00"
        );
        assert_eq!(
            span("last_month", "2027-01-31T00:00:00Z"),
            "2026-12-01T00:00:00..2027-01-01T00:00:00"
        );
        assert_eq!(
            span("next_month", "2028-01-31T00:00:00Z"),
            "2028-02-01T00:00:00..2028-03-01T00:00:00"
        );
    }

    #[test]
    fn quarters() {
        assert_eq!(
            span("this_quarter", NOW),
            "2026-10-01T00:00:00..2027-01-01T00:00:00"
        );
        assert_eq!(
            span("last_quarter", NOW),
            "2026-07-01T00:00:00..2026-10-01T00:00:00"
        );
        assert_eq!(
            span("next_quarter", NOW),
            "2027-01-01T00:00:00..2027-04-01T00:00:00"
        );
        // Edges: the last second of Q1 and the first instant of Q2.
        assert_eq!(
            span("this_quarter", "2026-03-31T23:59:59Z"),
            "2026-01-01T00:00:00..2026-04-01T00:00:00"
        );
        assert_eq!(
            span("this_quarter", "2026-04-01T00:00:00Z"),
            "2026-04-01T00:00:00..2026-07-01T00:00:00"
        );
        assert_eq!(
            span("last_quarter", "2026-02-15T00:00:00Z"),
            "2025-10-01T00:00:00..2026-01-01T00:00:00"
        );
    }

    #[test]
    fn years() {
        assert_eq!(
            span("this_year", NOW),
            "2026-01-01T00:00:00..2027-01-01T00:00:00"
        );
        assert_eq!(
            span("last_year", NOW),
            "2025-01-01T00:00:00..2026-01-01T00:00:00"
        );
        assert_eq!(
            span("next_year", NOW),
            "2027-01-01T00:00:00..2028-01-01T00:00:00"
        );
    }

    #[test]
    fn rolling_windows_are_anchored_at_now() {
        assert_eq!(
            span("last_7_days", NOW),
            "2026-11-15T10:15:30..2026-11-22T10:15:30"
        );
        assert_eq!(
            span("last_30_days", NOW),
            "2026-10-23T10:15:30..2026-11-22T10:15:30"
        );
        assert_eq!(
            span("last_90_days", NOW),
            "2026-08-24T10:15:30..2026-11-22T10:15:30"
        );
        assert_eq!(
            span("next_7_days", NOW),
            "2026-11-22T10:15:30..2026-11-29T10:15:30"
        );
        assert_eq!(
            span("next_30_days", NOW),
            "2026-11-22T10:15:30..2026-12-22T10:15:30"
        );
    }

    #[test]
    fn every_listed_period_resolves_to_a_non_empty_range() {
        for name in PERIODS {
            let (start, end) = resolve_period(name, at(NOW)).unwrap();
            assert!(start < end, "{name}");
        }
    }

    #[test]
    fn unknown_period() {
        let e = resolve_period("this_decade", at(NOW)).unwrap_err();
        assert!(e.starts_with("unknown period 'this_decade': expected one of today, yesterday,"));
        assert!(e.ends_with("next_7_days, next_30_days"));
        assert!(resolve_period("This_month", at(NOW)).is_err());
    }

    #[test]
    fn out_of_range_is_an_error_not_a_panic() {
        let end_of_time = DateTime::<Utc>::MAX_UTC;
        assert_eq!(
            resolve_period("next_year", end_of_time),
            Err("period 'next_year' is out of range".into())
        );
        assert!(resolve_period("next_30_days", end_of_time).is_err());
    }
}
