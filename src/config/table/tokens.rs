//! The settings of what the service signs and mails: the signing key, the
//! lifetimes of tokens and one-time links, refresh rotation, the claims, the
//! key rotation and the cookie.
//!
//! Each is one entry of [`SETTINGS`](super::SETTINGS), which lists them in
//! the README's order.

use super::{set, unless_none};
use crate::config::SameSite;
use crate::config::setting::Fallback::{Text, Unset};
use crate::config::setting::Parse::{Trimmed, Verbatim};
use crate::config::setting::Setting;
use crate::config::setting::Show::{self, Value};
use crate::config::values::{
    absolute_url, boolean, duration, one_of, optional, plain_string, secret_key, show_seconds,
};
use crate::domain::signing::JwtAlgorithm;

pub const SECRET_KEY: Setting = Setting {
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
};

pub const ACCESS_TTL: Setting = Setting {
    name: "ACCOUNTS_ACCESS_TTL",
    default: Text("1d"),
    help: "Lifetime of access tokens, and `Max-Age` of the `access_token` cookie.",
    parse: Trimmed(|c, v| set(&mut c.access_ttl, duration(v))),
    show: Value(|c| show_seconds(c.access_ttl)),
};

pub const REFRESH_TTL: Setting = Setting {
    name: "ACCOUNTS_REFRESH_TTL",
    default: Text("10d"),
    help: "Lifetime of refresh tokens.",
    parse: Trimmed(|c, v| set(&mut c.refresh_ttl, duration(v))),
    show: Value(|c| show_seconds(c.refresh_ttl)),
};

pub const CONFIRM_TTL: Setting = Setting {
    name: "ACCOUNTS_CONFIRM_TTL",
    default: Text("3d"),
    help: "Lifetime of email-confirmation links.",
    parse: Trimmed(|c, v| set(&mut c.confirm_ttl, duration(v))),
    show: Value(|c| show_seconds(c.confirm_ttl)),
};

pub const RESET_TTL: Setting = Setting {
    name: "ACCOUNTS_RESET_TTL",
    default: Text("1h"),
    help: "Lifetime of password-reset links.",
    parse: Trimmed(|c, v| set(&mut c.reset_ttl, duration(v))),
    show: Value(|c| show_seconds(c.reset_ttl)),
};

pub const CONFIRM_REDIRECT: Setting = Setting {
    name: "ACCOUNTS_CONFIRM_REDIRECT",
    default: Unset,
    help: "When set, a followed confirmation link answers 302 to this URL with \
           `confirmed=1` (or `confirmed=0` for a bad link) added to its query, instead \
           of a page.",
    parse: Trimmed(|c, v| set(&mut c.confirm_redirect, optional(v, absolute_url))),
    show: Value(|c| unless_none(&c.confirm_redirect, "(unset)")),
};

pub const ROTATE_REFRESH: Setting = Setting {
    name: "ACCOUNTS_ROTATE_REFRESH",
    default: Text("false"),
    help: "Refresh-token rotation with reuse detection (see [Tokens](#tokens)). \
           Recommended `true` for new clients.",
    parse: Trimmed(|c, v| set(&mut c.rotate_refresh, boolean(v))),
    show: Value(|c| c.rotate_refresh.to_string()),
};

pub const REFRESH_REUSE_GRACE: Setting = Setting {
    name: "ACCOUNTS_REFRESH_REUSE_GRACE",
    default: Text("10s"),
    help: "With rotation: how long a just-spent refresh token is still answered normally.",
    parse: Trimmed(|c, v| set(&mut c.refresh_reuse_grace, duration(v))),
    show: Value(|c| show_seconds(c.refresh_reuse_grace)),
};

pub const JWT_ALGORITHM: Setting = Setting {
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
};

pub const JWT_ISSUER: Setting = Setting {
    name: "ACCOUNTS_JWT_ISSUER",
    default: Unset,
    help: "`iss` claim of new tokens (such as `https://accounts.example.com`); when set, \
           tokens without it are refused.",
    parse: Trimmed(|c, v| set(&mut c.jwt.issuer, optional(v, plain_string))),
    show: Value(|c| unless_none(&c.jwt.issuer, "(unset)")),
};

pub const JWT_AUDIENCE: Setting = Setting {
    name: "ACCOUNTS_JWT_AUDIENCE",
    default: Unset,
    help: "`aud` claim of new tokens; when set, tokens without it are refused.",
    parse: Trimmed(|c, v| set(&mut c.jwt.audience, optional(v, plain_string))),
    show: Value(|c| unless_none(&c.jwt.audience, "(unset)")),
};

pub const KEY_PUBLISH_AHEAD: Setting = Setting {
    name: "ACCOUNTS_KEY_PUBLISH_AHEAD",
    default: Text("10m"),
    help: "How long `accounts keys rotate` publishes a new key in the JWKS before it \
           signs, so every cached JWKS knows it first (keep it above the JWKS's 5-minute \
           cache).",
    parse: Trimmed(|c, v| set(&mut c.jwt.publish_ahead, duration(v))),
    show: Value(|c| show_seconds(c.jwt.publish_ahead)),
};

pub const COOKIE_SAMESITE: Setting = Setting {
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
};

pub const COOKIE_SECURE: Setting = Setting {
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
};
