//! Input an attacker would try: malformed bodies, SQL metacharacters, values
//! of the wrong JSON type, overlong addresses and look-alike usernames. Each
//! gets a clean 400 and nothing is stored.

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

fn assert_nothing_stored(app: &TestApp) {
    let conn = rusqlite::Connection::open(app.db_path()).unwrap();
    let users: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, 0, "no user may be stored");
}

#[test]
fn malformed_bodies_get_a_clean_400_and_store_nothing() {
    let app = spawn_app();
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "invalid UTF-8 in JSON",
            "application/json",
            b"{\"email\": \"a\xff@example.com\", \"password\": \"x\"}".to_vec(),
        ),
        (
            "invalid UTF-8 in a form",
            "application/x-www-form-urlencoded",
            b"email=a%FF%40example.com&password=long-enough-1".to_vec(),
        ),
        (
            "bad percent-encoding",
            "application/x-www-form-urlencoded",
            b"email=a%ZZ&password=long-enough-1".to_vec(),
        ),
        (
            "duplicate JSON field",
            "application/json",
            br#"{"email": "a@example.com", "email": "b@example.com", "password": "long-enough-1"}"#
                .to_vec(),
        ),
        (
            "duplicate form field",
            "application/x-www-form-urlencoded",
            b"email=a%40example.com&email=b%40example.com&password=long-enough-1".to_vec(),
        ),
        (
            "deeply nested JSON",
            "application/json",
            format!(
                "{{\"email\": {}{}}}",
                "[".repeat(30_000),
                "]".repeat(30_000)
            )
            .into_bytes(),
        ),
        (
            "a list",
            "application/json",
            b"[\"a@example.com\"]".to_vec(),
        ),
        (
            "truncated JSON",
            "application/json",
            b"{\"email\": \"a@example.com\"".to_vec(),
        ),
    ];
    for (what, content_type, body) in cases {
        let response = app.post_raw("/api/register/", content_type, &body);
        assert_eq!(response.status, 400, "{what}: {}", response.body);
        response.assert_json_content_type();
    }
    assert_nothing_stored(&app);
}

#[test]
fn sql_metacharacters_are_refused_as_invalid_and_store_nothing() {
    let app = spawn_app();
    for email in [
        "a@example.com' OR '1'='1",
        "x'); DROP TABLE users; --@example.com",
        "\"; --@example.com",
    ] {
        let response = app.post_form(
            "/api/register/",
            &[("email", email), ("password", PASSWORD)],
        );
        response.assert_json(400, json!({"email": ["Enter a valid email address."]}));
    }
    let response = app.post_form(
        "/api/token/",
        &[("username", "' OR 1=1 --"), ("password", "' OR 1=1 --")],
    );
    response.assert_status(401);
    assert_nothing_stored(&app);
}

#[test]
fn a_non_string_value_is_refused_under_its_field() {
    let app = spawn_app();
    for value in [
        json!(12345),
        json!(true),
        json!(["a@example.com"]),
        json!({"a": 1}),
    ] {
        let response = app.post_json(
            "/api/register/",
            &json!({"email": value, "password": PASSWORD}),
        );
        response.assert_json(400, json!({"email": ["Not a valid string."]}));
    }
    assert_nothing_stored(&app);
}

#[test]
fn an_email_over_254_characters_is_refused() {
    let app = spawn_app();
    let email = format!("a@{}.com", "b".repeat(252));
    let response = app.post_form(
        "/api/register/",
        &[("email", &email), ("password", PASSWORD)],
    );
    response.assert_status(400);
    assert!(response.json()["email"].is_array());
}

#[test]
fn look_alike_usernames_cannot_impersonate_an_existing_user() {
    let app = spawn_app();
    app.register_with_username("real@example.com", "admin", PASSWORD);
    for lookalike in ["ADMIN", "\u{ff41}\u{ff44}\u{ff4d}\u{ff49}\u{ff4e}", "Admin"] {
        let response = app.post_form(
            "/api/register/",
            &[
                ("email", "fake@example.com"),
                ("password", PASSWORD),
                ("username", lookalike),
            ],
        );
        response.assert_json(
            400,
            json!({"username": ["user with this username already exists."]}),
        );
    }
}
