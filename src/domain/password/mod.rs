//! Passwords: parsing and Django's strength validators. How a password is
//! stored and checked is in [`hashing`].
//!
//! Normalisation: what this service hashes is the password with surrounding
//! whitespace trimmed (as the original DRF serializers did) and the rest put
//! in Unicode NFC, so the same password typed on systems that compose accents
//! differently still matches. A [`Password`] keeps the form as typed too, for
//! hashes made elsewhere (see [`hashing`]).

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

mod hashing;

pub use hashing::{Verification, dummy_hash, hash, is_usable, verify};

/// A password as typed and in normalised form; may be weak (used to log
/// in). Two passwords are equal when their normalised forms are.
#[derive(Clone)]
pub struct Password {
    /// Trimmed and NFC: what this service hashes.
    normalised: String,
    /// Exactly as received: what an imported hash may have been made of.
    typed: String,
}

impl PartialEq for Password {
    fn eq(&self, other: &Password) -> bool {
        self.normalised == other.normalised
    }
}

impl Eq for Password {}

/// A password that passed the strength validators (used to set one).
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(Password);

/// A blank password: DRF's message for a required, non-blank field.
pub const BLANK_MESSAGE: &str = "This field may not be blank.";
pub const TOO_SHORT: &str = "This password is too short. It must contain at least 8 characters.";
pub const TOO_COMMON: &str = "This password is too common.";
pub const ENTIRELY_NUMERIC: &str = "This password is entirely numeric.";
pub const TOO_LONG: &str = "Ensure this field has no more than 4096 characters.";

/// The shortest password accepted, in characters (Django's default).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// A generous bound that still keeps one request's hashing work small.
pub const MAX_PASSWORD_CHARS: usize = 4096;

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

impl Password {
    /// Keeps the password as typed and its trimmed, NFC-normalised form;
    /// only a blank value is refused.
    pub fn parse(raw: &str) -> Result<Password, &'static str> {
        let normalised: String = raw.trim().nfc().collect();
        if normalised.is_empty() {
            Err(BLANK_MESSAGE)
        } else {
            Ok(Password {
                normalised,
                typed: raw.to_string(),
            })
        }
    }

    /// The forms a stored hash is checked against, in order and each once:
    /// as typed (Django hashes what it is given), trimmed (what the original
    /// serializers passed on), normalised (what this service hashes).
    fn candidates(&self) -> Vec<&str> {
        let mut forms: Vec<&str> = Vec::with_capacity(3);
        for form in [
            self.typed.as_str(),
            self.typed.trim(),
            self.normalised.as_str(),
        ] {
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
        forms
    }
}

impl NewPassword {
    /// Parses and applies Django's default validators (length, common,
    /// numeric), returning every message that applies, in Django's order.
    pub fn parse(raw: &str) -> Result<NewPassword, Vec<&'static str>> {
        let password = Password::parse(raw).map_err(|m| vec![m])?;
        let text = password.normalised.as_str();
        let chars = text.chars().count();
        if chars > MAX_PASSWORD_CHARS {
            return Err(vec![TOO_LONG]);
        }
        let mut problems = Vec::new();
        if chars < MIN_PASSWORD_CHARS {
            problems.push(TOO_SHORT);
        }
        if common_passwords().contains(text.to_lowercase().trim()) {
            problems.push(TOO_COMMON);
        }
        if text.chars().all(char::is_numeric) {
            problems.push(ENTIRELY_NUMERIC);
        }
        if problems.is_empty() {
            Ok(NewPassword(password))
        } else {
            Err(problems)
        }
    }

    pub fn as_password(&self) -> &Password {
        &self.0
    }
}

/// Django's list of 20,000 common passwords (lower-cased), shipped with the
/// binary; see `common-passwords.LICENSE`.
fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../common-passwords.txt")
            .lines()
            .map(str::trim)
            .collect()
    })
}

/// Builds the common-password set ahead of the first registration.
pub fn warm_up() {
    common_passwords();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Password {
        Password::parse(s).unwrap()
    }

    #[test]
    fn surrounding_whitespace_is_trimmed_and_blank_refused() {
        assert_eq!(pw("  secret words \t"), pw("secret words"));
        assert_eq!(Password::parse(" \n "), Err(BLANK_MESSAGE));
    }

    #[test]
    fn composed_and_decomposed_accents_are_one_password() {
        assert_eq!(pw("caf\u{e9}-long-pass"), pw("cafe\u{301}-long-pass"));
    }

    #[test]
    fn each_distinct_form_is_tried_once() {
        assert_eq!(pw("plain").candidates(), ["plain"]);
        assert_eq!(pw(" plain ").candidates(), [" plain ", "plain"]);
        assert_eq!(
            pw(" cafe\u{301} ").candidates(),
            [" cafe\u{301} ", "cafe\u{301}", "caf\u{e9}"]
        );
    }

    #[test]
    fn validators_report_every_problem_in_djangos_order() {
        assert_eq!(
            NewPassword::parse("1234567").unwrap_err(),
            vec![TOO_SHORT, TOO_COMMON, ENTIRELY_NUMERIC]
        );
        assert_eq!(
            NewPassword::parse("password").unwrap_err(),
            vec![TOO_COMMON]
        );
        assert_eq!(
            NewPassword::parse("PassWord").unwrap_err(),
            vec![TOO_COMMON],
            "compared lower-cased"
        );
        assert_eq!(
            NewPassword::parse("98127364501").unwrap_err(),
            vec![ENTIRELY_NUMERIC]
        );
        assert_eq!(NewPassword::parse("short").unwrap_err(), vec![TOO_SHORT]);
        assert!(NewPassword::parse("correct horse battery").is_ok());
    }

    #[test]
    fn the_length_limits_are_8_and_4096_characters() {
        assert!(NewPassword::parse("xk3-9qpz").is_ok());
        assert_eq!(NewPassword::parse("xk3-9qp").unwrap_err(), vec![TOO_SHORT]);
        assert!(NewPassword::parse(&"é".repeat(MAX_PASSWORD_CHARS)).is_ok());
        assert_eq!(
            NewPassword::parse(&"é".repeat(MAX_PASSWORD_CHARS + 1)).unwrap_err(),
            vec![TOO_LONG]
        );
    }
}
