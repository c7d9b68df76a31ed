//! Typed configuration, read once from `ACCOUNTS_*` environment variables.
//!
//! Every setting has a safe default so `cargo run --release` serves without
//! any set-up. A bad value stops start-up with one line naming the variable;
//! an unknown `ACCOUNTS_*` variable only warns, so one environment file can
//! serve several versions of the binary. The variables themselves are
//! declared once, in the table [`SETTINGS`]; this module holds the typed
//! result and walks the table.

mod error;
mod mail;
mod setting;
mod table;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_jwt;
mod values;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::client_address::ProxyList;
use crate::domain::signing::JwtAlgorithm;
use crate::secret::Secret;
use crate::throttle::Limit;
pub use error::{ConfigError, Problem};
pub use mail::{MailConfig, MailProvider, MailgunRegion, SmtpSecurity, SmtpUrl};
pub use setting::{Fallback, Parse, REDACTED, Setting, Show};
pub use table::SETTINGS;

/// The running service's settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub db_path: PathBuf,
    /// `None` means: use (or create) the key file beside the database.
    pub secret_key: Option<Secret>,
    /// Base of the links in mails, without a trailing slash.
    pub public_url: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub confirm_ttl: Duration,
    pub reset_ttl: Duration,
    pub bcrypt_cost: u32,
    pub workers: usize,
    /// Workers working at once (the others wait, see [`crate::admission`]).
    pub running_workers: usize,
    pub hash_threads: usize,
    pub hash_queue: usize,
    pub mail: MailConfig,
    pub confirm_redirect: Option<String>,
    pub rotate_refresh: bool,
    pub refresh_reuse_grace: Duration,
    pub jwt: JwtConfig,
    pub read_timeout: Duration,
    /// Time a client has to send the head of a request, from its first byte.
    pub header_timeout: Duration,
    /// Time a client has to send the body of a request, from its head.
    pub body_timeout: Duration,
    /// Connections beyond this many are closed at once.
    pub max_connections: usize,
    pub cookie: CookieConfig,
    pub cors_origins: Vec<String>,
    pub throttle: ThrottleConfig,
    pub trusted_proxies: ProxyList,
    pub backup: BackupConfig,
    /// Where `GET /metrics` is served; `None` (the default) serves none.
    pub metrics_listen: Option<SocketAddr>,
    pub log_format: LogFormat,
}

/// The running service's scheduled backups (`ACCOUNTS_BACKUP_*`).
#[derive(Debug, Clone)]
pub struct BackupConfig {
    /// Where they go; checked at start-up.
    pub dir: Option<PathBuf>,
    /// How often; `None` means never.
    pub every: Option<Duration>,
    /// How many are kept.
    pub keep: usize,
}

/// How tokens are signed, and what they must carry.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub algorithm: JwtAlgorithm,
    /// `iss` of new tokens, required on accepted ones.
    pub issuer: Option<String>,
    /// `aud` of new tokens, required on accepted ones.
    pub audience: Option<String>,
    /// How long a rotated key is published before it signs.
    pub publish_ahead: Duration,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `[time LEVEL target] message`, for people and journald.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl LogFormat {
    pub const ALL: &[LogFormat] = &[LogFormat::Text, LogFormat::Json];

    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

/// Attributes of the `access_token` cookie set by `/api/login/`.
#[derive(Debug, Clone)]
pub struct CookieConfig {
    pub same_site: SameSite,
    pub secure: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Lax,
    Strict,
    None,
}

impl SameSite {
    pub const ALL: &[SameSite] = &[SameSite::Lax, SameSite::Strict, SameSite::None];

    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        }
    }
}

/// Brute-force and abuse limits; none applies when `enabled` is false.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    pub enabled: bool,
    pub login_account: Limit,
    pub login_address: Limit,
    pub register_address: Limit,
    pub mail_address: Limit,
    pub mail_recipient: Limit,
    /// Attempts to confirm or reset with a mailed code.
    pub code_address: Limit,
}

/// The smallest secret key accepted: HS256 wants at least 256 bits.
pub const MIN_SECRET_KEY_BYTES: usize = 32;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(std::env::vars_os().filter_map(|(k, v)| {
            Some((k.into_string().ok()?, v.into_string().unwrap_or_default()))
        }))
    }

    /// Builds the configuration from `(name, value)` pairs; unit tests pass
    /// their own pairs instead of touching the process environment.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = vars
            .into_iter()
            .filter(|(k, _)| k.starts_with("ACCOUNTS_"))
            .collect();
        let mut config = Config::unread();
        for setting in SETTINGS {
            setting
                .read(&mut config, env.get(setting.name).map(String::as_str))
                .map_err(|problem| ConfigError {
                    variable: setting.name,
                    problem,
                })?;
        }
        config.check_requirements()?;
        Ok(config)
    }

    /// The `ACCOUNTS_*` variables in `vars` that this version does not know.
    pub fn unknown_variables(vars: impl IntoIterator<Item = String>) -> Vec<String> {
        vars.into_iter()
            .filter(|k| k.starts_with("ACCOUNTS_") && !SETTINGS.iter().any(|s| s.name == k))
            .collect()
    }

    /// `(name, value)` of every effective setting, secrets redacted, for
    /// `accounts check-config`.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        SETTINGS.iter().map(|s| (s.name, s.shown(self))).collect()
    }

    /// How long a key verifies after it stops signing: the longest lifetime
    /// of a token it signed.
    pub fn key_verify_period(&self) -> Duration {
        self.access_ttl.max(self.refresh_ttl)
    }

    /// What loading starts from, before the table is read. Every setting
    /// but those with no default overwrites its field, so these values are
    /// only ever seen as the `None` of an unset optional setting.
    fn unread() -> Config {
        let no_limit = Limit {
            count: 1,
            window: Duration::ZERO,
        };
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db_path: PathBuf::new(),
            secret_key: None,
            public_url: String::new(),
            access_ttl: Duration::ZERO,
            refresh_ttl: Duration::ZERO,
            confirm_ttl: Duration::ZERO,
            reset_ttl: Duration::ZERO,
            bcrypt_cost: 0,
            workers: 0,
            running_workers: 0,
            hash_threads: 0,
            hash_queue: 0,
            mail: MailConfig {
                provider: MailProvider::Log,
                smtp: None,
                api_key: None,
                api_url: None,
                mailgun_domain: None,
                mailgun_region: MailgunRegion::Us,
                ca_file: None,
                from: String::new(),
                timeout: Duration::ZERO,
                templates: None,
                product_name: String::new(),
                default_locale: crate::domain::locale::Locale::parse("en")
                    .expect("`en` is a language tag"),
                app_url: None,
            },
            confirm_redirect: None,
            rotate_refresh: false,
            refresh_reuse_grace: Duration::ZERO,
            jwt: JwtConfig {
                algorithm: JwtAlgorithm::HS256,
                issuer: None,
                audience: None,
                publish_ahead: Duration::ZERO,
            },
            read_timeout: Duration::ZERO,
            header_timeout: Duration::ZERO,
            body_timeout: Duration::ZERO,
            max_connections: 0,
            cookie: CookieConfig {
                same_site: SameSite::Lax,
                secure: false,
            },
            cors_origins: Vec::new(),
            throttle: ThrottleConfig {
                enabled: false,
                login_account: no_limit,
                login_address: no_limit,
                register_address: no_limit,
                mail_address: no_limit,
                mail_recipient: no_limit,
                code_address: no_limit,
            },
            trusted_proxies: ProxyList::default(),
            backup: BackupConfig {
                dir: None,
                every: None,
                keep: 0,
            },
            metrics_listen: None,
            log_format: LogFormat::Text,
        }
    }

    /// Rules that tie one setting to another: each mail provider's own
    /// settings must be there when it is chosen, and scheduled backups need
    /// their directory.
    fn check_requirements(&self) -> Result<(), ConfigError> {
        let mail = &self.mail;
        let missing = if mail.provider.needs_api_key() && mail.api_key.is_none() {
            Some("ACCOUNTS_MAIL_API_KEY")
        } else if mail.provider == MailProvider::Smtp && mail.smtp.is_none() {
            Some("ACCOUNTS_SMTP_URL")
        } else if mail.provider == MailProvider::Mailgun && mail.mailgun_domain.is_none() {
            Some("ACCOUNTS_MAILGUN_DOMAIN")
        } else {
            None
        };
        if let Some(variable) = missing {
            return Err(ConfigError {
                variable,
                problem: Problem::RequiredByProvider(mail.provider.as_str()),
            });
        }
        if self.backup.every.is_some() && self.backup.dir.is_none() {
            return Err(ConfigError {
                variable: "ACCOUNTS_BACKUP_DIR",
                problem: Problem::RequiredByBackups,
            });
        }
        Ok(())
    }
}
