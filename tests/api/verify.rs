//! `POST /api/token/verify/`: whether an access or refresh token would be
//! accepted right now, as SimpleJWT's verify view answers.

use serde_json::json;

use crate::helpers::{
    PASSWORD, expired_by_one_second, refresh_not_valid_body, signed_with_another_key, spawn_app,
};

const EMAIL: &str = "alice@example.com";

#[test]
fn verify_answers_200_with_an_empty_object_for_a_valid_access_token() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    app.post_json("/api/token/verify/", &json!({"token": access}))
        .assert_json(200, json!({}));
}

#[test]
fn verify_answers_200_with_an_empty_object_for_a_valid_refresh_token() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);

    app.post_json("/api/token/verify/", &json!({"token": refresh}))
        .assert_json(200, json!({}));
}

#[test]
fn verify_accepts_a_form_body() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    app.post_form("/api/token/verify/", &[("token", &access)])
        .assert_json(200, json!({}));
}

#[test]
fn verify_answers_401_for_a_garbage_token() {
    let app = spawn_app();
    app.post_json("/api/token/verify/", &json!({"token": "not.a.jwt"}))
        .assert_json(401, refresh_not_valid_body());
}

#[test]
fn verify_answers_401_for_an_access_token_expired_by_one_second() {
    let app = spawn_app();
    let id = app.register_id(EMAIL, PASSWORD);
    let expired = expired_by_one_second("access", id);

    app.post_json("/api/token/verify/", &json!({"token": expired}))
        .assert_json(401, refresh_not_valid_body());
}

#[test]
fn verify_answers_401_for_a_refresh_token_expired_by_one_second() {
    let app = spawn_app();
    let id = app.register_id(EMAIL, PASSWORD);
    let expired = expired_by_one_second("refresh", id);

    app.post_json("/api/token/verify/", &json!({"token": expired}))
        .assert_json(401, refresh_not_valid_body());
}

#[test]
fn verify_answers_401_for_a_token_signed_with_another_key() {
    let app = spawn_app();
    let id = app.register_id(EMAIL, PASSWORD);
    let forged = signed_with_another_key("access", id);

    app.post_json("/api/token/verify/", &json!({"token": forged}))
        .assert_json(401, refresh_not_valid_body());
}

#[test]
fn verify_answers_401_for_a_refresh_token_of_a_logged_out_login() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (_, refresh) = app.login(EMAIL, PASSWORD);
    app.log_out(&refresh);

    app.post_json("/api/token/verify/", &json!({"token": refresh}))
        .assert_json(401, refresh_not_valid_body());
}

#[test]
fn verify_answers_400_when_the_token_is_missing() {
    let app = spawn_app();
    app.post_json("/api/token/verify/", &json!({}))
        .assert_json(400, json!({"token": ["This field is required."]}));
}
