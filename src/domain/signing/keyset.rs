//! The keys a running service signs and verifies with, built from the key
//! ring and the HS256 secret each time the ring changes, and shared by every
//! request worker.
//!
//! Verification is strict (RFC 8725): the key is chosen by the token's
//! `kid` (none means the HS256 secret) among the keys that verify right now,
//! and the algorithm is that key's, never the header's; a header that brings
//! its own key (`jwk`, `jku`, `x5u`, `x5c`, ...) or critical extensions is
//! refused before any signature is checked.

use jsonwebtoken::{DecodingKey, EncodingKey, Header};

use super::JwtAlgorithm;
use super::cache::VerifiedCache;
use super::material::{KeyError, PrivateKey, PublicJwk};
use super::ring::KeyRing;
use crate::domain::jwt::VerifiedToken;
use crate::secret::Secret;

/// The longest `kid` looked up; ours are 43 characters.
pub const MAX_KID_LEN: usize = 128;

/// One key, ready to sign or verify.
pub struct LiveKey {
    /// `None` for HS256.
    pub kid: Option<String>,
    pub alg: JwtAlgorithm,
    signs_from: u64,
    /// `None` while no successor is known.
    verifies_until: Option<u64>,
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    jwk: Option<PublicJwk>,
}

impl LiveKey {
    /// Whether tokens of this key are accepted at `now`: it has started
    /// signing and has not retired.
    fn verifies(&self, now: u64) -> bool {
        self.signs_from <= now && self.verifies_until.is_none_or(|until| now < until)
    }

    /// Whether the JWKS lists it: from its creation until it retires.
    fn published(&self, now: u64) -> bool {
        self.verifies_until.is_none_or(|until| now < until)
    }
}

/// What the cache remembers of a verified token: the token and the index
/// of the key that verified it, whose state is checked again on every hit.
#[derive(Clone)]
pub struct Remembered {
    pub token: VerifiedToken,
    key: usize,
}

/// The signing and verifying keys of one version of the key ring.
pub struct KeySet {
    keys: Vec<LiveKey>,
    cache: VerifiedCache<Remembered>,
}

impl KeySet {
    /// Only the HS256 secret, signing forever: the service as it always was.
    pub fn hs256_only(secret: &Secret) -> KeySet {
        KeySet {
            keys: vec![hs256_key(secret, 0, None)],
            cache: VerifiedCache::default(),
        }
    }

    /// The live keys of `ring`; a key verifies for `verify_for` seconds
    /// after it is superseded. Pruned keys are left out.
    pub fn build(ring: &KeyRing, secret: &Secret, verify_for: u64) -> Result<KeySet, KeyError> {
        let mut keys = Vec::new();
        for (index, entry) in ring.entries().iter().enumerate() {
            let until = ring.verifies_until(index, verify_for);
            let key = match &entry.private_key {
                None if entry.alg.is_asymmetric() => continue,
                None => hs256_key(secret, entry.signs_from, until),
                Some(pem) => {
                    let private = PrivateKey::from_pkcs8_pem(entry.alg, pem)?;
                    let jwk = private.public_jwk();
                    LiveKey {
                        kid: Some(jwk.kid.clone()),
                        alg: entry.alg,
                        signs_from: entry.signs_from,
                        verifies_until: until,
                        encoding: private.encoding_key()?,
                        decoding: jwk.decoding_key()?,
                        jwk: Some(jwk),
                    }
                }
            };
            keys.push(key);
        }
        if keys.is_empty() {
            keys.push(hs256_key(secret, 0, None));
        }
        Ok(KeySet {
            keys,
            cache: VerifiedCache::default(),
        })
    }

    /// The key that signs at `now`: the last one whose time has come (the
    /// first, should a damaged ring hold only future keys).
    pub fn signing_key(&self, now: u64) -> &LiveKey {
        self.keys
            .iter()
            .rev()
            .find(|k| k.signs_from <= now)
            .unwrap_or(&self.keys[0])
    }

    /// The key that must have signed a token with this header, or why none
    /// may have.
    pub fn verifying_key(&self, header: &Header, now: u64) -> Result<(usize, &LiveKey), String> {
        let brings_a_key = header.jwk.is_some()
            || header.jku.is_some()
            || header.x5u.is_some()
            || header.x5c.is_some()
            || header.x5t.is_some()
            || header.x5t_s256.is_some();
        if brings_a_key {
            return Err("the header names a key of its own".into());
        }
        if header.crit.is_some() || header.enc.is_some() || header.zip.is_some() {
            return Err("the header asks for extensions".into());
        }
        let kid = header.kid.as_deref();
        if kid.is_some_and(|kid| kid.len() > MAX_KID_LEN) {
            return Err("the kid is too long".into());
        }
        let index = self
            .keys
            .iter()
            .position(|k| k.kid.as_deref() == kid && k.verifies(now))
            .ok_or("no key that verifies has this kid")?;
        let key = &self.keys[index];
        if header.alg != key.alg.jsonwebtoken() {
            return Err(format!(
                "the header says {:?}, the key is {}",
                header.alg,
                key.alg.as_str()
            ));
        }
        Ok((index, key))
    }

    /// A token verified earlier whose key still verifies at `now`.
    pub fn remembered(&self, token: &str, now: u64) -> Option<VerifiedToken> {
        let found = self.cache.get(token)?;
        self.keys[found.key].verifies(now).then_some(found.token)
    }

    /// Remembers a token verified by the key at `key` (asymmetric keys only:
    /// HMAC costs less than a look-up).
    pub fn remember(&self, token: &str, verified: &VerifiedToken, key: usize) {
        if self.keys[key].alg.is_asymmetric() {
            self.cache.insert(
                token,
                Remembered {
                    token: verified.clone(),
                    key,
                },
            );
        }
    }

    /// The public keys to publish at `now`: every asymmetric key from its
    /// creation until it retires.
    pub fn published(&self, now: u64) -> Vec<PublicJwk> {
        self.keys
            .iter()
            .filter(|k| k.published(now))
            .filter_map(|k| k.jwk.clone())
            .collect()
    }
}

fn hs256_key(secret: &Secret, signs_from: u64, verifies_until: Option<u64>) -> LiveKey {
    LiveKey {
        kid: None,
        alg: JwtAlgorithm::HS256,
        signs_from,
        verifies_until,
        encoding: EncodingKey::from_secret(secret.expose()),
        decoding: DecodingKey::from_secret(secret.expose()),
        jwk: None,
    }
}
