//! SMTP beyond STARTTLS and clean replies, against the same real server:
//! `smtps://` (TLS from the first byte) and a plain loopback relay deliver,
//! and a connection the server cuts mid-message is retried and delivers
//! exactly once.

use crate::helpers::{MAIL_DEADLINE, PASSWORD, SmtpServer, TestApp};

/// A server sending through `smtp`.
fn app_sending_through(smtp: &SmtpServer) -> TestApp {
    TestApp::builder()
        .env("ACCOUNTS_MAIL_PROVIDER", "smtp")
        .env("ACCOUNTS_SMTP_URL", smtp.url())
        .env("ACCOUNTS_MAIL_CA_FILE", smtp.ca_file.to_string_lossy())
        .without_env("ACCOUNTS_MAIL_API_KEY")
        .without_env("ACCOUNTS_MAIL_API_URL")
        .spawn()
}

#[test]
fn mail_arrives_over_smtps_with_tls_from_the_first_byte() {
    let Some(smtp) = SmtpServer::start_implicit_tls() else {
        return;
    };
    assert!(smtp.url().starts_with("smtps://"), "{}", smtp.url());
    let app = app_sending_through(&smtp);

    app.register("alice@example.com", PASSWORD);

    let mail = smtp.wait_for_mail_to("alice@example.com");
    assert!(mail.raw.contains("multipart/alternative"), "{}", mail.raw);
}

#[test]
fn mail_arrives_through_a_plain_loopback_relay_with_tls_none() {
    let Some(smtp) = SmtpServer::start_plain_relay() else {
        return;
    };
    assert!(smtp.url().ends_with("?tls=none"), "{}", smtp.url());
    let app = app_sending_through(&smtp);

    app.register("alice@example.com", PASSWORD);

    let mail = smtp.wait_for_mail_to("alice@example.com");
    assert!(mail.raw.contains("multipart/alternative"), "{}", mail.raw);
}

#[test]
fn a_connection_cut_mid_message_is_retried_and_the_mail_delivered_exactly_once() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app_sending_through(&smtp);

    app.register("dropped@example.com", PASSWORD);

    app.log.wait_for_line("the retry", MAIL_DEADLINE, |l| {
        l.contains("not delivered, retrying")
    });
    smtp.wait_for_mail_to("dropped@example.com");
    // A later mail goes through after it: the first was not sent twice.
    app.register("bob@example.com", PASSWORD);
    smtp.wait_for_mail_to("bob@example.com");
    let to_dropped = smtp
        .messages()
        .iter()
        .filter(|m| m.recipients.iter().any(|r| r == "dropped@example.com"))
        .count();
    assert_eq!(to_dropped, 1);
}
