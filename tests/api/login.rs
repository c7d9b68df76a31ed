//! `POST /api/login/`: the user and the `access_token` cookie.

use serde_json::json;

use crate::helpers::{PASSWORD, SHADOWING_PASSWORD, TestApp, TestResponse, claims, spawn_app};

fn invalid() -> serde_json::Value {
    json!({"Invalid": "Invalid username or password"})
}

fn login(app: &TestApp, username: &str, password: &str) -> TestResponse {
    app.post_json(
        "/api/login/",
        &json!({"username": username, "password": password}),
    )
}

/// The access JWT in `Set-Cookie: access_token=<jwt>; ...`.
fn cookie_token(response: &TestResponse) -> String {
    let cookie = response.header("Set-Cookie").expect("a Set-Cookie header");
    let value = cookie.split(';').next().unwrap();
    value
        .strip_prefix("access_token=")
        .unwrap_or_else(|| panic!("{cookie:?} sets access_token"))
        .to_owned()
}

#[test]
fn login_returns_200_with_the_user_for_a_username() {
    let app = spawn_app();
    let id = app.register_with_username("alice@example.com", "userName", PASSWORD)["id"].clone();

    login(&app, "userName", PASSWORD).assert_json(
        200,
        json!({
            "Success": "Login successfully",
            "user": {"id": id, "username": "userName", "email": "alice@example.com", "is_email_confirmed": false},
        }),
    );
}

#[test]
fn login_returns_200_for_an_email_in_the_username_field() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);

    login(&app, "alice@example.com", PASSWORD).assert_json(
        200,
        json!({
            "Success": "Login successfully",
            "user": {"id": id, "username": null, "email": "alice@example.com", "is_email_confirmed": false},
        }),
    );
}

#[test]
fn login_sets_the_access_token_cookie_exactly() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);

    let response = login(&app, "alice@example.com", PASSWORD);

    response.assert_status(200);
    let cookies = response.header_all("Set-Cookie");
    assert_eq!(cookies.len(), 1, "one cookie: {cookies:?}");
    let access = cookie_token(&response);
    assert_eq!(
        cookies[0],
        format!("access_token={access}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400")
    );
}

#[test]
fn the_login_cookie_holds_an_access_token_of_the_user() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);

    let response = login(&app, "alice@example.com", PASSWORD);

    let claims = claims(&cookie_token(&response));
    assert_eq!(claims["token_type"], "access");
    assert_eq!(claims["user_id"], id);
}

#[test]
fn the_login_cookie_authenticates_the_user_endpoint() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let access = cookie_token(&login(&app, "alice@example.com", PASSWORD));

    let response = app.get_with_cookie("/api/user/", &format!("access_token={access}"));

    response.assert_status(200);
    assert_eq!(response.json()["email"], "alice@example.com");
}

#[test]
fn the_login_cookie_max_age_follows_the_access_ttl() {
    let app = TestApp::builder().env("ACCOUNTS_ACCESS_TTL", "2h").spawn();
    app.register("alice@example.com", PASSWORD);

    let response = login(&app, "alice@example.com", PASSWORD);

    let access = cookie_token(&response);
    assert_eq!(
        response.header("Set-Cookie"),
        Some(
            format!("access_token={access}; Path=/; HttpOnly; SameSite=Lax; Max-Age=7200").as_str()
        )
    );
}

#[test]
fn the_login_cookie_is_secure_when_the_public_url_is_https() {
    let app = TestApp::builder()
        .env("ACCOUNTS_PUBLIC_URL", "https://accounts.example.com")
        .spawn();
    app.register("alice@example.com", PASSWORD);

    let response = login(&app, "alice@example.com", PASSWORD);

    response.assert_status(200);
    let cookie = response.header("Set-Cookie").expect("a Set-Cookie header");
    let mut attributes: Vec<&str> = cookie.split(';').map(str::trim).skip(1).collect();
    attributes.sort_unstable();
    assert_eq!(
        attributes,
        [
            "HttpOnly",
            "Max-Age=86400",
            "Path=/",
            "SameSite=Lax",
            "Secure"
        ],
        "{cookie:?}"
    );
}

#[test]
fn login_accepts_a_form_body() {
    let app = spawn_app();
    app.register_with_username("alice@example.com", "alice", PASSWORD);

    let response = app.post_form(
        "/api/login/",
        &[("username", "alice"), ("password", PASSWORD)],
    );

    response.assert_status(200);
    assert_eq!(response.json()["user"]["email"], "alice@example.com");
    assert!(response.header("Set-Cookie").is_some());
}

#[test]
fn login_returns_404_for_a_wrong_password() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    login(&app, "alice@example.com", "wrong-horse-battery-staple").assert_json(404, invalid());
}

#[test]
fn login_returns_404_for_an_unknown_user() {
    let app = spawn_app();
    login(&app, "nobody", PASSWORD).assert_json(404, invalid());
}

#[test]
fn login_sets_no_cookie_when_the_credentials_are_wrong() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let response = login(&app, "alice@example.com", "wrong-horse-battery-staple");
    assert_eq!(response.header("Set-Cookie"), None);
}

#[test]
fn login_prefers_the_account_whose_email_matches_over_another_users_username() {
    let app = spawn_app();
    let owner = app.register_a_username_equal_to_another_address();

    let response = login(&app, "alice@example.com", PASSWORD);
    response.assert_status(200);
    assert_eq!(response.json()["user"]["id"], owner);

    login(&app, "alice@example.com", SHADOWING_PASSWORD).assert_json(404, invalid());
}

#[test]
fn login_compares_emails_case_insensitively_and_trims_them() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let response = login(&app, "  ALICE@Example.COM ", PASSWORD);
    response.assert_status(200);
    assert_eq!(response.json()["user"]["email"], "alice@example.com");
}

#[test]
fn login_looks_up_usernames_case_insensitively() {
    let app = spawn_app();
    app.register_with_username("alice@example.com", "Alice", PASSWORD);
    let response = login(&app, "aLiCe", PASSWORD);
    response.assert_status(200);
    assert_eq!(response.json()["user"]["username"], "Alice");
}

#[test]
fn login_trims_whitespace_around_the_password() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    login(&app, "alice@example.com", &format!(" {PASSWORD} ")).assert_status(200);
}

#[test]
fn login_shows_the_confirmed_state() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    app.get(&app.confirmation_link("alice@example.com"))
        .assert_status(200);

    let response = login(&app, "alice@example.com", PASSWORD);

    assert_eq!(response.json()["user"]["is_email_confirmed"], true);
}
