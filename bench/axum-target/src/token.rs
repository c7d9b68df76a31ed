//! The access-token check, as the service makes it on every authenticated
//! request: an HS256 signature with the secret key as raw bytes, `exp`
//! required and checked without leeway (valid only before it), then the
//! claims the service needs: `token_type` "access", a numeric `user_id`
//! (a number, or a string of one, as SimpleJWT issues), a non-empty `jti`.
//! No cache: the service keeps none for HS256 either.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;

use crate::reply::Refusal;

/// How many leading characters of a `jti` name the login it belongs to.
const FAMILY_CHARS: usize = 16;

/// A token that passed every check that needs no database.
pub struct AccessToken {
    pub user_id: i64,
    pub issued_at: u64,
    jti: String,
}

impl AccessToken {
    /// The login the token belongs to: the first 16 characters of its `jti`.
    pub fn family(&self) -> &str {
        match self.jti.char_indices().nth(FAMILY_CHARS) {
            Some((end, _)) => &self.jti[..end],
            None => &self.jti,
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    token_type: String,
    exp: u64,
    iat: Option<u64>,
    jti: Option<String>,
    user_id: UserId,
}

/// SimpleJWT up to 5.4 issues `user_id` as a number, 5.5 as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum UserId {
    Number(i64),
    Text(String),
}

impl UserId {
    fn value(&self) -> Option<i64> {
        match self {
            UserId::Number(n) => Some(*n),
            UserId::Text(s) => s.parse().ok(),
        }
    }
}

/// The key and the rules every token is checked with.
pub struct TokenChecker {
    key: DecodingKey,
    validation: Validation,
}

impl TokenChecker {
    pub fn hs256(secret: &[u8]) -> TokenChecker {
        let mut validation = Validation::new(Algorithm::HS256);
        // jsonwebtoken's default leeway of 60 s would keep expired tokens
        // alive for a minute; the service allows none.
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp"]);
        TokenChecker {
            key: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// The token's claims, if its signature, expiry and type are right.
    pub fn check(&self, raw: &str) -> Result<AccessToken, Refusal> {
        let claims = decode::<Claims>(raw, &self.key, &self.validation)
            .map_err(|_| Refusal::TokenInvalid)?
            .claims;
        // jsonwebtoken accepts a token in the very second it expires.
        if claims.exp <= unix_now() || claims.token_type != "access" {
            return Err(Refusal::TokenInvalid);
        }
        let user_id = claims.user_id.value().ok_or(Refusal::TokenInvalid)?;
        let jti = claims
            .jti
            .filter(|j| !j.is_empty())
            .ok_or(Refusal::TokenInvalid)?;
        Ok(AccessToken {
            user_id,
            issued_at: claims.iat.unwrap_or(0),
            jti,
        })
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(jti: &str) -> AccessToken {
        AccessToken {
            user_id: 1,
            issued_at: 0,
            jti: jti.into(),
        }
    }

    #[test]
    fn the_family_is_the_first_16_characters_of_the_jti() {
        assert_eq!(
            token("0123456789abcdef0123456789abcdef").family(),
            "0123456789abcdef"
        );
        assert_eq!(token("short").family(), "short");
    }
}
