//! Tokens signed with the key ring: EdDSA and ES256, `kid`s, issuer and
//! audience, the strict choice of key and algorithm, and the cache.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use super::*;
use crate::domain::signing::material::PrivateKey;
use crate::domain::signing::{KeyRing, KeySet};

const SECRET: &str = "a-test-key-that-is-long-enough-for-hs256";
const VERIFY_FOR: u64 = 3600;

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// A ring that switched from HS256 to `alg` ten seconds ago.
fn ring(alg: JwtAlgorithm) -> KeyRing {
    let mut ring = KeyRing::hs256_only();
    ring.prepare_for_start(alg, now() - 10).unwrap();
    ring
}

fn keys_of(ring: &KeyRing, rules: ClaimRules) -> TokenKeys {
    let set = KeySet::build(ring, &Secret::from(SECRET), VERIFY_FOR).unwrap();
    TokenKeys::with_keys(set, rules)
}

fn issue(keys: &TokenKeys, token_type: TokenType) -> String {
    keys.issue(token_type, 7, "cd".repeat(16), now(), 60)
        .unwrap()
        .token
}

/// The newest asymmetric key of the ring.
fn private_key(ring: &KeyRing) -> PrivateKey {
    let entry = ring
        .entries()
        .iter()
        .rev()
        .find(|e| e.alg.is_asymmetric())
        .unwrap();
    PrivateKey::from_pkcs8_pem(entry.alg, entry.private_key.as_ref().unwrap()).unwrap()
}

fn claims() -> Value {
    json!({"token_type": "access", "exp": now() + 60, "iat": now(), "jti": "ab".repeat(16), "user_id": 7})
}

fn segment(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Signs `claims` with the ring's own key under `header`.
fn signed_by_the_ring(ring: &KeyRing, header: Header, claims: &Value) -> String {
    encode(&header, claims, &private_key(ring).encoding_key().unwrap()).unwrap()
}

fn header_for(ring: &KeyRing) -> Header {
    let key = private_key(ring);
    let mut header = Header::new(key.algorithm().jsonwebtoken());
    header.kid = Some(key.public_jwk().kid);
    header
}

#[test]
fn an_hs256_token_is_byte_for_byte_what_it_was() {
    let token = issue(&TokenKeys::new(&Secret::from(SECRET)), TokenType::Access);
    let header = token.split('.').next().unwrap();
    assert_eq!(
        header,
        URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"HS256"}"#)
    );
    let claims = segment(&token, 1);
    let names: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, ["token_type", "exp", "iat", "jti", "user_id"]);
}

#[test]
fn asymmetric_tokens_name_their_key_and_verify() {
    for alg in [JwtAlgorithm::EdDSA, JwtAlgorithm::ES256] {
        let ring = ring(alg);
        let keys = keys_of(&ring, ClaimRules::default());
        let token = issue(&keys, TokenType::Access);
        let header = segment(&token, 0);
        assert_eq!(header["alg"], alg.as_str());
        assert_eq!(header["kid"].as_str(), ring.entries()[1].kid.as_deref());
        let verified = keys.verify(&token, Some(TokenType::Access)).unwrap();
        assert_eq!(verified.user_id, 7, "{alg:?}");
        assert_eq!(
            keys.verify(&token, Some(TokenType::Refresh)),
            Err(TokenError::WrongType)
        );
    }
}

#[test]
fn hs256_tokens_keep_verifying_after_a_switch_until_the_old_key_retires() {
    let ring = ring(JwtAlgorithm::EdDSA);
    let keys = keys_of(&ring, ClaimRules::default());
    let mut long_lived = claims();
    long_lived["exp"] = json!(now() + 10 * VERIFY_FOR);
    let django = encode(
        &Header::new(Algorithm::HS256),
        &long_lived,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert!(keys.verify(&django, None).is_ok());
    let retired_at = ring.entries()[1].signs_from + VERIFY_FOR;
    assert!(keys.verify_at(&django, None, retired_at - 1).is_ok());
    assert!(keys.verify_at(&django, None, retired_at).is_err());
}

#[test]
fn issuer_and_audience_are_added_last_and_then_required() {
    let rules = ClaimRules {
        issuer: Some("https://accounts.example.com".into()),
        audience: Some("chat".into()),
    };
    let ring = ring(JwtAlgorithm::EdDSA);
    let keys = keys_of(&ring, rules);
    let token = issue(&keys, TokenType::Access);
    let claims_of_token = segment(&token, 1);
    let names: Vec<&str> = claims_of_token
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        ["token_type", "exp", "iat", "jti", "user_id", "aud", "iss"]
    );
    assert!(keys.verify(&token, None).is_ok());
    let mut claims = claims();
    for (what, iss, aud) in [
        ("no iss or aud", None, None),
        ("no iss", None, Some("chat")),
        ("no aud", Some("https://accounts.example.com"), None),
        ("another iss", Some("https://evil.example"), Some("chat")),
        (
            "another aud",
            Some("https://accounts.example.com"),
            Some("media"),
        ),
    ] {
        claims["iss"] = iss.map_or(Value::Null, Value::from);
        claims["aud"] = aud.map_or(Value::Null, Value::from);
        let object = claims.as_object_mut().unwrap();
        object.retain(|_, v| !v.is_null());
        let token = signed_by_the_ring(&ring, header_for(&ring), &claims);
        assert!(keys.verify(&token, None).is_err(), "{what}");
    }
}

#[test]
fn an_hmac_token_keyed_with_the_public_key_is_refused() {
    let ring = ring(JwtAlgorithm::EdDSA);
    let keys = keys_of(&ring, ClaimRules::default());
    let jwk = serde_json::to_value(private_key(&ring).public_jwk()).unwrap();
    let x = jwk["x"].as_str().unwrap();
    let raw = URL_SAFE_NO_PAD.decode(x).unwrap();
    for secret in [raw.as_slice(), x.as_bytes(), jwk.to_string().as_bytes()] {
        for kid in [None, jwk["kid"].as_str().map(str::to_string)] {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = kid.clone();
            let token = encode(&header, &claims(), &EncodingKey::from_secret(secret)).unwrap();
            assert!(keys.verify(&token, None).is_err(), "kid {kid:?}");
        }
    }
}

/// Puts one member into a header.
type AddToHeader = fn(&mut Header, &jsonwebtoken::jwk::Jwk);

#[test]
fn a_header_that_brings_its_own_key_is_refused_even_when_the_signature_is_good() {
    let ring = ring(JwtAlgorithm::EdDSA);
    let keys = keys_of(&ring, ClaimRules::default());
    let jwk: jsonwebtoken::jwk::Jwk =
        serde_json::from_value(serde_json::to_value(private_key(&ring).public_jwk()).unwrap())
            .unwrap();
    let variants: Vec<(&str, AddToHeader)> = vec![
        ("jwk", |h, jwk| h.jwk = Some(jwk.clone())),
        ("jku", |h, _| {
            h.jku = Some("https://evil.example/jwks.json".into())
        }),
        ("x5u", |h, _| {
            h.x5u = Some("https://evil.example/cert.pem".into())
        }),
        ("x5c", |h, _| h.x5c = Some(vec!["MIIB".into()])),
        ("crit", |h, _| h.crit = Some(vec!["exp".into()])),
    ];
    assert!(
        keys.verify(
            &signed_by_the_ring(&ring, header_for(&ring), &claims()),
            None
        )
        .is_ok()
    );
    for (what, add) in variants {
        let mut header = header_for(&ring);
        add(&mut header, &jwk);
        let token = signed_by_the_ring(&ring, header, &claims());
        assert!(keys.verify(&token, None).is_err(), "{what}");
    }
}

#[test]
fn unknown_and_absurdly_long_kids_are_refused() {
    let ring = ring(JwtAlgorithm::EdDSA);
    let keys = keys_of(&ring, ClaimRules::default());
    for kid in ["unknown".to_string(), "k".repeat(100_000)] {
        let mut header = header_for(&ring);
        header.kid = Some(kid);
        let token = signed_by_the_ring(&ring, header, &claims());
        assert!(keys.verify(&token, None).is_err());
    }
}

#[test]
fn the_algorithm_is_the_keys_not_the_headers() {
    let mut ring = ring(JwtAlgorithm::EdDSA);
    let eddsa = private_key(&ring);
    ring.prepare_for_start(JwtAlgorithm::ES256, now() - 5)
        .unwrap();
    let keys = keys_of(&ring, ClaimRules::default());
    let es256_kid = private_key(&ring).public_jwk().kid;
    // A good EdDSA signature, presented as coming from the ES256 key.
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(es256_kid);
    let token = encode(&header, &claims(), &eddsa.encoding_key().unwrap()).unwrap();
    assert!(keys.verify(&token, None).is_err());
}

#[test]
fn a_remembered_token_still_expires_and_still_needs_a_live_key() {
    let ring = ring(JwtAlgorithm::EdDSA);
    let keys = keys_of(&ring, ClaimRules::default());
    let token = issue(&keys, TokenType::Access);
    let exp = keys.verify(&token, None).unwrap().exp;
    assert!(
        keys.verify_at(&token, None, exp - 1).is_ok(),
        "valid before exp"
    );
    assert!(
        keys.verify_at(&token, None, exp).is_err(),
        "expired in the second of exp, once cached too"
    );
    let long_lived = keys
        .issue(
            TokenType::Access,
            7,
            "ef".repeat(16),
            now(),
            10 * VERIFY_FOR,
        )
        .unwrap()
        .token;
    let mut rotated = ring.clone();
    let t = now();
    rotated.rotate(JwtAlgorithm::EdDSA, t, 0).unwrap();
    keys.replace(KeySet::build(&rotated, &Secret::from(SECRET), VERIFY_FOR).unwrap());
    assert!(
        keys.verify(&long_lived, None).is_ok(),
        "verified, so remembered"
    );
    assert!(
        keys.verify_at(&long_lived, None, t + VERIFY_FOR - 1)
            .is_ok()
    );
    assert!(
        keys.verify_at(&long_lived, None, t + VERIFY_FOR).is_err(),
        "its key retired"
    );
}

#[test]
fn malformed_tokens_are_refused_not_panicked_over() {
    let keys = keys_of(&ring(JwtAlgorithm::ES256), ClaimRules::default());
    let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
    for token in [
        String::new(),
        "a.b.c".into(),
        format!("{}.{}.", b64("not json"), b64("{}")),
        format!("{}.{}.", b64(r#"{"alg":"XYZ"}"#), b64("{}")),
        format!("{}.{}.sig", b64(r#"{"alg":"ES256","kid":5}"#), b64("{}")),
        format!("{}.{}.sig", b64(r#"{"alg":"none","kid":"x"}"#), b64("{}")),
        "eyJ.eyJ.".into(),
    ] {
        assert!(keys.verify(&token, None).is_err(), "{token:?}");
    }
}
