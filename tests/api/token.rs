//! `POST /api/token/`: credentials, lookups, password handling and the claims
//! of the issued JWTs.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, SHADOWING_PASSWORD, TestApp, claims, decode_token, no_active_account_body, now_secs,
    spawn_app,
};

fn assert_no_account(response: &crate::helpers::TestResponse) {
    response.assert_json(401, no_active_account_body());
}

fn assert_tokens(response: &crate::helpers::TestResponse) {
    response.assert_status(200);
    response.assert_json_content_type();
    let body = response.json();
    let keys: Vec<&String> = body.as_object().expect("an object").keys().collect();
    assert_eq!(keys.len(), 2, "only refresh and access: {body}");
    assert!(body["refresh"].is_string(), "a refresh token: {body}");
    assert!(body["access"].is_string(), "an access token: {body}");
}

#[test]
fn token_returns_200_with_refresh_and_access_for_email_and_password() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    assert_tokens(&app.post_json(
        "/api/token/",
        &json!({"email": "alice@example.com", "password": PASSWORD}),
    ));
}

#[test]
fn token_accepts_a_form_body() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    assert_tokens(&app.post_form(
        "/api/token/",
        &[("email", "alice@example.com"), ("password", PASSWORD)],
    ));
}

#[test]
fn token_accepts_the_username_field_holding_a_username() {
    let app = spawn_app();
    app.register_with_username("alice@example.com", "alice", PASSWORD);
    assert_tokens(&app.post_json(
        "/api/token/",
        &json!({"username": "alice", "password": PASSWORD}),
    ));
}

#[test]
fn token_accepts_the_username_field_holding_an_email() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    assert_tokens(&app.post_json(
        "/api/token/",
        &json!({"username": "alice@example.com", "password": PASSWORD}),
    ));
}

#[test]
fn token_looks_up_usernames_case_insensitively() {
    let app = spawn_app();
    app.register_with_username("alice@example.com", "Alice", PASSWORD);
    assert_tokens(&app.post_json(
        "/api/token/",
        &json!({"username": "aLICE", "password": PASSWORD}),
    ));
}

#[test]
fn token_compares_emails_case_insensitively_and_trims_them() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let (access, _) = app.login(" ALICE@Example.com\t", PASSWORD);
    assert_eq!(claims(&access)["user_id"], id);
}

#[test]
fn token_returns_401_for_a_wrong_password() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    assert_no_account(&app.post_json(
        "/api/token/",
        &json!({"email": "alice@example.com", "password": "wrong-horse-battery-staple"}),
    ));
}

#[test]
fn token_returns_401_for_an_unknown_user() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    assert_no_account(&app.post_json(
        "/api/token/",
        &json!({"email": "nobody@example.com", "password": PASSWORD}),
    ));
}

#[test]
fn token_returns_400_when_the_password_is_missing() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    app.post_json("/api/token/", &json!({"email": "alice@example.com"}))
        .assert_json(400, json!({"password": ["This field is required."]}));
}

#[test]
fn token_returns_400_when_the_email_or_username_is_missing() {
    let app = spawn_app();
    let response = app.post_json("/api/token/", &json!({"password": PASSWORD}));
    response.assert_status(400);
    let body = response.json();
    let fields = body.as_object().expect("field errors");
    // Which of the two fields the error names is not fixed by the contract:
    // SimpleJWT names its USERNAME_FIELD.
    assert!(
        fields.contains_key("email") || fields.contains_key("username"),
        "names the missing login field: {body}"
    );
    for (field, messages) in fields {
        assert_eq!(messages, &json!(["This field is required."]), "{field}");
    }
}

#[test]
fn token_trims_whitespace_around_the_password_at_login() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    app.login("alice@example.com", &format!("  {PASSWORD}\t\n"));
}

#[test]
fn token_accepts_a_password_that_was_registered_with_surrounding_whitespace() {
    let app = spawn_app();
    app.register("alice@example.com", &format!("\t {PASSWORD}  "));
    app.login("alice@example.com", PASSWORD);
}

#[test]
fn token_refuses_a_long_password_that_only_shares_the_first_72_bytes() {
    let app = spawn_app();
    let prefix = "Tr0ub4dor&3-".repeat(6);
    assert_eq!(prefix.len(), 72);
    app.register("alice@example.com", &format!("{prefix}alpha"));
    assert_no_account(&app.post_json(
        "/api/token/",
        &json!({"email": "alice@example.com", "password": format!("{prefix}omega")}),
    ));
}

#[test]
fn token_accepts_a_long_password_typed_exactly() {
    let app = spawn_app();
    let password = format!("{}alpha", "Tr0ub4dor&3-".repeat(6));
    app.register("alice@example.com", &password);
    app.login("alice@example.com", &password);
}

#[test]
fn token_prefers_the_account_whose_email_matches_over_another_users_username() {
    let app = spawn_app();
    let owner = app.register_a_username_equal_to_another_address();

    let response = app.post_json(
        "/api/token/",
        &json!({"username": "alice@example.com", "password": PASSWORD}),
    );
    response.assert_status(200);
    assert_eq!(
        claims(response.json()["access"].as_str().unwrap())["user_id"],
        owner
    );

    assert_no_account(&app.post_json(
        "/api/token/",
        &json!({"username": "alice@example.com", "password": SHADOWING_PASSWORD}),
    ));
}

fn assert_simplejwt_claims(token: &str, token_type: &str, user_id: i64, lifetime: u64) {
    let claims = claims(token);
    assert_eq!(claims["token_type"], token_type, "{claims}");
    assert_eq!(
        claims["user_id"],
        json!(user_id),
        "an integer user_id: {claims}"
    );
    let iat = claims["iat"].as_u64().expect("an integer iat");
    let exp = claims["exp"].as_u64().expect("an integer exp");
    assert_eq!(exp - iat, lifetime, "{token_type} lifetime: {claims}");
    assert!(now_secs().abs_diff(iat) <= 5, "iat is now: {claims}");
    let jti = claims["jti"].as_str().expect("a string jti");
    assert!(
        jti.len() == 32 && jti.chars().all(|c| c.is_ascii_hexdigit()),
        "jti is 32 hex characters: {jti:?}"
    );
}

#[test]
fn the_access_token_carries_simplejwt_claims_and_lives_one_day() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);
    assert_simplejwt_claims(&access, "access", id, 86_400);
}

#[test]
fn the_refresh_token_carries_simplejwt_claims_and_lives_ten_days() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);
    let (_, refresh) = app.login("alice@example.com", PASSWORD);
    assert_simplejwt_claims(&refresh, "refresh", id, 864_000);
}

#[test]
fn tokens_are_hs256_jwts_signed_with_the_secret_key_as_raw_bytes() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, refresh) = app.login("alice@example.com", PASSWORD);
    for token in [access, refresh] {
        // decode_token verifies the signature with the raw bytes of TEST_SECRET.
        let (header, _) = decode_token(&token);
        assert_eq!(header.alg, jsonwebtoken::Algorithm::HS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
    }
}

#[test]
fn every_issued_token_has_its_own_jti() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access1, refresh1) = app.login("alice@example.com", PASSWORD);
    let (access2, refresh2) = app.login("alice@example.com", PASSWORD);
    let mut jtis: Vec<Value> = [access1, refresh1, access2, refresh2]
        .iter()
        .map(|t| claims(t)["jti"].clone())
        .collect();
    jtis.sort_by_key(|v| v.to_string());
    jtis.dedup();
    assert_eq!(jtis.len(), 4, "distinct jtis: {jtis:?}");
}

#[test]
fn token_lifetimes_follow_the_ttl_settings() {
    for (access_ttl, access_secs, refresh_ttl, refresh_secs) in [
        ("90", 90, "2d", 172_800),
        ("45s", 45, "36h", 129_600),
        ("15m", 900, "3600", 3_600),
    ] {
        let app = TestApp::builder()
            .env("ACCOUNTS_ACCESS_TTL", access_ttl)
            .env("ACCOUNTS_REFRESH_TTL", refresh_ttl)
            .spawn();
        let id = app.register_id("alice@example.com", PASSWORD);
        let (access, refresh) = app.login("alice@example.com", PASSWORD);
        let access_claims = claims(&access);
        let refresh_claims = claims(&refresh);
        assert_eq!(
            access_claims["exp"].as_u64().unwrap() - access_claims["iat"].as_u64().unwrap(),
            access_secs,
            "ACCOUNTS_ACCESS_TTL={access_ttl}"
        );
        assert_eq!(
            refresh_claims["exp"].as_u64().unwrap() - refresh_claims["iat"].as_u64().unwrap(),
            refresh_secs,
            "ACCOUNTS_REFRESH_TTL={refresh_ttl}"
        );
        assert_eq!(access_claims["user_id"], id);
    }
}

/// The fastest of three attempts.
fn fastest(app: &TestApp, body: &Value) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            app.post_json("/api/token/", body).assert_status(401);
            start.elapsed()
        })
        .min()
        .expect("three attempts")
}

#[test]
fn token_spends_bcrypt_work_on_an_unknown_user() {
    // Cost 10 makes one bcrypt verification take tens of milliseconds, far
    // above the rest of the request.
    let app = TestApp::builder().env("ACCOUNTS_BCRYPT_COST", "10").spawn();
    app.register("alice@example.com", PASSWORD);
    let wrong_password = fastest(
        &app,
        &json!({"email": "alice@example.com", "password": "wrong-horse-battery-staple"}),
    );
    let unknown_user = fastest(
        &app,
        &json!({"email": "nobody@example.com", "password": PASSWORD}),
    );
    assert!(
        unknown_user * 3 > wrong_password,
        "an unknown user took {unknown_user:?}, a wrong password {wrong_password:?}"
    );
}
