//! The date-times of Django's sources, read as Unix seconds, and written
//! back as RFC 3339 in the export.
//!
//! Each source spells them its own way: Django's SQLite backend writes
//! `2024-05-01 10:00:00.123456` (UTC when `USE_TZ`), `dumpdata` writes
//! `2024-05-01T10:00:00.123Z`, PostgreSQL's CSV `2024-05-01
//! 10:00:00.123456+00` and MySQL `2024-05-01 10:00:00.123456`. One small
//! parser reads them all; a value without an offset is UTC, as Django
//! stores it with `USE_TZ = True`. Fractions of a second are dropped: the
//! service keeps whole seconds.

/// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|±HH[[:]MM]]` into Unix
/// seconds (clamped at 0 for dates before 1970).
pub fn parse(text: &str) -> Option<u64> {
    let text = text.trim();
    let (date, rest) = text.split_at_checked(10)?;
    let days = days_from_date(date)?;
    let rest = rest.strip_prefix([' ', 'T', 't']).unwrap_or(rest);
    let (time, offset) = split_offset(rest)?;
    let seconds_of_day = if time.is_empty() {
        0
    } else {
        parse_time(time)?
    };
    let total = days * 86_400 + seconds_of_day - offset;
    Some(total.max(0) as u64)
}

/// `YYYY-MM-DD` to days since 1970-01-01.
fn days_from_date(date: &str) -> Option<i64> {
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i64 = digits(&date[0..4])?;
    let month: i64 = digits(&date[5..7])?;
    let day: i64 = digits(&date[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `HH:MM[:SS[.fraction]]` to seconds of the day.
fn parse_time(time: &str) -> Option<i64> {
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut parts = clock.split(':');
    let hours: i64 = two_digits(parts.next()?)?;
    let minutes: i64 = two_digits(parts.next()?)?;
    let seconds: i64 = parts.next().map_or(Some(0), two_digits)?;
    if parts.next().is_some() || hours > 23 || minutes > 59 || seconds > 60 {
        return None;
    }
    Some(hours * 3600 + minutes * 60 + seconds.min(59))
}

/// Splits a trailing `Z`, `+HH`, `+HHMM` or `+HH:MM` off the time; returns
/// the time and the offset in seconds east of UTC.
fn split_offset(rest: &str) -> Option<(&str, i64)> {
    if let Some(time) = rest.strip_suffix(['Z', 'z']) {
        return Some((time, 0));
    }
    let Some(at) = rest.rfind(['+', '-']) else {
        return Some((rest, 0));
    };
    let (time, offset) = rest.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits_only: String = offset[1..].chars().filter(|c| *c != ':').collect();
    let (hours, minutes) = match digits_only.len() {
        2 => (two_digits(&digits_only)?, 0),
        4 => (
            two_digits(&digits_only[..2])?,
            two_digits(&digits_only[2..])?,
        ),
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((time, sign * (hours * 3600 + minutes * 60)))
}

fn digits(text: &str) -> Option<i64> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())?
}

fn two_digits(text: &str) -> Option<i64> {
    (text.len() == 2).then(|| digits(text))?
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Unix seconds as RFC 3339 in UTC: `2024-05-01T10:00:00Z`.
pub fn format(seconds: u64) -> String {
    let seconds = seconds as i64;
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAY_FIRST_10H: u64 = 1_714_557_600; // 2024-05-01T10:00:00Z

    #[test]
    fn every_sources_spelling_reads_the_same_instant() {
        for text in [
            "2024-05-01 10:00:00",
            "2024-05-01 10:00:00.123456",
            "2024-05-01T10:00:00.123Z",
            "2024-05-01T10:00:00Z",
            "2024-05-01 10:00:00.123456+00",
            "2024-05-01 12:00:00+02:00",
            "2024-05-01 12:00:00+0200",
            "2024-05-01T07:30:00-02:30",
            "2024-05-01 10:00",
            " 2024-05-01 10:00:00 ",
        ] {
            assert_eq!(parse(text), Some(MAY_FIRST_10H), "{text:?}");
        }
    }

    #[test]
    fn a_bare_date_is_midnight_utc() {
        assert_eq!(parse("2024-05-01"), Some(MAY_FIRST_10H - 10 * 3600));
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("1969-12-31 23:00:00"), Some(0), "clamped");
    }

    #[test]
    fn impossible_dates_and_times_are_refused() {
        for text in [
            "",
            "soon",
            "2024-13-01 10:00:00",
            "2023-02-29 10:00:00",
            "2024-05-01 24:00:00",
            "2024-05-01 10:61:00",
            "2024-05-01 10:00:00+5",
            "2024-05-01 10:00:00.12x",
            "2024/05/01 10:00:00",
            "20240501",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
        assert!(parse("2024-02-29 00:00:00").is_some(), "a leap day");
    }

    #[test]
    fn format_writes_rfc_3339_that_parses_back() {
        assert_eq!(format(MAY_FIRST_10H), "2024-05-01T10:00:00Z");
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        for seconds in [0, 59, 951_782_400, 1_709_164_800, 4_102_444_799] {
            assert_eq!(parse(&format(seconds)), Some(seconds), "{seconds}");
        }
    }
}
