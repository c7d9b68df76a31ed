//! Mailgun's API: `POST https://api.mailgun.net/v3/<domain>/messages` (or
//! `api.eu.mailgun.net` for a domain in the EU region) with HTTP Basic
//! authentication as `api:<API key>` and a form body of `from`, `to`,
//! `subject`, `text` and `html`.

use base64::Engine;

use super::http::{ApiRequest, endpoint, key_text};
use crate::config::{MailConfig, MailgunRegion};
use crate::domain::mail::Mailbox;
use crate::secret::Secret;
use crate::store::OutboxRow;

/// A client for one Mailgun sending domain.
pub struct Mailgun {
    url: String,
    key: Secret,
}

impl Mailgun {
    pub fn new(config: &MailConfig, key: Secret) -> Mailgun {
        let origin = match config.mailgun_region {
            MailgunRegion::Us => "https://api.mailgun.net",
            MailgunRegion::Eu => "https://api.eu.mailgun.net",
        };
        let domain = config.mailgun_domain.as_deref().unwrap_or("");
        let path = format!("/v3/{domain}/messages");
        Mailgun {
            url: endpoint(config.api_url.as_deref(), origin, &path),
            key,
        }
    }

    /// Where requests go.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The request for one message; an error is a reason to give it up.
    pub fn request(&self, mail: &OutboxRow, from: &Mailbox) -> Result<ApiRequest, String> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("from", &from.to_string())
            .append_pair("to", &mail.recipient)
            .append_pair("subject", &mail.subject)
            .append_pair("text", &mail.text_body);
        if let Some(html) = &mail.html_body {
            form.append_pair("html", html);
        }
        let credentials = base64::engine::general_purpose::STANDARD
            .encode(format!("api:{}", key_text(&self.key)?));
        Ok(ApiRequest {
            url: self.url.clone(),
            headers: vec![
                ("Content-Type", "application/x-www-form-urlencoded".into()),
                ("Authorization", format!("Basic {credentials}")),
            ],
            body: form.finish().into_bytes(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::mail::http::test_support::{body, headers, outbox_row};

    fn mailgun(region: &str) -> Mailgun {
        let config = Config::from_vars(
            [
                ("ACCOUNTS_MAIL_PROVIDER", "mailgun"),
                ("ACCOUNTS_MAIL_API_KEY", "key-1"),
                ("ACCOUNTS_MAILGUN_DOMAIN", "mg.example.com"),
                ("ACCOUNTS_MAILGUN_REGION", region),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        )
        .unwrap();
        Mailgun::new(&config.mail, Secret::from("key-1"))
    }

    #[test]
    fn the_domain_and_the_region_make_the_url() {
        assert_eq!(
            mailgun("us").url,
            "https://api.mailgun.net/v3/mg.example.com/messages"
        );
        assert_eq!(
            mailgun("eu").url,
            "https://api.eu.mailgun.net/v3/mg.example.com/messages"
        );
    }

    #[test]
    fn the_request_is_a_form_with_basic_authentication_as_api() {
        let from = Mailbox::parse("Chat <noreply@chat.example>").unwrap();
        let request = mailgun("us").request(&outbox_row(), &from).unwrap();
        // base64("api:key-1")
        assert_eq!(headers(&request)[1].1, "Basic YXBpOmtleS0x");
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(body(&request).as_bytes())
            .into_owned()
            .collect();
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["from", "to", "subject", "text", "html"]);
        assert_eq!(fields[0].1, "Chat <noreply@chat.example>");
        assert_eq!(fields[1].1, "alice@example.com");
    }
}
