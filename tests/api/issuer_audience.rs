//! `ACCOUNTS_JWT_ISSUER` and `ACCOUNTS_JWT_AUDIENCE`: new tokens carry `iss`
//! and `aud` after SimpleJWT's claims, and accepted tokens must carry the
//! same; a value that is not one plain string stops start-up.

use serde_json::json;

use crate::helpers::{
    TestApp, access_claims, claims_of, keys_of, kid_of, now_secs, refresh_not_valid_body, sign,
    simplejwt_claims,
};

const ISSUER: &str = "https://accounts.example.com";
const AUDIENCE: &str = "chat";

fn app_with_claims(alg: &str) -> TestApp {
    TestApp::builder()
        .algorithm(alg)
        .env("ACCOUNTS_JWT_ISSUER", ISSUER)
        .env("ACCOUNTS_JWT_AUDIENCE", AUDIENCE)
        .spawn()
}

#[test]
fn new_tokens_carry_the_issuer_and_the_audience() {
    for alg in ["HS256", "EdDSA"] {
        let app = app_with_claims(alg);
        let (_, access, refresh) = app.user_with_tokens("iss@example.com");
        for token in [&access, &refresh] {
            let claims = claims_of(token);
            assert_eq!(
                keys_of(&claims),
                ["aud", "exp", "iat", "iss", "jti", "token_type", "user_id"],
                "{alg}"
            );
            assert_eq!(
                (&claims["iss"], &claims["aud"]),
                (&json!(ISSUER), &json!(AUDIENCE))
            );
        }
        app.current_user(&access);
        app.refresh(&refresh).assert_status(200);
    }
}

#[test]
fn a_token_with_a_wrong_or_missing_issuer_or_audience_is_refused() {
    let app = app_with_claims("EdDSA");
    let (id, access, _) = app.user_with_tokens("aud@example.com");
    let kid = kid_of(&access);
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
    for (what, iss, aud) in [
        ("right", Some(ISSUER), Some(AUDIENCE)),
        ("no iss", None, Some(AUDIENCE)),
        ("no aud", Some(ISSUER), None),
        ("another iss", Some("https://evil.example"), Some(AUDIENCE)),
        ("another aud", Some(ISSUER), Some("media")),
        ("aud as a list without ours", Some(ISSUER), None),
    ] {
        let mut claims = access_claims(id);
        if let Some(iss) = iss {
            claims["iss"] = json!(iss);
        }
        if let Some(aud) = aud {
            claims["aud"] = json!(aud);
        }
        if what.starts_with("aud as a list") {
            claims["aud"] = json!(["media", "billing"]);
        }
        let token = app.sign_with_ring_key(&kid, &header, &claims);
        let status = app.get_with_bearer("/api/user/", &token).status;
        assert_eq!(status, if what == "right" { 200 } else { 401 }, "{what}");
    }
}

#[test]
fn a_django_token_without_the_issuer_is_refused_once_one_is_required() {
    let app = TestApp::builder()
        .env("ACCOUNTS_JWT_ISSUER", ISSUER)
        .spawn();
    let (id, access, _) = app.user_with_tokens("django-iss@example.com");
    app.current_user(&access);
    let now = now_secs();
    let django = sign(&simplejwt_claims("access", json!(id), now, now + 300));
    app.post_json("/api/token/verify/", &json!({"token": django}))
        .assert_json(401, refresh_not_valid_body());
}

#[test]
fn an_issuer_or_audience_that_is_not_a_plain_string_stops_start_up() {
    for (variable, value) in [
        ("ACCOUNTS_JWT_ISSUER", "https://a.example https://b.example"),
        ("ACCOUNTS_JWT_AUDIENCE", "[\"chat\",\"media\"]"),
        ("ACCOUNTS_JWT_AUDIENCE", "chat,media"),
    ] {
        let failed = TestApp::builder()
            .env(variable, value)
            .spawn_expecting_failure();
        assert!(!failed.status.success());
        assert!(
            failed
                .output
                .contains(&format!("{variable}: expected one plain string")),
            "{}",
            failed.output
        );
    }
}

#[test]
fn an_unknown_algorithm_stops_start_up_naming_the_variable() {
    let failed = TestApp::builder()
        .algorithm("RS256")
        .spawn_expecting_failure();
    assert!(!failed.status.success());
    assert!(
        failed
            .output
            .contains("ACCOUNTS_JWT_ALGORITHM: expected one of: HS256, EdDSA, ES256"),
        "{}",
        failed.output
    );
}
