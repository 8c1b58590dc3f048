//! Resolves one point in time: RFC 3339, a plain date, a keyword, or an offset from `now`.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::calendar::{midnight, shift_days, shift_months};

/// What the error message lists as accepted, so the API user can fix the value in one go.
const ACCEPTED: &str = "expected an RFC 3339 timestamp such as 2026-11-22T10:15:30Z, a date such \
                        as 2026-11-22, now, today, yesterday, tomorrow, or an offset from now \
                        such as -30d, +2w, -6h, -15m, +3M, -1y (d days, w weeks, h hours, \
                        m minutes, M months, y years)";

/// Resolves `s` to a UTC instant; relative forms count from `now`, day keywords mean midnight UTC.
pub fn resolve_instant(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let today = now.date_naive();
    let out_of_range = || format!("date '{s}' is out of range");
    match s {
        "now" => return Ok(now),
        "today" => return Ok(midnight(today)),
        "yesterday" => return shift_days(today, -1).map(midnight).ok_or_else(out_of_range),
        "tomorrow" => return shift_days(today, 1).map(midnight).ok_or_else(out_of_range),
        _ => {}
    }
    if let Some(rest) = s.strip_prefix('+') {
        return offset(rest, false, now).ok_or_else(out_of_range)?;
    }
    if let Some(rest) = s.strip_prefix('-') {
        return offset(rest, true, now).ok_or_else(out_of_range)?;
    }
    if looks_like_plain_date(s) {
        return plain_date(s)
            .map(midnight)
            .ok_or_else(|| format!("invalid date '{s}': no such day"));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|_| format!("invalid date '{s}': {ACCEPTED}"))
}

/// `<digits><unit>` after the sign. The outer `None` means the arithmetic overflowed; a
/// malformed offset is an inner `Err`.
fn offset(rest: &str, negative: bool, now: DateTime<Utc>) -> Option<Result<DateTime<Utc>, String>> {
    let malformed = || {
        Some(Err(format!(
            "invalid date offset '{}': {ACCEPTED}",
            signed(rest, negative)
        )))
    };
    let Some((split, unit)) = rest.char_indices().last() else {
        return malformed();
    };
    let digits = rest.get(..split).unwrap_or_default();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return malformed();
    }
    let amount: i64 = digits.parse().ok()?;
    let amount = if negative { -amount } else { amount };
    let delta = match unit {
        'd' => TimeDelta::try_days(amount),
        'w' => TimeDelta::try_weeks(amount),
        'h' => TimeDelta::try_hours(amount),
        'm' => TimeDelta::try_minutes(amount),
        // Months and years are calendar steps on the date, keeping the time of day.
        'M' => return shift_calendar(now, amount).map(Ok),
        'y' => return shift_calendar(now, amount.checked_mul(12)?).map(Ok),
        _ => return malformed(),
    };
    now.checked_add_signed(delta?).map(Ok)
}

fn shift_calendar(now: DateTime<Utc>, months: i64) -> Option<DateTime<Utc>> {
    let date = shift_months(now.date_naive(), months)?;
    Some(date.and_time(now.time()).and_utc())
}

fn signed(rest: &str, negative: bool) -> String {
    format!("{}{rest}", if negative { '-' } else { '+' })
}

/// `YYYY-MM-DD` by shape; chrono's `%Y` alone would also take signs and other widths.
fn looks_like_plain_date(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

fn plain_date(s: &str) -> Option<NaiveDate> {
    let year = s.get(0..4)?.parse().ok()?;
    let month = s.get(5..7)?.parse().ok()?;
    let day = s.get(8..10)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sunday 2026-11-22 10:15:30 UTC.
    fn now() -> DateTime<Utc> {
        at("2026-11-22T10:15:30Z")
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn resolve(s: &str) -> DateTime<Utc> {
        resolve_instant(s, now()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn rfc3339_is_converted_to_utc() {
        assert_eq!(
            resolve("2026-11-22T10:15:30.123Z"),
            at("2026-11-22T10:15:30.123+00:00")
        );
        assert_eq!(
            resolve("2026-11-22T12:00:00+02:00"),
            at("2026-11-22T10:00:00Z")
        );
        assert_eq!(
            resolve("2026-11-21T23:30:00-05:00"),
            at("2026-11-22T04:30:00Z")
        );
    }

    #[test]
    fn plain_dates_are_midnight_utc() {
        assert_eq!(resolve("2026-11-22"), at("2026-11-22T00:00:00Z"));
        assert_eq!(resolve("2028-02-29"), at("2028-02-29T00:00:00Z"));
        assert_eq!(
            resolve_instant("2026-02-30", now()),
            Err("invalid date '2026-02-30': no such day".to_owned())
        );
    }

    #[test]
    fn keywords() {
        assert_eq!(resolve("now"), now());
        assert_eq!(resolve("today"), at("2026-11-22T00:00:00Z"));
        assert_eq!(resolve("yesterday"), at("2026-11-21T00:00:00Z"));
        assert_eq!(resolve("tomorrow"), at("2026-11-23T00:00:00Z"));
        let new_year = at("2026-12-31T23:59:59Z");
        assert_eq!(
            resolve_instant("tomorrow", new_year),
            Ok(at("2027-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn duration_offsets() {
        assert_eq!(resolve("-30d"), at("2026-10-23T10:15:30Z"));
        assert_eq!(resolve("+2w"), at("2026-12-06T10:15:30Z"));
        assert_eq!(resolve("-6h"), at("2026-11-22T04:15:30Z"));
        assert_eq!(resolve("-15m"), at("2026-11-22T10:00:30Z"));
        assert_eq!(resolve("+0d"), now());
        assert_eq!(resolve("+1d"), at("2026-11-23T10:15:30Z"));
    }

    #[test]
    fn calendar_offsets() {
        assert_eq!(resolve("+1M"), at("2026-12-22T10:15:30Z"));
        assert_eq!(resolve("-11M"), at("2025-12-22T10:15:30Z"));
        assert_eq!(resolve("-1y"), at("2025-11-22T10:15:30Z"));
        assert_eq!(resolve("+2y"), at("2028-11-22T10:15:30Z"));
        let jan31 = at("2027-01-31T08:00:00Z");
        assert_eq!(
            resolve_instant("+1M", jan31),
            Ok(at("2027-02-28T08:00:00Z"))
        );
        let leap = at("2028-02-29T08:00:00Z");
        assert_eq!(resolve_instant("-1y", leap), Ok(at("2027-02-28T08:00:00Z")));
        assert_eq!(
            resolve_instant("+1M", at("2028-01-31T00:00:00Z")),
            Ok(at("2028-02-29T00:00:00Z"))
        );
    }

    #[test]
    fn rejects_malformed_values() {
        for bad in [
            "",
            "30d",
            "-30",
            "-d",
            "-30D",
            "-3.5d",
            "+1x",
            "- 1d",
            "-1dd",
            "Today",
            "2026-1-2",
            "22/11/2026",
            "2026-11-22T10:15:30",
            "+2€",
        ] {
            let e = resolve_instant(bad, now()).expect_err(bad);
            assert!(e.contains("expected an RFC 3339 timestamp"), "{bad}: {e}");
            assert!(e.contains(&format!("'{bad}'")), "{bad}: {e}");
        }
    }

    #[test]
    fn huge_offsets_are_out_of_range_not_panics() {
        for big in [
            "+99999999999999999999d",
            "-9999999999999d",
            "+9999999999w",
            "+5000000000M",
            "-999999999999y",
        ] {
            assert_eq!(
                resolve_instant(big, now()),
                Err(format!("date '{big}' is out of range"))
            );
        }
    }
}
