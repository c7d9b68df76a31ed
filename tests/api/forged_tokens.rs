//! Forged and tampered JWTs (RFC 8725): `alg: none`, other algorithms,
//! missing or wrong claims, an edited payload and another key are all refused
//! with the contract's body, on every route that takes a token.

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TEST_SECRET, now_secs, refresh_not_valid_body, sign_with, spawn_app,
    token_not_valid_body,
};

fn valid_claims(user_id: i64, token_type: &str) -> Value {
    json!({
        "token_type": token_type,
        "exp": now_secs() + 600,
        "iat": now_secs(),
        "jti": "0123456789abcdef0123456789abcdef",
        "user_id": user_id,
    })
}

fn forged_tokens(user_id: i64, token_type: &str) -> Vec<(&'static str, String)> {
    let key = TEST_SECRET.as_bytes();
    let good = valid_claims(user_id, token_type);
    let mut without_type = good.clone();
    without_type.as_object_mut().unwrap().remove("token_type");
    let mut wrong_type = good.clone();
    wrong_type["token_type"] = json!("id");
    let mut without_exp = good.clone();
    without_exp.as_object_mut().unwrap().remove("exp");
    let mut expired = good.clone();
    expired["exp"] = json!(now_secs() - 1);
    let signed = sign_with(jsonwebtoken::Algorithm::HS256, key, &good);
    let mut parts: Vec<String> = signed.split('.').map(str::to_string).collect();
    let mut other_user = good.clone();
    other_user["user_id"] = json!(user_id + 1);
    parts[1] = crate::helpers::base64url(other_user.to_string().as_bytes());
    let tampered = parts.join(".");
    vec![
        ("alg none", crate::helpers::unsigned_token(&good)),
        (
            "HS512",
            sign_with(jsonwebtoken::Algorithm::HS512, key, &good),
        ),
        (
            "HS384",
            sign_with(jsonwebtoken::Algorithm::HS384, key, &good),
        ),
        (
            "no token_type",
            sign_with(jsonwebtoken::Algorithm::HS256, key, &without_type),
        ),
        (
            "wrong token_type",
            sign_with(jsonwebtoken::Algorithm::HS256, key, &wrong_type),
        ),
        (
            "no exp",
            sign_with(jsonwebtoken::Algorithm::HS256, key, &without_exp),
        ),
        (
            "expired",
            sign_with(jsonwebtoken::Algorithm::HS256, key, &expired),
        ),
        ("tampered payload", tampered),
        (
            "another key",
            sign_with(
                jsonwebtoken::Algorithm::HS256,
                b"another-key-of-enough-length-for-hs256!!",
                &good,
            ),
        ),
    ]
}

#[test]
fn forged_access_tokens_are_refused_with_the_contract_body() {
    let app = spawn_app();
    let id = app.register_id("forge@example.com", PASSWORD);
    let control = sign_with(
        jsonwebtoken::Algorithm::HS256,
        TEST_SECRET.as_bytes(),
        &valid_claims(id, "access"),
    );
    app.get_with_bearer("/api/user/", &control)
        .assert_status(200);
    for (attack, token) in forged_tokens(id, "access") {
        let response = app.get_with_bearer("/api/user/", &token);
        assert_eq!(response.status, 401, "{attack}: {}", response.body);
        assert_eq!(response.json(), token_not_valid_body(), "{attack}");
    }
}

#[test]
fn forged_refresh_tokens_are_refused_with_the_contract_body() {
    let app = spawn_app();
    let id = app.register_id("forge-refresh@example.com", PASSWORD);
    for (attack, token) in forged_tokens(id, "refresh") {
        let response = app.post_form("/api/token/refresh/", &[("refresh", &token)]);
        assert_eq!(response.status, 401, "{attack}: {}", response.body);
        assert_eq!(response.json(), refresh_not_valid_body(), "{attack}");
        let verify = app.post_form("/api/token/verify/", &[("token", &token)]);
        assert_eq!(verify.status, 401, "verify {attack}: {}", verify.body);
    }
}
