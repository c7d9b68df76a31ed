//! The table of settings: each `ACCOUNTS_*` variable is declared here once,
//! with its default, its one line of help, how its value is read into
//! [`Config`](super::Config) and how `accounts check-config` shows it.
//!
//! Loading, the warning about unknown variables, `check-config` and the
//! README's configuration table (kept in step by a test) all come from
//! [`SETTINGS`]. Entries are read in order, so a default computed from other
//! settings comes after them.

use super::setting::Fallback::{Computed, Text, Unset};
use super::setting::Parse::{Trimmed, Verbatim};
use super::setting::Setting;
use super::setting::Show::{self, Value};
use super::values::{
    absolute_url, available_cpus, base_url, boolean, count, deadline, duration, file_path,
    interval_or_off, limit, on_off, one_of, optional, or_computed, origins, plain_string, proxies,
    secret_key, show_limit, show_seconds, socket_address,
};
use super::{LogFormat, Problem, SameSite, mail_table};
use crate::domain::signing::JwtAlgorithm;

/// Every setting, in the order of the README's table.
pub static SETTINGS: &[Setting] = &[
    Setting {
        name: "ACCOUNTS_LISTEN",
        default: Text("127.0.0.1:8000"),
        help: "Address and port to listen on. Keep it on loopback behind the reverse proxy.",
        parse: Trimmed(|c, v| set(&mut c.listen, socket_address(v))),
        show: Value(|c| c.listen.to_string()),
    },
    Setting {
        name: "ACCOUNTS_DB",
        default: Text("accounts.db"),
        help: "SQLite database file (created if missing). An empty value stops start-up.",
        parse: Trimmed(|c, v| set(&mut c.db_path, file_path(v))),
        show: Value(|c| c.db_path.display().to_string()),
    },
    Setting {
        name: "ACCOUNTS_SECRET_KEY",
        default: Unset,
        help: "HS256 signing key, used as raw bytes; at least 32 bytes. When unset, a random \
               key is generated once into `<ACCOUNTS_DB>.key` (mode 0600) and reused.",
        // Django uses its SECRET_KEY verbatim; so do we, to accept its tokens.
        parse: Verbatim(|c, v| set(&mut c.secret_key, secret_key(v).map(Some))),
        show: Show::Secret {
            is_set: |c| c.secret_key.is_some(),
            otherwise: "(key file beside the database)",
        },
    },
    Setting {
        name: "ACCOUNTS_PUBLIC_URL",
        default: Computed("`http://<ACCOUNTS_LISTEN>`"),
        help: "Base URL of the links in mails; an `https://` URL also makes the cookie \
               `Secure`. A trailing slash is dropped.",
        parse: Trimmed(|c, v| {
            let url = or_computed(v, || format!("http://{}", c.listen), base_url);
            set(&mut c.public_url, url)
        }),
        show: Value(|c| c.public_url.clone()),
    },
    Setting {
        name: "ACCOUNTS_ACCESS_TTL",
        default: Text("1d"),
        help: "Lifetime of access tokens, and `Max-Age` of the `access_token` cookie.",
        parse: Trimmed(|c, v| set(&mut c.access_ttl, duration(v))),
        show: Value(|c| show_seconds(c.access_ttl)),
    },
    Setting {
        name: "ACCOUNTS_REFRESH_TTL",
        default: Text("10d"),
        help: "Lifetime of refresh tokens.",
        parse: Trimmed(|c, v| set(&mut c.refresh_ttl, duration(v))),
        show: Value(|c| show_seconds(c.refresh_ttl)),
    },
    Setting {
        name: "ACCOUNTS_CONFIRM_TTL",
        default: Text("3d"),
        help: "Lifetime of email-confirmation links.",
        parse: Trimmed(|c, v| set(&mut c.confirm_ttl, duration(v))),
        show: Value(|c| show_seconds(c.confirm_ttl)),
    },
    Setting {
        name: "ACCOUNTS_RESET_TTL",
        default: Text("1h"),
        help: "Lifetime of password-reset links.",
        parse: Trimmed(|c, v| set(&mut c.reset_ttl, duration(v))),
        show: Value(|c| show_seconds(c.reset_ttl)),
    },
    Setting {
        name: "ACCOUNTS_BCRYPT_COST",
        default: Text("12"),
        help: "bcrypt cost, 4 to 31. Start-up warns below 10 (the tests use 4). Hashes made \
               at another cost are rehashed on the next successful login.",
        parse: Trimmed(|c, v| set(&mut c.bcrypt_cost, count(v, 4, 31).map(|n| n as u32))),
        show: Value(|c| c.bcrypt_cost.to_string()),
    },
    Setting {
        name: "ACCOUNTS_WORKERS",
        default: Text("32"),
        help: "Request worker threads, 1 to 1024.",
        parse: Trimmed(|c, v| set(&mut c.workers, count(v, 1, 1024))),
        show: Value(|c| c.workers.to_string()),
    },
    Setting {
        name: "ACCOUNTS_HASH_THREADS",
        default: Computed("one per CPU"),
        help: "Password-hashing threads, 1 to 256.",
        parse: Trimmed(|c, v| {
            let threads = or_computed(v, available_cpus, |v| count(v, 1, 256));
            set(&mut c.hash_threads, threads)
        }),
        show: Value(|c| c.hash_threads.to_string()),
    },
    Setting {
        name: "ACCOUNTS_HASH_QUEUE",
        default: Computed("4 × hash threads"),
        help: "Hashing jobs that may wait behind the running ones. When every place is \
               taken, a request waits up to 100 ms for one, then gets 503 with \
               `Retry-After: 1`.",
        parse: Trimmed(|c, v| {
            let queue = or_computed(v, || c.hash_threads * 4, |v| count(v, 0, 65536));
            set(&mut c.hash_queue, queue)
        }),
        show: Value(|c| c.hash_queue.to_string()),
    },
    mail_table::PROVIDER,
    mail_table::SMTP_URL,
    mail_table::API_KEY,
    mail_table::API_URL,
    mail_table::MAILGUN_DOMAIN,
    mail_table::MAILGUN_REGION,
    mail_table::CA_FILE,
    mail_table::FROM,
    mail_table::TIMEOUT,
    mail_table::TEMPLATES,
    mail_table::PRODUCT_NAME,
    mail_table::DEFAULT_LOCALE,
    mail_table::APP_URL,
    Setting {
        name: "ACCOUNTS_CONFIRM_REDIRECT",
        default: Unset,
        help: "When set, a followed confirmation link answers 302 to this URL with \
               `confirmed=1` (or `confirmed=0` for a bad link) added to its query, instead \
               of a page.",
        parse: Trimmed(|c, v| set(&mut c.confirm_redirect, optional(v, absolute_url))),
        show: Value(|c| unless_none(&c.confirm_redirect, "(unset)")),
    },
    Setting {
        name: "ACCOUNTS_ROTATE_REFRESH",
        default: Text("false"),
        help: "Refresh-token rotation with reuse detection (see [Tokens](#tokens)). \
               Recommended `true` for new clients.",
        parse: Trimmed(|c, v| set(&mut c.rotate_refresh, boolean(v))),
        show: Value(|c| c.rotate_refresh.to_string()),
    },
    Setting {
        name: "ACCOUNTS_REFRESH_REUSE_GRACE",
        default: Text("10s"),
        help: "With rotation: how long a just-spent refresh token is still answered normally.",
        parse: Trimmed(|c, v| set(&mut c.refresh_reuse_grace, duration(v))),
        show: Value(|c| show_seconds(c.refresh_reuse_grace)),
    },
    Setting {
        name: "ACCOUNTS_JWT_ALGORITHM",
        default: Text("HS256"),
        help: "`HS256` (with `ACCOUNTS_SECRET_KEY`, as the Django service), `EdDSA` or `ES256`: \
               tokens signed with a generated key pair, verifiable by other services through \
               the JWKS (see [Tokens](#tokens)). Switching keeps issued tokens valid.",
        parse: Trimmed(|c, v| {
            set(
                &mut c.jwt.algorithm,
                one_of(v, JwtAlgorithm::ALL, JwtAlgorithm::as_str),
            )
        }),
        show: Value(|c| c.jwt.algorithm.as_str().to_string()),
    },
    Setting {
        name: "ACCOUNTS_JWT_ISSUER",
        default: Unset,
        help: "`iss` claim of new tokens (such as `https://accounts.example.com`); when set, \
               tokens without it are refused.",
        parse: Trimmed(|c, v| set(&mut c.jwt.issuer, optional(v, plain_string))),
        show: Value(|c| unless_none(&c.jwt.issuer, "(unset)")),
    },
    Setting {
        name: "ACCOUNTS_JWT_AUDIENCE",
        default: Unset,
        help: "`aud` claim of new tokens; when set, tokens without it are refused.",
        parse: Trimmed(|c, v| set(&mut c.jwt.audience, optional(v, plain_string))),
        show: Value(|c| unless_none(&c.jwt.audience, "(unset)")),
    },
    Setting {
        name: "ACCOUNTS_KEY_PUBLISH_AHEAD",
        default: Text("10m"),
        help: "How long `accounts keys rotate` publishes a new key in the JWKS before it \
               signs, so every cached JWKS knows it first (keep it above the JWKS's 5-minute \
               cache).",
        parse: Trimmed(|c, v| set(&mut c.jwt.publish_ahead, duration(v))),
        show: Value(|c| show_seconds(c.jwt.publish_ahead)),
    },
    Setting {
        name: "ACCOUNTS_READ_TIMEOUT",
        default: Text("10"),
        help: "Read and write timeout of every client connection, in seconds (or a duration): \
               the longest wait for any one read or write. A connection that sends no request \
               within it is closed; a request that stalls this long gets 408 and its connection \
               is closed. It bounds each read, not a request: a client dripping bytes is cut \
               off by the next two.",
        parse: Trimmed(|c, v| set(&mut c.read_timeout, duration(v))),
        show: Value(|c| show_seconds(c.read_timeout)),
    },
    Setting {
        name: "ACCOUNTS_HEADER_TIMEOUT",
        default: Text("10s"),
        help: "Time a client has to send the head of a request (request line and headers), from \
               its first byte, however steadily it drips; past it, 408 and the connection is \
               closed. At least 1 s.",
        parse: Trimmed(|c, v| set(&mut c.header_timeout, deadline(v))),
        show: Value(|c| show_seconds(c.header_timeout)),
    },
    Setting {
        name: "ACCOUNTS_BODY_TIMEOUT",
        default: Text("30s"),
        help: "Time a client has to send the body of a request, from the end of its head; past \
               it, 408 and the connection is closed. At least 1 s. Bodies are read by the \
               connection's own thread, so a slow body never holds a request worker.",
        parse: Trimmed(|c, v| set(&mut c.body_timeout, deadline(v))),
        show: Value(|c| show_seconds(c.body_timeout)),
    },
    Setting {
        name: "ACCOUNTS_MAX_CONNECTIONS",
        default: Text("1024"),
        help: "Client connections open at once; beyond it a new connection is closed at once. \
               Keep it under the unit's `LimitNOFILE` (65536).",
        parse: Trimmed(|c, v| set(&mut c.max_connections, count(v, 1, 1_000_000))),
        show: Value(|c| c.max_connections.to_string()),
    },
    Setting {
        name: "ACCOUNTS_COOKIE_SAMESITE",
        default: Text("Lax"),
        help: "`SameSite` of the `access_token` cookie: `Lax`, `Strict` or `None` (`None` \
               forces `Secure`).",
        parse: Trimmed(|c, v| {
            set(
                &mut c.cookie.same_site,
                one_of(v, SameSite::ALL, SameSite::as_str),
            )
        }),
        show: Value(|c| c.cookie.same_site.as_str().to_string()),
    },
    Setting {
        name: "ACCOUNTS_COOKIE_SECURE",
        default: Text("auto"),
        help: "`Secure` flag of the cookie: `auto` (from `ACCOUNTS_PUBLIC_URL`), `true` or \
               `false`.",
        parse: Trimmed(|c, v| {
            let secure = if v.eq_ignore_ascii_case("auto") {
                c.public_url.starts_with("https://")
            } else {
                boolean(v)?
            };
            // Browsers drop `SameSite=None` cookies that are not `Secure`.
            set(
                &mut c.cookie.secure,
                Ok(secure || c.cookie.same_site == SameSite::None),
            )
        }),
        show: Value(|c| c.cookie.secure.to_string()),
    },
    Setting {
        name: "ACCOUNTS_CORS_ORIGINS",
        default: Text(""),
        help: "Comma-separated origins (`https://app.example.com`) allowed to call the API \
               from a browser with credentials.",
        parse: Trimmed(|c, v| set(&mut c.cors_origins, origins(v))),
        show: Value(|c| c.cors_origins.join(",")),
    },
    Setting {
        name: "ACCOUNTS_THROTTLE",
        default: Text("on"),
        help: "`off` disables every throttle (tests, or a proxy that already limits).",
        parse: Trimmed(|c, v| set(&mut c.throttle.enabled, on_off(v))),
        show: Value(|c| if c.throttle.enabled { "on" } else { "off" }.to_string()),
    },
    Setting {
        name: "ACCOUNTS_THROTTLE_LOGIN_ACCOUNT",
        default: Text("10/15m"),
        help: "Failed password checks per account: logins, password changes, address \
               changes and account deletions share it.",
        parse: Trimmed(|c, v| set(&mut c.throttle.login_account, limit(v))),
        show: Value(|c| show_limit(&c.throttle.login_account)),
    },
    Setting {
        name: "ACCOUNTS_THROTTLE_LOGIN_ADDRESS",
        default: Text("100/15m"),
        help: "Failed logins per client address (an IPv6 client counts by its /64).",
        parse: Trimmed(|c, v| set(&mut c.throttle.login_address, limit(v))),
        show: Value(|c| show_limit(&c.throttle.login_address)),
    },
    Setting {
        name: "ACCOUNTS_THROTTLE_REGISTER_ADDRESS",
        default: Text("30/1h"),
        help: "Registrations per client address.",
        parse: Trimmed(|c, v| set(&mut c.throttle.register_address, limit(v))),
        show: Value(|c| show_limit(&c.throttle.register_address)),
    },
    Setting {
        name: "ACCOUNTS_THROTTLE_MAIL_ADDRESS",
        default: Text("10/1h"),
        help: "Password-reset, resend-confirmation and address-change requests per client address.",
        parse: Trimmed(|c, v| set(&mut c.throttle.mail_address, limit(v))),
        show: Value(|c| show_limit(&c.throttle.mail_address)),
    },
    Setting {
        name: "ACCOUNTS_THROTTLE_MAIL_RECIPIENT",
        default: Text("5/1h"),
        help: "Mails to one address (confirmation, resend, reset, address change), whoever asks \
               for them. Past it the mail is withheld and the answer is unchanged.",
        parse: Trimmed(|c, v| set(&mut c.throttle.mail_recipient, limit(v))),
        show: Value(|c| show_limit(&c.throttle.mail_recipient)),
    },
    Setting {
        name: "ACCOUNTS_THROTTLE_CODE_ADDRESS",
        default: Text("30/15m"),
        help: "Attempts to confirm an address or reset a password with a mailed code, per \
               client address.",
        parse: Trimmed(|c, v| set(&mut c.throttle.code_address, limit(v))),
        show: Value(|c| show_limit(&c.throttle.code_address)),
    },
    Setting {
        name: "ACCOUNTS_TRUSTED_PROXIES",
        default: Text(""),
        help: "Addresses or CIDR blocks (`127.0.0.1,::1`, `10.0.0.0/8`) of reverse proxies \
               whose `X-Forwarded-For` is believed, and whose `X-Request-Id` is kept (see \
               [Logs](#logs)).",
        parse: Trimmed(|c, v| set(&mut c.trusted_proxies, proxies(v))),
        show: Value(|c| c.trusted_proxies.to_string()),
    },
    Setting {
        name: "ACCOUNTS_BACKUP_DIR",
        default: Unset,
        help: "Directory of the scheduled backups; it must exist and be writable, or \
               start-up stops. Required with `ACCOUNTS_BACKUP_EVERY`.",
        parse: Trimmed(|c, v| set(&mut c.backup.dir, optional(v, |v| Ok(v.into())))),
        show: Value(|c| {
            c.backup
                .dir
                .as_ref()
                .map_or_else(|| "(unset)".to_string(), |d| d.display().to_string())
        }),
    },
    Setting {
        name: "ACCOUNTS_BACKUP_EVERY",
        default: Text("off"),
        help: "How often the running service writes a verified backup (`6h`, `1d`) into \
               `ACCOUNTS_BACKUP_DIR`, named by its UTC time, mode 0600; `off` for never.",
        parse: Trimmed(|c, v| set(&mut c.backup.every, interval_or_off(v))),
        show: Value(|c| {
            c.backup
                .every
                .map_or_else(|| "off".to_string(), show_seconds)
        }),
    },
    Setting {
        name: "ACCOUNTS_BACKUP_KEEP",
        default: Text("7"),
        help: "How many scheduled backups to keep, 1 to 10000; the oldest beyond it are \
               deleted.",
        parse: Trimmed(|c, v| set(&mut c.backup.keep, count(v, 1, 10_000))),
        show: Value(|c| c.backup.keep.to_string()),
    },
    Setting {
        name: "ACCOUNTS_METRICS_LISTEN",
        default: Unset,
        help: "Address and port of a second listener that serves `GET /metrics` in the \
               Prometheus text format (see [Metrics](#metrics)), such as `127.0.0.1:9464`. \
               Unset: no metrics are kept or served. Keep it off the internet.",
        parse: Trimmed(|c, v| set(&mut c.metrics_listen, optional(v, socket_address))),
        show: Value(|c| c.metrics_listen.map_or("(off)".into(), |a| a.to_string())),
    },
    Setting {
        name: "ACCOUNTS_LOG_FORMAT",
        default: Text("text"),
        help: "`text` (`[time LEVEL target] message`) or `json` (one object per line, see \
               [Logs](#logs)).",
        parse: Trimmed(|c, v| {
            set(
                &mut c.log_format,
                one_of(v, LogFormat::ALL, LogFormat::as_str),
            )
        }),
        show: Value(|c| c.log_format.as_str().to_string()),
    },
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
