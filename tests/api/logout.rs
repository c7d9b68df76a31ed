//! `POST /api/logout/` (one login, by refresh token or by the
//! `access_token` cookie) and `POST /api/logout/all/` (every login).

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, TestResponse, assert_unauthorized, refresh_not_valid_body, spawn_app,
    token_not_valid_body,
};

const EMAIL: &str = "alice@example.com";
const CLEAR_COOKIE: &str = "access_token=; Path=/; Max-Age=0";

fn logged_out() -> Value {
    json!({"detail": "Successfully logged out."})
}

/// The answer of a successful logout: the body and the cookie clearing.
fn assert_logged_out(response: &TestResponse) {
    response.assert_json(200, logged_out());
    assert_eq!(
        response.header_all("Set-Cookie"),
        [CLEAR_COOKIE],
        "{} {} clears the cookie",
        response.method,
        response.path
    );
}

fn logout_with_cookie(app: &TestApp, access: &str) -> TestResponse {
    app.request(
        "POST",
        "/api/logout/",
        &[("Cookie", &format!("access_token={access}"))],
        None,
    )
}

#[test]
fn logout_with_a_refresh_token_answers_200_and_clears_the_cookie() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);

    assert_logged_out(&app.post_json("/api/logout/", &json!({"refresh": refresh})));
}

#[test]
fn logout_accepts_a_form_body() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);

    assert_logged_out(&app.post_form("/api/logout/", &[("refresh", &refresh)]));
    app.refresh(&refresh).assert_status(401);
}

#[test]
fn after_logout_the_refresh_token_of_that_login_gets_401() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    app.log_out(&refresh);

    app.assert_refresh_refused(&refresh);
}

#[test]
fn after_logout_the_access_token_of_that_login_gets_401() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    app.log_out(&refresh);

    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        token_not_valid_body(),
    );
}

#[test]
fn logout_leaves_the_other_logins_of_the_user_working() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (other_access, other_refresh) = app.login(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);

    app.log_out(&refresh);

    app.current_user(&other_access);
    app.refresh(&other_refresh).assert_status(200);
}

#[test]
fn logout_with_only_the_access_token_cookie_answers_200_and_clears_the_cookie() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let access = app.cookie_login(EMAIL, PASSWORD);

    assert_logged_out(&logout_with_cookie(&app, &access));
}

#[test]
fn logout_with_only_the_access_token_cookie_ends_that_login() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let access = app.cookie_login(EMAIL, PASSWORD);
    app.current_user(&access);

    logout_with_cookie(&app, &access).assert_status(200);

    assert_unauthorized(
        &app.get_with_cookie("/api/user/", &format!("access_token={access}")),
        token_not_valid_body(),
    );
}

#[test]
fn logout_with_the_cookie_leaves_the_other_logins_of_the_user_working() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (other_access, other_refresh) = app.login(EMAIL, PASSWORD);
    let access = app.cookie_login(EMAIL, PASSWORD);

    logout_with_cookie(&app, &access).assert_status(200);

    app.current_user(&other_access);
    app.refresh(&other_refresh).assert_status(200);
}

#[test]
fn logout_without_a_refresh_token_or_a_cookie_answers_400_refresh_required() {
    let app = spawn_app();
    app.post_json("/api/logout/", &json!({}))
        .assert_json(400, json!({"refresh": ["This field is required."]}));
}

#[test]
fn logout_all_without_credentials_answers_401() {
    let app = spawn_app();
    assert_unauthorized(
        &app.request("POST", "/api/logout/all/", &[], None),
        json!({"detail": "Authentication credentials were not provided."}),
    );
}

#[test]
fn logout_all_answers_200_and_clears_the_cookie() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    assert_logged_out(&app.post_with_bearer("/api/logout/all/", &access));
}

#[test]
fn logout_all_refuses_the_access_tokens_of_every_login() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (first, _) = app.login(EMAIL, PASSWORD);
    let (second, _) = app.login(EMAIL, PASSWORD);
    let cookie = app.cookie_login(EMAIL, PASSWORD);

    app.post_with_bearer("/api/logout/all/", &first)
        .assert_status(200);

    for (what, access) in [("first", &first), ("second", &second), ("cookie", &cookie)] {
        let response = app.get_with_bearer("/api/user/", access);
        assert_eq!(response.status, 401, "the {what} login's access token");
        assert_unauthorized(&response, token_not_valid_body());
    }
}

#[test]
fn logout_all_refuses_the_refresh_tokens_of_every_login() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, first) = app.login(EMAIL, PASSWORD);
    let (_, second) = app.login(EMAIL, PASSWORD);

    app.post_with_bearer("/api/logout/all/", &access)
        .assert_status(200);

    for (what, refresh) in [("first", &first), ("second", &second)] {
        let response = app.refresh(refresh);
        assert_eq!(response.status, 401, "the {what} login's refresh token");
        response.assert_json(401, refresh_not_valid_body());
    }
}

#[test]
fn logout_all_leaves_other_users_logged_in() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    app.register("bob@example.com", PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    let (bob_access, bob_refresh) = app.login("bob@example.com", PASSWORD);

    app.post_with_bearer("/api/logout/all/", &access)
        .assert_status(200);

    app.current_user(&bob_access);
    app.refresh(&bob_refresh).assert_status(200);
}

#[test]
fn a_login_right_after_logout_all_works() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    app.post_with_bearer("/api/logout/all/", &access)
        .assert_status(200);

    let (access, refresh) = app.login(EMAIL, PASSWORD);

    app.current_user(&access);
    app.refresh(&refresh).assert_status(200);
}
