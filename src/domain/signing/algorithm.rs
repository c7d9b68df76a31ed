//! The algorithms a token may be signed with. HS256 is the drop-in contract
//! of the Django service; EdDSA (Ed25519) and ES256 (P-256) let other
//! services verify tokens with a public key.

use serde::{Deserialize, Serialize};

/// `ACCOUNTS_JWT_ALGORITHM`, and the algorithm of each stored key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with `ACCOUNTS_SECRET_KEY`: whoever verifies can also sign.
    HS256,
    /// Ed25519 signatures (RFC 8037).
    EdDSA,
    /// ECDSA on P-256 with SHA-256.
    ES256,
}

impl JwtAlgorithm {
    pub const ALL: &[JwtAlgorithm] = &[
        JwtAlgorithm::HS256,
        JwtAlgorithm::EdDSA,
        JwtAlgorithm::ES256,
    ];

    /// The name JWT headers and JWKs use (`alg`).
    pub fn as_str(self) -> &'static str {
        match self {
            JwtAlgorithm::HS256 => "HS256",
            JwtAlgorithm::EdDSA => "EdDSA",
            JwtAlgorithm::ES256 => "ES256",
        }
    }

    /// Whether tokens name their key with a `kid` and the public key is
    /// published: every algorithm but HS256.
    pub fn is_asymmetric(self) -> bool {
        self != JwtAlgorithm::HS256
    }

    pub fn jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        match self {
            JwtAlgorithm::HS256 => jsonwebtoken::Algorithm::HS256,
            JwtAlgorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
            JwtAlgorithm::ES256 => jsonwebtoken::Algorithm::ES256,
        }
    }
}
