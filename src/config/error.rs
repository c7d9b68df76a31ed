//! Why a setting could not be used. Every message names the variable and
//! what it expects, and never repeats a secret's value.

use std::fmt;

use super::MIN_SECRET_KEY_BYTES;
use crate::client_address::InvalidProxy;

/// A setting that could not be used, named after its variable:
/// `ACCOUNTS_WORKERS: expected a whole number from 1 to 1024, got "many"`.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable at fault.
    pub variable: &'static str,
    /// What is wrong with its value.
    pub problem: Problem,
}

/// What is wrong with one value. The value is quoted back except for
/// secrets, whose problems never carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An empty file name, which SQLite would take as a private temporary
    /// database that forgets everything on restart.
    EmptyPath,
    /// Not an `address:port` socket address.
    NotAnAddress,
    /// The signing key is shorter than [`MIN_SECRET_KEY_BYTES`].
    SecretKeyTooShort,
    /// Not an `http://` or `https://` URL with a host.
    NotAUrl(String),
    /// A CORS origin with a path after its host.
    OriginWithPath(String),
    /// Neither seconds nor a number with `s`, `m`, `h` or `d`, or over a
    /// hundred years.
    NotADuration(String),
    /// A deadline of zero, which would refuse every request.
    ZeroDeadline(String),
    /// Not a whole number within the setting's bounds.
    NotACount {
        /// The smallest accepted.
        min: usize,
        /// The largest accepted.
        max: usize,
        /// The value given.
        got: String,
    },
    /// Not one of the setting's words (listed, comma-separated).
    NotOneOf(String),
    /// Not one of the words for true or false.
    NotABoolean(String),
    /// Not `on` or `off` (nor `true`/`false`, `1`/`0`).
    NotOnOrOff,
    /// Not `N/DURATION` with a positive count and window.
    NotALimit(String),
    /// An issuer or audience that is empty, too long, or holds white space,
    /// quotes, commas or brackets.
    NotAPlainString(String),
    /// A mail sender that is neither an address nor `Name <address>`, or
    /// that holds a line break.
    NotASender,
    /// An item of the trusted-proxy list that is neither an address nor a
    /// CIDR block.
    NotAProxy(InvalidProxy),
    /// Neither `off` nor a duration above zero.
    NotAnInterval(String),
    /// Scheduled backups are on but this variable (their directory) is unset.
    RequiredByBackups,
    /// The chosen mail provider (named) needs this variable, which is unset.
    RequiredByProvider(&'static str),
    /// Not an `smtp://` or `smtps://` URL.
    NotAnSmtpUrl,
    /// An SMTP URL without a host.
    SmtpUrlWithoutHost,
    /// A query option of the SMTP URL other than `tls=none` on `smtp://`.
    SmtpUrlOption,
    /// `smtp://...?tls=none` to a host that is not this machine.
    PlainSmtpNotLoopback,
    /// Not a host name such as `mg.example.com`.
    NotADomain(String),
    /// Not a BCP 47 language tag such as `en` or `pt-BR`.
    NotALocale(String),
    /// An empty product name, one over 100 characters, or one with a line break.
    NotAProductName,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::EmptyPath => {
                f.write_str("must name the database file (leave it unset for accounts.db)")
            }
            Problem::NotAnAddress => f.write_str("expected an address such as 127.0.0.1:8000"),
            Problem::SecretKeyTooShort => {
                write!(f, "must be at least {MIN_SECRET_KEY_BYTES} bytes long")
            }
            Problem::NotAUrl(got) => write!(f, "expected an http:// or https:// URL, got {got:?}"),
            Problem::OriginWithPath(got) => write!(f, "an origin has no path: {got:?}"),
            Problem::ZeroDeadline(got) => write!(f, "must be at least 1s, got {got:?}"),
            Problem::NotADuration(got) => write!(
                f,
                "expected seconds or a number with s, m, h or d (such as 15m), got {got:?}"
            ),
            Problem::NotACount { min, max, got } => {
                write!(
                    f,
                    "expected a whole number from {min} to {max}, got {got:?}"
                )
            }
            Problem::NotOneOf(words) => write!(f, "expected one of: {words}"),
            Problem::NotABoolean(got) => write!(f, "expected true or false, got {got:?}"),
            Problem::NotOnOrOff => f.write_str("expected on or off"),
            Problem::NotALimit(got) => {
                write!(f, "expected N/DURATION such as 10/15m, got {got:?}")
            }
            Problem::NotAPlainString(got) => write!(
                f,
                "expected one plain string of at most 256 characters, without spaces, quotes, \
                 commas or brackets, got {got:?}"
            ),
            Problem::NotASender => {
                f.write_str("expected an address such as accounts@example.com or Chat <noreply@chat.example>")
            }
            Problem::NotAProxy(invalid) => invalid.fmt(f),
            Problem::RequiredByProvider(provider) => {
                write!(f, "required when ACCOUNTS_MAIL_PROVIDER is {provider}")
            }
            Problem::NotAnSmtpUrl => f.write_str(
                "expected smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465",
            ),
            Problem::SmtpUrlWithoutHost => f.write_str("the SMTP URL has no host"),
            Problem::SmtpUrlOption => {
                f.write_str("the only option is ?tls=none, on smtp:// to this machine")
            }
            Problem::PlainSmtpNotLoopback => f.write_str(
                "SMTP without TLS (?tls=none) is only allowed to localhost or a loopback address",
            ),
            Problem::NotADomain(got) => {
                write!(f, "expected a domain such as mg.example.com, got {got:?}")
            }
            Problem::NotALocale(got) => {
                write!(f, "expected a language tag such as en or pt-BR, got {got:?}")
            }
            Problem::NotAProductName => {
                f.write_str("expected one line of at most 100 characters")
            }
            Problem::NotAnInterval(got) => {
                write!(
                    f,
                    "expected off or a duration above zero such as 6h, got {got:?}"
                )
            }
            Problem::RequiredByBackups => f.write_str("required when ACCOUNTS_BACKUP_EVERY is set"),
        }
    }
}
