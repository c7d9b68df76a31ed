//! Postmark's HTTP API (`POST /email`).

use std::time::Duration;

use serde::Serialize;

use super::SendResult;
use crate::config::MailConfig;
use crate::secret::Secret;
use crate::store::OutboxRow;

/// Postmark's endpoint, unless `ACCOUNTS_MAIL_API_URL` names another.
pub const DEFAULT_URL: &str = "https://api.postmarkapp.com/email";

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
        let request = match email_request(&self.url, &self.token, mail, from) {
            Ok(request) => request,
            Err(reason) => return SendResult::Permanent(reason),
        };
        let mut call = self.agent.post(request.url);
        for (name, value) in request.headers {
            call = call.header(name, value);
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
                    .limit(4096)
                    .read_to_string()
                    .unwrap_or_default();
                refusal(status, &answer)
            }
        }
    }
}

/// One `POST /email` as it will go on the wire. Deliberately not `Debug`:
/// it holds the server token.
struct EmailRequest<'a> {
    url: &'a str,
    headers: [(&'static str, &'a str); 3],
    body: Vec<u8>,
}

/// Builds the request for one message, without touching the network, so
/// its exact URL, headers and JSON can be tested. An error is a reason to
/// give the message up: retrying would build the same request.
fn email_request<'a>(
    url: &'a str,
    token: &'a Secret,
    mail: &'a OutboxRow,
    from: &'a str,
) -> Result<EmailRequest<'a>, String> {
    let message = Message {
        from,
        to: &mail.recipient,
        subject: &mail.subject,
        text_body: &mail.text_body,
        message_stream: "outbound",
    };
    let body =
        serde_json::to_vec(&message).map_err(|_| "the message could not be encoded".to_string())?;
    let token = token
        .expose_str()
        .ok_or_else(|| "ACCOUNTS_MAIL_API_KEY is not valid UTF-8".to_string())?;
    Ok(EmailRequest {
        url,
        headers: [
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
            ("X-Postmark-Server-Token", token),
        ],
        body,
    })
}

/// What a non-2xx answer means: 429 and 5xx are worth another try later,
/// any other refusal (4xx, a redirect) is for good.
fn refusal(status: u16, answer: &str) -> SendResult {
    let reason = format!("provider answered {status}: {}", answer.trim());
    if status == 429 || status >= 500 {
        SendResult::Retry(reason)
    } else {
        SendResult::Permanent(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox_row() -> OutboxRow {
        OutboxRow {
            id: 7,
            kind: "confirm_email".into(),
            recipient: "alice@example.com".into(),
            subject: "Confirm your email address".into(),
            text_body: "Open \"this\" link:\nhttp://x/api/confirm-email/abc/\n".into(),
            attempts: 2,
            created_at: 100,
        }
    }

    /// The URL, headers and body built for `outbox_row()`.
    fn built_request() -> (String, Vec<(String, String)>, String) {
        let (token, mail) = (Secret::from("server-token"), outbox_row());
        let request = email_request(
            "http://127.0.0.1:9/email",
            &token,
            &mail,
            "Accounts <accounts@example.com>",
        )
        .unwrap_or_else(|reason| panic!("no request: {reason}"));
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let body = String::from_utf8(request.body).expect("a UTF-8 body");
        (request.url.to_owned(), headers, body)
    }

    #[test]
    fn the_request_goes_to_the_configured_url() {
        let (url, _, _) = built_request();
        assert_eq!(url, "http://127.0.0.1:9/email");
    }

    #[test]
    fn the_body_is_postmarks_json_in_its_field_order() {
        let (_, _, body) = built_request();
        assert_eq!(
            body,
            r#"{"From":"Accounts <accounts@example.com>","To":"alice@example.com","#.to_owned()
                + r#""Subject":"Confirm your email address","#
                + r#""TextBody":"Open \"this\" link:\nhttp://x/api/confirm-email/abc/\n","#
                + r#""MessageStream":"outbound"}"#
        );
    }

    #[test]
    fn the_headers_carry_json_and_the_server_token() {
        let (_, headers, _) = built_request();
        let expected = [
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
            ("X-Postmark-Server-Token", "server-token"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        assert_eq!(headers, expected);
    }

    #[test]
    fn rate_limits_and_server_errors_are_retried_and_other_refusals_are_final() {
        for status in [429, 500, 503] {
            assert!(
                matches!(refusal(status, ""), SendResult::Retry(_)),
                "{status}"
            );
        }
        for status in [301, 400, 401, 422] {
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
