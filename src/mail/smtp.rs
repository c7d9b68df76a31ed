//! SMTP through `lettre`'s blocking transport over rustls: STARTTLS
//! required on `smtp://`, TLS from the first byte on `smtps://`, and no TLS
//! only to a relay on this machine (checked when the URL was read).
//!
//! A 4xx reply, a dropped connection or a timeout is retried; a 5xx reply
//! (an unknown recipient, refused credentials) is final.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox as LettreMailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use super::{MailSetupError, SendResult};
use crate::config::{MailConfig, SmtpSecurity};
use crate::domain::mail::Mailbox;
use crate::store::OutboxRow;

/// A transport to one SMTP server; each message opens its own connection.
pub struct Smtp {
    transport: SmtpTransport,
}

impl Smtp {
    /// The transport `ACCOUNTS_SMTP_URL` describes; `roots` are trusted
    /// besides the public roots.
    pub fn new(config: &MailConfig, roots: &[Vec<u8>]) -> Result<Smtp, MailSetupError> {
        let Some(url) = &config.smtp else {
            return Err(MailSetupError::SmtpTls("ACCOUNTS_SMTP_URL is unset".into()));
        };
        let tls = match url.security {
            SmtpSecurity::Plain => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(tls_parameters(&url.host, roots)?),
            SmtpSecurity::ImplicitTls => Tls::Wrapper(tls_parameters(&url.host, roots)?),
        };
        let mut builder = SmtpTransport::builder_dangerous(url.host.clone())
            .port(url.port)
            .tls(tls)
            .timeout(Some(config.timeout.max(Duration::from_secs(1))));
        if let Some((user, password)) = &url.credentials {
            let password = password.expose_str().unwrap_or_default().to_string();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Smtp {
            transport: builder.build(),
        })
    }

    pub fn send(&self, mail: &OutboxRow, from: &Mailbox) -> SendResult {
        let message = match message(mail, from) {
            Ok(message) => message,
            Err(reason) => return SendResult::Permanent(reason),
        };
        match self.transport.send(&message) {
            Ok(_) => SendResult::Sent,
            Err(e) if e.is_permanent() => SendResult::Permanent(format!("SMTP server: {e}")),
            Err(e) => SendResult::Retry(format!("SMTP: {e}")),
        }
    }
}

fn tls_parameters(host: &str, roots: &[Vec<u8>]) -> Result<TlsParameters, MailSetupError> {
    let mut builder = TlsParameters::builder(host.to_string());
    for der in roots {
        let certificate = Certificate::from_der(der.clone())
            .map_err(|e| MailSetupError::SmtpTls(e.to_string()))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build_rustls()
        .map_err(|e| MailSetupError::SmtpTls(e.to_string()))
}

/// The MIME message: `multipart/alternative` with the plain text first and
/// the HTML second, or plain text alone.
fn message(mail: &OutboxRow, from: &Mailbox) -> Result<Message, String> {
    let from = LettreMailbox::new(
        from.name().map(str::to_string),
        from.address()
            .parse()
            .map_err(|e| format!("ACCOUNTS_MAIL_FROM: {e}"))?,
    );
    let to: LettreMailbox = mail
        .recipient
        .parse()
        .map_err(|e| format!("the recipient {:?} is not an address: {e}", mail.recipient))?;
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone());
    let built = match &mail.html_body {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            mail.text_body.clone(),
            html.clone(),
        )),
        None => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(mail.text_body.clone()),
        ),
    };
    built.map_err(|e| format!("the message could not be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::http::test_support::outbox_row;

    #[test]
    fn the_message_has_a_plain_and_an_html_alternative() {
        let from = Mailbox::parse("Chat <noreply@chat.example>").unwrap();
        let formatted =
            String::from_utf8(message(&outbox_row(), &from).unwrap().formatted()).unwrap();
        assert!(
            formatted.contains("From: Chat <noreply@chat.example>"),
            "{formatted}"
        );
        assert!(formatted.contains("To: alice@example.com"), "{formatted}");
        assert!(formatted.contains("multipart/alternative"), "{formatted}");
        let plain = formatted.find("text/plain").unwrap();
        let html = formatted.find("text/html").unwrap();
        assert!(plain < html, "plain text first");
    }

    #[test]
    fn a_recipient_that_is_no_address_is_a_permanent_failure() {
        let mut row = outbox_row();
        row.recipient = "not an address".into();
        let from = Mailbox::parse("noreply@chat.example").unwrap();
        assert!(message(&row, &from).is_err());
    }
}
