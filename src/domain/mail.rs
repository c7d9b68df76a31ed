//! The mails the service sends: a rendered message ready for the outbox,
//! and the sender's address as `ACCOUNTS_MAIL_FROM` writes it.

use std::fmt;

/// One message, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Short machine name of the message kind, kept after the body is erased.
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The HTML alternative of `text`, when there is one.
    pub html: Option<String>,
}

/// An address with an optional display name: `Chat <noreply@chat.example>`
/// or `noreply@chat.example`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    name: Option<String>,
    address: String,
}

impl Mailbox {
    /// Parses `address`, `Name <address>` or `"Name, Inc." <address>`.
    /// A line break or control character anywhere is refused: it would
    /// forge headers.
    pub fn parse(raw: &str) -> Option<Mailbox> {
        let raw = raw.trim();
        if raw.chars().any(char::is_control) {
            return None;
        }
        let (name, address) = match raw.strip_suffix('>') {
            Some(rest) => {
                let (name, address) = rest.rsplit_once('<')?;
                let name = name.trim();
                let name = name
                    .strip_prefix('"')
                    .and_then(|n| n.strip_suffix('"'))
                    .unwrap_or(name);
                let name = (!name.is_empty()).then(|| name.replace(['"', '\\'], ""));
                (name, address.trim())
            }
            None => (None, raw),
        };
        let valid_address = address
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
            && !address.contains(|c: char| c.is_whitespace() || "<>\",;".contains(c));
        valid_address.then(|| Mailbox {
            name,
            address: address.to_string(),
        })
    }

    /// The display name, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The bare address.
    pub fn address(&self) -> &str {
        &self.address
    }
}

/// The header form: the name quoted when it holds characters that RFC 5322
/// only allows in quotes (`"Chat, Inc." <noreply@chat.example>`).
impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            None => f.write_str(&self.address),
            Some(name) if name.contains(|c: char| "()<>[]:;@\\,.\"".contains(c)) => {
                write!(f, "\"{name}\" <{}>", self.address)
            }
            Some(name) => write!(f, "{name} <{}>", self.address),
        }
    }
}

/// "3 days", "1 hour", "90 seconds", in English, or in German for `de`
/// ("3 Tage", "1 Stunde").
pub fn human_duration(secs: u64, language: &str) -> String {
    let (n, unit) = match secs {
        s if s >= 86400 && s % 86400 == 0 => (s / 86400, 0),
        s if s >= 3600 && s % 3600 == 0 => (s / 3600, 1),
        s if s >= 60 && s % 60 == 0 => (s / 60, 2),
        s => (s, 3),
    };
    let (one, many) = match (language, unit) {
        ("de", 0) => ("Tag", "Tage"),
        ("de", 1) => ("Stunde", "Stunden"),
        ("de", 2) => ("Minute", "Minuten"),
        ("de", _) => ("Sekunde", "Sekunden"),
        (_, 0) => ("day", "days"),
        (_, 1) => ("hour", "hours"),
        (_, 2) => ("minute", "minutes"),
        _ => ("second", "seconds"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Unix seconds as `2026-12-03 09:20 UTC`.
pub fn format_utc(secs: u64) -> String {
    let days = secs / 86400;
    let (hour, minute) = ((secs % 86400) / 3600, (secs % 3600) / 60);
    // Howard Hinnant's days-to-civil algorithm, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(3 * 86400, "en"), "3 days");
        assert_eq!(human_duration(3600, "en"), "1 hour");
        assert_eq!(human_duration(90, "en"), "90 seconds");
        assert_eq!(human_duration(3 * 86400, "de"), "3 Tage");
        assert_eq!(human_duration(3600, "de"), "1 Stunde");
        assert_eq!(human_duration(120, "fr"), "2 minutes");
    }

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400 + 3600 + 60), "2000-02-29 01:01 UTC");
        assert_eq!(format_utc(1_796_287_200), "2026-12-03 08:40 UTC");
    }

    #[test]
    fn a_sender_may_carry_a_display_name() {
        let plain = Mailbox::parse("noreply@chat.example").unwrap();
        assert_eq!(
            (plain.name(), plain.address()),
            (None, "noreply@chat.example")
        );
        let named = Mailbox::parse("Chat <noreply@chat.example>").unwrap();
        assert_eq!(named.name(), Some("Chat"));
        assert_eq!(named.to_string(), "Chat <noreply@chat.example>");
        let quoted = Mailbox::parse("\"Chat, Inc.\" <noreply@chat.example>").unwrap();
        assert_eq!(quoted.name(), Some("Chat, Inc."));
        assert_eq!(quoted.to_string(), "\"Chat, Inc.\" <noreply@chat.example>");
    }

    #[test]
    fn a_sender_without_an_address_or_with_a_line_break_is_refused() {
        for bad in [
            "",
            "Chat",
            "Chat <>",
            "Chat <noreply>",
            "a@b\r\nBcc: x@y",
            "Chat\n <a@b.c>",
            "a b@c.d",
            "<a@b.c",
        ] {
            assert_eq!(Mailbox::parse(bad), None, "{bad:?}");
        }
    }
}
