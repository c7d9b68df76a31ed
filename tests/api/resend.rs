//! `POST /api/resend-confirmation/`: the same answer whatever the address, a
//! fresh link only for a registered unconfirmed address, older links dead.

use serde_json::json;

use crate::helpers::{CONFIRM_PREFIX, PASSWORD, TestApp, TestResponse, spawn_app};

const EMAIL: &str = "alice@example.com";
const RESENT: &str =
    "If the address is registered and not yet confirmed, a new link has been sent.";

fn resend(app: &TestApp, email: &str) -> TestResponse {
    app.post_json("/api/resend-confirmation/", &json!({"email": email}))
}

/// Registers and waits for the first confirmation link; returns its path.
fn registered_with_link(app: &TestApp, email: &str) -> String {
    app.register(email, PASSWORD);
    app.wait_for_links(email, CONFIRM_PREFIX, 1).remove(0)
}

/// Asks for a new link, and waits for it; returns its path.
fn resent_link(app: &TestApp, email: &str) -> String {
    let before = app.delivered_links(email, CONFIRM_PREFIX).len();
    resend(app, email).assert_status(200);
    app.wait_for_links(email, CONFIRM_PREFIX, before + 1)
        .pop()
        .expect("a resent link")
}

#[test]
fn resend_answers_the_same_bytes_for_unknown_confirmed_and_unconfirmed_addresses() {
    let app = spawn_app();
    let link = registered_with_link(&app, "confirmed@example.com");
    app.get(&link).assert_html(200);
    app.register("unconfirmed@example.com", PASSWORD);

    let unconfirmed = resend(&app, "unconfirmed@example.com");
    let confirmed = resend(&app, "confirmed@example.com");
    let unknown = resend(&app, "nobody@example.com");

    unconfirmed.assert_json(200, json!({"detail": RESENT}));
    for (what, response) in [("confirmed", &confirmed), ("unknown", &unknown)] {
        assert_eq!(response.status, unconfirmed.status, "{what}: status");
        assert_eq!(
            response.header("Content-Type"),
            unconfirmed.header("Content-Type"),
            "{what}: Content-Type"
        );
        assert_eq!(response.body, unconfirmed.body, "{what}: body bytes");
    }
}

#[test]
fn resend_mails_a_new_link_that_confirms_the_address() {
    let app = spawn_app();
    let first = registered_with_link(&app, EMAIL);

    let second = resent_link(&app, EMAIL);

    assert_ne!(second, first, "a fresh link");
    app.get(&second).assert_html(200);
    let (access, _) = app.login(EMAIL, PASSWORD);
    assert_eq!(app.current_user(&access)["is_email_confirmed"], true);
}

#[test]
fn after_resend_the_older_link_answers_400() {
    let app = spawn_app();
    let first = registered_with_link(&app, EMAIL);
    resent_link(&app, EMAIL);

    app.get(&first).assert_html(400);

    let (access, _) = app.login(EMAIL, PASSWORD);
    assert_eq!(app.current_user(&access)["is_email_confirmed"], false);
}

#[test]
fn resend_mails_nothing_to_a_confirmed_address() {
    let app = spawn_app();
    let link = registered_with_link(&app, "confirmed@example.com");
    app.get(&link).assert_html(200);
    resend(&app, "confirmed@example.com").assert_status(200);

    // A later mail has gone out, so an earlier one would have.
    registered_with_link(&app, "later@example.com");

    assert_eq!(app.mail.attempts_to("confirmed@example.com").len(), 1);
}

#[test]
fn resend_mails_nothing_to_an_unknown_address() {
    let app = spawn_app();
    resend(&app, "nobody@example.com").assert_status(200);

    registered_with_link(&app, "later@example.com");

    assert!(app.mail.attempts_to("nobody@example.com").is_empty());
}

#[test]
fn resend_answers_400_when_the_email_is_missing() {
    let app = spawn_app();
    app.post_json("/api/resend-confirmation/", &json!({}))
        .assert_json(400, json!({"email": ["This field is required."]}));
}
