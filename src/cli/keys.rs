//! `accounts keys list` and `accounts keys rotate`, and the key lines of
//! `accounts check-config`. Only `kid`s, algorithms, states and dates are
//! printed: a private key never leaves the key ring file.

use std::io::Write;

use super::{CliError, load_config};
use crate::accounts::keys::{self, KeyView, RotateError};
use crate::config::Config;
use crate::domain::timestamp::rfc3339_utc;

const KEYS_USAGE: &str = "\
Usage: accounts keys <list|rotate>
  list      Every token-signing key: kid, algorithm, state (next, signing,
            verifying-only, retired) and dates (UTC)
  rotate    Add a key of ACCOUNTS_JWT_ALGORITHM (EdDSA or ES256): published in
            the JWKS at once, signing after ACCOUNTS_KEY_PUBLISH_AHEAD; the
            current key then verifies until its tokens have expired
";

/// Under this, a JWKS cached by another service for its full 5 minutes may
/// not know the new key when it starts signing.
const JWKS_MAX_AGE_SECS: u64 = 300;

/// Runs `accounts keys <args>`.
pub fn command(args: &[&str]) -> Result<(), CliError> {
    match args {
        [] | ["-h" | "--help" | "help", ..] | [_, "-h" | "--help", ..] => {
            say_raw!("{KEYS_USAGE}");
            Ok(())
        }
        ["list"] => list(&load_config()?),
        ["rotate"] => rotate(&load_config()?),
        _ => Err(CliError::UnknownKeysCommand(args.join(" "))),
    }
}

fn list(config: &Config) -> Result<(), CliError> {
    say!("kid\talg\tstate\tcreated\tsigns from\tverifies until");
    for key in keys::list(config)? {
        say!("{}", row(&key));
    }
    Ok(())
}

fn row(key: &KeyView) -> String {
    let mut row = format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        key.name,
        key.alg,
        key.state.as_str(),
        date_or_dash(key.created_at),
        date_or_dash(key.signs_from),
        key.verifies_until.map_or("-".to_string(), utc),
    );
    if let Some(pruned) = key.pruned_at {
        row.push_str(&format!("\tprivate key erased {}", utc(pruned)));
    }
    row
}

fn rotate(config: &Config) -> Result<(), CliError> {
    let rotated = keys::rotate(config).map_err(|e| match e {
        RotateError::Hs256 => CliError::CannotRotateHs256,
        RotateError::KeyRing(e) => CliError::KeyRing(e),
    })?;
    let ahead = config.jwt.publish_ahead.as_secs();
    if ahead < JWKS_MAX_AGE_SECS {
        log::warn!(
            "ACCOUNTS_KEY_PUBLISH_AHEAD is {ahead}s, less than the {JWKS_MAX_AGE_SECS}s other \
             services may cache the JWKS: they may meet the new key before they know it"
        );
    }
    let key = &rotated.key;
    say!(
        "added {} key {}: published now, signing from {}; the key signing until then verifies until {}",
        key.alg.as_str(),
        key.name(),
        utc(key.signs_from),
        utc(rotated.previous_verifies_until)
    );
    Ok(())
}

/// The key lines of `check-config`: `kid`, algorithm and state.
pub fn show_states(config: &Config) -> Result<(), CliError> {
    for key in keys::list(config)? {
        say!(
            "key kid={} alg={} state={}",
            key.name,
            key.alg,
            key.state.as_str()
        );
    }
    Ok(())
}

/// Dates before 1971 are the HS256 key's "always".
fn date_or_dash(secs: u64) -> String {
    if secs < 365 * 86_400 {
        "-".to_string()
    } else {
        utc(secs)
    }
}

/// Unix seconds as `2026-11-21T10:00:00Z`.
fn utc(secs: u64) -> String {
    rfc3339_utc(secs)
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn dates_are_utc_in_iso_8601() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc(4_107_542_399), "2100-02-28T23:59:59Z");
    }
}
