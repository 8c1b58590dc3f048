//! Calendar arithmetic shared by instants and periods, all in UTC and overflow-checked.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};

/// 00:00:00 UTC on `date`.
pub(super) fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// `date` moved by `days` (either sign), or `None` beyond chrono's range.
pub(super) fn shift_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    let magnitude = Days::new(days.unsigned_abs());
    if days < 0 {
        date.checked_sub_days(magnitude)
    } else {
        date.checked_add_days(magnitude)
    }
}

/// `date` moved by `months` (either sign), clamping the day to the end of a shorter month.
pub(super) fn shift_months(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    let magnitude = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months < 0 {
        date.checked_sub_months(magnitude)
    } else {
        date.checked_add_months(magnitude)
    }
}

/// The Monday starting the ISO week that contains `date`.
pub(super) fn week_start(date: NaiveDate) -> Option<NaiveDate> {
    shift_days(date, -i64::from(date.weekday().num_days_from_monday()))
}

/// The first day of the month that contains `date`.
pub(super) fn month_start(date: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(date.year(), date.month(), 1)
}

/// The first day of the calendar quarter (Jan, Apr, Jul, Oct) that contains `date`.
pub(super) fn quarter_start(date: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(date.year(), (date.month0() / 3) * 3 + 1, 1)
}

/// January 1st of the year that contains `date`.
pub(super) fn year_start(date: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(date.year(), 1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn month_shifts_clamp_to_month_end() {
        assert_eq!(shift_months(d(2027, 1, 31), 1), Some(d(2027, 2, 28)));
        assert_eq!(shift_months(d(2028, 1, 31), 1), Some(d(2028, 2, 29)));
        assert_eq!(shift_months(d(2026, 3, 31), -1), Some(d(2026, 2, 28)));
        assert_eq!(shift_months(d(2026, 11, 22), 0), Some(d(2026, 11, 22)));
        assert_eq!(shift_months(d(2026, 1, 1), i64::MAX), None);
    }

    #[test]
    fn starts_of_units() {
        // 2026-11-22 is a Sunday, the last day of the ISO week starting Monday 2026-11-16.
        assert_eq!(week_start(d(2026, 11, 22)), Some(d(2026, 11, 16)));
        assert_eq!(week_start(d(2026, 11, 16)), Some(d(2026, 11, 16)));
        assert_eq!(week_start(d(2027, 1, 1)), Some(d(2026, 12, 28)));
        assert_eq!(month_start(d(2026, 11, 22)), Some(d(2026, 11, 1)));
        assert_eq!(quarter_start(d(2026, 11, 22)), Some(d(2026, 10, 1)));
        assert_eq!(quarter_start(d(2026, 3, 31)), Some(d(2026, 1, 1)));
        assert_eq!(quarter_start(d(2026, 4, 1)), Some(d(2026, 4, 1)));
        assert_eq!(quarter_start(d(2026, 9, 30)), Some(d(2026, 7, 1)));
        assert_eq!(year_start(d(2026, 11, 22)), Some(d(2026, 1, 1)));
    }

    #[test]
    fn day_shifts_and_midnight() {
        assert_eq!(shift_days(d(2026, 12, 31), 1), Some(d(2027, 1, 1)));
        assert_eq!(shift_days(d(2026, 3, 1), -1), Some(d(2026, 2, 28)));
        assert_eq!(shift_days(NaiveDate::MAX, 1), None);
        assert_eq!(
            midnight(d(2026, 11, 22)).to_rfc3339(),
            "2026-11-22T00:00:00+00:00"
        );
    }
}
