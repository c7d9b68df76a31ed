//! Postmark's API: `POST https://api.postmarkapp.com/email` with the
//! `X-Postmark-Server-Token` header and a JSON body in Postmark's
//! PascalCase.

use serde::Serialize;

use super::http::{ApiRequest, endpoint, json_body, key_text};
use crate::domain::mail::Mailbox;
use crate::secret::Secret;
use crate::store::OutboxRow;

const ORIGIN: &str = "https://api.postmarkapp.com";
const PATH: &str = "/email";

/// A client for one Postmark server token.
pub struct Postmark {
    url: String,
    token: Secret,
}

/// The JSON body of `POST /email`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Message<'a> {
    from: String,
    to: &'a str,
    subject: &'a str,
    text_body: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    html_body: Option<&'a str>,
    message_stream: &'a str,
}

impl Postmark {
    pub fn new(api_url: Option<&str>, token: Secret) -> Postmark {
        Postmark {
            url: endpoint(api_url, ORIGIN, PATH),
            token,
        }
    }

    /// Where requests go.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The request for one message; an error is a reason to give the
    /// message up, since retrying would build the same request.
    pub fn request(&self, mail: &OutboxRow, from: &Mailbox) -> Result<ApiRequest, String> {
        let message = Message {
            from: from.to_string(),
            to: &mail.recipient,
            subject: &mail.subject,
            text_body: &mail.text_body,
            html_body: mail.html_body.as_deref(),
            message_stream: "outbound",
        };
        Ok(ApiRequest {
            url: self.url.clone(),
            headers: vec![
                ("Accept", "application/json".into()),
                ("Content-Type", "application/json".into()),
                ("X-Postmark-Server-Token", key_text(&self.token)?.into()),
            ],
            body: json_body(&message)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::http::test_support::{body, headers, outbox_row};

    fn built() -> ApiRequest {
        let from = Mailbox::parse("Accounts <accounts@example.com>").unwrap();
        Postmark::new(None, Secret::from("server-token"))
            .request(&outbox_row(), &from)
            .unwrap()
    }

    #[test]
    fn the_request_goes_to_postmarks_email_endpoint() {
        assert_eq!(built().url, "https://api.postmarkapp.com/email");
        let relay = Postmark::new(Some("http://127.0.0.1:9/email"), Secret::from("k"));
        assert_eq!(relay.url, "http://127.0.0.1:9/email");
    }

    #[test]
    fn the_body_is_postmarks_json_in_its_field_order() {
        assert_eq!(
            body(&built()),
            r#"{"From":"Accounts <accounts@example.com>","To":"alice@example.com","#.to_owned()
                + r#""Subject":"Confirm your email address","#
                + r#""TextBody":"Open \"this\" link:\nhttp://x/api/confirm-email/abc/\n","#
                + r#""HtmlBody":"<p>Open <a href=\"http://x/\">this</a></p>","#
                + r#""MessageStream":"outbound"}"#
        );
    }

    #[test]
    fn the_headers_carry_json_and_the_server_token() {
        let expected = [
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
            ("X-Postmark-Server-Token", "server-token"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        assert_eq!(headers(&built()), expected);
    }
}
