//! Mail delivery: the outbox sender and the HTTP email providers.
//!
//! Mail never leaves inside a request. Handlers write an outbox row in the
//! same transaction as the change that causes it and wake the sender; the
//! sender thread delivers due rows one at a time, with timeouts and retries
//! with backoff, so a slow or dead provider neither slows a request nor loses
//! a message, and a restart resumes where it stopped.

mod postmark;
mod sender;

pub use postmark::Postmark;
pub use sender::{DeliveryCounts, MailWaker, Sender, Step, Transport, run_sender};

use crate::config::{MailConfig, MailProvider};
use crate::store::OutboxRow;

/// What a provider said about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// Accepted (any 2xx): delivery is at least once.
    Sent,
    /// Worth retrying later: 429, 5xx, a timeout or a network error.
    Retry(String),
    /// The provider refused the message for good (other 4xx, a redirect).
    Permanent(String),
}

/// Where mail goes.
pub enum Provider {
    /// Written to the log, link included: for local use without a provider.
    Log,
    Postmark(Postmark),
}

/// The URL mail is posted to, for a provider that posts it anywhere.
pub fn endpoint(config: &MailConfig) -> Option<String> {
    match config.provider {
        MailProvider::Log => None,
        MailProvider::Postmark => Some(
            config
                .api_url
                .clone()
                .unwrap_or_else(|| postmark::DEFAULT_URL.to_string()),
        ),
    }
}

impl Provider {
    pub fn from_config(config: &MailConfig) -> Provider {
        match config.provider {
            MailProvider::Log => Provider::Log,
            MailProvider::Postmark => Provider::Postmark(Postmark::new(config)),
        }
    }

    pub fn send(&self, mail: &OutboxRow, from: &str) -> SendResult {
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
            Provider::Postmark(client) => client.send(mail, from),
        }
    }
}
