//! Typed configuration, read once from `ACCOUNTS_*` environment variables.
//!
//! Every setting has a safe default so `cargo run --release` serves without
//! any set-up. A bad value stops start-up with one line naming the variable;
//! an unknown `ACCOUNTS_*` variable only warns, so one environment file can
//! serve several versions of the binary.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::secret::Secret;
use crate::throttle::{Limit, ProxyList};

/// Every variable this version reads; anything else under `ACCOUNTS_` warns.
pub const KNOWN_VARIABLES: &[&str] = &[
    "ACCOUNTS_LISTEN",
    "ACCOUNTS_DB",
    "ACCOUNTS_SECRET_KEY",
    "ACCOUNTS_PUBLIC_URL",
    "ACCOUNTS_ACCESS_TTL",
    "ACCOUNTS_REFRESH_TTL",
    "ACCOUNTS_CONFIRM_TTL",
    "ACCOUNTS_RESET_TTL",
    "ACCOUNTS_BCRYPT_COST",
    "ACCOUNTS_WORKERS",
    "ACCOUNTS_HASH_THREADS",
    "ACCOUNTS_HASH_QUEUE",
    "ACCOUNTS_MAIL_PROVIDER",
    "ACCOUNTS_MAIL_API_KEY",
    "ACCOUNTS_MAIL_API_URL",
    "ACCOUNTS_MAIL_FROM",
    "ACCOUNTS_MAIL_TIMEOUT",
    "ACCOUNTS_CONFIRM_REDIRECT",
    "ACCOUNTS_ROTATE_REFRESH",
    "ACCOUNTS_REFRESH_REUSE_GRACE",
    "ACCOUNTS_READ_TIMEOUT",
    "ACCOUNTS_MAX_CONNECTIONS",
    "ACCOUNTS_COOKIE_SAMESITE",
    "ACCOUNTS_COOKIE_SECURE",
    "ACCOUNTS_CORS_ORIGINS",
    "ACCOUNTS_THROTTLE",
    "ACCOUNTS_THROTTLE_LOGIN_ACCOUNT",
    "ACCOUNTS_THROTTLE_LOGIN_ADDRESS",
    "ACCOUNTS_THROTTLE_REGISTER_ADDRESS",
    "ACCOUNTS_THROTTLE_MAIL_ADDRESS",
    "ACCOUNTS_TRUSTED_PROXIES",
];

/// The running service's settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub db_path: PathBuf,
    /// `None` means: use (or create) the key file beside the database.
    pub secret_key: Option<Secret>,
    /// Base of the links in mails, without a trailing slash.
    pub public_url: String,
    pub access_ttl: u64,
    pub refresh_ttl: u64,
    pub confirm_ttl: u64,
    pub reset_ttl: u64,
    pub bcrypt_cost: u32,
    pub workers: usize,
    pub hash_threads: usize,
    pub hash_queue: usize,
    pub mail: MailConfig,
    pub confirm_redirect: Option<String>,
    pub rotate_refresh: bool,
    pub refresh_reuse_grace: u64,
    pub read_timeout: u64,
    /// Connections beyond this many are closed at once.
    pub max_connections: usize,
    pub cookie: CookieConfig,
    pub cors_origins: Vec<String>,
    pub throttle: ThrottleConfig,
    pub trusted_proxies: ProxyList,
}

/// Which HTTP email API carries the mail, and how to reach it.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub provider: MailProvider,
    pub api_key: Option<Secret>,
    pub api_url: Option<String>,
    pub from: String,
    pub timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailProvider {
    /// Writes each mail, link included, to the log: for local use.
    Log,
    Postmark,
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
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        }
    }
}

/// Brute-force and abuse limits; `None` everywhere when throttling is off.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    pub enabled: bool,
    pub login_account: Limit,
    pub login_address: Limit,
    pub register_address: Limit,
    pub mail_address: Limit,
}

/// A setting that could not be used, named after its variable.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

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
        let env = Env(vars
            .into_iter()
            .filter(|(k, _)| k.starts_with("ACCOUNTS_"))
            .collect());
        let listen: SocketAddr = env.parse("ACCOUNTS_LISTEN", "127.0.0.1:8000", |s| {
            s.parse()
                .map_err(|_| "expected an address such as 127.0.0.1:8000".to_string())
        })?;
        let hash_threads = env.parse("ACCOUNTS_HASH_THREADS", "", |s| {
            if s.is_empty() {
                Ok(default_parallelism())
            } else {
                parse_count(s, 1, 256)
            }
        })?;
        let public_url = env.parse("ACCOUNTS_PUBLIC_URL", "", |s| {
            if s.is_empty() {
                Ok(format!("http://{listen}"))
            } else {
                parse_base_url(s)
            }
        })?;
        let cookie = CookieConfig::from_env(&env, &public_url)?;
        Ok(Config {
            listen,
            db_path: env.parse("ACCOUNTS_DB", "accounts.db", parse_db_path)?,
            secret_key: parse_secret_key(&env)?,
            access_ttl: env.parse("ACCOUNTS_ACCESS_TTL", "1d", parse_duration)?,
            refresh_ttl: env.parse("ACCOUNTS_REFRESH_TTL", "10d", parse_duration)?,
            confirm_ttl: env.parse("ACCOUNTS_CONFIRM_TTL", "3d", parse_duration)?,
            reset_ttl: env.parse("ACCOUNTS_RESET_TTL", "1h", parse_duration)?,
            bcrypt_cost: env.parse("ACCOUNTS_BCRYPT_COST", "12", |s| {
                parse_count(s, 4, 31).map(|c| c as u32)
            })?,
            workers: env.parse("ACCOUNTS_WORKERS", "32", |s| parse_count(s, 1, 1024))?,
            hash_threads,
            hash_queue: env.parse("ACCOUNTS_HASH_QUEUE", "", |s| {
                if s.is_empty() {
                    Ok(hash_threads * 4)
                } else {
                    parse_count(s, 0, 65536)
                }
            })?,
            mail: MailConfig::from_env(&env)?,
            confirm_redirect: env.parse("ACCOUNTS_CONFIRM_REDIRECT", "", |s| {
                if s.is_empty() {
                    Ok(None)
                } else {
                    parse_absolute_url(s).map(Some)
                }
            })?,
            rotate_refresh: env.parse("ACCOUNTS_ROTATE_REFRESH", "false", parse_bool)?,
            refresh_reuse_grace: env.parse(
                "ACCOUNTS_REFRESH_REUSE_GRACE",
                "10s",
                parse_duration,
            )?,
            read_timeout: env.parse("ACCOUNTS_READ_TIMEOUT", "10", parse_duration)?,
            max_connections: env.parse("ACCOUNTS_MAX_CONNECTIONS", "1024", |s| {
                parse_count(s, 1, 1_000_000)
            })?,
            cookie,
            cors_origins: env.parse("ACCOUNTS_CORS_ORIGINS", "", parse_origins)?,
            throttle: ThrottleConfig::from_env(&env)?,
            trusted_proxies: env
                .parse("ACCOUNTS_TRUSTED_PROXIES", "", |s| s.parse::<ProxyList>())?,
            public_url,
        })
    }

    /// The `ACCOUNTS_*` variables in `vars` that this version does not know.
    pub fn unknown_variables(vars: impl IntoIterator<Item = String>) -> Vec<String> {
        vars.into_iter()
            .filter(|k| k.starts_with("ACCOUNTS_") && !KNOWN_VARIABLES.contains(&k.as_str()))
            .collect()
    }

    /// `(name, value)` of every effective setting, secrets redacted, for
    /// `accounts check-config`.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let secret = |s: &Option<Secret>, unset: &str| match s {
            Some(_) => "[redacted]".to_string(),
            None => unset.to_string(),
        };
        vec![
            ("ACCOUNTS_LISTEN", self.listen.to_string()),
            ("ACCOUNTS_DB", self.db_path.display().to_string()),
            (
                "ACCOUNTS_SECRET_KEY",
                secret(&self.secret_key, "(key file beside the database)"),
            ),
            ("ACCOUNTS_PUBLIC_URL", self.public_url.clone()),
            ("ACCOUNTS_ACCESS_TTL", format!("{}s", self.access_ttl)),
            ("ACCOUNTS_REFRESH_TTL", format!("{}s", self.refresh_ttl)),
            ("ACCOUNTS_CONFIRM_TTL", format!("{}s", self.confirm_ttl)),
            ("ACCOUNTS_RESET_TTL", format!("{}s", self.reset_ttl)),
            ("ACCOUNTS_BCRYPT_COST", self.bcrypt_cost.to_string()),
            ("ACCOUNTS_WORKERS", self.workers.to_string()),
            ("ACCOUNTS_HASH_THREADS", self.hash_threads.to_string()),
            ("ACCOUNTS_HASH_QUEUE", self.hash_queue.to_string()),
            (
                "ACCOUNTS_MAIL_PROVIDER",
                format!("{:?}", self.mail.provider).to_lowercase(),
            ),
            (
                "ACCOUNTS_MAIL_API_KEY",
                secret(&self.mail.api_key, "(unset)"),
            ),
            (
                "ACCOUNTS_MAIL_API_URL",
                self.mail
                    .api_url
                    .clone()
                    .unwrap_or_else(|| "(provider default)".into()),
            ),
            ("ACCOUNTS_MAIL_FROM", self.mail.from.clone()),
            ("ACCOUNTS_MAIL_TIMEOUT", format!("{}s", self.mail.timeout)),
            (
                "ACCOUNTS_CONFIRM_REDIRECT",
                self.confirm_redirect
                    .clone()
                    .unwrap_or_else(|| "(unset)".into()),
            ),
            ("ACCOUNTS_ROTATE_REFRESH", self.rotate_refresh.to_string()),
            (
                "ACCOUNTS_REFRESH_REUSE_GRACE",
                format!("{}s", self.refresh_reuse_grace),
            ),
            ("ACCOUNTS_READ_TIMEOUT", format!("{}s", self.read_timeout)),
            ("ACCOUNTS_MAX_CONNECTIONS", self.max_connections.to_string()),
            (
                "ACCOUNTS_COOKIE_SAMESITE",
                self.cookie.same_site.as_str().to_string(),
            ),
            ("ACCOUNTS_COOKIE_SECURE", self.cookie.secure.to_string()),
            ("ACCOUNTS_CORS_ORIGINS", self.cors_origins.join(",")),
            (
                "ACCOUNTS_THROTTLE",
                if self.throttle.enabled { "on" } else { "off" }.to_string(),
            ),
            (
                "ACCOUNTS_THROTTLE_LOGIN_ACCOUNT",
                self.throttle.login_account.to_string(),
            ),
            (
                "ACCOUNTS_THROTTLE_LOGIN_ADDRESS",
                self.throttle.login_address.to_string(),
            ),
            (
                "ACCOUNTS_THROTTLE_REGISTER_ADDRESS",
                self.throttle.register_address.to_string(),
            ),
            (
                "ACCOUNTS_THROTTLE_MAIL_ADDRESS",
                self.throttle.mail_address.to_string(),
            ),
            ("ACCOUNTS_TRUSTED_PROXIES", self.trusted_proxies.to_string()),
        ]
    }
}

impl MailConfig {
    fn from_env(env: &Env) -> Result<MailConfig, ConfigError> {
        let provider = env.parse("ACCOUNTS_MAIL_PROVIDER", "log", |s| {
            match s.to_ascii_lowercase().as_str() {
                "log" => Ok(MailProvider::Log),
                "postmark" => Ok(MailProvider::Postmark),
                _ => Err("expected one of: log, postmark".to_string()),
            }
        })?;
        let api_key = env
            .get("ACCOUNTS_MAIL_API_KEY")
            .filter(|s| !s.is_empty())
            .map(Secret::from);
        if provider == MailProvider::Postmark && api_key.is_none() {
            return Err(ConfigError {
                variable: "ACCOUNTS_MAIL_API_KEY",
                problem: "required when ACCOUNTS_MAIL_PROVIDER is postmark".into(),
            });
        }
        Ok(MailConfig {
            provider,
            api_key,
            api_url: env.parse("ACCOUNTS_MAIL_API_URL", "", |s| {
                if s.is_empty() {
                    Ok(None)
                } else {
                    parse_absolute_url(s).map(Some)
                }
            })?,
            from: env.parse("ACCOUNTS_MAIL_FROM", "accounts@localhost", |s| {
                if s.contains('@') && !s.contains(['\r', '\n']) {
                    Ok(s.to_string())
                } else {
                    Err("expected a sender address such as accounts@example.com".to_string())
                }
            })?,
            timeout: env.parse("ACCOUNTS_MAIL_TIMEOUT", "10s", parse_duration)?,
        })
    }
}

impl CookieConfig {
    fn from_env(env: &Env, public_url: &str) -> Result<CookieConfig, ConfigError> {
        let same_site = env.parse("ACCOUNTS_COOKIE_SAMESITE", "Lax", |s| {
            match s.to_ascii_lowercase().as_str() {
                "lax" => Ok(SameSite::Lax),
                "strict" => Ok(SameSite::Strict),
                "none" => Ok(SameSite::None),
                _ => Err("expected one of: Lax, Strict, None".to_string()),
            }
        })?;
        let secure = env.parse("ACCOUNTS_COOKIE_SECURE", "auto", |s| {
            match s.to_ascii_lowercase().as_str() {
                "auto" => Ok(public_url.starts_with("https://")),
                other => parse_bool(other),
            }
        })?;
        // Browsers drop `SameSite=None` cookies that are not `Secure`.
        Ok(CookieConfig {
            same_site,
            secure: secure || same_site == SameSite::None,
        })
    }
}

impl ThrottleConfig {
    fn from_env(env: &Env) -> Result<ThrottleConfig, ConfigError> {
        Ok(ThrottleConfig {
            enabled: env.parse("ACCOUNTS_THROTTLE", "on", |s| {
                match s.to_ascii_lowercase().as_str() {
                    "on" | "true" | "1" => Ok(true),
                    "off" | "false" | "0" => Ok(false),
                    _ => Err("expected on or off".to_string()),
                }
            })?,
            login_account: env.parse("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "10/15m", |s| s.parse())?,
            login_address: env
                .parse("ACCOUNTS_THROTTLE_LOGIN_ADDRESS", "100/15m", |s| s.parse())?,
            register_address: env
                .parse("ACCOUNTS_THROTTLE_REGISTER_ADDRESS", "30/1h", |s| s.parse())?,
            mail_address: env.parse("ACCOUNTS_THROTTLE_MAIL_ADDRESS", "10/1h", |s| s.parse())?,
        })
    }
}

/// The `ACCOUNTS_*` part of the environment, with typed accessors that name
/// the variable in every error.
struct Env(HashMap<String, String>);

impl Env {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|s| s.trim())
    }

    fn parse<T>(
        &self,
        name: &'static str,
        default: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        parse(self.get(name).unwrap_or(default)).map_err(|problem| ConfigError {
            variable: name,
            problem,
        })
    }
}

fn parse_secret_key(env: &Env) -> Result<Option<Secret>, ConfigError> {
    // The key is raw bytes, not trimmed: Django uses its SECRET_KEY verbatim.
    match env.0.get("ACCOUNTS_SECRET_KEY") {
        None => Ok(None),
        Some(key) if key.len() < MIN_SECRET_KEY_BYTES => Err(ConfigError {
            variable: "ACCOUNTS_SECRET_KEY",
            problem: format!("must be at least {MIN_SECRET_KEY_BYTES} bytes long"),
        }),
        Some(key) => Ok(Some(Secret::from(key.as_str()))),
    }
}

/// A file name. Empty is refused rather than passed on: SQLite would open a
/// private temporary database for it, which forgets everything on restart.
fn parse_db_path(s: &str) -> Result<PathBuf, String> {
    if s.is_empty() {
        Err("must name the database file (leave it unset for accounts.db)".into())
    } else {
        Ok(PathBuf::from(s))
    }
}

fn default_parallelism() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Seconds, or a number followed by `s`, `m`, `h` or `d`.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let error =
        || format!("expected seconds or a number with s, m, h or d (such as 15m), got {s:?}");
    let (digits, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 's'),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error());
    }
    let n: u64 = digits.parse().map_err(|_| error())?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86400,
        _ => return Err(error()),
    };
    n.checked_mul(scale)
        .filter(|&d| d <= 100 * 365 * 86400)
        .ok_or_else(error)
}

fn parse_count(s: &str, min: usize, max: usize) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from {min} to {max}, got {s:?}"
        )),
    }
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("expected true or false, got {s:?}")),
    }
}

fn parse_absolute_url(s: &str) -> Result<String, String> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty() && !s.contains(|c: char| c.is_whitespace() || c.is_control()) =>
        {
            Ok(s.to_string())
        }
        _ => Err(format!("expected an http:// or https:// URL, got {s:?}")),
    }
}

fn parse_base_url(s: &str) -> Result<String, String> {
    parse_absolute_url(s).map(|url| url.trim_end_matches('/').to_string())
}

fn parse_origins(s: &str) -> Result<Vec<String>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let url = parse_absolute_url(origin)?;
            let after_scheme = url.split_once("://").map_or("", |(_, rest)| rest);
            if after_scheme.contains('/') {
                Err(format!("an origin has no path: {origin:?}"))
            } else {
                Ok(url)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn defaults_are_safe_and_complete() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8000");
        assert_eq!(c.public_url, "http://127.0.0.1:8000");
        assert_eq!(
            (c.access_ttl, c.refresh_ttl, c.confirm_ttl),
            (86400, 864000, 3 * 86400)
        );
        assert_eq!(c.bcrypt_cost, 12);
        assert_eq!(c.mail.provider, MailProvider::Log);
        assert!(!c.rotate_refresh);
        assert!(!c.cookie.secure);
    }

    #[test]
    fn durations_accept_seconds_and_units() {
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("1d"), Ok(86400));
        for bad in ["", "m", "1w", "-1", "1.5h", "1 h", "99999999999999999999"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = config(&[("ACCOUNTS_ACCESS_TTL", "soon")]).unwrap_err();
        assert_eq!(err.variable, "ACCOUNTS_ACCESS_TTL");
        assert!(err.to_string().starts_with("ACCOUNTS_ACCESS_TTL: "));
    }

    #[test]
    fn bcrypt_cost_is_bounded_from_4_to_31() {
        assert!(config(&[("ACCOUNTS_BCRYPT_COST", "3")]).is_err());
        assert!(config(&[("ACCOUNTS_BCRYPT_COST", "32")]).is_err());
        assert_eq!(
            config(&[("ACCOUNTS_BCRYPT_COST", "4")])
                .unwrap()
                .bcrypt_cost,
            4
        );
    }

    #[test]
    fn a_short_secret_key_is_refused_without_echoing_it() {
        let err = config(&[("ACCOUNTS_SECRET_KEY", "hunter2-hunter2")]).unwrap_err();
        assert_eq!(err.variable, "ACCOUNTS_SECRET_KEY");
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn https_public_url_makes_the_cookie_secure_and_drops_the_trailing_slash() {
        let c = config(&[("ACCOUNTS_PUBLIC_URL", "https://chat.example.com/")]).unwrap();
        assert_eq!(c.public_url, "https://chat.example.com");
        assert!(c.cookie.secure);
    }

    #[test]
    fn samesite_none_forces_secure() {
        let c = config(&[
            ("ACCOUNTS_COOKIE_SAMESITE", "None"),
            ("ACCOUNTS_COOKIE_SECURE", "false"),
        ])
        .unwrap();
        assert!(c.cookie.secure);
    }

    #[test]
    fn postmark_needs_an_api_key() {
        let err = config(&[("ACCOUNTS_MAIL_PROVIDER", "postmark")]).unwrap_err();
        assert_eq!(err.variable, "ACCOUNTS_MAIL_API_KEY");
    }

    #[test]
    fn an_empty_database_path_is_refused() {
        for value in ["", "  "] {
            let err = config(&[("ACCOUNTS_DB", value)]).unwrap_err();
            assert_eq!(err.variable, "ACCOUNTS_DB", "{value:?}");
        }
    }

    #[test]
    fn unknown_variables_are_listed_not_fatal() {
        let unknown = Config::unknown_variables([
            "ACCOUNTS_FUTURE".to_string(),
            "ACCOUNTS_DB".to_string(),
            "HOME".to_string(),
        ]);
        assert_eq!(unknown, vec!["ACCOUNTS_FUTURE".to_string()]);
        assert!(config(&[("ACCOUNTS_FUTURE", "x")]).is_ok());
    }
}
