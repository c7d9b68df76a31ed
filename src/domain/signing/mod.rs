//! The keys that sign access and refresh tokens.
//!
//! `ACCOUNTS_JWT_ALGORITHM` chooses HS256 (the default: the secret shared
//! with the Django service), EdDSA or ES256. Asymmetric keys are generated
//! by the service, kept in a key ring ([`ring`]) with the dates that make
//! each one next, signing, verifying-only or retired, and published as a
//! JWKS so that other services verify tokens without being able to mint
//! them. [`keyset`] is the running form of the ring; [`cache`] remembers
//! verified signatures so asymmetric tokens cost about what HS256 ones do.

mod algorithm;
mod cache;
pub mod keyset;
pub mod material;
pub mod ring;

pub use algorithm::JwtAlgorithm;
pub use keyset::KeySet;
pub use material::{KeyError, PublicJwk};
pub use ring::{KeyEntry, KeyRing, KeyState, RingChange, RingError};
