//! The attacks on asymmetric JWTs (RFC 8725), performed over HTTP: each gets
//! the contract's 401 `token_not_valid`, never a 500. Where a signature
//! could matter, the token is signed with the service's own private key
//! (read from its key ring), so the refusal comes from the rule under test.

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, access_claims, assert_unauthorized, base64url, kid_of, refresh_not_valid_body,
    sign_raw, sign_with, spawn_with_algorithm, token_not_valid_body,
};

/// Expects `token` refused as an access token and by verify.
fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let user = app.get_with_bearer("/api/user/", token);
    assert_eq!(user.status, 401, "{what}: {}", user.body);
    assert_unauthorized(&user, token_not_valid_body());
    let verify = app.post_json("/api/token/verify/", &json!({"token": token}));
    assert_eq!(verify.status, 401, "{what}: {}", verify.body);
    verify.assert_json(401, refresh_not_valid_body());
}

/// A server on `alg`, a user, and the kid of the key that signs.
fn setup(alg: &str) -> (TestApp, i64, String) {
    let app = spawn_with_algorithm(alg);
    let (id, access, _) = app.user_with_tokens("target@example.com");
    (app, id, kid_of(&access))
}

#[test]
fn a_token_signed_with_the_ring_key_is_accepted_as_a_control() {
    let (app, id, kid) = setup("EdDSA");
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
    let token = app.sign_with_ring_key(&kid, &header, &access_claims(id));
    app.current_user(&token);
}

#[test]
fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    for alg in ["EdDSA", "ES256"] {
        let (app, id, kid) = setup(alg);
        let jwk = app.jwks()["keys"][0].clone();
        let x = jwk["x"].as_str().unwrap().to_owned();
        let secrets: [Vec<u8>; 3] = [
            x.clone().into_bytes(),
            jwk.to_string().into_bytes(),
            app.get("/.well-known/jwks.json").body.into_bytes(),
        ];
        for secret in &secrets {
            for kid in [Some(kid.as_str()), None] {
                let mut header = json!({"alg": "HS256", "typ": "JWT"});
                if let Some(kid) = kid {
                    header["kid"] = json!(kid);
                }
                let token = sign_raw(&header, &access_claims(id), |m| hmac(secret, m));
                assert_refused(
                    &app,
                    &token,
                    &format!("{alg}, HMAC keyed with the public key, kid {kid:?}"),
                );
            }
        }
    }
}

#[test]
fn an_unknown_kid_is_refused() {
    let (app, id, kid) = setup("EdDSA");
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": "not-a-key-of-ours"});
    let token = app.sign_with_ring_key(&kid, &header, &access_claims(id));
    assert_refused(&app, &token, "unknown kid");
}

#[test]
fn a_header_that_brings_its_own_key_is_refused() {
    let (app, id, kid) = setup("ES256");
    let jwk = app.jwks()["keys"][0].clone();
    for (member, value) in [
        ("jwk", jwk),
        ("jku", json!("https://attacker.example/jwks.json")),
        ("x5u", json!("https://attacker.example/cert.pem")),
        ("x5c", json!(["MIIBszCCAVmgAwIBAgIUE"])),
    ] {
        let mut header = json!({"alg": "ES256", "typ": "JWT", "kid": kid});
        header[member] = value;
        let token = app.sign_with_ring_key(&kid, &header, &access_claims(id));
        assert_refused(&app, &token, member);
    }
}

#[test]
fn an_algorithm_other_than_the_keys_is_refused() {
    let (app, id, kid) = setup("EdDSA");
    for header in [
        json!({"alg": "none", "typ": "JWT", "kid": kid}),
        json!({"alg": "ES256", "typ": "JWT", "kid": kid}),
        json!({"alg": "HS512", "typ": "JWT", "kid": kid}),
    ] {
        let token = app.sign_with_ring_key(&kid, &header, &access_claims(id));
        assert_refused(&app, &token, &header.to_string());
    }
    let none = format!(
        "{}.{}.",
        base64url(json!({"alg": "none", "kid": kid}).to_string().as_bytes()),
        base64url(access_claims(id).to_string().as_bytes())
    );
    assert_refused(&app, &none, "unsigned");
}

#[test]
fn malformed_headers_and_absurd_kids_are_401_not_500() {
    let (app, id, kid) = setup("EdDSA");
    let claims = base64url(access_claims(id).to_string().as_bytes());
    let raw_headers: [&[u8]; 6] = [
        b"not json",
        b"{\"alg\":\"EdDSA\",\"kid\":",
        b"{\"alg\":\"EdDSA\",\"kid\":5}",
        b"{\"alg\":\"EdDSA\",\"kid\":null,\"jwk\":\"not a key\"}",
        b"[\"alg\",\"EdDSA\"]",
        b"\xff\xfe",
    ];
    for header in raw_headers {
        let token = format!("{}.{claims}.c2ln", base64url(header));
        assert_refused(&app, &token, &String::from_utf8_lossy(header));
    }
    for token in ["e30", "....", "!!!.!!!.!!!", &format!("{claims}.{claims}")] {
        assert_refused(&app, token, token);
    }
    // A kid of 4 KiB in the Authorization header, and of 40 KB in a body.
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": "k".repeat(4096)});
    let token = app.sign_with_ring_key(&kid, &header, &access_claims(id));
    assert_refused(&app, &token, "a 4 KiB kid");
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": "k".repeat(40_000)});
    let token = app.sign_with_ring_key(&kid, &header, &access_claims(id));
    app.post_json("/api/token/verify/", &json!({"token": token}))
        .assert_json(401, refresh_not_valid_body());
    app.assert_alive();
}

#[test]
fn a_token_of_another_key_pair_with_our_kid_is_refused() {
    let (app, id, kid) = setup("EdDSA");
    let other = spawn_with_algorithm("EdDSA");
    let (_, other_access, _) = other.user_with_tokens("other@example.com");
    let other_kid = kid_of(&other_access);
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
    let token = other.sign_with_ring_key(&other_kid, &header, &access_claims(id));
    assert_refused(&app, &token, "signed by another service's key");
}

#[test]
fn an_hs256_token_with_the_shared_secret_and_a_kid_is_refused() {
    let (app, id, _) = setup("EdDSA");
    let mut token_claims: Value = access_claims(id);
    token_claims["user_id"] = json!(id);
    let plain = sign_with(
        jsonwebtoken::Algorithm::HS256,
        crate::helpers::TEST_SECRET.as_bytes(),
        &token_claims,
    );
    app.current_user(&plain);
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": "anything"});
    let token = sign_raw(&header, &token_claims, |m| {
        hmac(crate::helpers::TEST_SECRET.as_bytes(), m)
    });
    assert_refused(&app, &token, "HS256 naming a kid");
}

/// HMAC-SHA256, through jsonwebtoken (the signature comes back base64url).
fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let signature = jsonwebtoken::crypto::sign(
        message,
        &jsonwebtoken::EncodingKey::from_secret(key),
        jsonwebtoken::Algorithm::HS256,
    )
    .expect("HMAC");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .expect("base64url")
}
