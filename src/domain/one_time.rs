//! Single-use tokens mailed to users: email confirmation and password reset.
//!
//! A token is 256 random bits shown as 64 hex characters. Only its SHA-256
//! is stored, so a copy of the database cannot be used to confirm or reset.
//! A token the service issues comes with a short [`Code`] for the same
//! purpose, stored (hashed) in the same row: valid as long as the link, and
//! spent with it.

use sha2::{Digest, Sha256};

use super::code::Code;
use super::random::{RandomError, random_bytes};

/// What a one-time token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ConfirmEmail,
    ResetPassword,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ConfirmEmail => "confirm_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

/// A token as the user holds it: its text (for the link) and its hash.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeToken {
    text: String,
    hash: [u8; 32],
    /// The code mailed beside a fresh token; a token parsed from a link has
    /// none.
    code: Option<Code>,
}

impl std::fmt::Debug for OneTimeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeToken([redacted])")
    }
}

impl OneTimeToken {
    /// A fresh token and its code.
    pub fn generate() -> Result<OneTimeToken, RandomError> {
        let text = hex::encode(random_bytes::<32>()?);
        let mut token = OneTimeToken::from_text(text);
        token.code = Some(Code::generate()?);
        Ok(token)
    }

    /// Accepts exactly 64 hex characters; anything else cannot be a token we
    /// issued, so it is refused without a database look-up.
    pub fn parse(raw: &str) -> Option<OneTimeToken> {
        let raw = raw.trim();
        (raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| OneTimeToken::from_text(raw.to_ascii_lowercase()))
    }

    fn from_text(text: String) -> OneTimeToken {
        let hash = Sha256::digest(text.as_bytes()).into();
        OneTimeToken {
            text,
            hash,
            code: None,
        }
    }

    /// The code that goes into the mail beside the link.
    pub fn code(&self) -> Option<&Code> {
        self.code.as_ref()
    }

    /// The text that goes into the mailed link.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What the database stores and looks up.
    pub fn hash(&self) -> &[u8; 32] {
        &self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_back_to_the_same_hash() {
        let t = OneTimeToken::generate().unwrap();
        assert_eq!(t.text().len(), 64);
        assert_eq!(OneTimeToken::parse(t.text()).unwrap().hash(), t.hash());
        assert_eq!(
            OneTimeToken::parse(&t.text().to_uppercase())
                .unwrap()
                .hash(),
            t.hash()
        );
    }

    #[test]
    fn anything_but_64_hex_characters_is_refused() {
        for bad in [
            "",
            "abc",
            &"g".repeat(64),
            &"a".repeat(63),
            &"a".repeat(65),
            "' OR 1=1 --",
        ] {
            assert!(OneTimeToken::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn two_tokens_differ() {
        assert_ne!(
            OneTimeToken::generate().unwrap().text(),
            OneTimeToken::generate().unwrap().text()
        );
    }
}
