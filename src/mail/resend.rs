//! Resend's API: `POST https://api.resend.com/emails` with
//! `Authorization: Bearer <API key>` and the JSON body
//! `{"from","to":[...],"subject","text","html"}`.

use serde::Serialize;

use super::http::{ApiRequest, endpoint};
use crate::domain::mail::Mailbox;
use crate::secret::Secret;
use crate::store::OutboxRow;

const ORIGIN: &str = "https://api.resend.com";
const PATH: &str = "/emails";

/// A client for one Resend API key.
pub struct Resend {
    url: String,
    key: Secret,
}

/// The JSON body of `POST /emails`.
#[derive(Serialize)]
struct Message<'a> {
    from: String,
    to: [&'a str; 1],
    subject: &'a str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<&'a str>,
}

impl Resend {
    pub fn new(api_url: Option<&str>, key: Secret) -> Resend {
        Resend {
            url: endpoint(api_url, ORIGIN, PATH),
            key,
        }
    }

    /// Where requests go.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The request for one message; an error is a reason to give it up.
    pub fn request(&self, mail: &OutboxRow, from: &Mailbox) -> Result<ApiRequest, String> {
        let message = Message {
            from: from.to_string(),
            to: [&mail.recipient],
            subject: &mail.subject,
            text: &mail.text_body,
            html: mail.html_body.as_deref(),
        };
        ApiRequest::bearer_json(&self.url, &self.key, &message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::http::test_support::{body, headers, outbox_row};

    fn built() -> ApiRequest {
        let from = Mailbox::parse("Chat <noreply@chat.example>").unwrap();
        Resend::new(None, Secret::from("re_123"))
            .request(&outbox_row(), &from)
            .unwrap()
    }

    #[test]
    fn the_request_is_resends_emails_call_with_a_bearer_key() {
        let request = built();
        assert_eq!(request.url, "https://api.resend.com/emails");
        assert_eq!(
            headers(&request),
            [
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Authorization".to_owned(), "Bearer re_123".to_owned()),
            ]
        );
    }

    #[test]
    fn the_body_names_the_sender_the_recipient_list_and_both_parts() {
        let json: serde_json::Value = serde_json::from_str(&body(&built())).unwrap();
        assert_eq!(json["from"], "Chat <noreply@chat.example>");
        assert_eq!(json["to"], serde_json::json!(["alice@example.com"]));
        assert_eq!(json["subject"], "Confirm your email address");
        assert!(
            json["text"]
                .as_str()
                .unwrap()
                .contains("/api/confirm-email/abc/")
        );
        assert!(json["html"].as_str().unwrap().starts_with("<p>"));
    }
}
