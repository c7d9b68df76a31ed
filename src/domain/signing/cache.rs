//! A bounded cache of verified signatures. Ed25519 and P-256 verification
//! cost tens of microseconds where HMAC costs one; a client sends the same
//! access token with every request, so the service remembers the tokens
//! whose signature and claims it has checked. A hit skips only that work:
//! the caller still checks expiry, the key's state, and (in the HTTP layer)
//! revocation, on every request.
//!
//! The key is the whole token, compared in full, so only the exact bytes
//! that verified are ever accepted from the cache. Each shard keeps two
//! generations: when the current one is full, it becomes the previous one
//! and the older is dropped, so memory stays bounded and tokens in use stay
//! in (a hit in the previous generation moves the token forward).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard};

/// Shards, so request workers rarely wait for one another.
const SHARDS: usize = 8;
/// Tokens per generation of one shard: at most 2 × 8 × 256 = 4,096 tokens
/// (about 2 MiB) in all.
const PER_GENERATION: usize = 256;

struct Shard<T> {
    current: HashMap<Box<str>, T>,
    previous: HashMap<Box<str>, T>,
}

/// Verified tokens by their text, bounded in size.
pub struct VerifiedCache<T> {
    shards: Vec<Mutex<Shard<T>>>,
    hasher: RandomState,
}

impl<T: Clone> Default for VerifiedCache<T> {
    fn default() -> Self {
        VerifiedCache {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(Shard::default_empty()))
                .collect(),
            hasher: RandomState::new(),
        }
    }
}

impl<T> Shard<T> {
    fn default_empty() -> Shard<T> {
        Shard {
            current: HashMap::new(),
            previous: HashMap::new(),
        }
    }
}

impl<T: Clone> VerifiedCache<T> {
    /// What was remembered about exactly this token.
    pub fn get(&self, token: &str) -> Option<T> {
        let mut shard = self.shard(token);
        if let Some(found) = shard.current.get(token) {
            return Some(found.clone());
        }
        let (key, value) = shard.previous.remove_entry(token)?;
        let found = value.clone();
        shard.remember(key, value);
        Some(found)
    }

    /// Remembers a token that verified.
    pub fn insert(&self, token: &str, value: T) {
        self.shard(token).remember(token.into(), value);
    }

    fn shard(&self, token: &str) -> MutexGuard<'_, Shard<T>> {
        let index = (self.hasher.hash_one(token) as usize) % SHARDS;
        // A panic while holding a shard cannot leave it half-updated in a
        // way that matters: at worst an entry is missing.
        self.shards[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T> Shard<T> {
    fn remember(&mut self, token: Box<str>, value: T) {
        if self.current.len() >= PER_GENERATION && !self.current.contains_key(&token) {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(token, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_is_found() {
        let cache = VerifiedCache::default();
        cache.insert("a.b.c", 1);
        assert_eq!(cache.get("a.b.c"), Some(1));
        assert_eq!(cache.get("a.b.c "), None);
        assert_eq!(cache.get("a.b.d"), None);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = VerifiedCache::default();
        for i in 0..100_000 {
            cache.insert(&format!("token-{i}"), i);
        }
        let held: usize = cache
            .shards
            .iter()
            .map(|s| {
                let s = s.lock().unwrap();
                s.current.len() + s.previous.len()
            })
            .sum();
        assert!(held <= 2 * SHARDS * PER_GENERATION, "{held}");
        assert_eq!(cache.get("token-99999"), Some(99_999));
        assert_eq!(cache.get("token-0"), None);
    }

    #[test]
    fn a_token_in_use_survives_a_change_of_generation() {
        let cache = VerifiedCache::default();
        cache.insert("kept", 0);
        for i in 0..(SHARDS * PER_GENERATION * 3) {
            cache.insert(&format!("other-{i}"), 1);
            if i % 64 == 0 {
                assert_eq!(cache.get("kept"), Some(0), "after {i} others");
            }
        }
    }
}
