//! SendGrid's v3 API: `POST https://api.sendgrid.com/v3/mail/send` with
//! `Authorization: Bearer <API key>` and the JSON body of personalizations,
//! sender, subject and content (plain text first, as SendGrid requires).
//! SendGrid answers 202 with an empty body.

use serde::Serialize;

use super::http::{ApiRequest, endpoint};
use crate::domain::mail::Mailbox;
use crate::secret::Secret;
use crate::store::OutboxRow;

const ORIGIN: &str = "https://api.sendgrid.com";
const PATH: &str = "/v3/mail/send";

/// A client for one SendGrid API key.
pub struct Sendgrid {
    url: String,
    key: Secret,
}

#[derive(Serialize)]
struct Message<'a> {
    personalizations: [Personalization<'a>; 1],
    from: Address<'a>,
    subject: &'a str,
    content: Vec<Content<'a>>,
}

#[derive(Serialize)]
struct Personalization<'a> {
    to: [Address<'a>; 1],
}

#[derive(Serialize)]
struct Address<'a> {
    email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct Content<'a> {
    #[serde(rename = "type")]
    mime: &'static str,
    value: &'a str,
}

impl Sendgrid {
    pub fn new(api_url: Option<&str>, key: Secret) -> Sendgrid {
        Sendgrid {
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
        let mut content = vec![Content {
            mime: "text/plain",
            value: &mail.text_body,
        }];
        if let Some(html) = &mail.html_body {
            content.push(Content {
                mime: "text/html",
                value: html,
            });
        }
        let message = Message {
            personalizations: [Personalization {
                to: [Address {
                    email: &mail.recipient,
                    name: None,
                }],
            }],
            from: Address {
                email: from.address(),
                name: from.name(),
            },
            subject: &mail.subject,
            content,
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
        Sendgrid::new(None, Secret::from("SG.key"))
            .request(&outbox_row(), &from)
            .unwrap()
    }

    #[test]
    fn the_request_is_sendgrids_mail_send_with_a_bearer_key() {
        let request = built();
        assert_eq!(request.url, "https://api.sendgrid.com/v3/mail/send");
        assert_eq!(headers(&request)[1].1, "Bearer SG.key");
    }

    #[test]
    fn the_body_has_personalizations_a_named_sender_and_text_before_html() {
        let json: serde_json::Value = serde_json::from_str(&body(&built())).unwrap();
        assert_eq!(
            json["personalizations"],
            serde_json::json!([{"to": [{"email": "alice@example.com"}]}])
        );
        assert_eq!(
            json["from"],
            serde_json::json!({"email": "noreply@chat.example", "name": "Chat"})
        );
        assert_eq!(json["content"][0]["type"], "text/plain");
        assert_eq!(json["content"][1]["type"], "text/html");
    }
}
