//! The mail part of the configuration: which provider carries the mail,
//! how to reach it, and what the mail says about the product. The values
//! are checked here, when the environment is read, so a bad provider
//! setting stops start-up (and `check-config`) with one line naming its
//! variable, and never quotes a password or a key.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::percent_decode_str;

use super::Problem;
use crate::domain::locale::Locale;
use crate::secret::Secret;

/// Which provider carries the mail, and how to reach it.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub provider: MailProvider,
    /// `ACCOUNTS_SMTP_URL`, parsed; required with `smtp`.
    pub smtp: Option<SmtpUrl>,
    /// The API key of an HTTP provider.
    pub api_key: Option<Secret>,
    /// Replaces the provider's endpoint (or only its origin).
    pub api_url: Option<String>,
    pub mailgun_domain: Option<String>,
    pub mailgun_region: MailgunRegion,
    /// Extra root certificates (PEM) for a relay or SMTP server of one's own.
    pub ca_file: Option<PathBuf>,
    /// `ACCOUNTS_MAIL_FROM` as written: an address, or `Name <address>`.
    pub from: String,
    pub timeout: Duration,
    /// Operator templates overriding the built-in ones.
    pub templates: Option<PathBuf>,
    /// What the mails and pages call the service.
    pub product_name: String,
    /// The language of users who gave none.
    pub default_locale: Locale,
    /// Where the pages opened from a mail link back to, if anywhere.
    pub app_url: Option<String>,
}

/// `ACCOUNTS_MAIL_PROVIDER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailProvider {
    /// Writes each mail, link included, to the log: for local use.
    Log,
    Smtp,
    Postmark,
    Resend,
    Sendgrid,
    Mailgun,
}

impl MailProvider {
    pub const ALL: &[MailProvider] = &[
        MailProvider::Log,
        MailProvider::Smtp,
        MailProvider::Postmark,
        MailProvider::Resend,
        MailProvider::Sendgrid,
        MailProvider::Mailgun,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailProvider::Log => "log",
            MailProvider::Smtp => "smtp",
            MailProvider::Postmark => "postmark",
            MailProvider::Resend => "resend",
            MailProvider::Sendgrid => "sendgrid",
            MailProvider::Mailgun => "mailgun",
        }
    }

    /// Whether the provider is an HTTP API that needs `ACCOUNTS_MAIL_API_KEY`.
    pub fn needs_api_key(self) -> bool {
        !matches!(self, MailProvider::Log | MailProvider::Smtp)
    }
}

/// Mailgun keeps a domain's data in one region, each with its own API host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailgunRegion {
    Us,
    Eu,
}

impl MailgunRegion {
    pub const ALL: &[MailgunRegion] = &[MailgunRegion::Us, MailgunRegion::Eu];

    pub fn as_str(self) -> &'static str {
        match self {
            MailgunRegion::Us => "us",
            MailgunRegion::Eu => "eu",
        }
    }
}

/// How an SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: plain connection upgraded with STARTTLS, which the server
    /// must offer.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    ImplicitTls,
    /// `smtp://...?tls=none`: no TLS at all, only to a loopback relay.
    Plain,
}

/// `ACCOUNTS_SMTP_URL`, parsed. Deliberately not `Display`: it holds the
/// password.
#[derive(Debug, Clone)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// User name and password, percent-decoded.
    pub credentials: Option<(String, Secret)>,
}

/// Parses `smtp://user:pass@host:587`, `smtps://user:pass@host:465` or
/// `smtp://host:25?tls=none` (loopback only). Problems never quote the URL,
/// which may hold a password.
pub fn smtp_url(s: &str) -> Result<SmtpUrl, Problem> {
    let url = url::Url::parse(s).map_err(|e| match e {
        url::ParseError::EmptyHost => Problem::SmtpUrlWithoutHost,
        _ => Problem::NotAnSmtpUrl,
    })?;
    let mut security = match url.scheme() {
        "smtp" => SmtpSecurity::StartTls,
        "smtps" => SmtpSecurity::ImplicitTls,
        _ => return Err(Problem::NotAnSmtpUrl),
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(Problem::SmtpUrlWithoutHost)?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref(), security) {
            ("tls", "none", SmtpSecurity::StartTls) => security = SmtpSecurity::Plain,
            ("tls", "starttls" | "required", SmtpSecurity::StartTls) => {}
            _ => return Err(Problem::SmtpUrlOption),
        }
    }
    if security == SmtpSecurity::Plain && !is_loopback(&host) {
        return Err(Problem::PlainSmtpNotLoopback);
    }
    let port = url.port().unwrap_or(match security {
        SmtpSecurity::ImplicitTls => 465,
        SmtpSecurity::StartTls => 587,
        SmtpSecurity::Plain => 25,
    });
    let decode = |part: &str| {
        percent_decode_str(part)
            .decode_utf8()
            .map(|c| c.into_owned())
    };
    let credentials = match (url.username(), url.password()) {
        ("", None) => None,
        (user, password) => {
            let user = decode(user).map_err(|_| Problem::NotAnSmtpUrl)?;
            let password = decode(password.unwrap_or("")).map_err(|_| Problem::NotAnSmtpUrl)?;
            Some((user, Secret::from(password.as_str())))
        }
    };
    Ok(SmtpUrl {
        host,
        port,
        security,
        credentials,
    })
}

/// `localhost` or a loopback IP address: a relay on this machine, where a
/// plain connection never crosses a network.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A Mailgun sending domain (`mg.example.com`): a host name, since it goes
/// into the API path.
pub fn mailgun_domain(s: &str) -> Result<String, Problem> {
    let valid = s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(Problem::NotADomain(s.to_string()))
    }
}

/// A product name for subjects and pages: one line of text.
pub fn product_name(s: &str) -> Result<String, Problem> {
    if s.is_empty() || s.chars().count() > 100 || s.chars().any(char::is_control) {
        Err(Problem::NotAProductName)
    } else {
        Ok(s.to_string())
    }
}

/// A BCP 47 language tag such as `en` or `pt-BR`.
pub fn locale(s: &str) -> Result<Locale, Problem> {
    Locale::parse(s).ok_or_else(|| Problem::NotALocale(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_take_their_security_from_the_scheme() {
        let u = smtp_url("smtp://user:p%40ss@mail.example.com").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("mail.example.com", 587));
        assert_eq!(u.security, SmtpSecurity::StartTls);
        let (user, password) = u.credentials.unwrap();
        assert_eq!((user.as_str(), password.expose()), ("user", &b"p@ss"[..]));
        let u = smtp_url("smtps://a:b@mail.example.com").unwrap();
        assert_eq!((u.port, u.security), (465, SmtpSecurity::ImplicitTls));
        let u = smtp_url("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((u.port, u.security), (2525, SmtpSecurity::Plain));
        assert!(u.credentials.is_none());
        assert_eq!(smtp_url("smtp://[::1]:25?tls=none").unwrap().host, "::1");
        assert!(smtp_url("smtp://localhost?tls=none").is_ok());
    }

    #[test]
    fn bad_smtp_urls_are_refused_without_quoting_them() {
        let cases = [
            ("http://mail.example.com", Problem::NotAnSmtpUrl),
            ("mail.example.com:587", Problem::NotAnSmtpUrl),
            ("smtp://", Problem::SmtpUrlWithoutHost),
            ("smtp://user:secret@", Problem::SmtpUrlWithoutHost),
            (
                "smtp://user:secret@mail.example.com?tls=none",
                Problem::PlainSmtpNotLoopback,
            ),
            ("smtps://mail.example.com?tls=none", Problem::SmtpUrlOption),
            ("smtp://mail.example.com?pool=3", Problem::SmtpUrlOption),
        ];
        for (url, problem) in cases {
            let got = smtp_url(url).err();
            assert_eq!(got.as_ref(), Some(&problem), "{url}");
            assert!(!problem.to_string().contains("secret"), "{url}");
        }
    }

    #[test]
    fn mailgun_domains_are_host_names() {
        assert_eq!(
            mailgun_domain("MG.Example.com"),
            Ok("mg.example.com".into())
        );
        for bad in ["example", "a/b.com", "a..com", "mg.example.com/x"] {
            assert!(mailgun_domain(bad).is_err(), "{bad:?}");
        }
    }
}
