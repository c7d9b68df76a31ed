//! Random identifiers and secrets, always from the operating system's RNG.

use std::fmt;

/// The operating system's random number generator failed.
#[derive(Debug, Clone, Copy)]
pub struct RandomError;

impl fmt::Display for RandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operating system's random number generator failed")
    }
}

impl std::error::Error for RandomError {}

/// `N` random bytes.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| RandomError)?;
    Ok(bytes)
}

/// `N` random bytes as `2N` lower-case hex characters.
pub fn random_hex<const N: usize>() -> Result<String, RandomError> {
    random_bytes::<N>().map(hex::encode)
}
