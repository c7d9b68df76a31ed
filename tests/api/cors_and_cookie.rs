//! What browsers are allowed: CORS for the listed origins only, and the
//! login cookie's attributes as configured.

use crate::helpers::{PASSWORD, TestApp};

#[test]
fn a_preflight_from_a_listed_origin_is_allowed_with_credentials() {
    let app = TestApp::builder()
        .env(
            "ACCOUNTS_CORS_ORIGINS",
            "https://app.example.com, https://admin.example.com",
        )
        .spawn();
    let response = app.request(
        "OPTIONS",
        "/api/token/",
        &[
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        None,
    );
    response.assert_status(204);
    assert_eq!(
        response.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        response.header("Access-Control-Allow-Credentials"),
        Some("true")
    );
    assert!(
        response
            .header("Access-Control-Allow-Methods")
            .unwrap_or("")
            .contains("POST")
    );
    assert!(
        response
            .header("Access-Control-Allow-Headers")
            .unwrap_or("")
            .to_ascii_lowercase()
            .contains("content-type")
    );
    let actual = app.request(
        "GET",
        "/health",
        &[("Origin", "https://app.example.com")],
        None,
    );
    assert_eq!(
        actual.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );
}

#[test]
fn other_origins_get_no_cors_header_at_all() {
    let app = TestApp::builder()
        .env("ACCOUNTS_CORS_ORIGINS", "https://app.example.com")
        .spawn();
    for origin in [
        "https://evil.example.com",
        "null",
        "https://app.example.com.evil.net",
    ] {
        let response = app.request(
            "OPTIONS",
            "/api/token/",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
            ],
            None,
        );
        let cors: Vec<_> = response
            .headers
            .iter()
            .filter(|(n, _)| n.to_ascii_lowercase().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{origin}: {cors:?}");
    }
}

#[test]
fn the_cookie_attributes_follow_the_settings() {
    let app = TestApp::builder()
        .env("ACCOUNTS_COOKIE_SAMESITE", "None")
        .env("ACCOUNTS_COOKIE_SECURE", "false")
        .spawn();
    app.register_with_username("cookie@example.com", "cookie", PASSWORD);
    let response = app.post_form(
        "/api/login/",
        &[("username", "cookie"), ("password", PASSWORD)],
    );
    let cookie = response.header("Set-Cookie").expect("a cookie");
    assert!(cookie.contains("SameSite=None"), "{cookie}");
    assert!(
        cookie.ends_with("; Secure"),
        "SameSite=None forces Secure: {cookie}"
    );
    let strict = TestApp::builder()
        .env("ACCOUNTS_COOKIE_SAMESITE", "Strict")
        .spawn();
    strict.register_with_username("c2@example.com", "c2", PASSWORD);
    let response = strict.post_form("/api/login/", &[("username", "c2"), ("password", PASSWORD)]);
    let cookie = response.header("Set-Cookie").expect("a cookie");
    assert!(
        cookie.contains("SameSite=Strict") && !cookie.contains("Secure"),
        "{cookie}"
    );
}
