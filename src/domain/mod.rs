//! The domain: typed values parsed at the edge (emails, usernames,
//! passwords, tokens) and the rules that apply to them. Nothing here knows
//! about HTTP or SQL.

pub mod code;
pub mod django_hash;
pub mod email;
pub mod jwt;
pub mod locale;
pub mod login_name;
pub mod mail;
pub mod one_time;
pub mod password;
pub mod random;
pub mod signing;
pub mod timestamp;
pub mod user_agent;
pub mod username;

pub use email::Email;
pub use password::{NewPassword, Password};
pub use username::Username;

use unicode_normalization::UnicodeNormalization;

/// The form every look-up and uniqueness check compares, for addresses and
/// usernames alike: trimmed, NFKC-normalised, lower-cased. Full-width,
/// compatibility and case variants of a name are one account, and one
/// login-throttle window whether that account exists or not.
pub fn lookup_key(raw: &str) -> String {
    raw.trim().nfkc().collect::<String>().to_lowercase()
}

/// An account as the API shows and the core uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub username: Option<String>,
    pub password_hash: String,
    pub is_email_confirmed: bool,
    pub is_active: bool,
    pub tokens_valid_after: u64,
    /// The user's language; `None`: the default (`ACCOUNTS_DEFAULT_LOCALE`).
    pub locale: Option<locale::Locale>,
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::lookup_key;

    #[test]
    fn lookup_keys_fold_case_width_compatibility_and_surrounding_space() {
        for (raw, key) in [
            (" Alice@Example.COM ", "alice@example.com"),
            ("x@\u{ff45}xample.com", "x@example.com"),
            ("\u{ff21}\u{ff4c}\u{ff49}\u{ff43}\u{ff45}", "alice"),
            ("\u{fb01}le", "file"),
        ] {
            assert_eq!(lookup_key(raw), key, "{raw:?}");
        }
    }
}
