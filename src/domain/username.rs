//! Usernames by Django's rule, normalised so look-alikes cannot collide.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// A valid username: NFKC-normalised (as Django's `normalize_username`), at
/// most 150 characters of letters, digits and `@ . + - _`. `key()` is the
/// case-folded form, so `Alice` and `ａｌｉｃｅ` (full-width) are one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username {
    name: String,
    key: String,
}

/// Why a value is not a username; `message()` is the text clients see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameError {
    /// More than 150 characters.
    TooLong,
    /// A character outside letters, digits and `@ . + - _`.
    Invalid,
}

impl UsernameError {
    pub fn message(self) -> &'static str {
        match self {
            UsernameError::TooLong => "Ensure this field has no more than 150 characters.",
            UsernameError::Invalid => {
                "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
            }
        }
    }
}

pub const MAX_USERNAME_CHARS: usize = 150;

impl Username {
    /// Parses an optional username: blank (after trimming) means none.
    pub fn parse_optional(raw: &str) -> Result<Option<Username>, UsernameError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            Ok(None)
        } else {
            Username::parse(trimmed).map(Some)
        }
    }

    pub fn parse(raw: &str) -> Result<Username, UsernameError> {
        let name: String = raw.trim().nfkc().collect();
        if name.chars().count() > MAX_USERNAME_CHARS {
            return Err(UsernameError::TooLong);
        }
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
        {
            return Err(UsernameError::Invalid);
        }
        let key = Username::key_of(&name);
        Ok(Username { name, key })
    }

    /// The look-up key of any login value, valid username or not.
    pub fn key_of(raw: &str) -> String {
        super::lookup_key(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_and_the_five_symbols() {
        for ok in ["userName", "user.name+tag@x-y_z", "Jürgen", "用户", "a"] {
            assert!(Username::parse(ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn refuses_spaces_and_other_symbols() {
        for bad in [
            "user name",
            "user!",
            "a/b",
            "semi;colon",
            "quote'",
            "<script>",
            "tab\tname",
            "nul\0",
        ] {
            assert_eq!(Username::parse(bad), Err(UsernameError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn the_length_limit_is_150_characters() {
        assert!(Username::parse(&"a".repeat(150)).is_ok());
        assert_eq!(
            Username::parse(&"a".repeat(151)),
            Err(UsernameError::TooLong)
        );
        assert!(
            Username::parse(&"é".repeat(150)).is_ok(),
            "counted in characters, not bytes"
        );
    }

    #[test]
    fn blank_means_no_username() {
        assert_eq!(Username::parse_optional("  "), Ok(None));
    }

    #[test]
    fn full_width_and_case_variants_share_a_key() {
        let plain = Username::parse("Alice").unwrap();
        let wide = Username::parse("ＡＬＩＣＥ").unwrap();
        assert_eq!(plain.key(), wide.key());
        assert_eq!(wide.as_str(), "ALICE", "stored NFKC-normalised");
    }
}
