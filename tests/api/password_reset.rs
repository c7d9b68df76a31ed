//! Password reset: `POST /api/password-reset/` (a mailed link, the same
//! answer whoever asks), the link's HTML form, and
//! `POST /api/password-reset/confirm/`.

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, PUBLIC_URL, RESET_PREFIX, TestApp, TestResponse, assert_unauthorized, now_secs,
    spawn_app, token_not_valid_body, token_of, wait_for_clock, wait_past_issue_of,
};

const EMAIL: &str = "alice@example.com";
const NEW_PASSWORD: &str = "purple-monkey-dishwasher-42";
const REQUESTED: &str = "If the address is registered, a reset link has been sent.";

fn invalid_token() -> Value {
    json!({"token": ["Invalid or expired token."]})
}

fn confirm(app: &TestApp, token: &str, new_password: &str) -> TestResponse {
    app.post_json(
        "/api/password-reset/confirm/",
        &json!({"token": token, "new_password": new_password}),
    )
}

/// Registers `EMAIL` and returns the token of a fresh reset link.
fn registered_with_reset_token(app: &TestApp) -> String {
    app.register(EMAIL, PASSWORD);
    token_of(&app.request_reset_link(EMAIL), RESET_PREFIX)
}

#[test]
fn password_reset_answers_the_same_bytes_for_a_known_and_an_unknown_address() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    let known = app.post_json("/api/password-reset/", &json!({"email": EMAIL}));
    let unknown = app.post_json(
        "/api/password-reset/",
        &json!({"email": "nobody@example.com"}),
    );

    known.assert_json(200, json!({"detail": REQUESTED}));
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.header("Content-Type"), known.header("Content-Type"));
    assert_eq!(unknown.body, known.body, "byte-identical bodies");
}

#[test]
fn password_reset_mails_a_link_under_the_public_url_to_a_registered_address() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    app.post_json("/api/password-reset/", &json!({"email": EMAIL}))
        .assert_status(200);

    app.wait_for_links(EMAIL, RESET_PREFIX, 1);
    let link = app.delivered_full_links(EMAIL, RESET_PREFIX).remove(0);
    let prefix = format!("{PUBLIC_URL}{RESET_PREFIX}");
    assert!(link.starts_with(&prefix), "{link:?} starts with {prefix:?}");
    let token = token_of(&link[PUBLIC_URL.len()..], RESET_PREFIX);
    assert!(!token.is_empty() && !token.contains('/'), "{token:?}");
}

#[test]
fn password_reset_mails_nothing_to_an_unknown_address() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    app.post_json(
        "/api/password-reset/",
        &json!({"email": "nobody@example.com"}),
    )
    .assert_status(200);

    // A later mail to a known address has gone out, so an earlier one would have.
    app.request_reset_link(EMAIL);

    assert!(app.mail.attempts_to("nobody@example.com").is_empty());
}

#[test]
fn password_reset_answers_400_when_the_email_is_missing() {
    let app = spawn_app();
    app.post_json("/api/password-reset/", &json!({}))
        .assert_json(400, json!({"email": ["This field is required."]}));
}

#[test]
fn get_on_the_reset_link_answers_an_html_form_that_posts_a_new_password() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let link = app.request_reset_link(EMAIL);

    let response = app.get(&link);

    response.assert_html(200);
    let page = response.body.to_lowercase();
    assert!(
        page.contains("<form method=\"post\""),
        "a POST form: {page}"
    );
    assert!(
        page.contains("name=\"new_password\""),
        "a new_password field: {page}"
    );
    assert!(!page.contains("<script"), "works without script: {page}");
    let csp = response.header("Content-Security-Policy").unwrap_or("");
    assert!(csp.contains("default-src 'none'"), "CSP: {csp:?}");
    assert_eq!(response.header("X-Frame-Options"), Some("DENY"));
}

#[test]
fn get_on_the_reset_link_does_not_spend_the_token() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let link = app.request_reset_link(EMAIL);
    app.get(&link).assert_html(200);
    app.get(&link).assert_html(200);

    confirm(&app, &token_of(&link, RESET_PREFIX), NEW_PASSWORD)
        .assert_json(200, json!({"detail": "Password has been reset."}));
}

#[test]
fn reset_confirm_answers_200_and_the_new_password_logs_in() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);

    confirm(&app, &token, NEW_PASSWORD)
        .assert_json(200, json!({"detail": "Password has been reset."}));

    assert!(app.password_logs_in(EMAIL, NEW_PASSWORD));
}

#[test]
fn after_a_reset_the_old_password_no_longer_logs_in() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);

    confirm(&app, &token, NEW_PASSWORD).assert_status(200);

    assert!(!app.password_logs_in(EMAIL, PASSWORD));
}

#[test]
fn a_reset_confirms_the_address() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);

    confirm(&app, &token, NEW_PASSWORD).assert_status(200);

    let (access, _) = app.login(EMAIL, NEW_PASSWORD);
    assert_eq!(app.current_user(&access)["is_email_confirmed"], true);
}

#[test]
fn a_reset_ends_every_login() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    let cookie_access = app.cookie_login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);
    wait_past_issue_of(&cookie_access);

    confirm(&app, &token, NEW_PASSWORD).assert_status(200);

    for (what, token) in [("token", &access), ("cookie", &cookie_access)] {
        let response = app.get_with_bearer("/api/user/", token);
        assert_eq!(response.status, 401, "the {what} login's access token");
        assert_unauthorized(&response, token_not_valid_body());
    }
    app.refresh(&refresh).assert_json(
        401,
        json!({"detail": "Token is invalid or expired", "code": "token_not_valid"}),
    );
}

#[test]
fn a_reset_token_works_only_once() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    confirm(&app, &token, NEW_PASSWORD).assert_status(200);

    confirm(&app, &token, "another-fine-passphrase-7").assert_json(400, invalid_token());

    assert!(app.password_logs_in(EMAIL, NEW_PASSWORD));
}

#[test]
fn reset_confirm_answers_400_for_an_unknown_token() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    confirm(&app, &"ab".repeat(32), NEW_PASSWORD).assert_json(400, invalid_token());
}

#[test]
fn reset_confirm_answers_400_with_the_validator_messages_for_a_weak_password() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);

    confirm(&app, &token, "Zq9!x").assert_json(
        400,
        json!({"new_password": [
            "This password is too short. It must contain at least 8 characters."
        ]}),
    );

    assert!(app.password_logs_in(EMAIL, PASSWORD), "nothing changed");
}

#[test]
fn a_weak_password_leaves_the_reset_token_usable() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    confirm(&app, &token, "12345678").assert_status(400);

    confirm(&app, &token, NEW_PASSWORD).assert_status(200);

    assert!(app.password_logs_in(EMAIL, NEW_PASSWORD));
}

#[test]
fn submitting_the_reset_form_sets_the_password_and_answers_an_html_page() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let link = app.request_reset_link(EMAIL);

    let response = app.post_form(&link, &[("new_password", NEW_PASSWORD)]);

    response.assert_html(200);
    assert!(app.password_logs_in(EMAIL, NEW_PASSWORD));
    assert!(!app.password_logs_in(EMAIL, PASSWORD));
}

#[test]
fn submitting_the_reset_form_spends_the_token() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let link = app.request_reset_link(EMAIL);
    app.post_form(&link, &[("new_password", NEW_PASSWORD)])
        .assert_html(200);

    confirm(
        &app,
        &token_of(&link, RESET_PREFIX),
        "another-fine-passphrase-7",
    )
    .assert_json(400, invalid_token());
}

#[test]
fn after_the_reset_ttl_the_link_is_refused() {
    let app = TestApp::builder().env("ACCOUNTS_RESET_TTL", "1s").spawn();
    app.register(EMAIL, PASSWORD);
    let link = app.request_reset_link(EMAIL);
    wait_for_clock(now_secs() + 1);

    app.get(&link).assert_html(400);
    confirm(&app, &token_of(&link, RESET_PREFIX), NEW_PASSWORD).assert_json(400, invalid_token());
    assert!(app.password_logs_in(EMAIL, PASSWORD), "nothing changed");
}
