//! The domain: typed values parsed at the edge (emails, usernames,
//! passwords, tokens) and the rules that apply to them. Nothing here knows
//! about HTTP or SQL.

pub mod email;
pub mod jwt;
pub mod login_name;
pub mod mail;
pub mod one_time;
pub mod password;
pub mod random;
pub mod username;

pub use email::Email;
pub use password::{NewPassword, Password};
pub use username::Username;

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
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
