//! The table of settings: each `ACCOUNTS_*` variable is declared once, with
//! its default, its one line of help, how its value is read into
//! [`Config`](super::Config) and how `accounts check-config` shows it.
//!
//! The declarations live in one file per group (the server, tokens and
//! links, passwords, mail, throttles, storage, observability); [`SETTINGS`]
//! lists them all, in the README's order, as the one table. Loading, the
//! warning about unknown variables, `check-config` and the README's
//! configuration table (kept in step by a test) all come from it. Entries
//! are read in order, so a default computed from other settings comes after
//! them.

mod mail;
mod observability;
mod passwords;
mod server;
mod storage;
mod throttles;
mod tokens;

use super::Problem;
use super::setting::Setting;

/// Every setting, in the order of the README's table.
pub static SETTINGS: &[Setting] = &[
    server::LISTEN,
    storage::DB,
    tokens::SECRET_KEY,
    server::PUBLIC_URL,
    tokens::ACCESS_TTL,
    tokens::REFRESH_TTL,
    tokens::CONFIRM_TTL,
    tokens::RESET_TTL,
    passwords::BCRYPT_COST,
    server::WORKERS,
    server::RUNNING_WORKERS,
    passwords::HASH_THREADS,
    passwords::HASH_QUEUE,
    mail::PROVIDER,
    mail::SMTP_URL,
    mail::API_KEY,
    mail::API_URL,
    mail::MAILGUN_DOMAIN,
    mail::MAILGUN_REGION,
    mail::CA_FILE,
    mail::FROM,
    mail::TIMEOUT,
    mail::TEMPLATES,
    mail::PRODUCT_NAME,
    mail::DEFAULT_LOCALE,
    mail::APP_URL,
    tokens::CONFIRM_REDIRECT,
    tokens::ROTATE_REFRESH,
    tokens::REFRESH_REUSE_GRACE,
    tokens::JWT_ALGORITHM,
    tokens::JWT_ISSUER,
    tokens::JWT_AUDIENCE,
    tokens::KEY_PUBLISH_AHEAD,
    server::READ_TIMEOUT,
    server::HEADER_TIMEOUT,
    server::BODY_TIMEOUT,
    server::MAX_CONNECTIONS,
    tokens::COOKIE_SAMESITE,
    tokens::COOKIE_SECURE,
    server::CORS_ORIGINS,
    throttles::THROTTLE,
    throttles::THROTTLE_LOGIN_ACCOUNT,
    throttles::THROTTLE_LOGIN_ADDRESS,
    throttles::THROTTLE_REGISTER_ADDRESS,
    throttles::THROTTLE_MAIL_ADDRESS,
    throttles::THROTTLE_MAIL_RECIPIENT,
    throttles::THROTTLE_CODE_ADDRESS,
    server::TRUSTED_PROXIES,
    storage::BACKUP_DIR,
    storage::BACKUP_EVERY,
    storage::BACKUP_KEEP,
    observability::METRICS_LISTEN,
    observability::LOG_FORMAT,
];

/// An optional value, or the words that say it is not set.
pub(super) fn unless_none(value: &Option<String>, otherwise: &str) -> String {
    value.clone().unwrap_or_else(|| otherwise.to_string())
}

/// Stores a parsed value in its field.
pub(super) fn set<T>(field: &mut T, value: Result<T, Problem>) -> Result<(), Problem> {
    *field = value?;
    Ok(())
}
