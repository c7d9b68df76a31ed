//! The active flag, switched with the operator CLI while the server runs: an
//! inactive user gets no tokens, cannot refresh, and their access tokens get
//! SimpleJWT's `user_inactive`; tokens from before a deactivation stay dead.

use serde_json::json;

use crate::helpers::{
    PASSWORD, TestApp, assert_unauthorized, no_active_account_body, refresh_not_valid_body,
    spawn_app, token_not_valid_body, wait_past_issue_of,
};

const EMAIL: &str = "alice@example.com";

fn deactivate(app: &TestApp, email: &str) {
    app.cli()
        .run(&["user", "deactivate", email])
        .assert_success();
}

fn activate(app: &TestApp, email: &str) {
    app.cli().run(&["user", "activate", email]).assert_success();
}

#[test]
fn a_deactivated_user_gets_401_no_active_account_from_token() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    deactivate(&app, EMAIL);

    app.post_json(
        "/api/token/",
        &json!({"email": EMAIL, "password": PASSWORD}),
    )
    .assert_json(401, no_active_account_body());
}

#[test]
fn a_deactivated_user_gets_404_invalid_from_login() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    deactivate(&app, EMAIL);

    app.post_json(
        "/api/login/",
        &json!({"username": EMAIL, "password": PASSWORD}),
    )
    .assert_json(404, json!({"Invalid": "Invalid username or password"}));
}

#[test]
fn a_deactivated_users_refresh_token_gets_401() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    deactivate(&app, EMAIL);

    app.assert_refresh_refused(&refresh);
}

#[test]
fn a_deactivated_users_access_token_gets_401_user_inactive() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    deactivate(&app, EMAIL);

    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        json!({"detail": "User is inactive", "code": "user_inactive"}),
    );
}

#[test]
fn verify_answers_401_for_a_deactivated_users_token() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    deactivate(&app, EMAIL);

    app.post_json("/api/token/verify/", &json!({"token": access}))
        .assert_json(401, refresh_not_valid_body());
}

#[test]
fn deactivation_leaves_other_users_logged_in() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    app.register("bob@example.com", PASSWORD);
    let (bob_access, bob_refresh) = app.login("bob@example.com", PASSWORD);

    deactivate(&app, EMAIL);

    app.current_user(&bob_access);
    app.refresh(&bob_refresh).assert_status(200);
}

#[test]
fn an_activated_user_logs_in_again() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    deactivate(&app, EMAIL);

    activate(&app, EMAIL);

    let (access, refresh) = app.login(EMAIL, PASSWORD);
    app.current_user(&access);
    app.refresh(&refresh).assert_status(200);
}

#[test]
fn an_access_token_from_before_a_deactivation_stays_refused_after_activation() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);
    deactivate(&app, EMAIL);

    activate(&app, EMAIL);

    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        token_not_valid_body(),
    );
}

#[test]
fn a_refresh_token_from_before_a_deactivation_stays_refused_after_activation() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);
    deactivate(&app, EMAIL);

    activate(&app, EMAIL);

    app.assert_refresh_refused(&refresh);
}
