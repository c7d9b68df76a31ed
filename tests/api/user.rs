//! `GET /api/user/`: the current user, the two ways to authenticate, and
//! SimpleJWT's 401 bodies.

use serde_json::json;

use crate::helpers::{
    PASSWORD, assert_unauthorized, expired_by_one_second, now_secs, sign, sign_with,
    signed_with_another_key, simplejwt_claims, spawn_app, token_not_valid_body, unsigned_token,
};

fn not_provided() -> serde_json::Value {
    json!({"detail": "Authentication credentials were not provided."})
}

fn bad_header() -> serde_json::Value {
    json!({
        "detail": "Authorization header must contain two space-delimited values",
        "code": "bad_authorization_header",
    })
}

#[test]
fn user_returns_the_current_user_for_a_bearer_token() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);

    app.get_with_bearer("/api/user/", &access).assert_json(
        200,
        json!({"id": id, "username": null, "email": "alice@example.com", "is_email_confirmed": false}),
    );
}

#[test]
fn user_returns_the_username_when_the_user_has_one() {
    let app = spawn_app();
    let body = app.register_with_username("alice@example.com", "alice", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);

    app.get_with_bearer("/api/user/", &access).assert_json(
        200,
        json!({"id": body["id"], "username": "alice", "email": "alice@example.com", "is_email_confirmed": false}),
    );
}

#[test]
fn user_accepts_the_access_token_cookie() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);

    let response = app.get_with_cookie("/api/user/", &format!("access_token={access}"));

    response.assert_status(200);
    assert_eq!(response.json()["email"], "alice@example.com");
}

#[test]
fn user_finds_the_access_token_cookie_among_other_cookies() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);

    let response = app.get_with_cookie(
        "/api/user/",
        &format!("theme=dark; access_token={access}; lang=en"),
    );

    response.assert_status(200);
    assert_eq!(response.json()["email"], "alice@example.com");
}

#[test]
fn user_returns_401_without_credentials() {
    let app = spawn_app();
    assert_unauthorized(&app.get("/api/user/"), not_provided());
}

#[test]
fn user_treats_a_basic_authorization_header_as_no_credentials() {
    let app = spawn_app();
    assert_unauthorized(
        &app.get_with_authorization("/api/user/", "Basic YWxpY2U6c2VjcmV0"),
        not_provided(),
    );
}

#[test]
fn user_treats_a_lowercase_bearer_scheme_as_no_credentials() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);
    assert_unauthorized(
        &app.get_with_authorization("/api/user/", &format!("bearer {access}")),
        not_provided(),
    );
}

#[test]
fn user_returns_401_bad_authorization_header_for_bearer_without_a_token() {
    let app = spawn_app();
    assert_unauthorized(
        &app.get_with_authorization("/api/user/", "Bearer"),
        bad_header(),
    );
}

#[test]
fn user_returns_401_bad_authorization_header_for_three_values() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);
    assert_unauthorized(
        &app.get_with_authorization("/api/user/", &format!("Bearer {access} extra")),
        bad_header(),
    );
}

#[test]
fn user_returns_401_token_not_valid_for_a_garbage_token() {
    let app = spawn_app();
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", "garbage"),
        token_not_valid_body(),
    );
}

#[test]
fn user_returns_401_token_not_valid_for_a_garbage_cookie() {
    let app = spawn_app();
    assert_unauthorized(
        &app.get_with_cookie("/api/user/", "access_token=garbage"),
        token_not_valid_body(),
    );
}

#[test]
fn user_returns_401_token_not_valid_for_a_refresh_token() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (_, refresh) = app.login("alice@example.com", PASSWORD);
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &refresh),
        token_not_valid_body(),
    );
}

#[test]
fn user_returns_401_token_not_valid_for_a_token_expired_by_one_second() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &expired_by_one_second("access", id)),
        token_not_valid_body(),
    );
}

#[test]
fn user_accepts_a_token_whose_user_id_is_a_string() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let now = now_secs();
    let token = sign(&simplejwt_claims(
        "access",
        json!(id.to_string()),
        now,
        now + 3600,
    ));

    let response = app.get_with_bearer("/api/user/", &token);

    response.assert_status(200);
    assert_eq!(response.json()["id"], id);
}

#[test]
fn user_accepts_a_token_signed_with_the_secret_key_by_another_issuer() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let now = now_secs();
    let token = sign(&simplejwt_claims("access", json!(id), now - 60, now + 3600));

    app.get_with_bearer("/api/user/", &token).assert_status(200);
}

#[test]
fn user_returns_401_token_not_valid_for_a_token_signed_with_another_key() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let forged = signed_with_another_key("access", id);
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &forged),
        token_not_valid_body(),
    );
}

#[test]
fn user_returns_401_token_not_valid_for_an_hs512_token_with_the_right_key() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let now = now_secs();
    let token = sign_with(
        jsonwebtoken::Algorithm::HS512,
        crate::helpers::TEST_SECRET.as_bytes(),
        &simplejwt_claims("access", json!(id), now, now + 3600),
    );
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &token),
        token_not_valid_body(),
    );
}

#[test]
fn user_returns_401_token_not_valid_for_an_unsigned_token() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let now = now_secs();
    let token = unsigned_token(&simplejwt_claims("access", json!(id), now, now + 3600));
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &token),
        token_not_valid_body(),
    );
}

#[test]
fn user_returns_401_token_not_valid_for_a_token_without_a_token_type() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let now = now_secs();
    let mut claims = simplejwt_claims("access", json!(id), now, now + 3600);
    claims.as_object_mut().unwrap().remove("token_type");
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &sign(&claims)),
        token_not_valid_body(),
    );
}

#[test]
fn user_returns_401_user_not_found_for_a_valid_token_of_an_unknown_user() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let now = now_secs();
    let token = sign(&simplejwt_claims("access", json!(999_999), now, now + 3600));
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &token),
        json!({"detail": "User not found", "code": "user_not_found"}),
    );
}
