//! Mail delivery: the outbox sender and the providers that carry a message
//! (SMTP, and the HTTP APIs of Postmark, Resend, SendGrid and Mailgun), one
//! file each.
//!
//! Mail never leaves inside a request. Handlers write an outbox row in the
//! same transaction as the change that causes it and wake the sender; the
//! sender thread delivers due rows one at a time, with timeouts and retries
//! with backoff, so a slow or dead provider neither slows a request nor loses
//! a message, and a restart resumes where it stopped.

mod http;
pub mod kinds;
mod mailgun;
mod postmark;
mod resend;
mod roots;
mod sender;
mod sendgrid;
mod smtp;
pub mod templates;

use std::fmt;
use std::path::PathBuf;

pub use http::HttpApi;
pub use sender::{DeliveryCounts, MailWaker, Sender, Step, Transport, run_sender};

use crate::config::{MailConfig, MailProvider};
use crate::domain::mail::Mailbox;
use crate::store::OutboxRow;

/// What a provider said about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// Accepted (any 2xx, or SMTP's 250): delivery is at least once.
    Sent,
    /// Worth retrying later: 429, 5xx, an SMTP 4xx reply, a timeout or a
    /// network error.
    Retry(String),
    /// The provider refused the message for good (other 4xx, a redirect,
    /// an SMTP 5xx reply).
    Permanent(String),
}

/// Where mail goes.
pub enum Provider {
    /// Written to the log, link included: for local use without a provider.
    Log,
    Smtp(smtp::Smtp),
    /// One of the HTTP APIs.
    Http(HttpApi),
}

/// Where mail goes, for a provider that sends it anywhere: the URL an HTTP
/// provider posts to, or `smtp://host:port` (never the credentials).
pub fn endpoint(config: &MailConfig) -> Option<String> {
    match config.provider {
        MailProvider::Log => None,
        MailProvider::Smtp => config.smtp.as_ref().map(|url| {
            let host = if url.host.contains(':') {
                format!("[{}]", url.host)
            } else {
                url.host.clone()
            };
            format!("smtp://{host}:{}", url.port)
        }),
        _ => Some(http::endpoint_of(config)),
    }
}

/// The mail settings could not be turned into a working provider.
#[derive(Debug)]
pub enum MailSetupError {
    /// `ACCOUNTS_MAIL_CA_FILE` cannot be read or holds no certificate.
    CaFile { path: PathBuf, reason: String },
    /// The TLS settings of the SMTP connection were refused.
    SmtpTls(String),
}

impl fmt::Display for MailSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailSetupError::CaFile { path, reason } => {
                write!(f, "ACCOUNTS_MAIL_CA_FILE: {}: {reason}", path.display())
            }
            MailSetupError::SmtpTls(reason) => {
                write!(f, "ACCOUNTS_SMTP_URL: cannot set up TLS: {reason}")
            }
        }
    }
}

impl std::error::Error for MailSetupError {}

impl Provider {
    /// The provider the settings choose, ready to send. Reads
    /// `ACCOUNTS_MAIL_CA_FILE`, so a bad file stops start-up.
    pub fn from_config(config: &MailConfig) -> Result<Provider, MailSetupError> {
        let roots = match &config.ca_file {
            Some(path) => roots::read(path)?,
            None => Vec::new(),
        };
        Ok(match config.provider {
            MailProvider::Log => Provider::Log,
            MailProvider::Smtp => Provider::Smtp(smtp::Smtp::new(config, &roots)?),
            _ => Provider::Http(HttpApi::new(config, &roots)),
        })
    }

    /// Sends one message from `from` (`ACCOUNTS_MAIL_FROM`, checked when the
    /// settings were read).
    pub fn send(&self, mail: &OutboxRow, from: &str) -> SendResult {
        let Some(from) = Mailbox::parse(from) else {
            return SendResult::Permanent("ACCOUNTS_MAIL_FROM is not a sender".into());
        };
        match self {
            Provider::Log => {
                log::info!(
                    "mail (log provider) from {from} to {}: {}\n{}",
                    mail.recipient,
                    mail.subject,
                    mail.text_body
                );
                SendResult::Sent
            }
            Provider::Smtp(smtp) => smtp.send(mail, &from),
            Provider::Http(api) => api.send(mail, &from),
        }
    }
}
