//! `POST /api/register/`: the new user, field errors, email and username
//! rules, password validators.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, spawn_app};

const TOO_SHORT: &str = "This password is too short. It must contain at least 8 characters.";
const TOO_COMMON: &str = "This password is too common.";
const NUMERIC: &str = "This password is entirely numeric.";
const REQUIRED: &str = "This field is required.";
const BAD_USERNAME: &str = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";

fn register_body(body: Value) -> crate::helpers::TestResponse {
    let app = spawn_app();
    app.post_json("/api/register/", &body)
}

#[test]
fn register_returns_201_with_the_new_user_and_a_null_username() {
    let app = spawn_app();
    let response = app.post_json(
        "/api/register/",
        &json!({"email": "alice@example.com", "password": PASSWORD}),
    );
    response.assert_status(201);
    let id = response.json()["id"].as_i64().expect("an integer id");
    response.assert_json(
        201,
        json!({"id": id, "username": null, "email": "alice@example.com", "is_email_confirmed": false}),
    );
}

#[test]
fn register_returns_201_with_the_given_username() {
    let app = spawn_app();
    let response = app.post_json(
        "/api/register/",
        &json!({"email": "alice@example.com", "username": "alice_w", "password": PASSWORD}),
    );
    response.assert_status(201);
    let id = response.json()["id"].as_i64().expect("an integer id");
    response.assert_json(
        201,
        json!({"id": id, "username": "alice_w", "email": "alice@example.com", "is_email_confirmed": false}),
    );
}

#[test]
fn register_gives_each_user_a_distinct_id() {
    let app = spawn_app();
    let first = app.register_id("alice@example.com", PASSWORD);
    let second = app.register_id("bob@example.com", PASSWORD);
    assert_ne!(first, second);
}

#[test]
fn register_accepts_a_form_encoded_body() {
    let app = spawn_app();
    let response = app.post_form(
        "/api/register/",
        &[
            ("email", "alice@example.com"),
            ("password", PASSWORD),
            ("username", "alice"),
        ],
    );
    response.assert_status(201);
    let body = response.json();
    assert_eq!(body["email"], "alice@example.com");
    assert_eq!(body["username"], "alice");
    assert_eq!(body["is_email_confirmed"], false);
}

#[test]
fn register_decodes_percent_escapes_and_plus_signs_in_form_bodies() {
    let app = spawn_app();
    let password = "p&ss word+%=9Qx";
    app.post_form(
        "/api/register/",
        &[("email", "alice@example.com"), ("password", password)],
    )
    .assert_status(201);
    app.post_json(
        "/api/token/",
        &json!({"email": "alice@example.com", "password": password}),
    )
    .assert_status(200);
}

#[test]
fn register_accepts_json_with_a_charset_parameter() {
    let app = spawn_app();
    let body = json!({"email": "alice@example.com", "password": PASSWORD}).to_string();
    app.post_raw(
        "/api/register/",
        "application/json; charset=utf-8",
        body.as_bytes(),
    )
    .assert_status(201);
}

#[test]
fn register_returns_400_when_email_and_password_are_missing() {
    register_body(json!({})).assert_json(400, json!({"email": [REQUIRED], "password": [REQUIRED]}));
}

#[test]
fn register_returns_400_with_required_fields_when_the_body_is_empty() {
    let app = spawn_app();
    app.request("POST", "/api/register/", &[], Some(b""))
        .assert_json(400, json!({"email": [REQUIRED], "password": [REQUIRED]}));
}

#[test]
fn register_returns_400_when_the_password_is_missing() {
    register_body(json!({"email": "alice@example.com"}))
        .assert_json(400, json!({"password": [REQUIRED]}));
}

#[test]
fn register_returns_400_when_the_email_is_missing() {
    register_body(json!({"password": PASSWORD})).assert_json(400, json!({"email": [REQUIRED]}));
}

#[test]
fn register_returns_400_when_the_email_is_not_a_valid_address() {
    let app = spawn_app();
    for email in [
        "not-an-email",
        "alice@",
        "@example.com",
        "alice@@example.com",
        "alice smith@example.com",
        "alice@exa mple.com",
    ] {
        let response = app.post_json(
            "/api/register/",
            &json!({"email": email, "password": PASSWORD}),
        );
        assert_eq!(response.status, 400, "{email:?}: {}", response.body);
        assert_eq!(
            response.json(),
            json!({"email": ["Enter a valid email address."]}),
            "{email:?}"
        );
    }
}

#[test]
fn register_returns_400_when_the_email_is_taken() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    app.post_json(
        "/api/register/",
        &json!({"email": "alice@example.com", "password": PASSWORD}),
    )
    .assert_json(
        400,
        json!({"email": ["user with this email already exists."]}),
    );
}

#[test]
fn register_returns_400_when_the_email_is_taken_in_another_case() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    app.post_json(
        "/api/register/",
        &json!({"email": "ALICE@Example.COM", "password": PASSWORD}),
    )
    .assert_json(
        400,
        json!({"email": ["user with this email already exists."]}),
    );
}

#[test]
fn register_trims_the_email_and_lowercases_its_domain() {
    let app = spawn_app();
    let body = app.register("  Mixed.Case@EXAMPLE.Com \t", PASSWORD);
    assert_eq!(body["email"], "Mixed.Case@example.com");
}

#[test]
fn register_returns_400_when_the_username_is_taken_in_any_case() {
    let app = spawn_app();
    app.register_with_username("alice@example.com", "Alice", PASSWORD);
    for username in ["Alice", "alice", "ALICE"] {
        let response = app.post_json(
            "/api/register/",
            &json!({"email": "other@example.com", "username": username, "password": PASSWORD}),
        );
        assert_eq!(response.status, 400, "{username:?}: {}", response.body);
        assert_eq!(
            response.json(),
            json!({"username": ["user with this username already exists."]}),
            "{username:?}"
        );
    }
}

#[test]
fn register_returns_400_when_the_username_breaks_djangos_rule() {
    let app = spawn_app();
    for (why, username) in [
        ("a space", "alice smith"),
        ("a slash", "alice/smith"),
        ("a semicolon", "alice;"),
        ("an exclamation mark", "alice!"),
        ("an emoji", "alice\u{1F600}"),
    ] {
        let response = app.post_json(
            "/api/register/",
            &json!({"email": "alice@example.com", "username": username, "password": PASSWORD}),
        );
        assert_eq!(
            response.status, 400,
            "username with {why}: {}",
            response.body
        );
        assert_eq!(
            response.json(),
            json!({"username": [BAD_USERNAME]}),
            "username with {why}"
        );
    }
}

#[test]
fn register_returns_400_when_the_username_is_longer_than_150_characters() {
    // Django checks the length with the model field's max_length, whose
    // message is its own.
    register_body(
        json!({"email": "alice@example.com", "username": "a".repeat(151), "password": PASSWORD}),
    )
    .assert_json(
        400,
        json!({"username": ["Ensure this field has no more than 150 characters."]}),
    );
}

#[test]
fn register_accepts_a_username_of_150_allowed_characters() {
    let app = spawn_app();
    let username = format!("{}@.+-_", "a".repeat(145));
    assert_eq!(username.chars().count(), 150);
    let body = app.register_with_username("alice@example.com", &username, PASSWORD);
    assert_eq!(body["username"], username.as_str());
}

#[test]
fn register_accepts_a_username_with_unicode_letters_and_digits() {
    let app = spawn_app();
    let body = app.register_with_username("zoe@example.com", "Zoë_Ångström٣", PASSWORD);
    assert_eq!(body["username"], "Zoë_Ångström٣");
}

#[test]
fn register_treats_an_empty_username_as_none() {
    let app = spawn_app();
    let first = app.register_with_username("alice@example.com", "", PASSWORD);
    let second = app.register_with_username("bob@example.com", "", PASSWORD);
    assert_eq!(first["username"], Value::Null);
    assert_eq!(second["username"], Value::Null);
}

#[test]
fn register_returns_400_when_the_password_is_too_short() {
    register_body(json!({"email": "alice@example.com", "password": "Xk3#qz"}))
        .assert_json(400, json!({"password": [TOO_SHORT]}));
}

#[test]
fn register_returns_400_when_the_password_is_too_common() {
    let app = spawn_app();
    for password in ["password", "Password", "qwertyui"] {
        let response = app.post_json(
            "/api/register/",
            &json!({"email": "alice@example.com", "password": password}),
        );
        assert_eq!(response.status, 400, "{password:?}: {}", response.body);
        assert_eq!(
            response.json(),
            json!({"password": [TOO_COMMON]}),
            "{password:?}"
        );
    }
}

#[test]
fn register_returns_400_when_the_password_is_entirely_numeric() {
    register_body(json!({"email": "alice@example.com", "password": "73915284061"}))
        .assert_json(400, json!({"password": [NUMERIC]}));
}

#[test]
fn register_lists_every_failed_password_rule_in_djangos_order() {
    register_body(json!({"email": "alice@example.com", "password": "1234"}))
        .assert_json(400, json!({"password": [TOO_SHORT, TOO_COMMON, NUMERIC]}));
}

#[test]
fn register_checks_the_password_length_after_trimming_whitespace() {
    register_body(json!({"email": "alice@example.com", "password": "   Qz7#kLm   "}))
        .assert_json(400, json!({"password": [TOO_SHORT]}));
}

#[test]
fn register_does_not_create_the_user_when_it_answers_400() {
    let app = spawn_app();
    app.post_json(
        "/api/register/",
        &json!({"email": "alice@example.com", "password": "password"}),
    )
    .assert_status(400);
    app.register("alice@example.com", PASSWORD);
}
