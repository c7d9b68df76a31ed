//! Refresh rotation with reuse detection (`ACCOUNTS_ROTATE_REFRESH`,
//! `ACCOUNTS_REFRESH_REUSE_GRACE`), and refusal of a revoked login's refresh
//! tokens whether rotation is on or off.

use crate::helpers::{
    PASSWORD, TestApp, assert_unauthorized, claims, django_refresh_token, keys_of,
    refresh_not_valid_body, spawn_app, token_not_valid_body, token_pair, wait_for_clock,
};

const EMAIL: &str = "alice@example.com";

/// A server with rotation on and the given reuse grace.
fn rotating_app(grace: &str) -> TestApp {
    TestApp::builder()
        .env("ACCOUNTS_ROTATE_REFRESH", "true")
        .env("ACCOUNTS_REFRESH_REUSE_GRACE", grace)
        .spawn()
}

/// A server with rotation on and the given reuse grace, where `EMAIL` is
/// registered and logged in once; returns the server and that login's
/// refresh token.
fn rotating_login(grace: &str) -> (TestApp, String) {
    let app = rotating_app(grace);
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    (app, refresh)
}

/// Refreshes with `refresh`, asserting 200; returns `(access, refresh)`.
fn rotate(app: &TestApp, refresh: &str) -> (String, String) {
    let response = app.refresh(refresh);
    response.assert_status(200);
    token_pair(&response.json())
}

/// Waits until more than `grace` seconds passed since `successor` was issued,
/// which is the second its predecessor was spent in.
fn wait_past_grace(successor: &str, grace: u64) {
    let spent_at = claims(successor)["iat"].as_u64().expect("an integer iat");
    wait_for_clock(spent_at + grace + 1);
}

/// Presents the spent `spent` again once the grace after its `successor`
/// has passed, and sees it refused: the reuse that ends a login.
fn reuse_after_grace(app: &TestApp, spent: &str, successor: &str, grace: u64) {
    wait_past_grace(successor, grace);
    app.refresh(spent).assert_status(401);
}

#[test]
fn with_rotation_refresh_answers_a_new_access_and_refresh_token() {
    let app = rotating_app("10s");
    let id = app.register_id(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);

    let response = app.refresh(&refresh);

    response.assert_status(200);
    response.assert_json_content_type();
    let body = response.json();
    assert_eq!(keys_of(&body), ["access", "refresh"], "{body}");
    let next = body["refresh"].as_str().expect("a refresh token");
    assert_ne!(next, refresh, "a new refresh token");
    assert_eq!(claims(next)["token_type"], "refresh");
    assert_eq!(claims(next)["user_id"], id);
    let access = body["access"].as_str().expect("an access token");
    assert_eq!(app.current_user(access)["id"], id);
}

#[test]
fn with_rotation_the_new_refresh_token_refreshes_again() {
    let (app, first) = rotating_login("0s");
    let (_, second) = rotate(&app, &first);

    let (access, _) = rotate(&app, &second);

    assert_eq!(app.current_user(&access)["email"], EMAIL);
}

#[test]
fn with_rotation_a_spent_refresh_token_presented_after_the_grace_gets_401() {
    let (app, first) = rotating_login("1s");
    let (_, second) = rotate(&app, &first);
    wait_past_grace(&second, 1);

    app.assert_refresh_refused(&first);
}

#[test]
fn reusing_a_spent_refresh_token_after_the_grace_revokes_the_newest_refresh_token_of_that_login() {
    let (app, first) = rotating_login("1s");
    let (_, second) = rotate(&app, &first);
    let (_, newest) = rotate(&app, &second);
    reuse_after_grace(&app, &first, &newest, 1);

    app.assert_refresh_refused(&newest);
}

#[test]
fn reusing_a_spent_refresh_token_after_the_grace_revokes_the_access_tokens_of_that_login() {
    let (app, first) = rotating_login("0s");
    let (access, second) = rotate(&app, &first);
    reuse_after_grace(&app, &first, &second, 0);

    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        token_not_valid_body(),
    );
}

#[test]
fn reusing_a_spent_refresh_token_leaves_the_other_logins_of_the_user_working() {
    let app = rotating_app("0s");
    app.register(EMAIL, PASSWORD);
    let (other_access, other_refresh) = app.login(EMAIL, PASSWORD);
    let (_, first) = app.login(EMAIL, PASSWORD);
    let (_, second) = rotate(&app, &first);
    reuse_after_grace(&app, &first, &second, 0);

    app.current_user(&other_access);
    rotate(&app, &other_refresh);
}

#[test]
fn within_the_grace_a_spent_refresh_token_is_answered_like_the_first_time() {
    let (app, first) = rotating_login("1h");
    rotate(&app, &first);

    let response = app.refresh(&first);

    response.assert_status(200);
    assert_eq!(keys_of(&response.json()), ["access", "refresh"]);
}

#[test]
fn a_second_use_within_the_grace_does_not_end_the_login() {
    let (app, first) = rotating_login("1h");
    let (_, from_first_tab) = rotate(&app, &first);
    let (access, from_second_tab) = rotate(&app, &first);

    app.current_user(&access);
    rotate(&app, &from_first_tab);
    rotate(&app, &from_second_tab);
}

#[test]
fn rotation_is_off_by_default_and_refresh_answers_only_an_access_token() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);

    let response = app.refresh(&refresh);

    response.assert_status(200);
    assert_eq!(keys_of(&response.json()), ["access"]);
}

#[test]
fn with_rotation_off_a_refresh_token_of_a_logged_out_login_gets_401() {
    let app = TestApp::builder()
        .env("ACCOUNTS_ROTATE_REFRESH", "false")
        .spawn();
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    app.refresh(&refresh).assert_status(200);
    app.log_out(&refresh);

    app.assert_refresh_refused(&refresh);
}

#[test]
fn with_rotation_on_a_refresh_token_of_a_logged_out_login_gets_401() {
    let (app, first) = rotating_login("1h");
    let (_, second) = rotate(&app, &first);
    app.log_out(&second);

    app.assert_refresh_refused(&second);
}

#[test]
fn with_rotation_on_a_spent_token_within_the_grace_of_a_logged_out_login_gets_401() {
    let (app, first) = rotating_login("1h");
    let (_, second) = rotate(&app, &first);
    app.log_out(&second);

    app.assert_refresh_refused(&first);
}

#[test]
fn with_rotation_off_a_logged_out_refresh_token_of_the_django_service_gets_401() {
    // Issued before this service stored refresh tokens: no row of its own.
    let app = spawn_app();
    let id = app.register_id(EMAIL, PASSWORD);
    let django = django_refresh_token(id);
    app.refresh(&django).assert_status(200);
    app.log_out(&django);

    app.assert_refresh_refused(&django);
}

#[test]
fn with_rotation_a_spent_refresh_token_of_the_django_service_is_detected_on_reuse() {
    let app = rotating_app("0s");
    let id = app.register_id(EMAIL, PASSWORD);
    let django = django_refresh_token(id);
    let (_, next) = rotate(&app, &django);
    wait_past_grace(&next, 0);

    app.assert_refresh_refused(&django);
    app.assert_refresh_refused(&next);
}

#[test]
fn without_a_grace_an_immediate_reuse_ends_the_login() {
    let (app, refresh) = rotating_login("0s");
    let (_, newest) = rotate(&app, &refresh);

    assert_unauthorized(&app.refresh(&refresh), refresh_not_valid_body());
    assert_unauthorized(&app.refresh(&newest), refresh_not_valid_body());
}
