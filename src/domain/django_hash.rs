//! Django's password hash formats, as `django.contrib.auth.hashers` writes
//! them: telling them apart when users are imported, and verifying the ones
//! this service does not write itself (PBKDF2, Argon2, scrypt).
//!
//! The formats (Django 5.2):
//!
//! - `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>`, and
//!   `pbkdf2_sha1$...` with a 20-byte key; the salt is used as UTF-8 text;
//! - `argon2` followed by argon2-cffi's PHC string:
//!   `argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>` (argon2i too);
//! - `scrypt$<N>$<salt>$<r>$<p>$<base64 of the 64-byte key>`;
//! - `bcrypt_sha256$$2b$...` and `bcrypt$$2b$...`, which
//!   [`super::password`] verifies (the first is this service's own format);
//! - `!` followed by random text: an unusable password
//!   (`set_unusable_password`), and the legacy salted or unsalted MD5 and
//!   SHA-1 formats and `crypt`, which are too weak to keep.
//!
//! Every parameter is bounded: a hash that would cost more than a few
//! seconds or a gigabyte to check is treated like an unknown format, so no
//! imported row can stall the hashing lane or exhaust memory. Verification
//! uses RustCrypto's maintained implementations and compares keys in
//! constant time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

/// The format of a stored password hash, as the import counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashFormat {
    BcryptSha256,
    Bcrypt,
    Pbkdf2Sha256,
    Pbkdf2Sha1,
    Argon2,
    Scrypt,
    /// Django's unusable password (`!...`).
    Unusable,
    /// MD5, SHA-1 (salted or not) or `crypt`: imported as unusable.
    Legacy,
    /// Anything else, or a known format that is malformed or whose
    /// parameters are out of bounds: imported as unusable.
    Unknown,
}

impl HashFormat {
    /// The format's name in Django (and in the import's summary).
    pub fn name(self) -> &'static str {
        match self {
            HashFormat::BcryptSha256 => "bcrypt_sha256",
            HashFormat::Bcrypt => "bcrypt",
            HashFormat::Pbkdf2Sha256 => "pbkdf2_sha256",
            HashFormat::Pbkdf2Sha1 => "pbkdf2_sha1",
            HashFormat::Argon2 => "argon2",
            HashFormat::Scrypt => "scrypt",
            HashFormat::Unusable => "unusable",
            HashFormat::Legacy => "legacy (unusable)",
            HashFormat::Unknown => "unknown (unusable)",
        }
    }

    /// Whether verifying it needs [`verify`] (a Django format this service
    /// does not write): PBKDF2, Argon2 and scrypt.
    pub fn is_django_only(self) -> bool {
        matches!(
            self,
            HashFormat::Pbkdf2Sha256
                | HashFormat::Pbkdf2Sha1
                | HashFormat::Argon2
                | HashFormat::Scrypt
        )
    }

    /// Whether a password can ever match a hash of this format.
    pub fn is_usable(self) -> bool {
        !matches!(
            self,
            HashFormat::Unusable | HashFormat::Legacy | HashFormat::Unknown
        )
    }
}

/// What this service stores for an account without a usable password:
/// nothing matches it, and a password reset replaces it.
pub const UNUSABLE: &str = "!";

/// The most PBKDF2 iterations accepted (Django 5.2 writes 1,000,000; each
/// release adds about a fifth).
pub const MAX_PBKDF2_ITERATIONS: u32 = 20_000_000;
/// The most memory an Argon2 or scrypt hash may ask for, in KiB (1 GiB;
/// Django's Argon2 default is 100 MiB, its scrypt default 16 MiB).
pub const MAX_MEMORY_KIB: u64 = 1 << 20;
/// The most Argon2 passes or scrypt parallel runs accepted.
const MAX_PASSES: u32 = 64;

/// Tells the format of `encoded`, checking that it is well formed and
/// within bounds (anything else is [`HashFormat::Unknown`]).
pub fn classify(encoded: &str) -> HashFormat {
    if encoded.is_empty() || encoded.starts_with('!') {
        return HashFormat::Unusable;
    }
    let Some((scheme, rest)) = encoded.split_once('$') else {
        // Django's oldest format: 32 hex digits of unsalted MD5.
        return if encoded.len() == 32 && encoded.bytes().all(|b| b.is_ascii_hexdigit()) {
            HashFormat::Legacy
        } else {
            HashFormat::Unknown
        };
    };
    let well_formed = match scheme {
        "bcrypt_sha256" => return known(HashFormat::BcryptSha256, is_bcrypt_string(rest)),
        "bcrypt" => return known(HashFormat::Bcrypt, is_bcrypt_string(rest)),
        "pbkdf2_sha256" => Pbkdf2::parse(encoded).map(|p| p.format),
        "pbkdf2_sha1" => Pbkdf2::parse(encoded).map(|p| p.format),
        "argon2" => argon2_hash(rest).map(|_| HashFormat::Argon2),
        "scrypt" => Scrypt::parse(rest).map(|_| HashFormat::Scrypt),
        "md5" | "sha1" | "crypt" | "unsalted_md5" | "unsalted_sha1" => Some(HashFormat::Legacy),
        _ => None,
    };
    well_formed.unwrap_or(HashFormat::Unknown)
}

fn known(format: HashFormat, well_formed: bool) -> HashFormat {
    if well_formed {
        format
    } else {
        HashFormat::Unknown
    }
}

/// A standard `$2b$<cost>$<53 characters>` bcrypt string (`2a`, `2x` and
/// `2y` too), as `bcrypt_sha256$` and `bcrypt$` wrap it.
fn is_bcrypt_string(s: &str) -> bool {
    let parts: Vec<&str> = s.split('$').collect();
    let [empty, version, cost, rest] = parts.as_slice() else {
        return false;
    };
    empty.is_empty()
        && matches!(*version, "2a" | "2b" | "2x" | "2y")
        && cost.len() == 2
        && cost.parse::<u32>().is_ok_and(|c| (4..=31).contains(&c))
        && rest.len() == 53
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
}

/// Checks `password` (its bytes exactly) against a Django PBKDF2, Argon2 or
/// scrypt hash. `None` when `encoded` is not one of those formats (the
/// caller handles bcrypt); `Some(false)` when it is but is malformed.
pub fn verify(password: &[u8], encoded: &str) -> Option<bool> {
    let (scheme, rest) = encoded.split_once('$')?;
    Some(match scheme {
        "pbkdf2_sha256" | "pbkdf2_sha1" => {
            Pbkdf2::parse(encoded).is_some_and(|p| p.verify(password))
        }
        "argon2" => argon2_hash(rest).is_some_and(|h| verify_argon2(password, &h)),
        "scrypt" => Scrypt::parse(rest).is_some_and(|s| s.verify(password)),
        _ => return None,
    })
}

/// A parsed `pbkdf2_<digest>$iterations$salt$key`.
struct Pbkdf2<'a> {
    format: HashFormat,
    iterations: u32,
    salt: &'a str,
    key: Vec<u8>,
}

impl<'a> Pbkdf2<'a> {
    fn parse(encoded: &'a str) -> Option<Pbkdf2<'a>> {
        let mut parts = encoded.splitn(4, '$');
        let (scheme, iterations, salt, key) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let (format, key_len) = match scheme {
            "pbkdf2_sha256" => (HashFormat::Pbkdf2Sha256, 32),
            "pbkdf2_sha1" => (HashFormat::Pbkdf2Sha1, 20),
            _ => return None,
        };
        let iterations: u32 = iterations.parse().ok()?;
        let key = STANDARD.decode(key).ok()?;
        let in_bounds = (1..=MAX_PBKDF2_ITERATIONS).contains(&iterations);
        (in_bounds && key.len() == key_len).then_some(Pbkdf2 {
            format,
            iterations,
            salt,
            key,
        })
    }

    fn verify(&self, password: &[u8]) -> bool {
        let mut derived = vec![0u8; self.key.len()];
        let salt = self.salt.as_bytes();
        match self.format {
            HashFormat::Pbkdf2Sha1 => {
                pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, self.iterations, &mut derived)
            }
            _ => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, self.iterations, &mut derived),
        }
        bool::from(derived.ct_eq(&self.key))
    }
}

/// The PHC string after `argon2`, parsed and within bounds.
fn argon2_hash(rest: &str) -> Option<argon2::PasswordHash> {
    let phc = format!("${rest}");
    let hash = argon2::PasswordHash::new(&phc).ok()?;
    argon2::Algorithm::try_from(hash.algorithm.as_str()).ok()?;
    let params = argon2::Params::try_from(&hash).ok()?;
    let in_bounds = u64::from(params.m_cost()) <= MAX_MEMORY_KIB
        && params.t_cost() <= MAX_PASSES
        && params.p_cost() <= MAX_PASSES;
    (in_bounds && hash.salt.is_some() && hash.hash.is_some()).then_some(hash)
}

fn verify_argon2(password: &[u8], hash: &argon2::PasswordHash) -> bool {
    use argon2::PasswordVerifier;
    let mut hash = hash.clone();
    // A PHC string without `v=` is Argon2 version 1.0 (0x10): the oldest
    // Django hashes have none, and the crate would otherwise assume 1.3.
    if hash.version.is_none() {
        hash.version = Some(0x10);
    }
    argon2::Argon2::default()
        .verify_password(password, &hash)
        .is_ok()
}

/// A parsed `N$salt$r$p$key` (after `scrypt$`).
struct Scrypt<'a> {
    log_n: u8,
    salt: &'a str,
    r: u32,
    p: u32,
    key: Vec<u8>,
}

impl<'a> Scrypt<'a> {
    fn parse(rest: &'a str) -> Option<Scrypt<'a>> {
        let parts: Vec<&str> = rest.split('$').collect();
        let [n, salt, r, p, key] = parts.as_slice() else {
            return None;
        };
        let n: u64 = n.parse().ok()?;
        let (r, p): (u32, u32) = (r.parse().ok()?, p.parse().ok()?);
        let key = STANDARD.decode(key).ok()?;
        let memory_kib = n.checked_mul(u64::from(r))?.checked_mul(128)? / 1024;
        let in_bounds = n.is_power_of_two()
            && n >= 2
            && (1..=MAX_PASSES).contains(&r)
            && (1..=MAX_PASSES).contains(&p)
            && memory_kib <= MAX_MEMORY_KIB
            && (16..=128).contains(&key.len());
        in_bounds.then_some(Scrypt {
            log_n: n.trailing_zeros() as u8,
            salt,
            r,
            p,
            key,
        })
    }

    fn verify(&self, password: &[u8]) -> bool {
        let Ok(params) = scrypt::Params::new(self.log_n, self.r, self.p) else {
            return false;
        };
        let mut derived = vec![0u8; self.key.len()];
        if scrypt::scrypt(password, self.salt.as_bytes(), &params, &mut derived).is_err() {
            return false;
        }
        bool::from(derived.ct_eq(&self.key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made by Django 5.2's make_password("correct horse battery", hasher=...)
    // (PBKDF2 at 1,000 iterations and Argon2/scrypt at small costs, to keep
    // the tests fast; the integration tests use Django's defaults).
    const PASSWORD: &str = "correct horse battery";
    const PBKDF2_SHA256: &str =
        "pbkdf2_sha256$1000$CxI1t8Ij0wcc75o1eBeuS1$2ek4UMZz8ErZ/W2ePEJZkSCgfimkkvOjNM3wiGXhfFs=";
    const PBKDF2_SHA1: &str =
        "pbkdf2_sha1$1000$CREvSE7N8xSrPsel86SYs7$kX1c5uLvfRgH91Gb6fZadJQE1qA=";
    const ARGON2ID: &str = "argon2$argon2id$v=19$m=1024,t=2,p=2$blJPN1dySEhnMnFJTUhXaVgyRzk2NA$pbrGI7WcbBeArs7xbXw8IYnlxX4lj9OvHHp0Z8nQPK4";
    const ARGON2I: &str = "argon2$argon2i$v=19$m=1024,t=2,p=2$ZVIwQXp1eVFkNXprM2xVZVlrNGgzTg$y1pfNpVmtju4CkeA9eHDUYItglrhpNO4yUhFZmwt3sg";
    const SCRYPT: &str = "scrypt$1024$5bGXh3v96lUgikJRtphKX9$8$2$MCu9B7HdhwANZ1499DgfFGBcynvbZFs1CRtESyVByxS+Gku+qnVnkTibJsOapKjkiv/RE60tgMdn61awHx5BWA==";

    #[test]
    fn each_django_format_verifies_its_password_and_only_it() {
        for (name, encoded) in [
            ("pbkdf2_sha256", PBKDF2_SHA256),
            ("pbkdf2_sha1", PBKDF2_SHA1),
            ("argon2id", ARGON2ID),
            ("argon2i", ARGON2I),
            ("scrypt", SCRYPT),
        ] {
            assert_eq!(
                verify(PASSWORD.as_bytes(), encoded),
                Some(true),
                "{name}: the right password"
            );
            assert_eq!(
                verify(b"correct horse batterY", encoded),
                Some(false),
                "{name}: a wrong password"
            );
        }
    }

    #[test]
    fn formats_are_told_apart() {
        let cases = [
            (PBKDF2_SHA256, HashFormat::Pbkdf2Sha256),
            (PBKDF2_SHA1, HashFormat::Pbkdf2Sha1),
            (ARGON2ID, HashFormat::Argon2),
            (ARGON2I, HashFormat::Argon2),
            (SCRYPT, HashFormat::Scrypt),
            (
                "bcrypt_sha256$$2b$12$P71swdSVxTCW0PVUrYUSBua2lUObgNzSElGVeiWAZpRfh.Z5wxPwm",
                HashFormat::BcryptSha256,
            ),
            (
                "bcrypt$$2b$12$ZMwVAqsmsyYsnKNebjXqPuAnY/HonznFZtjPtIw2iDCHpDeqE.gSO",
                HashFormat::Bcrypt,
            ),
            (
                "!wkiY04tKDzMxYicyr2s8jN23hrw6ALs0Esq38lO8",
                HashFormat::Unusable,
            ),
            ("", HashFormat::Unusable),
            (
                "md5$TDEC3SRZCW4G2LiAiBCswc$891941d662dc73084e848a48422189bb",
                HashFormat::Legacy,
            ),
            (
                "sha1$$0123456789abcdef0123456789abcdef01234567",
                HashFormat::Legacy,
            ),
            ("5f4dcc3b5aa765d61d8327deb882cf99", HashFormat::Legacy),
            ("crypt$$abN6rGXmPpz8Q", HashFormat::Legacy),
            ("plain text", HashFormat::Unknown),
            ("sha512$salt$abc", HashFormat::Unknown),
        ];
        for (encoded, format) in cases {
            assert_eq!(classify(encoded), format, "{encoded:?}");
        }
    }

    #[test]
    fn malformed_or_unbounded_hashes_are_unknown_and_never_match() {
        for encoded in [
            "pbkdf2_sha256$many$salt$Ua8E+Q7jOIQUbKPMFGsg0gF4LAz0D2HrOpaqGcxqDw4=",
            "pbkdf2_sha256$0$salt$Ua8E+Q7jOIQUbKPMFGsg0gF4LAz0D2HrOpaqGcxqDw4=",
            "pbkdf2_sha256$4294967295$salt$Ua8E+Q7jOIQUbKPMFGsg0gF4LAz0D2HrOpaqGcxqDw4=",
            "pbkdf2_sha256$1000$salt$not base64",
            "pbkdf2_sha256$1000$salt$s9bRqWxPG5bvzL6Ge4RvGX6dp5I=",
            "pbkdf2_sha256$1000$salt",
            "argon2$argon2id$v=19$m=4194304,t=2,p=2$c2FsdHNhbHRzYWx0$Ui7GQ8YF8HI9yxRWwZ0ML5BRPbe2RQ8jVM9xHQB6U7k",
            "argon2$argon2x$v=19$m=1024,t=2,p=2$c2FsdHNhbHRzYWx0$Ui7GQ8YF8HI9yxRWwZ0ML5BRPbe2RQ8jVM9xHQB6U7k",
            "argon2$garbage",
            "scrypt$1000$salt$8$2$BUp9lMtNySNzj4T3PlGNt1BM8GxFMXcTMuXzV4yOlV4=",
            "scrypt$1099511627776$salt$8$2$BUp9lMtNySNzj4T3PlGNt1BM8GxFMXcTMuXzV4yOlV4=",
            "scrypt$1024$salt$8$2",
            "bcrypt_sha256$$2b$99$P71swdSVxTCW0PVUrYUSBua2lUObgNzSElGVeiWAZpRfh.Z5wxPwm",
            "bcrypt$$2b$12$short",
        ] {
            assert_eq!(classify(encoded), HashFormat::Unknown, "{encoded:?}");
            assert_ne!(
                verify(PASSWORD.as_bytes(), encoded),
                Some(true),
                "{encoded:?}"
            );
        }
    }

    #[test]
    fn bcrypt_formats_are_left_to_the_caller() {
        assert_eq!(verify(b"x", "bcrypt_sha256$$2b$04$abc"), None);
        assert_eq!(verify(b"x", "bcrypt$$2b$04$abc"), None);
        assert_eq!(verify(b"x", "$2b$04$abc"), None);
    }

    #[test]
    fn only_real_hash_formats_are_usable() {
        assert!(HashFormat::Pbkdf2Sha256.is_usable());
        assert!(HashFormat::BcryptSha256.is_usable());
        for format in [
            HashFormat::Unusable,
            HashFormat::Legacy,
            HashFormat::Unknown,
        ] {
            assert!(!format.is_usable(), "{format:?}");
        }
        assert_eq!(classify(UNUSABLE), HashFormat::Unusable);
    }
}
