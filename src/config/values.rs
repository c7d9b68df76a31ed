//! The syntax of setting values: durations, counts, booleans, URLs, limits.
//! Each parser takes the text as written (already trimmed) and returns a
//! typed value or the [`Problem`] to report against the variable.

use std::net::SocketAddr;
use std::time::Duration;

use super::{MIN_SECRET_KEY_BYTES, Problem};
use crate::client_address::ProxyList;
use crate::domain::mail::Mailbox;
use crate::secret::Secret;
use crate::throttle::Limit;

/// The longest duration accepted, so that arithmetic on it cannot overflow.
const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 86400);

/// Seconds, or a number followed by `s`, `m`, `h` or `d`.
pub fn duration(s: &str) -> Result<Duration, Problem> {
    let error = || Problem::NotADuration(s.to_string());
    let (digits, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 's'),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error());
    }
    let n: u64 = digits.parse().map_err(|_| error())?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86400,
        _ => return Err(error()),
    };
    n.checked_mul(scale)
        .map(Duration::from_secs)
        .filter(|&d| d <= MAX_DURATION)
        .ok_or_else(error)
}

/// `off`, or a duration above zero: how often something recurs.
pub fn interval_or_off(s: &str) -> Result<Option<Duration>, Problem> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    match duration(s) {
        Ok(d) if !d.is_zero() => Ok(Some(d)),
        _ => Err(Problem::NotAnInterval(s.to_string())),
    }
}

/// `N/DURATION`: at most N events in the duration; both above zero.
pub fn limit(s: &str) -> Result<Limit, Problem> {
    let error = || Problem::NotALimit(s.to_string());
    let (count, window) = s.split_once('/').ok_or_else(error)?;
    let count: u32 = count.trim().parse().map_err(|_| error())?;
    let window = duration(window.trim()).map_err(|_| error())?;
    if count == 0 || window.is_zero() {
        return Err(error());
    }
    Ok(Limit { count, window })
}

/// A whole number from `min` to `max`.
/// A file name; empty is refused rather than passed on (SQLite would open a
/// private temporary database for it).
pub fn file_path(s: &str) -> Result<std::path::PathBuf, Problem> {
    if s.is_empty() {
        Err(Problem::EmptyPath)
    } else {
        Ok(s.into())
    }
}

/// A duration of at least a second: a deadline of zero would refuse every
/// request.
pub fn deadline(s: &str) -> Result<Duration, Problem> {
    match duration(s)? {
        d if d < Duration::from_secs(1) => Err(Problem::ZeroDeadline(s.to_string())),
        d => Ok(d),
    }
}

pub fn count(s: &str, min: usize, max: usize) -> Result<usize, Problem> {
    match s.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Problem::NotACount {
            min,
            max,
            got: s.to_string(),
        }),
    }
}

/// `true`/`false`, `1`/`0`, `yes`/`no` or `on`/`off`, in any case.
pub fn boolean(s: &str) -> Result<bool, Problem> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(Problem::NotABoolean(s.to_string())),
    }
}

/// `on`/`off`, `true`/`false` or `1`/`0`: the master switch of throttling.
pub fn on_off(s: &str) -> Result<bool, Problem> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        _ => Err(Problem::NotOnOrOff),
    }
}

/// A signing key long enough for HS256. The error never quotes it.
pub fn secret_key(s: &str) -> Result<Secret, Problem> {
    if s.len() < MIN_SECRET_KEY_BYTES {
        Err(Problem::SecretKeyTooShort)
    } else {
        Ok(Secret::from(s))
    }
}

/// The longest issuer or audience accepted.
const MAX_PLAIN_STRING: usize = 256;

/// One claim value (an issuer, an audience): a single word or URL, without
/// white space, quotes, commas or brackets, which would mean a list or a
/// JSON value was meant.
pub fn plain_string(s: &str) -> Result<String, Problem> {
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || "\"'`,;[]{}\\".contains(c);
    if s.is_empty() || s.len() > MAX_PLAIN_STRING || s.contains(forbidden) {
        Err(Problem::NotAPlainString(s.to_string()))
    } else {
        Ok(s.to_string())
    }
}

pub fn socket_address(s: &str) -> Result<SocketAddr, Problem> {
    s.parse().map_err(|_| Problem::NotAnAddress)
}

/// An `http://` or `https://` URL with something after the scheme and no
/// white space or control characters (it ends up in mails and headers).
pub fn absolute_url(s: &str) -> Result<String, Problem> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty() && !s.contains(|c: char| c.is_whitespace() || c.is_control()) =>
        {
            Ok(s.to_string())
        }
        _ => Err(Problem::NotAUrl(s.to_string())),
    }
}

/// An absolute URL without its trailing slashes, to put paths after.
pub fn base_url(s: &str) -> Result<String, Problem> {
    absolute_url(s).map(|url| url.trim_end_matches('/').to_string())
}

/// Comma-separated origins (`https://app.example.com`), empty items skipped.
pub fn origins(s: &str) -> Result<Vec<String>, Problem> {
    s.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(origin)
        .collect()
}

fn origin(s: &str) -> Result<String, Problem> {
    let url = absolute_url(s)?;
    let after_scheme = url.split_once("://").map_or("", |(_, rest)| rest);
    if after_scheme.contains('/') {
        Err(Problem::OriginWithPath(s.to_string()))
    } else {
        Ok(url)
    }
}

/// An address mail can be sent from, with or without a display name
/// (`Chat <noreply@chat.example>`); a line break would forge headers.
pub fn sender(s: &str) -> Result<String, Problem> {
    match Mailbox::parse(s) {
        Some(_) => Ok(s.to_string()),
        None => Err(Problem::NotASender),
    }
}

/// The choice whose `word` is `s`, ignoring case (`Lax`, `postmark`).
pub fn one_of<T: Copy>(s: &str, choices: &[T], word: fn(T) -> &'static str) -> Result<T, Problem> {
    choices
        .iter()
        .copied()
        .find(|&choice| word(choice).eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            let words: Vec<&str> = choices.iter().map(|&c| word(c)).collect();
            Problem::NotOneOf(words.join(", "))
        })
}

/// Addresses and CIDR blocks of trusted proxies.
pub fn proxies(s: &str) -> Result<ProxyList, Problem> {
    s.parse().map_err(Problem::NotAProxy)
}

/// What `ACCOUNTS_HASH_THREADS` is by default: one per CPU.
pub fn available_cpus() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Nothing for an empty value, else what `parse` makes of it.
pub fn optional<T>(
    s: &str,
    parse: impl FnOnce(&str) -> Result<T, Problem>,
) -> Result<Option<T>, Problem> {
    if s.is_empty() {
        Ok(None)
    } else {
        parse(s).map(Some)
    }
}

/// `computed` for an empty value (the default depends on other settings),
/// else what `parse` makes of it.
pub fn or_computed<T>(
    s: &str,
    computed: impl FnOnce() -> T,
    parse: impl FnOnce(&str) -> Result<T, Problem>,
) -> Result<T, Problem> {
    if s.is_empty() {
        Ok(computed())
    } else {
        parse(s)
    }
}

/// How `check-config` shows a duration: whole seconds.
pub fn show_seconds(d: Duration) -> String {
    format!("{}s", d.as_secs())
}

/// How `check-config` shows a limit: `10/900s`.
pub fn show_limit(l: &Limit) -> String {
    format!("{}/{}", l.count, show_seconds(l.window))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_seconds_and_units() {
        let secs = Duration::from_secs;
        assert_eq!(duration("90"), Ok(secs(90)));
        assert_eq!(duration("15m"), Ok(secs(900)));
        assert_eq!(duration("2h"), Ok(secs(7200)));
        assert_eq!(duration("1d"), Ok(secs(86400)));
        assert_eq!(duration("36500d"), Ok(MAX_DURATION));
        for bad in [
            "",
            "m",
            "1w",
            "-1",
            "1.5h",
            "1 h",
            "36501d",
            "99999999999999999999",
        ] {
            assert!(duration(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn intervals_are_off_or_above_zero() {
        assert_eq!(interval_or_off("off"), Ok(None));
        assert_eq!(interval_or_off("OFF"), Ok(None));
        assert_eq!(
            interval_or_off("6h"),
            Ok(Some(Duration::from_secs(6 * 3600)))
        );
        for bad in ["", "0", "0s", "never", "1w"] {
            assert!(interval_or_off(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn limits_parse_count_and_duration() {
        assert_eq!(
            limit("10/15m"),
            Ok(Limit {
                count: 10,
                window: Duration::from_secs(900)
            })
        );
        assert_eq!(limit(" 4 / 2h ").map(|l| l.count), Ok(4));
        for bad in ["", "10", "0/1m", "10/0", "x/1m", "10/1w"] {
            assert!(limit(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn deadlines_are_at_least_a_second() {
        assert_eq!(deadline("1"), Ok(Duration::from_secs(1)));
        assert_eq!(deadline("10s"), Ok(Duration::from_secs(10)));
        assert!(deadline("0").is_err());
        assert!(deadline("0s").is_err());
    }

    #[test]
    fn counts_are_bounded_on_both_sides() {
        assert_eq!(count("4", 4, 31), Ok(4));
        assert_eq!(count("31", 4, 31), Ok(31));
        for bad in ["3", "32", "", "-1", "four", " 4"] {
            assert!(count(bad, 4, 31).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn booleans_and_switches_take_their_words_in_any_case() {
        assert_eq!(boolean("YES"), Ok(true));
        assert_eq!(boolean("off"), Ok(false));
        assert!(boolean("").is_err());
        assert_eq!(on_off("On"), Ok(true));
        assert_eq!(on_off("0"), Ok(false));
        assert_eq!(on_off("yes"), Err(Problem::NotOnOrOff));
    }

    #[test]
    fn urls_need_a_scheme_and_a_host_and_no_white_space() {
        assert_eq!(base_url("https://e.com///"), Ok("https://e.com".into()));
        for bad in ["ftp://x", "http://", "http://a b", "/relative", "e.com"] {
            assert!(absolute_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn origins_are_urls_without_a_path() {
        assert_eq!(
            origins("https://a.com, ,http://b:8"),
            Ok(vec!["https://a.com".into(), "http://b:8".into()])
        );
        assert_eq!(
            origins("https://a.com/x"),
            Err(Problem::OriginWithPath("https://a.com/x".into()))
        );
    }

    #[test]
    fn limits_display_in_seconds_for_check_config() {
        let l = limit("10/15m").unwrap();
        assert_eq!(show_limit(&l), "10/900s");
    }

    #[test]
    fn shown_values_read_back_as_the_same_value() {
        let l = limit("3/1d").unwrap();
        assert_eq!(show_limit(&l), "3/86400s");
        assert_eq!(limit(&show_limit(&l)), Ok(l));
    }
}
