//! Mail delivery through the outbox: what the provider receives, exactly once,
//! outages, restarts, and the `log` provider.

use std::time::{Duration, Instant};

use crate::helpers::{
    CONFIRM_PREFIX, FakeMailProvider, MAIL_API_KEY, MAIL_DEADLINE, MAIL_FROM, PASSWORD, PUBLIC_URL,
    Refuser, TestApp, reserve_port, spawn_app, wait_until,
};

/// Registers alice@example.com while the provider answers its next `count`
/// requests with `status` and `body`, and waits for the mail to be delivered.
fn delivered_after_refusals(count: usize, status: u16, body: &str) -> TestApp {
    let app = spawn_app();
    app.mail.answer_next(count, status, body);
    app.register("alice@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("alice@example.com");
    app
}

#[test]
fn registration_delivers_a_postmark_message_with_the_confirmation_link() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);

    let mail = app.mail.wait_for_delivery_to("alice@example.com");

    assert_eq!(mail.method, "POST");
    assert_eq!(mail.path, "/email");
    assert_eq!(mail.header("X-Postmark-Server-Token"), Some(MAIL_API_KEY));
    assert!(
        mail.header("Content-Type")
            .unwrap_or("")
            .starts_with("application/json"),
        "{:?}",
        mail.headers
    );
    let json = mail.json();
    assert!(
        json["From"].as_str().unwrap_or("").contains(MAIL_FROM),
        "From: {}",
        json["From"]
    );
    assert_eq!(json["To"], "alice@example.com");
    assert!(
        !json["Subject"].as_str().unwrap_or("").trim().is_empty(),
        "a Subject: {json}"
    );
    let link = mail.confirmation_link();
    assert!(
        link.starts_with(&format!("{PUBLIC_URL}{CONFIRM_PREFIX}")) && link.ends_with('/'),
        "the TextBody holds {PUBLIC_URL}{CONFIRM_PREFIX}<token>/: {link:?}"
    );
    assert!(
        json["HtmlBody"].as_str().unwrap_or("").contains(&link),
        "the HtmlBody holds the link too: {json}"
    );
    assert_eq!(json["MessageStream"], "outbound");
}

#[test]
fn each_registration_is_delivered_exactly_once() {
    let app = spawn_app();
    let first = ["alice@example.com", "bob@example.com", "carol@example.com"];
    for email in first {
        app.register(email, PASSWORD);
    }
    for email in first {
        app.mail.wait_for_delivery_to(email);
    }
    // One more round trip through the sender after the first three went out.
    app.register("dave@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("dave@example.com");

    for email in first {
        assert_eq!(app.mail.attempts_to(email).len(), 1, "requests for {email}");
    }
}

#[test]
fn mail_is_delivered_after_the_provider_answered_500() {
    let app = delivered_after_refusals(
        2,
        500,
        r#"{"ErrorCode":500,"Message":"Internal Server Error"}"#,
    );

    assert_eq!(app.mail.attempts_to("alice@example.com").len(), 3);
    assert_eq!(app.mail.deliveries_to("alice@example.com").len(), 1);
}

#[test]
fn mail_is_delivered_after_the_provider_answered_429() {
    let app = delivered_after_refusals(
        1,
        429,
        r#"{"ErrorCode":429,"Message":"Rate limit exceeded"}"#,
    );

    assert_eq!(app.mail.attempts_to("alice@example.com").len(), 2);
}

#[test]
fn mail_is_delivered_when_the_provider_starts_listening_after_the_registration() {
    let port = reserve_port();
    let app = TestApp::builder()
        .mail_api_url(format!("http://127.0.0.1:{port}/email"))
        .spawn();

    // Nothing listens on the port: the first attempt is refused.
    app.register("alice@example.com", PASSWORD);
    // Then something accepts and hangs up: the sender is seen retrying.
    let refuser = Refuser::start_on(port);
    wait_until(
        "a delivery attempt while the provider is down",
        MAIL_DEADLINE,
        || (refuser.accepted() > 0).then_some(()),
    );
    refuser.stop();
    // Then the provider is up.
    let provider = FakeMailProvider::start_on(port);

    provider.wait_for_delivery_to("alice@example.com");
}

#[test]
fn register_answers_without_waiting_for_a_slow_mail_provider() {
    let app = spawn_app();
    app.mail.set_delay(Duration::from_secs(5));

    for email in ["alice@example.com", "bob@example.com"] {
        let start = Instant::now();
        app.register(email, PASSWORD);
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "registering {email} took {took:?}"
        );
    }
}

#[test]
fn register_answers_while_the_mail_provider_is_down() {
    let port = reserve_port();
    let app = TestApp::builder()
        .mail_api_url(format!("http://127.0.0.1:{port}/email"))
        .spawn();

    let start = Instant::now();
    app.register("alice@example.com", PASSWORD);

    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn a_refused_message_is_logged_with_the_providers_answer() {
    let app = spawn_app();
    app.mail.answer_next(
        1,
        422,
        r#"{"ErrorCode":300,"Message":"Invalid 'To' address: nowhere."}"#,
    );
    app.register("alice@example.com", PASSWORD);
    app.mail.wait_for_attempts_to("alice@example.com", 1);

    app.log
        .wait_for_line("the provider's answer", MAIL_DEADLINE, |line| {
            line.contains("Invalid 'To' address: nowhere.")
        });
}

#[test]
fn a_refused_message_is_not_retried() {
    let app = spawn_app();
    app.mail.answer_next(
        1,
        422,
        r#"{"ErrorCode":300,"Message":"Invalid 'To' address"}"#,
    );
    app.register("alice@example.com", PASSWORD);
    app.mail.wait_for_attempts_to("alice@example.com", 1);
    // Later mail goes out while the refused one stays refused.
    app.register("bob@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("bob@example.com");
    app.register("carol@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("carol@example.com");

    assert_eq!(app.mail.attempts_to("alice@example.com").len(), 1);
}

/// Registers while the provider fails, waits until the sender tried, stops the
/// server with `stop`, and checks that a restarted server delivers the mail.
fn assert_restart_delivers_the_outbox(stop: impl FnOnce(&mut TestApp)) {
    let mut app = spawn_app();
    app.mail.fail_all(503);
    app.register("alice@example.com", PASSWORD);
    app.mail.wait_for_attempts_to("alice@example.com", 1);

    stop(&mut app);
    app.mail.recover();
    let restarted = app.restart_builder().spawn();

    let link = restarted.confirmation_link("alice@example.com");
    restarted.get(&link).assert_status(200);
}

#[test]
fn a_restart_after_sigterm_delivers_the_mail_left_in_the_outbox() {
    assert_restart_delivers_the_outbox(|app| {
        app.terminate(Duration::from_secs(10));
    });
}

#[test]
fn a_restart_after_sigkill_delivers_the_mail_left_in_the_outbox() {
    assert_restart_delivers_the_outbox(TestApp::kill);
}

#[test]
fn the_log_provider_writes_the_confirmation_link_to_the_log() {
    let app = TestApp::builder()
        .env("ACCOUNTS_MAIL_PROVIDER", "log")
        .without_env("ACCOUNTS_MAIL_API_URL")
        .without_env("ACCOUNTS_MAIL_API_KEY")
        .spawn();
    app.register("alice@example.com", PASSWORD);

    let line = app
        .log
        .wait_for_line("a confirmation link", MAIL_DEADLINE, |line| {
            line.contains(CONFIRM_PREFIX)
        });

    let path = &line[line.find(CONFIRM_PREFIX).unwrap()..];
    let path = path
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(|c: char| !(c.is_ascii_alphanumeric() || "/-_".contains(c)));
    app.get(path).assert_html(200);
    assert!(
        app.mail.requests().is_empty(),
        "nothing went to an HTTP provider"
    );
}

#[test]
fn any_2xx_answer_counts_as_sent() {
    let app = spawn_app();
    app.mail
        .answer_next(1, 202, r#"{"ErrorCode":0,"Message":"Accepted"}"#);
    app.register("alice@example.com", PASSWORD);
    app.mail.wait_for_attempts_to("alice@example.com", 1);
    // Later mail goes out while the accepted one is not sent again.
    app.register("bob@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("bob@example.com");
    app.register("carol@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("carol@example.com");

    assert_eq!(app.mail.attempts_to("alice@example.com").len(), 1);
}

#[test]
fn a_delivered_message_keeps_no_link_and_no_plain_token_is_stored() {
    let app = spawn_app();
    app.register("erased@example.com", PASSWORD);
    let link = app.confirmation_link("erased@example.com");
    let token = link
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let db = rusqlite::Connection::open(app.dir().join("accounts.db")).unwrap();
    let bodies = || -> Vec<Option<String>> {
        let mut statement = db.prepare("SELECT text_body FROM outbox").unwrap();
        statement
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    wait_until(
        "the delivered body to be erased",
        Duration::from_secs(10),
        || bodies().iter().all(Option::is_none).then_some(()),
    );
    // The token is stored only as its SHA-256, nowhere as text.
    let dump: Vec<String> = db
        .prepare("SELECT quote(token_hash) FROM one_time_tokens")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(dump.len(), 1);
    assert!(
        !dump[0].to_lowercase().contains(&token),
        "the plain token is stored"
    );
}
