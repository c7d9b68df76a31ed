//! Postmark's HTTP API (`POST /email`).

use std::time::Duration;

use serde::Serialize;

use super::SendResult;
use crate::config::MailConfig;
use crate::secret::Secret;
use crate::store::OutboxRow;

const DEFAULT_URL: &str = "https://api.postmarkapp.com/email";

/// A client for one Postmark server token.
pub struct Postmark {
    agent: ureq::Agent,
    url: String,
    token: Secret,
}

/// The JSON body of `POST /email`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Message<'a> {
    from: &'a str,
    to: &'a str,
    subject: &'a str,
    text_body: &'a str,
    message_stream: &'a str,
}

impl Postmark {
    pub fn new(config: &MailConfig) -> Postmark {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout.max(Duration::from_secs(1))))
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            .build()
            .into();
        Postmark {
            agent,
            url: config
                .api_url
                .clone()
                .unwrap_or_else(|| DEFAULT_URL.to_string()),
            token: config.api_key.clone().unwrap_or_else(|| Secret::from("")),
        }
    }

    pub fn send(&self, mail: &OutboxRow, from: &str) -> SendResult {
        let body = Message {
            from,
            to: &mail.recipient,
            subject: &mail.subject,
            text_body: &mail.text_body,
            message_stream: "outbound",
        };
        let Ok(json) = serde_json::to_vec(&body) else {
            return SendResult::Permanent("the message could not be encoded".into());
        };
        let Some(token) = self.token.expose_str() else {
            return SendResult::Permanent("ACCOUNTS_MAIL_API_KEY is not valid UTF-8".into());
        };
        let response = self
            .agent
            .post(&self.url)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .header("X-Postmark-Server-Token", token)
            .send(&json[..]);
        match response {
            Err(e) => SendResult::Retry(format!("request failed: {e}")),
            Ok(mut r) => {
                let status = r.status().as_u16();
                if (200..300).contains(&status) {
                    return SendResult::Sent;
                }
                let answer = r
                    .body_mut()
                    .with_config()
                    .limit(4096)
                    .read_to_string()
                    .unwrap_or_default();
                let reason = format!("provider answered {status}: {}", answer.trim());
                if status == 429 || status >= 500 {
                    SendResult::Retry(reason)
                } else {
                    SendResult::Permanent(reason)
                }
            }
        }
    }
}
