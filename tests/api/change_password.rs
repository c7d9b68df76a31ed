//! `PUT /api/user/change-password/`: fresh tokens for the login that asks,
//! every other login ended, and nothing changed by a refused attempt.
//!
//! Tokens issued in the same second as a change are accepted by design, so
//! tests about older tokens wait for the next second before changing.

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, TestResponse, assert_unauthorized, keys_of, spawn_app, token_not_valid_body,
    wait_past_issue_of,
};

const EMAIL: &str = "alice@example.com";
const NEW_PASSWORD: &str = "purple-monkey-dishwasher-42";
const PATH: &str = "/api/user/change-password/";

fn change(app: &TestApp, access: &str, body: &Value) -> TestResponse {
    app.send_json_with_bearer("PUT", PATH, access, body)
}

fn change_to(app: &TestApp, access: &str, old: &str, new: &str) -> TestResponse {
    change(
        app,
        access,
        &json!({"oldPassword": old, "newPassword": new}),
    )
}

/// Changes the password to `NEW_PASSWORD`, asserting 200; returns the body.
fn change_ok(app: &TestApp, access: &str) -> Value {
    let response = change_to(app, access, PASSWORD, NEW_PASSWORD);
    response.assert_status(200);
    response.json()
}

#[test]
fn change_password_with_old_password_and_new_password_answers_200_with_fresh_tokens() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    let response = change_to(&app, &access, PASSWORD, NEW_PASSWORD);

    response.assert_status(200);
    response.assert_json_content_type();
    let body = response.json();
    assert_eq!(keys_of(&body), ["access", "message", "refresh"], "{body}");
    assert_eq!(body["message"], "Password updated successfully");
}

#[test]
fn change_password_accepts_old_password_and_new_password_in_snake_case() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    let response = change(
        &app,
        &access,
        &json!({"old_password": PASSWORD, "new_password": NEW_PASSWORD}),
    );

    response.assert_status(200);
    assert_eq!(response.json()["message"], "Password updated successfully");
    assert!(app.password_logs_in(EMAIL, NEW_PASSWORD));
}

#[test]
fn the_tokens_that_change_password_answers_work() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);

    let body = change_ok(&app, &access);

    let new_access = body["access"].as_str().expect("an access token");
    let new_refresh = body["refresh"].as_str().expect("a refresh token");
    assert_eq!(app.current_user(new_access)["email"], EMAIL);
    app.refresh(new_refresh).assert_status(200);
}

#[test]
fn after_change_password_the_old_password_no_longer_logs_in() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    change_ok(&app, &access);

    assert!(!app.password_logs_in(EMAIL, PASSWORD));
}

#[test]
fn after_change_password_the_new_password_logs_in() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    change_ok(&app, &access);

    assert!(app.password_logs_in(EMAIL, NEW_PASSWORD));
}

#[test]
fn change_password_refuses_the_refresh_tokens_of_other_logins() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (_, other_refresh) = app.login(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);

    change_ok(&app, &access);

    app.refresh(&other_refresh).assert_json(
        401,
        json!({"detail": "Token is invalid or expired", "code": "token_not_valid"}),
    );
}

#[test]
fn change_password_refuses_the_access_tokens_of_other_logins() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (other_access, _) = app.login(EMAIL, PASSWORD);
    let cookie_access = app.cookie_login(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);

    change_ok(&app, &access);

    for (what, token) in [("token", &other_access), ("cookie", &cookie_access)] {
        let response = app.get_with_bearer("/api/user/", token);
        assert_eq!(response.status, 401, "the {what} login's access token");
        assert_unauthorized(&response, token_not_valid_body());
    }
}

#[test]
fn after_change_password_the_access_token_that_asked_is_refused_too() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);

    change_ok(&app, &access);

    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        token_not_valid_body(),
    );
}

#[test]
fn change_password_answers_400_when_the_old_password_is_wrong() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    change_to(&app, &access, "not-my-password-at-all", NEW_PASSWORD).assert_json(
        400,
        json!({"old password error": ["Old password is wrong"]}),
    );
}

#[test]
fn a_wrong_old_password_changes_nothing() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);

    change_to(&app, &access, "not-my-password-at-all", NEW_PASSWORD).assert_status(400);

    assert!(
        app.password_logs_in(EMAIL, PASSWORD),
        "the old password works"
    );
    assert!(
        !app.password_logs_in(EMAIL, NEW_PASSWORD),
        "the new one does not"
    );
    app.current_user(&access);
    app.refresh(&refresh).assert_status(200);
}

#[test]
fn change_password_answers_400_with_the_validator_messages_for_a_weak_new_password() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    change_to(&app, &access, PASSWORD, "Zq9!x").assert_json(
        400,
        json!({"new password error": [
            "This password is too short. It must contain at least 8 characters."
        ]}),
    );
}

#[test]
fn a_weak_new_password_changes_nothing() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);

    change_to(&app, &access, PASSWORD, "12345678").assert_status(400);

    assert!(
        app.password_logs_in(EMAIL, PASSWORD),
        "the old password works"
    );
    assert!(
        !app.password_logs_in(EMAIL, "12345678"),
        "the weak one does not"
    );
    app.current_user(&access);
    app.refresh(&refresh).assert_status(200);
}

#[test]
fn change_password_without_credentials_answers_401() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    let response = app.request(
        "PUT",
        PATH,
        &[("Content-Type", "application/json")],
        Some(
            json!({"oldPassword": PASSWORD, "newPassword": NEW_PASSWORD})
                .to_string()
                .as_bytes(),
        ),
    );

    assert_unauthorized(
        &response,
        json!({"detail": "Authentication credentials were not provided."}),
    );
    assert!(app.password_logs_in(EMAIL, PASSWORD));
}
