//! The outbox as the operator sees it: `accounts mail list`, `retry`,
//! `preview` and `test`.

use crate::helpers::{MAIL_DEADLINE, PASSWORD, TestApp, spawn_app, wait_until};

/// The `mail list` line of the message to `email`.
fn list_line(app: &TestApp, email: &str) -> String {
    let listed = app.cli().run(&["mail", "list"]);
    listed
        .assert_success()
        .lines()
        .find(|l| l.contains(email))
        .unwrap_or_else(|| panic!("no line for {email}: {}", listed.stdout))
        .to_owned()
}

/// Registers alice while the provider refuses her mail for good, and waits
/// until it is listed as failed; returns its id.
fn failed_mail(app: &TestApp) -> String {
    app.mail.answer_next(
        1,
        422,
        r#"{"ErrorCode":300,"Message":"Invalid 'To' address"}"#,
    );
    app.register("alice@example.com", PASSWORD);
    app.mail.wait_for_attempts_to("alice@example.com", 1);
    wait_until("the failure to be recorded", MAIL_DEADLINE, || {
        let line = list_line(app, "alice@example.com");
        line.contains("\tfailed\t").then_some(line)
    })
    .split('\t')
    .next()
    .unwrap()
    .to_owned()
}

#[test]
fn mail_list_shows_a_refused_message_with_its_attempts_and_error_but_never_its_body() {
    let app = spawn_app();
    failed_mail(&app);
    app.register("bob@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("bob@example.com");

    let listed = app.cli().run(&["mail", "list"]);
    let out = listed.assert_success();
    assert!(
        out.starts_with("id\tkind\trecipient\tstate\tattempts"),
        "{out}"
    );
    let alice = out.lines().find(|l| l.contains("alice@")).unwrap();
    let fields: Vec<&str> = alice.split('\t').collect();
    assert_eq!(
        &fields[1..5],
        ["confirm_email", "alice@example.com", "failed", "1"]
    );
    assert!(fields[7].contains("Invalid 'To' address"), "{alice}");
    assert!(
        out.lines().any(|l| l.contains("bob@example.com\tsent")),
        "{out}"
    );
    assert!(
        !out.contains("/api/confirm-email/"),
        "a body was shown: {out}"
    );
}

#[test]
fn mail_retry_sends_a_failed_message_again() {
    let app = spawn_app();
    let id = failed_mail(&app);

    app.cli().run(&["mail", "retry", &id]).assert_success();
    // The sender looks at the outbox when woken (or every 30 s).
    app.register("bob@example.com", PASSWORD);

    let delivered = app.mail.wait_for_delivery_to("alice@example.com");
    let link = delivered.confirmation_link();
    let path = &link[link.find("/api/").unwrap()..];
    app.get(path).assert_html(200);
    assert!(list_line(&app, "alice@example.com").contains("\tsent\t"));
}

#[test]
fn mail_retry_failed_queues_every_failed_message_and_a_sent_one_is_refused() {
    let app = spawn_app();
    let id = failed_mail(&app);

    let retried = app.cli().run(&["mail", "retry", "--failed"]);
    assert!(
        retried.assert_success().contains("queued 1 failed"),
        "{}",
        retried.stdout
    );
    app.register("bob@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("alice@example.com");

    let again = app.cli().run(&["mail", "retry", &id]);
    assert!(!again.status.success());
    assert!(
        again.stderr.contains("delivered already"),
        "{}",
        again.stderr
    );
}

#[test]
fn mail_preview_renders_a_kind_in_a_locale_as_text_or_html() {
    let app = spawn_app();
    let text = app.cli().env("ACCOUNTS_PRODUCT_NAME", "Chat").run(&[
        "mail",
        "preview",
        "reset_password",
        "--locale",
        "de",
    ]);
    let out = text.assert_success();
    assert!(
        out.starts_with("Subject: Setze dein Chat-Passwort zurück"),
        "{out}"
    );
    assert!(out.contains("ABCD-EFGH"), "{out}");

    let html = app
        .cli()
        .run(&["mail", "preview", "confirm_email", "--html"]);
    assert!(html.assert_success().contains("<!DOCTYPE html>"));

    let unknown = app.cli().run(&["mail", "preview", "welcome"]);
    let line = unknown.assert_failure_with_one_line();
    assert!(line.contains("confirm_email"), "{line}");
}

#[test]
fn mail_test_queues_a_mail_that_the_server_delivers() {
    let app = spawn_app();
    let queued = app.cli().run(&["mail", "test", "ops@example.com"]);
    assert!(
        queued.assert_success().contains("queued test mail"),
        "{}",
        queued.stdout
    );
    app.register("bob@example.com", PASSWORD);

    let mail = app.mail.wait_for_delivery_to("ops@example.com");
    assert!(
        mail.json()["Subject"]
            .as_str()
            .unwrap_or("")
            .contains("Test mail")
    );
}
