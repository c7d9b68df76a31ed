//! Access and refresh tokens: HS256 JWTs with SimpleJWT's claims.
//!
//! The claims are exactly SimpleJWT's (`token_type`, `exp`, `iat`, `jti`,
//! `user_id`) and the key is `ACCOUNTS_SECRET_KEY` as raw bytes, as SimpleJWT
//! signs with Django's SECRET_KEY, so tokens move between the two services.
//! The caller chooses each token's `jti` (its layout belongs to the logins,
//! `accounts::session`).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use super::now;
use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    Access,
    Refresh,
}

impl TokenType {
    fn as_str(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
        }
    }
}

/// A token that passed signature, algorithm, expiry and type checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub token_type: TokenType,
    pub user_id: i64,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
}

/// A freshly signed token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub jti: String,
    pub exp: u64,
}

/// Why a token was refused. Clients see only the contract's generic body;
/// the variant is for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Bad shape, signature, algorithm or claims, or expired.
    Invalid(String),
    /// A valid token of the other type (a refresh token used as access).
    WrongType,
}

#[derive(Serialize)]
struct OutgoingClaims<'a> {
    token_type: &'a str,
    exp: u64,
    iat: u64,
    jti: &'a str,
    user_id: i64,
}

#[derive(Deserialize)]
struct IncomingClaims {
    token_type: String,
    exp: u64,
    iat: Option<u64>,
    jti: Option<String>,
    user_id: UserIdClaim,
}

/// SimpleJWT up to 5.4 issues `user_id` as a number, 5.5 as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum UserIdClaim {
    Number(i64),
    Text(String),
}

impl UserIdClaim {
    fn value(&self) -> Option<i64> {
        match self {
            UserIdClaim::Number(n) => Some(*n),
            UserIdClaim::Text(s) => s.parse().ok(),
        }
    }
}

/// Signs and checks tokens with one HS256 key.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &Secret) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        // SimpleJWT's leeway is 0; jsonwebtoken's default of 60 s would keep
        // expired tokens alive for a minute.
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.expose()),
            decoding: DecodingKey::from_secret(secret.expose()),
            validation,
        }
    }

    /// Signs a token of `token_type` for the user, valid for `lifetime`
    /// seconds from `now`.
    pub fn issue(
        &self,
        token_type: TokenType,
        user_id: i64,
        jti: String,
        now: u64,
        lifetime: u64,
    ) -> IssuedToken {
        let exp = now + lifetime;
        let claims = OutgoingClaims {
            token_type: token_type.as_str(),
            exp,
            iat: now,
            jti: &jti,
            user_id,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            // HS256 signing of a small serde struct cannot fail.
            .expect("HS256 signing never fails");
        IssuedToken { token, jti, exp }
    }

    /// Checks signature (HS256 only), expiry (no leeway) and claims, and
    /// that the token is of the expected type (`None` accepts either).
    pub fn verify(
        &self,
        token: &str,
        expected: Option<TokenType>,
    ) -> Result<VerifiedToken, TokenError> {
        let data = decode::<IncomingClaims>(token, &self.decoding, &self.validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        let claims = data.claims;
        // Valid only before `exp` (RFC 7519 4.1.4; SimpleJWT refuses
        // `exp <= now` too). jsonwebtoken, even with zero leeway, accepts a
        // token in the very second it expires.
        if claims.exp <= now() {
            return Err(TokenError::Invalid("expired".into()));
        }
        let token_type = match claims.token_type.as_str() {
            "access" => TokenType::Access,
            "refresh" => TokenType::Refresh,
            other => return Err(TokenError::Invalid(format!("unknown token_type {other:?}"))),
        };
        if expected.is_some_and(|e| e != token_type) {
            return Err(TokenError::WrongType);
        }
        let user_id = claims
            .user_id
            .value()
            .ok_or_else(|| TokenError::Invalid("user_id is not a number".into()))?;
        let jti = claims
            .jti
            .filter(|j| !j.is_empty())
            .ok_or_else(|| TokenError::Invalid("missing jti".into()))?;
        Ok(VerifiedToken {
            token_type,
            user_id,
            iat: claims.iat.unwrap_or(0),
            exp: claims.exp,
            jti,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&Secret::from("a-test-key-that-is-long-enough-for-hs256"))
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    /// A token of `token_type` for user 1, issued at `at` for `lifetime`.
    fn signed(keys: &TokenKeys, token_type: TokenType, at: u64, lifetime: u64) -> IssuedToken {
        keys.issue(token_type, 1, "ab".repeat(16), at, lifetime)
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let jti = "0123456789abcdef".repeat(2);
        let issued = keys().issue(TokenType::Access, 42, jti.clone(), now(), 60);
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
}
