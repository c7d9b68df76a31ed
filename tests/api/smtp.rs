//! Mail through a real SMTP server (aiosmtpd with STARTTLS and AUTH, on a
//! certificate of a test authority given by `ACCOUNTS_MAIL_CA_FILE`).

use serde_json::json;

use crate::helpers::{
    CONFIRM_PREFIX, MAIL_DEADLINE, PASSWORD, ReceivedMail, SmtpServer, TestApp, find_code,
    wait_until,
};

/// A server sending through `smtp`, or `None` when the SMTP tests skip.
fn app_with_smtp() -> Option<(TestApp, SmtpServer)> {
    let smtp = SmtpServer::start()?;
    let app = TestApp::builder()
        .env("ACCOUNTS_MAIL_PROVIDER", "smtp")
        .env("ACCOUNTS_SMTP_URL", smtp.url())
        .env("ACCOUNTS_MAIL_CA_FILE", smtp.ca_file.to_string_lossy())
        .env("ACCOUNTS_MAIL_FROM", "Chat <noreply@chat.example>")
        .without_env("ACCOUNTS_MAIL_API_KEY")
        .without_env("ACCOUNTS_MAIL_API_URL")
        .spawn();
    Some((app, smtp))
}

/// The path of the confirmation link in a received message.
fn confirmation_path(mail: &ReceivedMail) -> String {
    let raw = mail.raw.replace("=\r\n", "").replace("=\n", "");
    let start = raw.find(CONFIRM_PREFIX).expect("a confirmation link");
    raw[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn registration_mail_arrives_over_starttls_with_both_parts_and_its_link_confirms() {
    let Some((app, smtp)) = app_with_smtp() else {
        return;
    };
    app.register("alice@example.com", PASSWORD);

    let mail = smtp.wait_for_mail_to("alice@example.com");

    assert!(
        mail.raw.contains("From: Chat <noreply@chat.example>"),
        "{}",
        mail.raw
    );
    assert!(mail.raw.contains("multipart/alternative"), "{}", mail.raw);
    let plain = mail
        .raw
        .find("Content-Type: text/plain")
        .expect("a text part");
    let html = mail
        .raw
        .find("Content-Type: text/html")
        .expect("an HTML part");
    assert!(plain < html, "the plain text comes first");
    app.get(&confirmation_path(&mail)).assert_html(200);
}

#[test]
fn the_code_in_an_smtp_mail_confirms_the_address() {
    let Some((app, smtp)) = app_with_smtp() else {
        return;
    };
    app.register("alice@example.com", PASSWORD);
    let mail = smtp.wait_for_mail_to("alice@example.com");
    let code = find_code(&mail.raw).expect("a code in the mail");

    app.post_json(
        "/api/confirm-email/",
        &json!({"email": "alice@example.com", "code": code}),
    )
    .assert_status(200);
}

#[test]
fn a_451_reply_is_retried_and_the_mail_delivered_exactly_once() {
    let Some((app, smtp)) = app_with_smtp() else {
        return;
    };
    app.register("flaky@example.com", PASSWORD);
    smtp.wait_for_mail_to("flaky@example.com");
    app.log
        .wait_for_line("the retry", MAIL_DEADLINE, |l| l.contains("451"));
    // A later mail goes through after it: the flaky one was not sent twice.
    app.register("bob@example.com", PASSWORD);
    smtp.wait_for_mail_to("bob@example.com");

    let to_flaky = smtp
        .messages()
        .iter()
        .filter(|m| m.recipients.iter().any(|r| r == "flaky@example.com"))
        .count();
    assert_eq!(to_flaky, 1);
}

#[test]
fn a_550_reply_is_a_permanent_failure_listed_by_mail_list() {
    let Some((app, smtp)) = app_with_smtp() else {
        return;
    };
    app.register("rejected@example.com", PASSWORD);
    app.log.wait_for_line("the refusal", MAIL_DEADLINE, |l| {
        l.contains("abandoned") && l.contains("550")
    });
    app.register("bob@example.com", PASSWORD);
    smtp.wait_for_mail_to("bob@example.com");
    assert!(
        smtp.messages()
            .iter()
            .all(|m| !m.recipients.iter().any(|r| r.starts_with("rejected"))),
    );
    let line = wait_until("mail list to show the failure", MAIL_DEADLINE, || {
        let listed = app.cli().run(&["mail", "list"]);
        listed
            .assert_success()
            .lines()
            .find(|l| l.contains("rejected@example.com"))
            .map(str::to_owned)
    });
    assert!(line.contains("\tfailed\t1\t"), "{line}");
    assert!(line.contains("550"), "{line}");
}
