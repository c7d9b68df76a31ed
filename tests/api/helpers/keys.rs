//! Asymmetric signing in tests: servers on EdDSA or ES256, the key ring
//! file they write, tokens signed with the service's own private key (to
//! prove that a refusal comes from a rule, not from a bad signature), and
//! the published JWKS.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::app::TestApp;
use super::server::TestAppBuilder;
use super::{PASSWORD, now_secs, random_hex, wait_until};

/// The two asymmetric algorithms, for tests that run with each.
pub const ASYMMETRIC: [&str; 2] = ["EdDSA", "ES256"];

impl TestAppBuilder {
    /// Signs tokens with `alg` (`HS256`, `EdDSA` or `ES256`).
    pub fn algorithm(self, alg: &str) -> TestAppBuilder {
        self.env("ACCOUNTS_JWT_ALGORITHM", alg)
    }
}

/// A server signing with `alg`.
pub fn spawn_with_algorithm(alg: &str) -> TestApp {
    TestApp::builder().algorithm(alg).spawn()
}

impl TestApp {
    /// Where the server keeps its key ring.
    pub fn keyring_path(&self) -> PathBuf {
        self.dir().join("accounts.db.keyring")
    }

    /// The key ring file as JSON.
    pub fn keyring(&self) -> Value {
        let text = std::fs::read_to_string(self.keyring_path()).expect("read the key ring");
        serde_json::from_str(&text).expect("the key ring is JSON")
    }

    /// `GET /.well-known/jwks.json`, asserting 200; returns the body.
    pub fn jwks(&self) -> Value {
        let response = self.get("/.well-known/jwks.json");
        response.assert_status(200);
        response.json()
    }

    /// The `kid`s of the JWKS, in order.
    pub fn published_kids(&self) -> Vec<String> {
        self.jwks()["keys"]
            .as_array()
            .expect("a keys array")
            .iter()
            .map(|k| k["kid"].as_str().expect("a kid").to_owned())
            .collect()
    }

    /// Waits until the JWKS lists `kid` (or no longer does).
    pub fn wait_until_published(&self, kid: &str, published: bool) {
        wait_until(
            &format!("{kid} to be {}published", if published { "" } else { "un" }),
            std::time::Duration::from_secs(60),
            || (self.published_kids().iter().any(|k| k == kid) == published).then_some(()),
        );
    }

    /// Registers `email` and logs in; returns `(user id, access, refresh)`.
    pub fn user_with_tokens(&self, email: &str) -> (i64, String, String) {
        let id = self.register_id(email, PASSWORD);
        let (access, refresh) = self.login(email, PASSWORD);
        (id, access, refresh)
    }

    /// A token with `header` and `claims`, signed with the private key of
    /// `kid` from the server's own key ring.
    pub fn sign_with_ring_key(&self, kid: &str, header: &Value, claims: &Value) -> String {
        let ring = self.keyring();
        let entry = ring["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .find(|k| k["kid"] == kid)
            .unwrap_or_else(|| panic!("no key {kid} in the ring: {ring}"));
        let pem = entry["private_key"].as_str().expect("a private key");
        let der = STANDARD
            .decode(
                pem.lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect::<String>(),
            )
            .expect("PEM base64");
        let alg = entry["alg"].as_str().expect("an alg");
        sign_raw(header, claims, |message| sign_message(alg, &der, message))
    }
}

/// Signs `message` with a PKCS#8 key of `alg`, through jsonwebtoken.
fn sign_message(alg: &str, der: &[u8], message: &[u8]) -> Vec<u8> {
    let (algorithm, key) = match alg {
        "EdDSA" => (
            jsonwebtoken::Algorithm::EdDSA,
            jsonwebtoken::EncodingKey::from_ed_der(der),
        ),
        "ES256" => (
            jsonwebtoken::Algorithm::ES256,
            jsonwebtoken::EncodingKey::from_ec_der(der),
        ),
        other => panic!("no private key for {other}"),
    };
    let signature = jsonwebtoken::crypto::sign(message, &key, algorithm).expect("sign");
    URL_SAFE_NO_PAD
        .decode(signature)
        .expect("base64url signature")
}

/// `base64url(header).base64url(claims).base64url(signature)`, the
/// signature made over the first two parts by `sign`.
pub fn sign_raw(header: &Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = sign(message.as_bytes());
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The header of a token, unverified.
pub fn header_of(token: &str) -> Value {
    segment(token, 0)
}

/// The claims of a token, unverified.
pub fn claims_of(token: &str) -> Value {
    segment(token, 1)
}

fn segment(token: &str, index: usize) -> Value {
    let part = token
        .split('.')
        .nth(index)
        .unwrap_or_else(|| panic!("{token:?} has no part {index}"));
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url");
    serde_json::from_slice(&bytes).expect("a JSON part")
}

/// The `kid` a token's header names.
pub fn kid_of(token: &str) -> String {
    header_of(token)["kid"]
        .as_str()
        .unwrap_or_else(|| panic!("no kid in {}", header_of(token)))
        .to_owned()
}

/// An access token's claims for `user_id`, valid for an hour.
pub fn access_claims(user_id: i64) -> Value {
    let now = now_secs();
    json!({
        "token_type": "access",
        "exp": now + 3600,
        "iat": now,
        "jti": random_hex(16),
        "user_id": user_id,
    })
}

/// Verifies `token` with the JWKS alone, as another service written in
/// Rust would: the key whose `kid` the header names, and its `alg`.
pub fn verify_with_jwks(jwks: &Value, token: &str) -> Result<Value, String> {
    let set: jsonwebtoken::jwk::JwkSet =
        serde_json::from_value(jwks.clone()).map_err(|e| e.to_string())?;
    let kid = header_of(token)["kid"].as_str().unwrap_or("").to_owned();
    let jwk = set.find(&kid).ok_or_else(|| format!("no key {kid}"))?;
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let alg = jwk
        .common
        .key_algorithm
        .and_then(|a| a.to_string().parse().ok())
        .ok_or("no alg")?;
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.leeway = 0;
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| e.to_string())
}
