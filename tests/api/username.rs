//! Choosing, changing and removing a username (`PATCH /api/user/`) by the
//! registration's rules, and registering with `"username": null`.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestResponse, assert_unauthorized, spawn_app};

const EMAIL: &str = "alice@example.com";

/// A server where `EMAIL` is registered and logged in; returns both and the
/// access token.
fn logged_in() -> (TestApp, String) {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    (app, access)
}

fn patch(app: &TestApp, access: &str, body: Value) -> TestResponse {
    app.send_json_with_bearer("PATCH", "/api/user/", access, &body)
}

/// The user body `GET /api/user/` answers, with this username.
fn user_with(app: &TestApp, access: &str, username: Value) -> Value {
    let mut user = app.current_user(access);
    user["username"] = username;
    user
}

fn logs_in_as(app: &TestApp, username: &str) -> bool {
    app.post_json(
        "/api/token/",
        &json!({"username": username, "password": PASSWORD}),
    )
    .status
        == 200
}

fn taken() -> Value {
    json!({"username": ["user with this username already exists."]})
}

#[test]
fn a_username_is_set_and_answered_with_the_user_body() {
    let (app, access) = logged_in();
    let expected = user_with(&app, &access, json!("alice_1"));

    patch(&app, &access, json!({"username": "alice_1"})).assert_json(200, expected.clone());

    assert_eq!(app.current_user(&access), expected);
    assert!(logs_in_as(&app, "alice_1"));
}

#[test]
fn a_username_is_changed_and_the_old_one_no_longer_logs_in() {
    let (app, access) = logged_in();
    patch(&app, &access, json!({"username": "first"})).assert_status(200);

    patch(&app, &access, json!({"username": "second"})).assert_status(200);

    assert_eq!(app.current_user(&access)["username"], "second");
    assert!(logs_in_as(&app, "second"));
    assert!(!logs_in_as(&app, "first"));
}

#[test]
fn null_or_an_empty_string_removes_the_username() {
    let (app, access) = logged_in();
    for removal in [json!(null), json!(""), json!("   ")] {
        patch(&app, &access, json!({"username": "named"})).assert_status(200);

        let response = patch(&app, &access, json!({"username": removal}));

        response.assert_status(200);
        assert_eq!(response.json()["username"], Value::Null, "{removal}");
        assert!(!logs_in_as(&app, "named"), "{removal}");
    }
}

#[test]
fn a_username_taken_in_another_case_is_refused() {
    let (app, access) = logged_in();
    app.register_with_username("bob@example.com", "Bob", PASSWORD);

    patch(&app, &access, json!({"username": "bOB"})).assert_json(400, taken());

    assert_eq!(app.current_user(&access)["username"], Value::Null);
}

#[test]
fn a_full_width_look_alike_of_a_taken_username_is_refused() {
    let (app, access) = logged_in();
    app.register_with_username("bob@example.com", "bob", PASSWORD);

    patch(
        &app,
        &access,
        json!({"username": "\u{FF42}\u{FF4F}\u{FF42}"}),
    )
    .assert_json(400, taken());
}

#[test]
fn a_username_is_stored_nfkc_normalised() {
    let (app, access) = logged_in();

    let response = patch(&app, &access, json!({"username": "\u{FF21}lice"}));

    response.assert_status(200);
    assert_eq!(response.json()["username"], "Alice");
}

#[test]
fn a_user_may_change_the_case_of_their_own_username() {
    let (app, access) = logged_in();
    patch(&app, &access, json!({"username": "alice"})).assert_status(200);

    let response = patch(&app, &access, json!({"username": "Alice"}));

    response.assert_status(200);
    assert_eq!(response.json()["username"], "Alice");
}

#[test]
fn an_invalid_username_gets_the_registrations_messages() {
    let (app, access) = logged_in();
    for (name, message) in [
        (
            "bad name".to_owned(),
            "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
        ),
        (
            "a".repeat(151),
            "Ensure this field has no more than 150 characters.",
        ),
    ] {
        patch(&app, &access, json!({"username": name}))
            .assert_json(400, json!({"username": [message]}));
    }
}

#[test]
fn a_username_that_is_not_a_string_is_400_not_a_valid_string() {
    let (app, access) = logged_in();
    for value in [json!(5), json!(true), json!(["a"]), json!({"a": 1})] {
        patch(&app, &access, json!({"username": value}))
            .assert_json(400, json!({"username": ["Not a valid string."]}));
    }
}

#[test]
fn any_other_field_is_a_400_naming_it_and_changes_nothing() {
    let (app, access) = logged_in();

    patch(
        &app,
        &access,
        json!({"username": "alice", "email": "x@example.com", "is_email_confirmed": true}),
    )
    .assert_json(
        400,
        json!({
            "email": ["This field cannot be changed here."],
            "is_email_confirmed": ["This field cannot be changed here."],
        }),
    );

    let user = app.current_user(&access);
    assert_eq!(
        (user["username"].clone(), user["email"].clone()),
        (Value::Null, json!(EMAIL))
    );
}

#[test]
fn a_body_without_a_username_is_400_required() {
    let (app, access) = logged_in();

    patch(&app, &access, json!({}))
        .assert_json(400, json!({"username": ["This field is required."]}));
}

#[test]
fn a_form_body_sets_the_username_too() {
    let (app, access) = logged_in();

    let response = app.request(
        "PATCH",
        "/api/user",
        &[
            ("Authorization", &format!("Bearer {access}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(b"username=form_name"),
    );

    response.assert_status(200);
    assert_eq!(response.json()["username"], "form_name");
}

#[test]
fn patch_needs_authentication_and_a_trusted_origin_with_the_cookie() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    assert_unauthorized(
        &app.request(
            "PATCH",
            "/api/user/",
            &[("Content-Type", "application/json")],
            Some(br#"{"username":"x"}"#),
        ),
        json!({"detail": "Authentication credentials were not provided."}),
    );
    let cookie = format!("access_token={}", app.cookie_login(EMAIL, PASSWORD));

    let refused = app.request(
        "PATCH",
        "/api/user/",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/json"),
            ("Origin", "https://evil.example.net"),
        ],
        Some(br#"{"username":"x"}"#),
    );

    refused.assert_json(
        403,
        json!({"detail": "CSRF Failed: Origin checking failed."}),
    );
    let user = app.get_with_cookie("/api/user/", &cookie).json();
    assert_eq!(user["username"], Value::Null);
}

#[test]
fn the_user_route_lists_patch_in_allow() {
    let app = spawn_app();

    let options = app.request("OPTIONS", "/api/user", &[], None);

    options.assert_status(204);
    assert_eq!(
        options.header("Allow"),
        Some("GET, HEAD, PATCH, DELETE, OPTIONS")
    );
}

#[test]
fn registration_accepts_a_null_username_as_none() {
    let app = spawn_app();

    let response = app.post_json(
        "/api/register/",
        &json!({"email": EMAIL, "username": null, "password": PASSWORD}),
    );

    response.assert_status(201);
    assert_eq!(response.json()["username"], Value::Null);
}
