//! The throttles' settings: one switch and a limit per kind of attempt.
//!
//! Each is one entry of [`SETTINGS`](super::SETTINGS), which lists them in
//! the README's order.

use super::set;
use crate::config::setting::Fallback::Text;
use crate::config::setting::Parse::Trimmed;
use crate::config::setting::Setting;
use crate::config::setting::Show::Value;
use crate::config::values::{limit, on_off, show_limit};

pub const THROTTLE: Setting = Setting {
    name: "ACCOUNTS_THROTTLE",
    default: Text("on"),
    help: "`off` disables every throttle (tests, or a proxy that already limits).",
    parse: Trimmed(|c, v| set(&mut c.throttle.enabled, on_off(v))),
    show: Value(|c| if c.throttle.enabled { "on" } else { "off" }.to_string()),
};

pub const THROTTLE_LOGIN_ACCOUNT: Setting = Setting {
    name: "ACCOUNTS_THROTTLE_LOGIN_ACCOUNT",
    default: Text("10/15m"),
    help: "Failed password checks per account: logins, password changes, address \
           changes and account deletions share it.",
    parse: Trimmed(|c, v| set(&mut c.throttle.login_account, limit(v))),
    show: Value(|c| show_limit(&c.throttle.login_account)),
};

pub const THROTTLE_LOGIN_ADDRESS: Setting = Setting {
    name: "ACCOUNTS_THROTTLE_LOGIN_ADDRESS",
    default: Text("100/15m"),
    help: "Failed logins per client address (an IPv6 client counts by its /64).",
    parse: Trimmed(|c, v| set(&mut c.throttle.login_address, limit(v))),
    show: Value(|c| show_limit(&c.throttle.login_address)),
};

pub const THROTTLE_REGISTER_ADDRESS: Setting = Setting {
    name: "ACCOUNTS_THROTTLE_REGISTER_ADDRESS",
    default: Text("30/1h"),
    help: "Registrations per client address.",
    parse: Trimmed(|c, v| set(&mut c.throttle.register_address, limit(v))),
    show: Value(|c| show_limit(&c.throttle.register_address)),
};

pub const THROTTLE_MAIL_ADDRESS: Setting = Setting {
    name: "ACCOUNTS_THROTTLE_MAIL_ADDRESS",
    default: Text("10/1h"),
    help: "Password-reset, resend-confirmation and address-change requests per client address.",
    parse: Trimmed(|c, v| set(&mut c.throttle.mail_address, limit(v))),
    show: Value(|c| show_limit(&c.throttle.mail_address)),
};

pub const THROTTLE_MAIL_RECIPIENT: Setting = Setting {
    name: "ACCOUNTS_THROTTLE_MAIL_RECIPIENT",
    default: Text("5/1h"),
    help: "Mails to one address (confirmation, resend, reset, address change), whoever asks \
           for them. Past it the mail is withheld and the answer is unchanged.",
    parse: Trimmed(|c, v| set(&mut c.throttle.mail_recipient, limit(v))),
    show: Value(|c| show_limit(&c.throttle.mail_recipient)),
};

pub const THROTTLE_CODE_ADDRESS: Setting = Setting {
    name: "ACCOUNTS_THROTTLE_CODE_ADDRESS",
    default: Text("30/15m"),
    help: "Attempts to confirm an address or reset a password with a mailed code, per \
           client address.",
    parse: Trimmed(|c, v| set(&mut c.throttle.code_address, limit(v))),
    show: Value(|c| show_limit(&c.throttle.code_address)),
};
