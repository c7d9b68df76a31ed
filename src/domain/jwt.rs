//! Access and refresh tokens: JWTs with SimpleJWT's claims.
//!
//! The claims are exactly SimpleJWT's (`token_type`, `exp`, `iat`, `jti`,
//! `user_id`, then `aud` and `iss` when configured) and the HS256 key is
//! `ACCOUNTS_SECRET_KEY` as raw bytes, as SimpleJWT signs with Django's
//! SECRET_KEY, so tokens move between the two services. With EdDSA or ES256
//! the header names the signing key (`kid`); which key signs and which
//! verify is the business of [`signing`](super::signing). The caller
//! chooses each token's `jti` (its layout belongs to the logins,
//! `accounts::session`).

use std::fmt;
use std::sync::{Arc, RwLock};

use jsonwebtoken::{Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};

use super::now;
use super::signing::{JwtAlgorithm, KeySet, PublicJwk};
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

/// A token could not be signed: the JWT library refused a key that was
/// checked when it was loaded (a bug, logged; the client sees a 500).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueError(String);

impl fmt::Display for IssueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a token could not be signed: {}", self.0)
    }
}

impl std::error::Error for IssueError {}

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
    // SimpleJWT adds these last, and only when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
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

/// `ACCOUNTS_JWT_ISSUER` and `ACCOUNTS_JWT_AUDIENCE`: claims that new tokens
/// carry and that every accepted token must carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimRules {
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

/// Signs and checks tokens with the current keys. The keys can be replaced
/// while requests are served (a rotation seen in the key ring); each
/// request works with one version of them.
pub struct TokenKeys {
    live: RwLock<Arc<KeySet>>,
    rules: ClaimRules,
    /// One validation per algorithm, in the order of [`JwtAlgorithm::ALL`].
    validations: Vec<Validation>,
}

impl TokenKeys {
    /// HS256 with `secret` and no `iss` or `aud`: the service as it always was.
    pub fn new(secret: &Secret) -> TokenKeys {
        TokenKeys::with_keys(KeySet::hs256_only(secret), ClaimRules::default())
    }

    pub fn with_keys(keys: KeySet, rules: ClaimRules) -> TokenKeys {
        let validations = JwtAlgorithm::ALL
            .iter()
            .map(|alg| validation(*alg, &rules))
            .collect();
        TokenKeys {
            live: RwLock::new(Arc::new(keys)),
            rules,
            validations,
        }
    }

    /// Uses `keys` from now on (the key ring changed).
    pub fn replace(&self, keys: KeySet) {
        *self.live.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
    }

    fn current(&self) -> Arc<KeySet> {
        Arc::clone(&self.live.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The public keys other services verify tokens with (none with HS256).
    pub fn published(&self, now: u64) -> Vec<PublicJwk> {
        self.current().published(now)
    }

    /// Signs a token of `token_type` for the user, valid for `lifetime`
    /// seconds from `now`, with the key that signs at `now`.
    pub fn issue(
        &self,
        token_type: TokenType,
        user_id: i64,
        jti: String,
        now: u64,
        lifetime: u64,
    ) -> Result<IssuedToken, IssueError> {
        let exp = now + lifetime;
        let claims = OutgoingClaims {
            token_type: token_type.as_str(),
            exp,
            iat: now,
            jti: &jti,
            user_id,
            aud: self.rules.audience.as_deref(),
            iss: self.rules.issuer.as_deref(),
        };
        let keys = self.current();
        let key = keys.signing_key(now);
        let mut header = Header::new(key.alg.jsonwebtoken());
        header.kid = key.kid.clone();
        let token =
            encode(&header, &claims, &key.encoding).map_err(|e| IssueError(e.to_string()))?;
        Ok(IssuedToken { token, jti, exp })
    }

    /// Checks the header (see `signing::keyset`), the signature with the key
    /// its `kid` names and that key's algorithm, expiry (no leeway) and
    /// claims, and that the token is of the expected type (`None` accepts
    /// either). A token verified before is found in the cache instead; its
    /// key and expiry are checked again.
    pub fn verify(
        &self,
        token: &str,
        expected: Option<TokenType>,
    ) -> Result<VerifiedToken, TokenError> {
        self.verify_at(token, expected, now())
    }

    /// [`TokenKeys::verify`] at `now` (the signature's `exp` is checked
    /// against the clock by jsonwebtoken; `now` decides the keys' states
    /// and the expiry of cached tokens).
    fn verify_at(
        &self,
        token: &str,
        expected: Option<TokenType>,
        now: u64,
    ) -> Result<VerifiedToken, TokenError> {
        let keys = self.current();
        let verified = match keys.remembered(token, now) {
            Some(verified) if !expired(verified.exp, now) => verified,
            Some(_) => return Err(TokenError::Invalid("expired".into())),
            None => {
                let (verified, key) = self.verify_signed(&keys, token, now)?;
                keys.remember(token, &verified, key);
                verified
            }
        };
        if expected.is_some_and(|e| e != verified.token_type) {
            return Err(TokenError::WrongType);
        }
        Ok(verified)
    }

    /// The full check of a token not in the cache; returns it and the index
    /// of the key that verified it.
    fn verify_signed(
        &self,
        keys: &KeySet,
        token: &str,
        now: u64,
    ) -> Result<(VerifiedToken, usize), TokenError> {
        let header = decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
        let (index, key) = keys
            .verifying_key(&header, now)
            .map_err(TokenError::Invalid)?;
        let validation = &self.validations[algorithm_index(key.alg)];
        let data = decode::<IncomingClaims>(token, &key.decoding, validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        let claims = data.claims;
        // Valid only before `exp` (RFC 7519 4.1.4; SimpleJWT refuses
        // `exp <= now` too). jsonwebtoken, even with zero leeway, accepts a
        // token in the very second it expires.
        if expired(claims.exp, now) {
            return Err(TokenError::Invalid("expired".into()));
        }
        let token_type = match claims.token_type.as_str() {
            "access" => TokenType::Access,
            "refresh" => TokenType::Refresh,
            other => return Err(TokenError::Invalid(format!("unknown token_type {other:?}"))),
        };
        let user_id = claims
            .user_id
            .value()
            .ok_or_else(|| TokenError::Invalid("user_id is not a number".into()))?;
        let jti = claims
            .jti
            .filter(|j| !j.is_empty())
            .ok_or_else(|| TokenError::Invalid("missing jti".into()))?;
        let verified = VerifiedToken {
            token_type,
            user_id,
            iat: claims.iat.unwrap_or(0),
            exp: claims.exp,
            jti,
        };
        Ok((verified, index))
    }
}

/// A token is valid only before `exp`: the rule of fresh and cached tokens
/// alike.
fn expired(exp: u64, now: u64) -> bool {
    exp <= now
}

fn algorithm_index(alg: JwtAlgorithm) -> usize {
    JwtAlgorithm::ALL
        .iter()
        .position(|a| *a == alg)
        .unwrap_or(0)
}

/// What a token of `alg` must satisfy besides its signature.
fn validation(alg: JwtAlgorithm, rules: &ClaimRules) -> Validation {
    let mut validation = Validation::new(alg.jsonwebtoken());
    // SimpleJWT's leeway is 0; jsonwebtoken's default of 60 s would keep
    // expired tokens alive for a minute.
    validation.leeway = 0;
    let mut required = vec!["exp"];
    if let Some(issuer) = &rules.issuer {
        validation.set_issuer(&[issuer]);
        required.push("iss");
    }
    match &rules.audience {
        Some(audience) => {
            validation.set_audience(&[audience]);
            required.push("aud");
        }
        None => validation.validate_aud = false,
    }
    validation.set_required_spec_claims(&required);
    validation
}

#[cfg(test)]
#[path = "jwt_signing_tests.rs"]
mod signing_tests;
#[cfg(test)]
#[path = "jwt_tests.rs"]
mod tests;
