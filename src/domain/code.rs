//! The short code mailed beside a one-time link, for people who read the
//! mail on the phone where the app is open: 8 characters of Crockford's
//! base32 (no I, L, O or U, so nothing reads as something else), shown
//! grouped as `ABCD-EFGH`.
//!
//! A code is typed by hand, so parsing forgives: case does not matter,
//! spaces and dashes are ignored, and the look-alikes Crockford maps (`O`
//! for zero, `I` and `L` for one) are read as what they look like. Its 40
//! bits are few, so a code is only ever checked against one address's
//! pending code, wrong guesses void it after five (see the store), and only
//! its SHA-256 is stored.

use std::fmt;

use sha2::{Digest, Sha256};

use super::random::{RandomError, random_bytes};

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code.
const LEN: usize = 8;

/// A code, as mailed or as typed.
#[derive(Clone, PartialEq, Eq)]
pub struct Code {
    /// The eight characters, canonical (upper case, no dash).
    chars: String,
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code([redacted])")
    }
}

impl Code {
    /// A fresh code: 40 random bits, 5 per character.
    pub fn generate() -> Result<Code, RandomError> {
        let bytes = random_bytes::<5>()?;
        let bits = bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
        let chars = (0..LEN)
            .map(|i| ALPHABET[((bits >> (35 - 5 * i)) & 31) as usize] as char)
            .collect();
        Ok(Code { chars })
    }

    /// A code as a person typed it; `None` when it cannot be one.
    pub fn parse(raw: &str) -> Option<Code> {
        let mut chars = String::with_capacity(LEN);
        for c in raw.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\t' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return None,
            };
            if chars.len() == LEN {
                return None;
            }
            chars.push(c);
        }
        (chars.len() == LEN).then_some(Code { chars })
    }

    /// What the mail shows: `ABCD-EFGH`.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.chars[..4], &self.chars[4..])
    }

    /// What the database stores and compares.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(format!("accounts-code:{}", self.chars).as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_eight_characters_of_the_alphabet_shown_in_two_groups() {
        let code = Code::generate().unwrap();
        let shown = code.display();
        assert_eq!(shown.len(), 9);
        assert_eq!(&shown[4..5], "-");
        assert!(
            shown
                .replace('-', "")
                .bytes()
                .all(|b| ALPHABET.contains(&b))
        );
        assert_ne!(Code::generate().unwrap(), code);
    }

    #[test]
    fn typing_ignores_case_spaces_dashes_and_reads_look_alikes() {
        let code = Code::parse("AB0D-1FGH").unwrap();
        for typed in [
            "ab0d-1fgh",
            "AB0D1FGH",
            " ab 0d - 1f gh ",
            "ABOD-IFGH",
            "abod-lfgh",
        ] {
            assert_eq!(Code::parse(typed).as_ref(), Some(&code), "{typed:?}");
            assert_eq!(Code::parse(typed).unwrap().hash(), code.hash());
        }
        assert_eq!(code.display(), "AB0D-1FGH");
    }

    #[test]
    fn what_cannot_be_a_code_is_refused() {
        for bad in [
            "",
            "ABCD-EFG",
            "ABCD-EFGHJ",
            "ABCD-EFGU",
            "ÄBCD-EFGH",
            "ABCD_EFGH",
            "----",
        ] {
            assert_eq!(Code::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_debug_form_hides_the_code() {
        assert_eq!(
            format!("{:?}", Code::generate().unwrap()),
            "Code([redacted])"
        );
    }
}
