//! Cross-site requests riding on the `access_token` cookie: an unsafe
//! request authenticated by the cookie must come from an allowed origin
//! (`ACCOUNTS_CORS_ORIGINS` or the origin of `ACCOUNTS_PUBLIC_URL`), judged
//! by `Origin`, or by `Referer` when `Origin` is absent. A request with
//! neither header, and any request with a Bearer token, goes on as before.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, PUBLIC_URL, TestApp, TestResponse};

const EMAIL: &str = "alice@example.com";
const ALLOWED: &str = "https://app.example.com";
const FOREIGN: &str = "https://evil.example.net";

fn csrf_failed() -> Value {
    json!({"detail": "CSRF Failed: Origin checking failed."})
}

/// A server that lists `ALLOWED`, with a user logged in by cookie; returns
/// the server and the cookie's access token.
fn cookie_session() -> (TestApp, String) {
    let app = TestApp::builder()
        .env("ACCOUNTS_CORS_ORIGINS", ALLOWED)
        .spawn();
    app.register(EMAIL, PASSWORD);
    let token = app.cookie_login(EMAIL, PASSWORD);
    (app, token)
}

/// `POST /api/logout/all/` with the cookie, a form body (what a cross-site
/// HTML form sends) and the given extra headers.
fn logout_all_with_cookie(app: &TestApp, token: &str, headers: &[(&str, &str)]) -> TestResponse {
    let cookie = format!("access_token={token}");
    let mut all = vec![
        ("Cookie", cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    all.extend_from_slice(headers);
    app.request("POST", "/api/logout/all/", &all, Some(b"next=%2F"))
}

fn cookie_still_works(app: &TestApp, token: &str) -> bool {
    let response = app.get_with_cookie("/api/user/", &format!("access_token={token}"));
    response.status == 200
}

#[test]
fn a_cookie_write_from_a_foreign_origin_is_refused_with_403() {
    let (app, token) = cookie_session();

    logout_all_with_cookie(&app, &token, &[("Origin", FOREIGN)]).assert_json(403, csrf_failed());
}

#[test]
fn a_refused_cross_site_logout_leaves_the_login_alive() {
    let (app, token) = cookie_session();

    logout_all_with_cookie(&app, &token, &[("Origin", FOREIGN)]);

    assert!(cookie_still_works(&app, &token));
}

#[test]
fn a_cookie_write_from_a_listed_origin_is_served() {
    let (app, token) = cookie_session();

    logout_all_with_cookie(&app, &token, &[("Origin", ALLOWED)]).assert_status(200);
    assert!(!cookie_still_works(&app, &token), "the logout happened");
}

#[test]
fn a_cookie_write_from_the_public_urls_origin_is_served() {
    let (app, token) = cookie_session();

    logout_all_with_cookie(&app, &token, &[("Origin", PUBLIC_URL)]).assert_status(200);
}

#[test]
fn a_cookie_write_with_neither_origin_nor_referer_is_served() {
    let (app, token) = cookie_session();

    logout_all_with_cookie(&app, &token, &[]).assert_status(200);
}

#[test]
fn a_bearer_write_from_a_foreign_origin_is_unaffected() {
    let (app, _) = cookie_session();
    let (access, _) = app.login(EMAIL, PASSWORD);

    app.request(
        "POST",
        "/api/logout/all/",
        &[
            ("Authorization", &format!("Bearer {access}")),
            ("Origin", FOREIGN),
        ],
        None,
    )
    .assert_status(200);
}

#[test]
fn a_cookie_write_with_a_foreign_referer_and_no_origin_is_refused() {
    let (app, token) = cookie_session();

    logout_all_with_cookie(&app, &token, &[("Referer", &format!("{FOREIGN}/page?x=1"))])
        .assert_json(403, csrf_failed());
    assert!(cookie_still_works(&app, &token));
}

#[test]
fn a_cookie_write_with_a_listed_referer_and_no_origin_is_served() {
    let (app, token) = cookie_session();

    logout_all_with_cookie(&app, &token, &[("Referer", &format!("{ALLOWED}/settings"))])
        .assert_status(200);
}

#[test]
fn an_origin_that_only_starts_like_a_listed_one_is_foreign() {
    let (app, token) = cookie_session();

    logout_all_with_cookie(
        &app,
        &token,
        &[("Origin", "https://app.example.com.evil.net")],
    )
    .assert_json(403, csrf_failed());
}

#[test]
fn a_cross_site_account_deletion_by_cookie_is_refused() {
    let (app, token) = cookie_session();
    let cookie = format!("access_token={token}");

    app.request(
        "DELETE",
        "/api/user/",
        &[
            ("Cookie", &cookie),
            ("Origin", FOREIGN),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(format!("password={PASSWORD}").as_bytes()),
    )
    .assert_json(403, csrf_failed());
    assert!(cookie_still_works(&app, &token), "the account still exists");
}

#[test]
fn a_cross_site_cookie_logout_is_refused() {
    let (app, token) = cookie_session();
    let cookie = format!("access_token={token}");

    app.request(
        "POST",
        "/api/logout/",
        &[("Cookie", &cookie), ("Origin", FOREIGN)],
        None,
    )
    .assert_json(403, csrf_failed());
    assert!(cookie_still_works(&app, &token));
}

#[test]
fn a_cross_site_read_by_cookie_is_unaffected() {
    let (app, token) = cookie_session();
    let cookie = format!("access_token={token}");

    app.request(
        "GET",
        "/api/user/",
        &[("Cookie", &cookie), ("Origin", FOREIGN)],
        None,
    )
    .assert_status(200);
}
