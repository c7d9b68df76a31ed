//! The key ring: every key that has signed or will sign tokens, and the
//! timeline that gives each its state. Nothing here reads a clock or a file:
//! the caller passes `now`, and the ring is stored by `crate::keyring`.
//!
//! Keys are kept in the order they start signing. The key that signs at
//! `now` is the last one whose `signs_from` has come; a key stops signing
//! when the next one starts (it is then *superseded*), and keeps verifying
//! for `verify_for` seconds, the longest lifetime of a token it signed.
//! After that it is retired: refused, unpublished, and its private half is
//! erased by [`KeyRing::prune`]. HS256 is a key of the ring too (without
//! material: its secret is `ACCOUNTS_SECRET_KEY`), so switching algorithm is
//! the same step as rotating: the old key only verifies, then retires.

use std::fmt;

use super::JwtAlgorithm;
use super::material::{KeyError, PrivateKey};
use crate::secret::Secret;

/// One key of the ring.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    /// The `kid` of its tokens; `None` for HS256, whose tokens name no key.
    pub kid: Option<String>,
    pub alg: JwtAlgorithm,
    /// When the key was made (Unix seconds).
    pub created_at: u64,
    /// When it starts signing; until then it is only published.
    pub signs_from: u64,
    /// The PKCS#8 PEM of an asymmetric key; `None` for HS256 and once pruned.
    pub private_key: Option<Secret>,
    /// When the private half was erased.
    pub pruned_at: Option<u64>,
}

impl KeyEntry {
    fn hs256(now: u64) -> KeyEntry {
        KeyEntry {
            kid: None,
            alg: JwtAlgorithm::HS256,
            created_at: now,
            signs_from: now,
            private_key: None,
            pruned_at: None,
        }
    }

    /// A new key of `alg` that signs from `signs_from`.
    fn generate(alg: JwtAlgorithm, now: u64, signs_from: u64) -> Result<KeyEntry, KeyError> {
        if !alg.is_asymmetric() {
            return Ok(KeyEntry {
                signs_from,
                ..KeyEntry::hs256(now)
            });
        }
        let key = PrivateKey::generate(alg)?;
        Ok(KeyEntry {
            kid: Some(key.public_jwk().kid),
            alg,
            created_at: now,
            signs_from,
            private_key: Some(key.to_pkcs8_pem()?),
            pruned_at: None,
        })
    }

    /// The `kid`, or `-` for HS256, for listings and the log.
    pub fn name(&self) -> &str {
        self.kid.as_deref().unwrap_or("-")
    }
}

/// Where a key stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Published, not yet signing.
    Next,
    /// Signs new tokens (and verifies).
    Signing,
    /// Superseded: verifies the tokens it signed until they have expired.
    VerifyingOnly,
    /// Refused and unpublished.
    Retired,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Next => "next",
            KeyState::Signing => "signing",
            KeyState::VerifyingOnly => "verifying-only",
            KeyState::Retired => "retired",
        }
    }

    /// Whether tokens of the key are accepted.
    pub fn verifies(self) -> bool {
        matches!(self, KeyState::Signing | KeyState::VerifyingOnly)
    }
}

/// What preparing the ring for start-up changed, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RingChange {
    /// A key of another algorithm was waiting to sign; it never signed and
    /// is removed, since the configured algorithm now decides.
    Withdrawn { kid: String, alg: JwtAlgorithm },
    /// A key of the configured algorithm signs from now on.
    Added { name: String, alg: JwtAlgorithm },
}

impl fmt::Display for RingChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RingChange::Withdrawn { kid, alg } => write!(
                f,
                "withdrew the {} key {kid}, which had not started signing",
                alg.as_str()
            ),
            RingChange::Added { name, alg } => {
                write!(
                    f,
                    "signing with a new {} key {name} from now on",
                    alg.as_str()
                )
            }
        }
    }
}

/// A stored ring that breaks the ring's rules (a damaged or hand-edited file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RingError {
    /// The ring holds no key at all.
    Empty,
    /// An asymmetric key without a `kid`, or an HS256 key with one.
    BadKid,
    /// Two keys share a `kid`.
    DuplicateKid(String),
    /// A key that is not pruned has no private half, or its private half
    /// does not match its `kid`.
    BadMaterial(String),
}

impl fmt::Display for RingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RingError::Empty => f.write_str("it holds no key"),
            RingError::BadKid => f.write_str("a key's kid does not fit its algorithm"),
            RingError::DuplicateKid(kid) => write!(f, "two keys have the kid {kid}"),
            RingError::BadMaterial(kid) => {
                write!(
                    f,
                    "the private key of {kid} is missing or does not match its kid"
                )
            }
        }
    }
}

/// Every key, in the order they start signing.
#[derive(Debug, Clone)]
pub struct KeyRing {
    entries: Vec<KeyEntry>,
}

impl KeyRing {
    /// The ring of a service that has only ever signed with HS256.
    pub fn hs256_only() -> KeyRing {
        KeyRing {
            entries: vec![KeyEntry::hs256(0)],
        }
    }

    /// A ring read from storage, checked: each asymmetric key's private half
    /// must still produce its `kid`.
    pub fn from_entries(mut entries: Vec<KeyEntry>) -> Result<KeyRing, RingError> {
        if entries.is_empty() {
            return Err(RingError::Empty);
        }
        entries.sort_by_key(|e| e.signs_from);
        let mut kids = std::collections::HashSet::new();
        for entry in &entries {
            if entry.kid.is_some() != entry.alg.is_asymmetric() {
                return Err(RingError::BadKid);
            }
            let Some(kid) = &entry.kid else { continue };
            if !kids.insert(kid.clone()) {
                return Err(RingError::DuplicateKid(kid.clone()));
            }
            let matches = match &entry.private_key {
                Some(pem) => PrivateKey::from_pkcs8_pem(entry.alg, pem)
                    .is_ok_and(|key| key.public_jwk().kid == *kid),
                None => entry.pruned_at.is_some(),
            };
            if !matches {
                return Err(RingError::BadMaterial(kid.clone()));
            }
        }
        Ok(KeyRing { entries })
    }

    pub fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }

    /// When the key at `index` stopped (or will stop) signing.
    pub fn superseded_at(&self, index: usize) -> Option<u64> {
        self.entries.get(index + 1).map(|next| next.signs_from)
    }

    /// Until when the key at `index` verifies (`None`: while it signs, and
    /// for as long after as its successor has not come).
    pub fn verifies_until(&self, index: usize, verify_for: u64) -> Option<u64> {
        self.superseded_at(index)
            .map(|at| at.saturating_add(verify_for))
    }

    /// The state of the key at `index` at `now`.
    pub fn state(&self, index: usize, now: u64, verify_for: u64) -> KeyState {
        let entry = &self.entries[index];
        if entry.alg.is_asymmetric() && entry.private_key.is_none() {
            return KeyState::Retired;
        }
        if entry.signs_from > now {
            return KeyState::Next;
        }
        match (
            self.superseded_at(index),
            self.verifies_until(index, verify_for),
        ) {
            (Some(superseded), _) if superseded > now => KeyState::Signing,
            (None, _) => KeyState::Signing,
            (_, Some(until)) if until > now => KeyState::VerifyingOnly,
            _ => KeyState::Retired,
        }
    }

    /// Makes the ring sign with `alg`, as the configuration says, at start:
    /// a waiting key of another algorithm is withdrawn, and unless the last
    /// key is of `alg`, a new one signs from now (the previous one then only
    /// verifies). A ring already signing with `alg` is left alone.
    pub fn prepare_for_start(
        &mut self,
        alg: JwtAlgorithm,
        now: u64,
    ) -> Result<Vec<RingChange>, KeyError> {
        let mut changes = Vec::new();
        self.entries.retain(|entry| {
            let withdrawn = entry.signs_from > now && entry.alg != alg;
            if let (true, Some(kid)) = (withdrawn, &entry.kid) {
                changes.push(RingChange::Withdrawn {
                    kid: kid.clone(),
                    alg: entry.alg,
                });
            }
            !withdrawn
        });
        if self.entries.last().is_none_or(|last| last.alg != alg) {
            let entry = KeyEntry::generate(alg, now, now)?;
            changes.push(RingChange::Added {
                name: entry.name().to_string(),
                alg,
            });
            self.insert(entry);
        }
        Ok(changes)
    }

    /// Adds a new key of `alg` that is published at once and signs from
    /// `now + ahead`. HS256 cannot rotate: its key is the configured secret.
    pub fn rotate(
        &mut self,
        alg: JwtAlgorithm,
        now: u64,
        ahead: u64,
    ) -> Result<&KeyEntry, KeyError> {
        if !alg.is_asymmetric() {
            return Err(KeyError::NotAsymmetric);
        }
        let entry = KeyEntry::generate(alg, now, now.saturating_add(ahead))?;
        let index = self.insert(entry);
        Ok(&self.entries[index])
    }

    /// Erases the private half of every retired key; returns their kids.
    pub fn prune(&mut self, now: u64, verify_for: u64) -> Vec<String> {
        let retired: Vec<usize> = (0..self.entries.len())
            .filter(|&i| {
                self.entries[i].private_key.is_some()
                    && self.state(i, now, verify_for) == KeyState::Retired
            })
            .collect();
        retired
            .into_iter()
            .map(|i| {
                let entry = &mut self.entries[i];
                entry.private_key = None;
                entry.pruned_at = Some(now);
                entry.name().to_string()
            })
            .collect()
    }

    /// Inserts after every key that starts signing no later; returns where.
    fn insert(&mut self, entry: KeyEntry) -> usize {
        let index = self
            .entries
            .partition_point(|e| e.signs_from <= entry.signs_from);
        self.entries.insert(index, entry);
        index
    }
}

#[cfg(test)]
#[path = "ring_tests.rs"]
mod tests;
