//! Instants as people read them: the API, the operator CLI and backup file
//! names show UTC calendar dates, to the second. The service keeps Unix
//! seconds everywhere else; this is the one place they become a calendar
//! date (a few lines instead of a date crate).

/// A Unix second as a UTC calendar date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    pub year: u64,
    pub month: u64,
    pub day: u64,
    pub hour: u64,
    pub minute: u64,
    pub second: u64,
}

impl UtcTime {
    pub fn from_unix(secs: u64) -> UtcTime {
        let (year, month, day) = civil_from_days(secs / 86_400);
        let in_day = secs % 86_400;
        UtcTime {
            year,
            month,
            day,
            hour: in_day / 3600,
            minute: in_day % 3600 / 60,
            second: in_day % 60,
        }
    }
}

/// `secs` (Unix seconds) as RFC 3339 in UTC: `2026-12-03T10:00:00Z`.
pub fn rfc3339_utc(secs: u64) -> String {
    let t = UtcTime::from_unix(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch): years are counted in
/// 400-year eras starting on 1 March, so the leap day ends an era's year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Days since 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March: 0 is March, 11 is February.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_is_the_first_second_of_1970() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn leap_days_and_year_ends_fall_where_the_calendar_puts_them() {
        for (secs, expected) in [
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_795_303_153, "2026-11-21T23:19:13Z"),
            (1_796_292_000, "2026-12-03T10:00:00Z"),
            (1_798_884_000, "2027-01-02T10:00:00Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
        ] {
            assert_eq!(rfc3339_utc(secs), expected, "{secs}");
        }
    }

    #[test]
    fn every_day_follows_the_one_before() {
        // Walks 1970..2100 a day at a time: the date only ever moves to the
        // next day of the month, or to the 1st of the next month.
        let mut previous = civil_from_days(0);
        for days in 1..47_482 {
            let next = civil_from_days(days);
            let (y, m, d) = previous;
            let ok = next == (y, m, d + 1)
                || (next == (y, m + 1, 1) && m < 12)
                || (next == (y + 1, 1, 1) && (m, d) == (12, 31));
            assert!(ok, "{previous:?} -> {next:?}");
            previous = next;
        }
        assert_eq!(previous, (2099, 12, 31));
    }
}
