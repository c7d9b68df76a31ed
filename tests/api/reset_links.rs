//! Pending password-reset links end with what made them dangerous: a
//! password change (over HTTP or by the operator), a reset, and a
//! deactivation void every unused reset link of the user, and an inactive
//! user cannot reset at all.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, RESET_PREFIX, TestApp, TestResponse, spawn_app, token_of};

const EMAIL: &str = "alice@example.com";
const CHANGED_PASSWORD: &str = "purple-monkey-dishwasher-42";
const RESET_PASSWORD: &str = "violet-walrus-teaspoon-17";

fn invalid_token() -> Value {
    json!({"token": ["Invalid or expired token."]})
}

/// Registers `EMAIL` and returns the token of a fresh reset link.
fn registered_with_reset_token(app: &TestApp) -> String {
    app.register(EMAIL, PASSWORD);
    token_of(&app.request_reset_link(EMAIL), RESET_PREFIX)
}

fn confirm(app: &TestApp, token: &str, new_password: &str) -> TestResponse {
    app.post_json(
        "/api/password-reset/confirm/",
        &json!({"token": token, "new_password": new_password}),
    )
}

fn password_logs_in(app: &TestApp, password: &str) -> bool {
    let response = app.post_json(
        "/api/token/",
        &json!({"email": EMAIL, "password": password}),
    );
    match response.status {
        200 => true,
        401 => false,
        other => panic!("/api/token/ answered {other}: {}", response.body),
    }
}

fn change_password_over_http(app: &TestApp) {
    let (access, _) = app.login(EMAIL, PASSWORD);
    app.send_json_with_bearer(
        "PUT",
        "/api/user/change-password/",
        &access,
        &json!({"oldPassword": PASSWORD, "newPassword": CHANGED_PASSWORD}),
    )
    .assert_status(200);
}

fn operator(app: &TestApp, command: &str) {
    app.cli().run(&["user", command, EMAIL]).assert_success();
}

#[test]
fn a_reset_link_issued_before_a_password_change_is_refused_afterwards() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    change_password_over_http(&app);

    confirm(&app, &token, RESET_PASSWORD).assert_json(400, invalid_token());

    assert!(password_logs_in(&app, CHANGED_PASSWORD));
    assert!(!password_logs_in(&app, RESET_PASSWORD));
}

#[test]
fn the_form_of_a_link_issued_before_a_password_change_answers_the_invalid_page() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    change_password_over_http(&app);

    let page = app.get(&format!("{RESET_PREFIX}{token}/"));

    page.assert_html(400);
    assert!(page.body.contains("This link is invalid or has expired"));
}

#[test]
fn a_reset_link_issued_before_an_operator_password_change_is_refused_afterwards() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    app.cli()
        .run_with_stdin(
            &["user", "set-password", EMAIL],
            &format!("{CHANGED_PASSWORD}\n"),
        )
        .assert_success();

    confirm(&app, &token, RESET_PASSWORD).assert_json(400, invalid_token());
}

#[test]
fn a_reset_link_issued_before_a_deactivation_is_refused() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    operator(&app, "deactivate");

    confirm(&app, &token, RESET_PASSWORD).assert_json(400, invalid_token());
}

#[test]
fn a_reset_tried_while_deactivated_never_becomes_live_on_reactivation() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    operator(&app, "deactivate");
    confirm(&app, &token, RESET_PASSWORD);

    operator(&app, "activate");

    assert!(password_logs_in(&app, PASSWORD), "the old password works");
    assert!(
        !password_logs_in(&app, RESET_PASSWORD),
        "the new one never did"
    );
}

#[test]
fn a_reset_link_issued_before_a_deactivation_stays_void_after_reactivation() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    operator(&app, "deactivate");
    operator(&app, "activate");

    confirm(&app, &token, RESET_PASSWORD).assert_json(400, invalid_token());
    assert!(password_logs_in(&app, PASSWORD));
}

#[test]
fn an_inactive_users_pending_link_answers_like_an_unknown_token() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    // Deactivated behind the service's back, so the link itself survives:
    // the refusal must come from the user's state, not from the link's.
    let db = rusqlite::Connection::open(app.db_path()).expect("open the database");
    db.busy_timeout(std::time::Duration::from_secs(10))
        .expect("set a busy timeout");
    db.execute("UPDATE users SET is_active = 0 WHERE email = ?1", [EMAIL])
        .expect("deactivate the user");

    confirm(&app, &token, RESET_PASSWORD).assert_json(400, invalid_token());
    let page = app.get(&format!("{RESET_PREFIX}{token}/"));
    page.assert_html(400);
}

#[test]
fn a_reset_link_still_works_when_nothing_ended_it() {
    let app = spawn_app();
    let token = registered_with_reset_token(&app);
    app.login(EMAIL, PASSWORD);

    confirm(&app, &token, RESET_PASSWORD).assert_status(200);
    assert!(password_logs_in(&app, RESET_PASSWORD));
}
