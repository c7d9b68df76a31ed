//! How passwords are stored and checked.
//!
//! Hashing follows Django's `bcrypt_sha256` hasher: bcrypt over the hex
//! SHA-256 digest of the password. bcrypt alone reads only 72 bytes and stops
//! at a NUL byte; the digest is 64 ASCII characters whatever the password, so
//! long passwords are never silently truncated and Django hashes of that kind
//! can be imported as they are. The stored value is `bcrypt_sha256$` followed
//! by a standard `$2b$<cost>$...` bcrypt string.
//!
//! Normalisation: what this service hashes is the password with surrounding
//! whitespace trimmed (as the original DRF serializers did) and the rest put
//! in Unicode NFC, so the same password typed on systems that compose accents
//! differently still matches. A stored hash may also have been made by Django,
//! which hashes exactly what it was given (its `check_password` neither trims
//! nor normalises): a password typed in NFD on a macOS keyboard, or with a
//! space at its end, was hashed as such. So a password is checked as typed
//! first, then trimmed, then normalised; each distinct form costs one bcrypt,
//! and most passwords have only one. A hash that matched only a form other
//! than the normalised one is rehashed in normalised form on the next login.
//!
//! Imported Django hashes in the formats this service does not write
//! (PBKDF2, Argon2, scrypt) are checked the same way through
//! [`crate::domain::django_hash`] and always rehashed on the next successful login;
//! an unusable one (`!...`, or a legacy format) never matches.

use sha2::{Digest, Sha256};

use super::Password;
use crate::domain::django_hash;

const SCHEME: &str = "bcrypt_sha256$";

/// Hashes a password's normalised form at the given bcrypt cost (4 to 31).
pub fn hash(password: &Password, cost: u32) -> Result<String, bcrypt::BcryptError> {
    let bcrypt_hash = bcrypt::hash(prehash(&password.normalised), cost)?;
    Ok(format!("{SCHEME}{bcrypt_hash}"))
}

/// What checking a password against a stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    pub matches: bool,
    /// The stored hash uses another scheme or cost than the configured one,
    /// or matched the password only in a form this service does not hash.
    pub needs_rehash: bool,
}

/// Checks a password against a stored hash: ours (`bcrypt_sha256$...`), a
/// plain bcrypt hash (`$2b$...` or Django's `bcrypt$...`), which never matches
/// a password longer than bcrypt can read, or an imported Django PBKDF2,
/// Argon2 or scrypt hash. Every form of the password is tried (see the
/// module's documentation) until one matches, so a wrong password costs one
/// hash per distinct form, whoever the user is.
pub fn verify(password: &Password, stored: &str, cost: u32) -> Verification {
    if django_hash::classify(stored).is_django_only() {
        return verify_django(password, stored);
    }
    let (bcrypt_part, ours) = match stored.strip_prefix(SCHEME) {
        Some(b) => (b, true),
        None => (stored.strip_prefix("bcrypt$").unwrap_or(stored), false),
    };
    let mut matched = None;
    for form in password.candidates() {
        let result = if ours {
            bcrypt::verify(prehash(form), bcrypt_part)
        } else {
            bcrypt::non_truncating_verify(form.as_bytes(), bcrypt_part)
        };
        match result {
            Ok(true) => {
                matched = Some(form);
                break;
            }
            Ok(false) | Err(bcrypt::BcryptError::Truncation(_)) => {}
            Err(e) => {
                log::warn!("a stored password hash could not be checked: {e}");
                break;
            }
        }
    }
    Verification {
        matches: matched.is_some(),
        needs_rehash: !ours
            || cost_of(bcrypt_part) != Some(cost)
            || matched.is_some_and(|form| form != password.normalised),
    }
}

/// An imported PBKDF2, Argon2 or scrypt hash: each form of the password is
/// tried, and a match always asks for a rehash into this service's format.
fn verify_django(password: &Password, stored: &str) -> Verification {
    let matches = password
        .candidates()
        .into_iter()
        .any(|form| django_hash::verify(form.as_bytes(), stored) == Some(true));
    Verification {
        matches,
        needs_rehash: true,
    }
}

/// Whether any password can match the stored hash (an imported unusable,
/// legacy or unknown one cannot).
pub fn is_usable(stored: &str) -> bool {
    django_hash::classify(stored).is_usable()
}

/// The cost field of a `$2b$12$...` string.
fn cost_of(bcrypt_hash: &str) -> Option<u32> {
    bcrypt_hash.split('$').nth(2)?.parse().ok()
}

/// Hex SHA-256 of the password, as Django's `bcrypt_sha256` feeds bcrypt.
fn prehash(password: &str) -> String {
    hex::encode(Sha256::digest(password.as_bytes()))
}

/// A hash checked when no user matches a login, so the answer costs the
/// same bcrypt work as a wrong password. Its password is irrelevant: a match
/// against it still finds no user.
pub fn dummy_hash(cost: u32) -> Result<String, bcrypt::BcryptError> {
    let text = "no account has this password";
    let password = Password {
        normalised: text.into(),
        typed: text.into(),
    };
    hash(&password, cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Password {
        Password::parse(s).unwrap()
    }

    /// Django's `bcrypt_sha256` of exactly these bytes, at cost 4.
    fn django_hash(text: &str) -> String {
        format!("{SCHEME}{}", bcrypt::hash(prehash(text), 4).unwrap())
    }

    #[test]
    fn a_django_hash_of_a_decomposed_password_matches_it_as_typed() {
        let nfd = "cafe\u{301}-au-lait";
        let stored = django_hash(nfd);
        assert_eq!(
            verify(&pw(nfd), &stored, 4),
            Verification {
                matches: true,
                needs_rehash: true
            },
            "matched as typed, so rehashed in normalised form"
        );
        assert!(!verify(&pw("caf\u{e9}-au-lait"), &stored, 4).matches);
    }

    #[test]
    fn a_django_hash_of_an_untrimmed_password_matches_it_as_typed() {
        let stored = django_hash(" padded secret ");
        assert!(verify(&pw(" padded secret "), &stored, 4).matches);
        assert!(!verify(&pw("padded secret"), &stored, 4).matches);
    }

    #[test]
    fn a_hash_of_the_trimmed_password_matches_it_typed_with_spaces() {
        let nfd = "cre\u{300}me brule\u{301}e";
        let stored = django_hash(nfd);
        assert!(verify(&pw(&format!("  {nfd}\t")), &stored, 4).matches);
    }

    #[test]
    fn our_own_hash_of_a_normalised_password_needs_no_rehash() {
        let h = hash(&pw("cafe\u{301}-au-lait"), 4).unwrap();
        assert_eq!(
            verify(&pw("caf\u{e9}-au-lait"), &h, 4),
            Verification {
                matches: true,
                needs_rehash: false
            }
        );
        assert!(verify(&pw("cafe\u{301}-au-lait"), &h, 4).matches);
    }

    #[test]
    fn hashes_are_django_bcrypt_sha256_strings() {
        let h = hash(&pw("correct horse battery"), 4).unwrap();
        assert!(h.starts_with("bcrypt_sha256$$2b$04$"), "{h}");
        assert_eq!(
            verify(&pw("correct horse battery"), &h, 4),
            Verification {
                matches: true,
                needs_rehash: false
            }
        );
        assert!(!verify(&pw("correct horse batterY"), &h, 4).matches);
        assert!(verify(&pw("correct horse battery"), &h, 5).needs_rehash);
    }

    #[test]
    fn passwords_sharing_the_first_72_bytes_do_not_match() {
        let base = "a".repeat(72);
        let h = hash(&pw(&format!("{base}-one")), 4).unwrap();
        assert!(!verify(&pw(&format!("{base}-two")), &h, 4).matches);
        assert!(!verify(&pw(&base), &h, 4).matches);
    }

    #[test]
    fn a_nul_byte_does_not_truncate() {
        let h = hash(&pw("abc\0defghijkl"), 4).unwrap();
        assert!(!verify(&pw("abc\0zzzzzzzzz"), &h, 4).matches);
        assert!(verify(&pw("abc\0defghijkl"), &h, 4).matches);
    }

    #[test]
    fn a_plain_bcrypt_hash_is_accepted_and_flagged_for_rehash() {
        let plain = bcrypt::hash("legacy password", 4).unwrap();
        assert_eq!(
            verify(&pw("legacy password"), &plain, 4),
            Verification {
                matches: true,
                needs_rehash: true
            }
        );
        let django = format!("bcrypt${plain}");
        assert!(verify(&pw("legacy password"), &django, 4).matches);
    }

    #[test]
    fn an_imported_pbkdf2_hash_verifies_and_asks_for_a_rehash() {
        // Django 5.2: make_password("correct horse battery") at 1,000 iterations.
        let django = "pbkdf2_sha256$1000$CxI1t8Ij0wcc75o1eBeuS1$2ek4UMZz8ErZ/W2ePEJZkSCgfimkkvOjNM3wiGXhfFs=";
        assert_eq!(
            verify(&pw("correct horse battery"), django, 4),
            Verification {
                matches: true,
                needs_rehash: true
            }
        );
        assert!(!verify(&pw("correct horse batteries"), django, 4).matches);
    }

    #[test]
    fn unusable_hashes_are_not_usable() {
        assert!(!is_usable("!"));
        assert!(!is_usable("!wkiY04tKDzMxYicyr2s8jN23hrw6ALs0Esq38lO8"));
        assert!(!is_usable(
            "md5$TDEC3SRZCW4G2LiAiBCswc$891941d662dc73084e848a48422189bb"
        ));
        assert!(is_usable(&hash(&pw("correct horse battery"), 4).unwrap()));
    }

    #[test]
    fn an_unknown_scheme_never_matches() {
        assert!(!verify(&pw("anything at all"), "pbkdf2_sha256$1$salt$hash", 4).matches);
        assert!(!verify(&pw("anything at all"), "", 4).matches);
    }
}
