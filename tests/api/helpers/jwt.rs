//! JWTs: verifying what the server issued and forging what old services or
//! attackers would send.

use serde_json::{Value, json};

use super::http::TestResponse;
use super::{TEST_SECRET, now_secs};

/// Verifies an HS256 token with the test secret (zero leeway) and returns its
/// header and claims.
pub fn decode_token(token: &str) -> (jsonwebtoken::Header, Value) {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.leeway = 0;
    let data = jsonwebtoken::decode::<Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(TEST_SECRET.as_bytes()),
        &validation,
    )
    .unwrap_or_else(|e| panic!("{token:?} is not an HS256 token signed with the test secret: {e}"));
    (data.header, data.claims)
}

/// The claims of a token, verified as `decode_token` does.
pub fn claims(token: &str) -> Value {
    decode_token(token).1
}

/// Signs claims with `alg` and `key`.
pub fn sign_with(alg: jsonwebtoken::Algorithm, key: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .expect("sign a token")
}

/// Signs claims the way the service (or the old Django one) does.
pub fn sign(claims: &Value) -> String {
    sign_with(
        jsonwebtoken::Algorithm::HS256,
        TEST_SECRET.as_bytes(),
        claims,
    )
}

/// An `alg: none` token: a header, the claims and an empty signature.
pub fn unsigned_token(claims: &Value) -> String {
    let header = json!({"alg": "none", "typ": "JWT"});
    format!(
        "{}.{}.",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    )
}

/// SimpleJWT claims for a token of `token_type`, issued at `iat`, expiring
/// at `exp`.
pub fn simplejwt_claims(token_type: &str, user_id: Value, iat: u64, exp: u64) -> Value {
    json!({
        "token_type": token_type,
        "exp": exp,
        "iat": iat,
        "jti": random_hex(16),
        "user_id": user_id,
    })
}

/// A refresh token as the Django service issued it: signed with the shared
/// key, `user_id` as a string, issued a minute ago, valid for an hour, and
/// with no row of its own in this service's database.
pub fn django_refresh_token(user_id: i64) -> String {
    let now = now_secs();
    sign(&simplejwt_claims(
        "refresh",
        json!(user_id.to_string()),
        now - 60,
        now + 3600,
    ))
}

/// A token of `token_type` for `user_id`, valid for an hour, but signed
/// with a key other than the service's.
pub fn signed_with_another_key(token_type: &str, user_id: i64) -> String {
    let now = now_secs();
    sign_with(
        jsonwebtoken::Algorithm::HS256,
        b"some-other-secret-key-some-other-secret-key-some-other-secret-k",
        &simplejwt_claims(token_type, json!(user_id), now, now + 3600),
    )
}

/// A token of `token_type` for `user_id` that expired one second ago, at the
/// end of the default lifetime of its type (a day for access, ten days for
/// refresh).
pub fn expired_by_one_second(token_type: &str, user_id: i64) -> String {
    let lifetime = match token_type {
        "access" => 86_400,
        "refresh" => 864_000,
        other => panic!("no default lifetime for {other:?} tokens"),
    };
    let now = now_secs();
    sign(&simplejwt_claims(
        token_type,
        json!(user_id),
        now - lifetime - 1,
        now - 1,
    ))
}

/// The `(access, refresh)` pair of a token answer.
pub fn token_pair(body: &Value) -> (String, String) {
    let token = |name: &str| {
        body[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} token in {body}"))
            .to_owned()
    };
    (token("access"), token("refresh"))
}

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source");
    hex::encode(buf)
}

/// Unpadded base64url.
pub fn base64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The body `GET /api/user/` answers for a bad, expired or refresh token.
pub fn token_not_valid_body() -> Value {
    json!({
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
        "messages": [{
            "token_class": "AccessToken",
            "token_type": "access",
            "message": "Token is invalid or expired",
        }],
    })
}

/// Asserts a 401 from `/api/user/`: the body and `WWW-Authenticate`.
pub fn assert_unauthorized(response: &TestResponse, body: Value) {
    response.assert_json(401, body);
    assert_eq!(
        response.header("WWW-Authenticate"),
        Some(r#"Bearer realm="api""#),
        "WWW-Authenticate of a 401"
    );
}
