//! `POST /api/token/refresh/`: a new access token for a refresh token.

use serde_json::json;

use crate::helpers::{
    PASSWORD, claims, django_refresh_token, expired_by_one_second, now_secs, sign,
    signed_with_another_key, simplejwt_claims, spawn_app,
};

#[test]
fn refresh_returns_200_with_a_new_access_token() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let (_, refresh) = app.login("alice@example.com", PASSWORD);

    let response = app.post_json("/api/token/refresh/", &json!({"refresh": refresh}));

    response.assert_status(200);
    response.assert_json_content_type();
    let body = response.json();
    assert_eq!(
        body.as_object().expect("an object").len(),
        1,
        "only access: {body}"
    );
    let access = body["access"].as_str().expect("an access token");
    let claims = claims(access);
    assert_eq!(claims["token_type"], "access");
    assert_eq!(claims["user_id"], id);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        86_400
    );
}

#[test]
fn a_refreshed_access_token_authenticates_the_user() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (_, refresh) = app.login("alice@example.com", PASSWORD);
    let response = app.post_json("/api/token/refresh/", &json!({"refresh": refresh}));
    let access = response.json()["access"]
        .as_str()
        .expect("an access token")
        .to_owned();

    assert_eq!(app.current_user(&access)["email"], "alice@example.com");
}

#[test]
fn refresh_accepts_a_form_body() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (_, refresh) = app.login("alice@example.com", PASSWORD);

    let response = app.post_form("/api/token/refresh/", &[("refresh", &refresh)]);

    response.assert_status(200);
    assert!(response.json()["access"].is_string());
}

#[test]
fn refresh_can_be_used_again_while_rotation_is_off() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (_, refresh) = app.login("alice@example.com", PASSWORD);

    app.post_json("/api/token/refresh/", &json!({"refresh": refresh}))
        .assert_status(200);
    app.post_json("/api/token/refresh/", &json!({"refresh": refresh}))
        .assert_status(200);
}

#[test]
fn refresh_returns_400_when_the_refresh_field_is_missing() {
    let app = spawn_app();
    app.post_json("/api/token/refresh/", &json!({}))
        .assert_json(400, json!({"refresh": ["This field is required."]}));
}

#[test]
fn refresh_returns_401_for_an_access_token() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);
    app.assert_refresh_refused(&access);
}

#[test]
fn refresh_returns_401_for_a_garbage_token() {
    let app = spawn_app();
    app.assert_refresh_refused("not.a.jwt");
}

#[test]
fn refresh_returns_401_for_a_token_signed_with_another_key() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let forged = signed_with_another_key("refresh", id);
    app.assert_refresh_refused(&forged);
}

#[test]
fn refresh_returns_401_for_a_refresh_token_expired_by_one_second() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    app.assert_refresh_refused(&expired_by_one_second("refresh", id));
}

#[test]
fn refresh_returns_401_when_the_user_no_longer_exists() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let now = now_secs();
    let orphan = sign(&simplejwt_claims(
        "refresh",
        json!(999_999),
        now,
        now + 3600,
    ));
    app.assert_refresh_refused(&orphan);
}

#[test]
fn refresh_accepts_a_refresh_token_that_the_django_service_issued() {
    // SimpleJWT 5.5 signs with Django's SECRET_KEY and puts user_id as a string.
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let django = django_refresh_token(id);

    let response = app.post_json("/api/token/refresh/", &json!({"refresh": django}));

    response.assert_status(200);
    let access = response.json()["access"]
        .as_str()
        .expect("an access token")
        .to_owned();
    assert_eq!(claims(&access)["user_id"], id, "issued as an integer");
}
