//! What one token costs the service, per algorithm, in one thread: signing,
//! a first check (signature and claims), and a check of a token seen before
//! (answered by the cache of verified signatures). `bench/run` prints it
//! beside the HTTP scenarios.
//!
//! Usage: `cargo run --release --example token_cost`
//! Prints one line per algorithm: `ALG sign=<µs> first_check=<µs> repeat_check=<µs>`.

use std::time::Instant;

use accounts::domain::jwt::{ClaimRules, TokenKeys, TokenType};
use accounts::domain::signing::{JwtAlgorithm, KeyRing, KeySet};
use accounts::secret::Secret;

/// More tokens than the cache holds, so each first check is a real one.
const TOKENS: usize = 10_000;

fn main() {
    let secret = Secret::from("bench-secret-key-that-is-long-enough-for-hs256");
    let now = accounts::domain::now();
    for alg in JwtAlgorithm::ALL.iter().copied() {
        let mut ring = KeyRing::hs256_only();
        ring.prepare_for_start(alg, now).expect("a key");
        let set = KeySet::build(&ring, &secret, 86_400).expect("the key set");
        let keys = TokenKeys::with_keys(set, ClaimRules::default());
        let started = Instant::now();
        let tokens: Vec<String> = (0..TOKENS)
            .map(|i| {
                let jti = format!("{i:032x}");
                let issued = keys.issue(TokenType::Access, 1, jti, now, 3600);
                issued.expect("signed").token
            })
            .collect();
        let sign = per_token(started);
        let started = Instant::now();
        for token in &tokens {
            keys.verify(token, None).expect("valid");
        }
        let first = per_token(started);
        let started = Instant::now();
        for _ in 0..TOKENS {
            keys.verify(&tokens[0], None).expect("valid");
        }
        let repeat = per_token(started);
        println!(
            "{} sign={sign:.1} first_check={first:.1} repeat_check={repeat:.1}",
            alg.as_str()
        );
    }
}

/// Microseconds per token since `started`.
fn per_token(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e6 / TOKENS as f64
}
