use super::*;
use jsonwebtoken::{Algorithm, EncodingKey};

fn keys() -> TokenKeys {
    TokenKeys::new(&Secret::from("a-test-key-that-is-long-enough-for-hs256"))
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// A token of `token_type` for user 1, issued at `at` for `lifetime`.
fn signed(keys: &TokenKeys, token_type: TokenType, at: u64, lifetime: u64) -> IssuedToken {
    keys.issue(token_type, 1, "ab".repeat(16), at, lifetime)
        .unwrap()
}

#[test]
fn an_issued_token_verifies_with_its_claims() {
    let jti = "0123456789abcdef".repeat(2);
    let issued = keys()
        .issue(TokenType::Access, 42, jti.clone(), now(), 60)
        .unwrap();
    let v = keys()
        .verify(&issued.token, Some(TokenType::Access))
        .unwrap();
    assert_eq!(v.user_id, 42);
    assert_eq!(v.jti, jti);
    assert_eq!(issued.jti, jti);
    assert_eq!(v.exp - v.iat, 60);
}

#[test]
fn the_other_type_is_refused() {
    let issued = signed(&keys(), TokenType::Refresh, now(), 60);
    assert_eq!(
        keys().verify(&issued.token, Some(TokenType::Access)),
        Err(TokenError::WrongType)
    );
    assert!(keys().verify(&issued.token, None).is_ok());
}

#[test]
fn expiry_has_no_leeway() {
    let issued = signed(&keys(), TokenType::Access, now() - 100, 99);
    assert!(matches!(
        keys().verify(&issued.token, None),
        Err(TokenError::Invalid(_))
    ));
}

#[test]
fn a_token_is_expired_in_the_second_of_its_exp() {
    let now = now();
    let issued = signed(&keys(), TokenType::Access, now - 60, 60);
    assert_eq!(issued.exp, now);
    assert!(matches!(
        keys().verify(&issued.token, None),
        Err(TokenError::Invalid(_))
    ));
}

#[test]
fn another_key_is_refused() {
    let other = TokenKeys::new(&Secret::from("another-key-that-is-long-enough-for-hs256"));
    let issued = signed(&other, TokenType::Access, now(), 60);
    assert!(keys().verify(&issued.token, None).is_err());
}

#[test]
fn string_user_ids_are_accepted() {
    let claims = serde_json::json!({"token_type": "access", "exp": now() + 60, "iat": now(), "jti": "ab".repeat(16), "user_id": "7"});
    let key = EncodingKey::from_secret(b"a-test-key-that-is-long-enough-for-hs256");
    let token = encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
    assert_eq!(
        keys()
            .verify(&token, Some(TokenType::Access))
            .unwrap()
            .user_id,
        7
    );
}

#[test]
fn alg_none_and_other_algorithms_are_refused() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = b64.encode(format!(
        r#"{{"token_type":"access","exp":{},"iat":1,"jti":"{}","user_id":1}}"#,
        now() + 60,
        "ab".repeat(16)
    ));
    for header in [
        r#"{"alg":"none","typ":"JWT"}"#,
        r#"{"alg":"HS512","typ":"JWT"}"#,
        r#"{"alg":"RS256","typ":"JWT"}"#,
    ] {
        let token = format!("{}.{payload}.", b64.encode(header));
        assert!(keys().verify(&token, None).is_err(), "{header}");
    }
}

#[test]
fn missing_exp_or_type_is_refused() {
    let key = EncodingKey::from_secret(b"a-test-key-that-is-long-enough-for-hs256");
    for claims in [
        serde_json::json!({"token_type": "access", "iat": 1, "jti": "ab".repeat(16), "user_id": 1}),
        serde_json::json!({"exp": now() + 60, "iat": 1, "jti": "ab".repeat(16), "user_id": 1}),
        serde_json::json!({"token_type": "id", "exp": now() + 60, "iat": 1, "jti": "ab".repeat(16), "user_id": 1}),
    ] {
        let token = encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
        assert!(keys().verify(&token, None).is_err(), "{claims}");
    }
}
