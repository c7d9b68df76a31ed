//! What the service and its operator do with signing keys: make the ring
//! sign with the configured algorithm at start, rotate, list, and (in the
//! running server) follow changes of the ring and erase retired keys. The
//! rules are the ring's (`domain::signing::ring`); the file is
//! `crate::keyring`'s; this module only strings them together, once for the
//! server and the CLI alike.

use std::path::PathBuf;

use crate::config::Config;
use crate::domain::jwt::{ClaimRules, TokenKeys};
use crate::domain::now;
use crate::domain::signing::{KeyEntry, KeyError, KeyRing, KeySet, KeyState};
use crate::keyring::{self, Fingerprint, KeyRingError};
use crate::secret::Secret;

/// How the running server reaches its key ring.
pub struct KeyRingWatch {
    path: PathBuf,
    secret: Secret,
    verify_for: u64,
    seen: Option<Fingerprint>,
    ring: KeyRing,
}

/// Makes the ring sign with `ACCOUNTS_JWT_ALGORITHM` (see
/// `KeyRing::prepare_for_start`), erases retired keys, and returns the
/// token keys to serve with, and what the server needs to follow the ring.
/// A service on HS256 that never used another algorithm writes no file.
pub fn prepare_for_start(
    config: &Config,
    secret: &Secret,
) -> Result<(TokenKeys, KeyRingWatch), KeyRingError> {
    let path = keyring::path_for(&config.db_path);
    let verify_for = config.key_verify_period().as_secs();
    let algorithm = config.jwt.algorithm;
    let ring = if keyring::read(&path)?.is_none() && !algorithm.is_asymmetric() {
        KeyRing::hs256_only()
    } else {
        let now = now();
        let (_, ring) = keyring::update(&path, |ring| {
            let changes = ring.prepare_for_start(algorithm, now)?;
            for change in &changes {
                log::info!("{change}");
            }
            let pruned = ring.prune(now, verify_for);
            log_pruned(&pruned);
            Ok(((), !changes.is_empty() || !pruned.is_empty()))
        })?;
        ring
    };
    let rules = ClaimRules {
        issuer: config.jwt.issuer.clone(),
        audience: config.jwt.audience.clone(),
    };
    let keys = TokenKeys::with_keys(KeySet::build(&ring, secret, verify_for)?, rules);
    let watch = KeyRingWatch {
        seen: keyring::fingerprint(&path),
        path,
        secret: secret.clone(),
        verify_for,
        ring,
    };
    Ok((keys, watch))
}

impl KeyRingWatch {
    /// One look at the ring: erases the keys that have retired, and gives
    /// `keys` the ring as it now is if the file changed (a rotation by the
    /// operator, or the erasure). Called every second by the server.
    pub fn check(&mut self, keys: &TokenKeys) -> Result<(), KeyRingError> {
        let now = now();
        if self.has_retired_material(now) {
            let verify_for = self.verify_for;
            keyring::update(&self.path, |ring| {
                let pruned = ring.prune(now, verify_for);
                log_pruned(&pruned);
                Ok(((), !pruned.is_empty()))
            })?;
        }
        let current = keyring::fingerprint(&self.path);
        if current == self.seen {
            return Ok(());
        }
        let ring = keyring::read_or_hs256(&self.path)?;
        keys.replace(KeySet::build(&ring, &self.secret, self.verify_for)?);
        log::info!(
            "the key ring changed: {}",
            describe(&ring, now, self.verify_for).join("; ")
        );
        self.seen = current;
        self.ring = ring;
        Ok(())
    }

    fn has_retired_material(&self, now: u64) -> bool {
        let ring = &self.ring;
        (0..ring.entries().len()).any(|i| {
            ring.entries()[i].private_key.is_some()
                && ring.state(i, now, self.verify_for) == KeyState::Retired
        })
    }
}

/// Why a rotation was refused.
#[derive(Debug)]
pub enum RotateError {
    /// HS256 signs with `ACCOUNTS_SECRET_KEY`, which has no key pair.
    Hs256,
    /// The ring could not be read or written.
    KeyRing(KeyRingError),
}

/// A rotation done: the new key, and until when the signing key verifies.
pub struct Rotated {
    pub key: KeyEntry,
    pub previous_verifies_until: u64,
}

/// `accounts keys rotate`: a new key of the configured algorithm, published
/// at once, signing after `ACCOUNTS_KEY_PUBLISH_AHEAD`. A ring that does not
/// sign with that algorithm yet is first prepared as the server would.
pub fn rotate(config: &Config) -> Result<Rotated, RotateError> {
    let algorithm = config.jwt.algorithm;
    if !algorithm.is_asymmetric() {
        return Err(RotateError::Hs256);
    }
    let path = keyring::path_for(&config.db_path);
    let ahead = config.jwt.publish_ahead.as_secs();
    let verify_for = config.key_verify_period().as_secs();
    let now = now();
    let (key, _) = keyring::update(&path, |ring| {
        for change in ring.prepare_for_start(algorithm, now)? {
            log::info!("{change}");
        }
        let key = ring.rotate(algorithm, now, ahead)?.clone();
        Ok((key, true))
    })
    .map_err(|e| match e {
        KeyRingError::Key(KeyError::NotAsymmetric) => RotateError::Hs256,
        other => RotateError::KeyRing(other),
    })?;
    Ok(Rotated {
        previous_verifies_until: key.signs_from.saturating_add(verify_for),
        key,
    })
}

/// One key as `accounts keys list` and `check-config` show it.
pub struct KeyView {
    pub name: String,
    pub alg: &'static str,
    pub state: KeyState,
    pub created_at: u64,
    pub signs_from: u64,
    pub verifies_until: Option<u64>,
    pub pruned_at: Option<u64>,
}

/// Every key of the ring and its state at `now`, oldest first.
pub fn list(config: &Config) -> Result<Vec<KeyView>, KeyRingError> {
    let ring = keyring::read_or_hs256(&keyring::path_for(&config.db_path))?;
    let verify_for = config.key_verify_period().as_secs();
    let now = now();
    Ok(ring
        .entries()
        .iter()
        .enumerate()
        .map(|(i, entry)| KeyView {
            name: entry.name().to_string(),
            alg: entry.alg.as_str(),
            state: ring.state(i, now, verify_for),
            created_at: entry.created_at,
            signs_from: entry.signs_from,
            verifies_until: ring.verifies_until(i, verify_for),
            pruned_at: entry.pruned_at,
        })
        .collect())
}

/// `kid alg state` of each key, for the log.
fn describe(ring: &KeyRing, now: u64, verify_for: u64) -> Vec<String> {
    ring.entries()
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let state = ring.state(i, now, verify_for).as_str();
            format!("{} {} {state}", e.name(), e.alg.as_str())
        })
        .collect()
}

fn log_pruned(kids: &[String]) {
    for kid in kids {
        log::info!("retired key {kid}: its tokens have expired; its private key is erased");
    }
}
