//! What the HTTP providers share: one blocking client (a timeout, no
//! redirects, rustls), the request each provider builds, and what an answer
//! means. Each provider file only builds its documented request, without
//! touching the network, so its exact URL, headers and body can be tested.

use std::sync::Arc;
use std::time::Duration;

use super::SendResult;
use super::mailgun::Mailgun;
use super::postmark::Postmark;
use super::resend::Resend;
use super::sendgrid::Sendgrid;
use crate::config::{MailConfig, MailProvider};
use crate::domain::mail::Mailbox;
use crate::secret::Secret;
use crate::store::OutboxRow;

/// How much of a refusal's body is kept for the log.
const ANSWER_LIMIT: u64 = 4096;

/// One request as it will go on the wire. Deliberately not `Debug`: its
/// headers hold the API key.
pub struct ApiRequest {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl ApiRequest {
    /// A JSON `message` to `url` with the API key as a Bearer token, the
    /// shape Resend and SendGrid share.
    pub fn bearer_json(
        url: &str,
        key: &Secret,
        message: &impl serde::Serialize,
    ) -> Result<ApiRequest, String> {
        Ok(ApiRequest {
            url: url.to_owned(),
            headers: vec![
                ("Content-Type", "application/json".into()),
                ("Authorization", format!("Bearer {}", key_text(key)?)),
            ],
            body: json_body(message)?,
        })
    }
}

/// An HTTP email API and the client that reaches it.
pub struct HttpApi {
    agent: ureq::Agent,
    api: Api,
}

/// The provider whose request shape is used.
enum Api {
    Postmark(Postmark),
    Resend(Resend),
    Sendgrid(Sendgrid),
    Mailgun(Mailgun),
}

impl HttpApi {
    /// The client for the configured HTTP provider; `roots`, when given,
    /// are the only certificates trusted.
    pub fn new(config: &MailConfig, roots: &[Vec<u8>]) -> HttpApi {
        let key = config.api_key.clone().unwrap_or_else(|| Secret::from(""));
        let url = config.api_url.as_deref();
        let api = match config.provider {
            MailProvider::Resend => Api::Resend(Resend::new(url, key)),
            MailProvider::Sendgrid => Api::Sendgrid(Sendgrid::new(url, key)),
            MailProvider::Mailgun => Api::Mailgun(Mailgun::new(config, key)),
            _ => Api::Postmark(Postmark::new(url, key)),
        };
        HttpApi {
            agent: agent(config.timeout, roots),
            api,
        }
    }

    pub fn send(&self, mail: &OutboxRow, from: &Mailbox) -> SendResult {
        let request = match &self.api {
            Api::Postmark(p) => p.request(mail, from),
            Api::Resend(p) => p.request(mail, from),
            Api::Sendgrid(p) => p.request(mail, from),
            Api::Mailgun(p) => p.request(mail, from),
        };
        match request {
            Ok(request) => self.execute(request),
            Err(reason) => SendResult::Permanent(reason),
        }
    }

    fn execute(&self, request: ApiRequest) -> SendResult {
        let mut call = self.agent.post(&request.url);
        for (name, value) in &request.headers {
            call = call.header(*name, value);
        }
        match call.send(&request.body[..]) {
            Err(e) => SendResult::Retry(format!("request failed: {e}")),
            Ok(mut r) => {
                let status = r.status().as_u16();
                if (200..300).contains(&status) {
                    return SendResult::Sent;
                }
                let answer = r
                    .body_mut()
                    .with_config()
                    .limit(ANSWER_LIMIT)
                    .read_to_string()
                    .unwrap_or_default();
                refusal(status, &answer)
            }
        }
    }
}

/// The URL the configured HTTP provider posts to.
pub fn endpoint_of(config: &MailConfig) -> String {
    let key = || Secret::from("");
    let url = config.api_url.as_deref();
    match config.provider {
        MailProvider::Resend => Resend::new(url, key()).url().to_string(),
        MailProvider::Sendgrid => Sendgrid::new(url, key()).url().to_string(),
        MailProvider::Mailgun => Mailgun::new(config, key()).url().to_string(),
        _ => Postmark::new(url, key()).url().to_string(),
    }
}

/// A client with a global timeout that follows no redirect and never turns
/// a status into an error; with `roots`, it trusts those roots only.
fn agent(timeout: Duration, roots: &[Vec<u8>]) -> ureq::Agent {
    let mut tls = ureq::tls::TlsConfig::builder();
    if !roots.is_empty() {
        let certs: Vec<_> = roots
            .iter()
            .map(|der| ureq::tls::Certificate::from_der(der).to_owned())
            .collect();
        tls = tls.root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)));
    }
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout.max(Duration::from_secs(1))))
        .max_redirects(0)
        .max_redirects_will_error(false)
        .http_status_as_error(false)
        .tls_config(tls.build())
        .build()
        .into()
}

/// The URL to post to: the provider's own (`origin` + `path`), or
/// `ACCOUNTS_MAIL_API_URL`, which is the whole endpoint when it has a path
/// and replaces only the origin when it has none.
pub fn endpoint(api_url: Option<&str>, origin: &str, path: &str) -> String {
    let Some(url) = api_url else {
        return format!("{origin}{path}");
    };
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    match after_scheme.split_once('/') {
        Some((_, rest)) if !rest.is_empty() => url.to_string(),
        _ => format!("{}{path}", url.trim_end_matches('/')),
    }
}

/// The API key for a header, or the reason the message cannot be sent.
pub fn key_text(key: &Secret) -> Result<&str, String> {
    key.expose_str()
        .ok_or_else(|| "ACCOUNTS_MAIL_API_KEY is not valid UTF-8".to_string())
}

/// A JSON body, or the reason the message cannot be sent.
pub fn json_body(value: &impl serde::Serialize) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|_| "the message could not be encoded".to_string())
}

/// What a non-2xx answer means: 429 and 5xx are worth another try later,
/// any other refusal (4xx, a redirect) is for good. The reason keeps the
/// provider's answer for the log; it never holds the key, which only the
/// request carried.
pub fn refusal(status: u16, answer: &str) -> SendResult {
    let reason = format!("provider answered {status}: {}", answer.trim());
    if status == 429 || status >= 500 {
        SendResult::Retry(reason)
    } else {
        SendResult::Permanent(reason)
    }
}

#[cfg(test)]
pub(super) mod test_support {
    use super::ApiRequest;
    use crate::store::OutboxRow;

    /// A message with both parts, quotes and a line break to encode.
    pub fn outbox_row() -> OutboxRow {
        OutboxRow {
            id: 7,
            kind: "confirm_email".into(),
            recipient: "alice@example.com".into(),
            subject: "Confirm your email address".into(),
            text_body: "Open \"this\" link:\nhttp://x/api/confirm-email/abc/\n".into(),
            html_body: Some("<p>Open <a href=\"http://x/\">this</a></p>".into()),
            attempts: 2,
            created_at: 100,
        }
    }

    /// The request's headers as owned pairs.
    pub fn headers(request: &ApiRequest) -> Vec<(String, String)> {
        request
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect()
    }

    /// The request's body as text.
    pub fn body(request: &ApiRequest) -> String {
        String::from_utf8(request.body.clone()).expect("a UTF-8 body")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_url_replaces_the_endpoint_or_only_its_origin() {
        let origin = "https://api.example.com";
        assert_eq!(
            endpoint(None, origin, "/v3/send"),
            "https://api.example.com/v3/send"
        );
        assert_eq!(
            endpoint(Some("http://relay:8080"), origin, "/v3/send"),
            "http://relay:8080/v3/send"
        );
        assert_eq!(
            endpoint(Some("http://relay:8080/"), origin, "/v3/send"),
            "http://relay:8080/v3/send"
        );
        assert_eq!(
            endpoint(Some("http://relay/email"), origin, "/v3/send"),
            "http://relay/email"
        );
    }

    #[test]
    fn rate_limits_and_server_errors_are_retried_and_other_refusals_are_final() {
        for status in [429, 500, 503] {
            assert!(
                matches!(refusal(status, ""), SendResult::Retry(_)),
                "{status}"
            );
        }
        for status in [301, 400, 401, 403, 422] {
            assert!(
                matches!(refusal(status, ""), SendResult::Permanent(_)),
                "{status}"
            );
        }
    }

    #[test]
    fn a_refusal_keeps_the_status_and_the_trimmed_answer_as_its_reason() {
        assert_eq!(
            refusal(422, " {\"ErrorCode\":300}\n"),
            SendResult::Permanent(r#"provider answered 422: {"ErrorCode":300}"#.into())
        );
    }
}
