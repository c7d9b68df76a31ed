//! `DELETE /api/user/` with the password: the user and their tokens go, and
//! the address is free again.

use serde_json::json;

use crate::helpers::{
    PASSWORD, TestApp, TestResponse, assert_unauthorized, form_encode, no_active_account_body,
    spawn_app,
};

const EMAIL: &str = "alice@example.com";

fn delete(app: &TestApp, access: &str, password: &str) -> TestResponse {
    app.send_json_with_bearer(
        "DELETE",
        "/api/user/",
        access,
        &json!({"password": password}),
    )
}

#[test]
fn delete_user_with_the_password_answers_204_with_an_empty_body() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    let response = delete(&app, &access, PASSWORD);

    response.assert_status(204);
    assert_eq!(response.body, "", "no body");
}

#[test]
fn delete_user_accepts_a_form_body() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    let response = app.request(
        "DELETE",
        "/api/user/",
        &[
            ("Authorization", &format!("Bearer {access}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(form_encode(&[("password", PASSWORD)]).as_bytes()),
    );

    response.assert_status(204);
}

#[test]
fn after_delete_the_access_token_gets_401_user_not_found() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    delete(&app, &access, PASSWORD).assert_status(204);

    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        json!({"detail": "User not found", "code": "user_not_found"}),
    );
}

#[test]
fn after_delete_the_refresh_token_gets_401() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    delete(&app, &access, PASSWORD).assert_status(204);

    app.assert_refresh_refused(&refresh);
}

#[test]
fn after_delete_the_password_no_longer_logs_in() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    delete(&app, &access, PASSWORD).assert_status(204);

    app.post_json(
        "/api/token/",
        &json!({"email": EMAIL, "password": PASSWORD}),
    )
    .assert_json(401, no_active_account_body());
}

#[test]
fn after_delete_the_address_can_register_again() {
    let app = spawn_app();
    let old_id = app.register_id(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);
    delete(&app, &access, PASSWORD).assert_status(204);

    let body = app.register(EMAIL, "a-brand-new-passphrase-9");

    assert_eq!(body["email"], EMAIL);
    assert_ne!(body["id"], old_id, "a new account");
    app.login(EMAIL, "a-brand-new-passphrase-9");
}

#[test]
fn delete_user_answers_400_for_a_wrong_password_and_keeps_the_user() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    delete(&app, &access, "not-my-password-at-all")
        .assert_json(400, json!({"password": ["Password is incorrect."]}));

    assert_eq!(app.current_user(&access)["email"], EMAIL);
}

#[test]
fn delete_user_answers_400_when_the_password_is_missing() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    app.send_json_with_bearer("DELETE", "/api/user/", &access, &json!({}))
        .assert_json(400, json!({"password": ["This field is required."]}));

    assert_eq!(app.current_user(&access)["email"], EMAIL);
}

#[test]
fn delete_user_without_credentials_answers_401() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    let response = app.request(
        "DELETE",
        "/api/user/",
        &[("Content-Type", "application/json")],
        Some(json!({"password": PASSWORD}).to_string().as_bytes()),
    );

    assert_unauthorized(
        &response,
        json!({"detail": "Authentication credentials were not provided."}),
    );
    app.login(EMAIL, PASSWORD);
}
