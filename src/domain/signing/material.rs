//! Asymmetric key pairs: generated from the operating system's RNG with the
//! RustCrypto crates (`ed25519-dalek`, `p256`), stored as PKCS#8 PEM, and
//! described publicly as RFC 7517 JWKs whose `kid` is the RFC 7638
//! thumbprint. The private half is never formatted: `Debug` names only the
//! algorithm and the `kid`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::JwtAlgorithm;
use crate::domain::random::{RandomError, random_bytes};
use crate::secret::Secret;

/// Why a key could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The OS random number generator failed while making a key.
    Random,
    /// HS256 has no key pair: its key is `ACCOUNTS_SECRET_KEY`.
    NotAsymmetric,
    /// The stored PKCS#8 text is not a key of the stated algorithm.
    Unreadable(JwtAlgorithm),
    /// The key could not be written as PKCS#8 (a bug, or memory).
    Encoding,
    /// The public key is not accepted by the JWT library (a bug).
    PublicKey,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Random => RandomError.fmt(f),
            KeyError::NotAsymmetric => f.write_str("HS256 has no key pair"),
            KeyError::Unreadable(alg) => {
                write!(f, "a stored key is not a PKCS#8 {} key", alg.as_str())
            }
            KeyError::Encoding => f.write_str("a key could not be encoded as PKCS#8"),
            KeyError::PublicKey => f.write_str("a public key was refused by the JWT library"),
        }
    }
}

impl std::error::Error for KeyError {}

/// A private signing key of an asymmetric algorithm.
pub enum PrivateKey {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::SecretKey),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({} [redacted])", self.algorithm().as_str())
    }
}

/// Attempts at drawing a P-256 scalar: a random 32-byte string is not one
/// with probability about 2^-32, so a second failure means a broken RNG.
const P256_ATTEMPTS: usize = 4;

impl PrivateKey {
    /// A new key of `alg` from the OS RNG.
    pub fn generate(alg: JwtAlgorithm) -> Result<PrivateKey, KeyError> {
        match alg {
            JwtAlgorithm::HS256 => Err(KeyError::NotAsymmetric),
            JwtAlgorithm::EdDSA => {
                // An Ed25519 private key is 32 uniformly random bytes.
                let seed = random_bytes::<32>().map_err(|_| KeyError::Random)?;
                Ok(PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                    &seed,
                )))
            }
            JwtAlgorithm::ES256 => {
                for _ in 0..P256_ATTEMPTS {
                    let bytes = random_bytes::<32>().map_err(|_| KeyError::Random)?;
                    // Refuses zero and values past the group order.
                    if let Ok(key) = p256::SecretKey::from_slice(&bytes) {
                        return Ok(PrivateKey::P256(key));
                    }
                }
                Err(KeyError::Random)
            }
        }
    }

    /// Reads a PKCS#8 PEM key of `alg`.
    pub fn from_pkcs8_pem(alg: JwtAlgorithm, pem: &Secret) -> Result<PrivateKey, KeyError> {
        let text = pem.expose_str().ok_or(KeyError::Unreadable(alg))?;
        let key = match alg {
            JwtAlgorithm::HS256 => return Err(KeyError::NotAsymmetric),
            JwtAlgorithm::EdDSA => {
                ed25519_dalek::SigningKey::from_pkcs8_pem(text).map(PrivateKey::Ed25519)
            }
            JwtAlgorithm::ES256 => p256::SecretKey::from_pkcs8_pem(text).map(PrivateKey::P256),
        };
        key.map_err(|_| KeyError::Unreadable(alg))
    }

    pub fn algorithm(&self) -> JwtAlgorithm {
        match self {
            PrivateKey::Ed25519(_) => JwtAlgorithm::EdDSA,
            PrivateKey::P256(_) => JwtAlgorithm::ES256,
        }
    }

    /// The key as PKCS#8 PEM, for the key ring file.
    pub fn to_pkcs8_pem(&self) -> Result<Secret, KeyError> {
        let pem = match self {
            PrivateKey::Ed25519(key) => key.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P256(key) => key.to_pkcs8_pem(LineEnding::LF),
        }
        .map_err(|_| KeyError::Encoding)?;
        Ok(Secret::from(pem.as_str()))
    }

    /// The signing key for jsonwebtoken, which takes PKCS#8 DER.
    pub fn encoding_key(&self) -> Result<EncodingKey, KeyError> {
        match self {
            PrivateKey::Ed25519(key) => key
                .to_pkcs8_der()
                .map(|der| EncodingKey::from_ed_der(der.as_bytes())),
            PrivateKey::P256(key) => key
                .to_pkcs8_der()
                .map(|der| EncodingKey::from_ec_der(der.as_bytes())),
        }
        .map_err(|_| KeyError::Encoding)
    }

    /// The public half, as the JWKS publishes it.
    pub fn public_jwk(&self) -> PublicJwk {
        match self {
            PrivateKey::Ed25519(key) => {
                PublicJwk::new(Curve::Ed25519, key.verifying_key().as_bytes(), None)
            }
            PrivateKey::P256(key) => {
                let point = key.public_key().to_encoded_point(false);
                // An uncompressed point always has both coordinates.
                let (x, y) = (point.x().map_or(&[][..], |x| &x[..]), point.y());
                PublicJwk::new(Curve::P256, x, y.map(|y| &y[..]))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    Ed25519,
    P256,
}

/// A public key as RFC 7517 writes it: `kty`, `crv`, `x` (and `y` for
/// P-256), `kid`, `alg` and `use: "sig"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicJwk {
    kty: &'static str,
    crv: &'static str,
    x: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<String>,
    pub kid: String,
    alg: &'static str,
    #[serde(rename = "use")]
    usage: &'static str,
}

impl PublicJwk {
    fn new(curve: Curve, x: &[u8], y: Option<&[u8]>) -> PublicJwk {
        let (kty, crv, alg) = match curve {
            Curve::Ed25519 => ("OKP", "Ed25519", JwtAlgorithm::EdDSA),
            Curve::P256 => ("EC", "P-256", JwtAlgorithm::ES256),
        };
        let x = URL_SAFE_NO_PAD.encode(x);
        let y = y.map(|y| URL_SAFE_NO_PAD.encode(y));
        let kid = thumbprint(kty, crv, &x, y.as_deref());
        PublicJwk {
            kty,
            crv,
            x,
            y,
            kid,
            alg: alg.as_str(),
            usage: "sig",
        }
    }

    /// The verifying key for jsonwebtoken, built from the published
    /// coordinates exactly as another service would build it.
    pub fn decoding_key(&self) -> Result<DecodingKey, KeyError> {
        match &self.y {
            None => DecodingKey::from_ed_components(&self.x),
            Some(y) => DecodingKey::from_ec_components(&self.x, y),
        }
        .map_err(|_| KeyError::PublicKey)
    }
}

/// RFC 7638: base64url of the SHA-256 of the required members in
/// lexicographic order, without white space. Deterministic, so a key's
/// `kid` can be checked against the key itself.
fn thumbprint(kty: &str, crv: &str, x: &str, y: Option<&str>) -> String {
    let canonical = match y {
        None => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}"}}"#),
        Some(y) => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}","y":"{y}"}}"#),
    };
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_survives_its_pem_form() {
        for alg in [JwtAlgorithm::EdDSA, JwtAlgorithm::ES256] {
            let key = PrivateKey::generate(alg).unwrap();
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(
                pem.expose_str()
                    .unwrap()
                    .starts_with("-----BEGIN PRIVATE KEY-----")
            );
            let again = PrivateKey::from_pkcs8_pem(alg, &pem).unwrap();
            assert_eq!(again.public_jwk(), key.public_jwk(), "{alg:?}");
        }
    }

    #[test]
    fn a_pem_of_the_other_algorithm_is_refused() {
        let pem = PrivateKey::generate(JwtAlgorithm::EdDSA)
            .unwrap()
            .to_pkcs8_pem()
            .unwrap();
        assert_eq!(
            PrivateKey::from_pkcs8_pem(JwtAlgorithm::ES256, &pem).unwrap_err(),
            KeyError::Unreadable(JwtAlgorithm::ES256)
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = PrivateKey::generate(JwtAlgorithm::EdDSA).unwrap();
        assert_eq!(format!("{key:?}"), "PrivateKey(EdDSA [redacted])");
    }

    #[test]
    fn jwks_have_the_fields_of_rfc_7517_and_no_private_part() {
        let ed = serde_json::to_value(
            PrivateKey::generate(JwtAlgorithm::EdDSA)
                .unwrap()
                .public_jwk(),
        )
        .unwrap();
        let keys: Vec<&str> = ed.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["kty", "crv", "x", "kid", "alg", "use"]);
        assert_eq!(
            (ed["kty"].as_str(), ed["crv"].as_str()),
            (Some("OKP"), Some("Ed25519"))
        );
        assert_eq!(ed["x"].as_str().unwrap().len(), 43);
        let ec = serde_json::to_value(
            PrivateKey::generate(JwtAlgorithm::ES256)
                .unwrap()
                .public_jwk(),
        )
        .unwrap();
        let keys: Vec<&str> = ec.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["kty", "crv", "x", "y", "kid", "alg", "use"]);
        assert_eq!(
            (ec["alg"].as_str(), ec["use"].as_str()),
            (Some("ES256"), Some("sig"))
        );
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 8037, appendix A.3: the thumbprint of its example Ed25519 key.
        let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        assert_eq!(
            thumbprint("OKP", "Ed25519", x, None),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }
}
