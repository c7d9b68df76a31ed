//! `POST /api/token/verify/` answers as the token's real use would: a refresh
//! token as `/api/token/refresh/` would take it (spent by rotation, reused,
//! or of an ended login: 401), an access token as authentication would.

use serde_json::json;

use crate::helpers::{
    PASSWORD, TestApp, TestResponse, assert_unauthorized, claims, refresh_not_valid_body,
    spawn_app, token_not_valid_body, wait_for_clock,
};

const EMAIL: &str = "alice@example.com";

fn verify(app: &TestApp, token: &str) -> TestResponse {
    app.post_json("/api/token/verify/", &json!({"token": token}))
}

/// A server with refresh rotation on and the given reuse grace, and a user.
fn rotating_app(grace: &str) -> TestApp {
    let app = TestApp::builder()
        .env("ACCOUNTS_ROTATE_REFRESH", "true")
        .env("ACCOUNTS_REFRESH_REUSE_GRACE", grace)
        .spawn();
    app.register(EMAIL, PASSWORD);
    app
}

/// Refreshes, asserting 200; returns the successor refresh token.
fn rotate(app: &TestApp, refresh: &str) -> String {
    let response = app.refresh(refresh);
    response.assert_status(200);
    response.json()["refresh"]
        .as_str()
        .expect("a rotated refresh token")
        .to_owned()
}

#[test]
fn verify_answers_401_for_a_refresh_token_spent_by_rotation() {
    let app = rotating_app("0");
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    rotate(&app, &refresh);

    verify(&app, &refresh).assert_json(401, refresh_not_valid_body());
}

#[test]
fn verify_answers_200_for_a_refresh_token_spent_within_the_reuse_grace() {
    let app = rotating_app("1h");
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    rotate(&app, &refresh);

    verify(&app, &refresh).assert_json(200, json!({}));
    app.refresh(&refresh).assert_status(200);
}

#[test]
fn verify_answers_401_for_a_refresh_token_spent_once_the_grace_has_passed() {
    let app = rotating_app("1");
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    let successor = rotate(&app, &refresh);
    let spent_at = claims(&successor)["iat"].as_u64().expect("an integer iat");
    wait_for_clock(spent_at + 1);

    verify(&app, &refresh).assert_json(401, refresh_not_valid_body());
}

#[test]
fn verifying_a_spent_refresh_token_does_not_end_the_login() {
    let app = rotating_app("0");
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    let successor = rotate(&app, &refresh);
    verify(&app, &refresh).assert_status(401);

    app.refresh(&successor).assert_status(200);
}

#[test]
fn verify_answers_401_for_every_token_of_a_login_ended_by_reuse() {
    let app = rotating_app("0");
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    let successor = rotate(&app, &refresh);
    app.refresh(&refresh)
        .assert_json(401, refresh_not_valid_body());

    verify(&app, &successor).assert_json(401, refresh_not_valid_body());
    verify(&app, &access).assert_json(401, refresh_not_valid_body());
}

#[test]
fn verify_answers_401_for_a_refresh_token_after_logout_all() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    app.post_with_bearer("/api/logout/all/", &access)
        .assert_status(200);

    verify(&app, &refresh).assert_json(401, refresh_not_valid_body());
    app.refresh(&refresh)
        .assert_json(401, refresh_not_valid_body());
}

#[test]
fn verify_answers_401_for_an_access_token_of_a_logged_out_login_as_authentication_does() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    app.post_json("/api/logout/", &json!({"refresh": refresh}))
        .assert_status(200);

    verify(&app, &access).assert_json(401, refresh_not_valid_body());
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        token_not_valid_body(),
    );
}

#[test]
fn verify_answers_401_for_a_refresh_token_from_before_a_password_change() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    app.send_json_with_bearer(
        "PUT",
        "/api/user/change-password/",
        &access,
        &json!({"oldPassword": PASSWORD, "newPassword": "purple-monkey-dishwasher-42"}),
    )
    .assert_status(200);

    verify(&app, &refresh).assert_json(401, refresh_not_valid_body());
}

#[test]
fn verify_answers_401_for_a_refresh_token_of_a_deactivated_user() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    app.cli()
        .run(&["user", "deactivate", EMAIL])
        .assert_success();

    verify(&app, &refresh).assert_json(401, refresh_not_valid_body());
}
