//! The mail settings: each `ACCOUNTS_*` variable that chooses, reaches or
//! shapes the mail (and the pages opened from it) is declared here once, and
//! listed in [`SETTINGS`](super::SETTINGS) in the README's order.

use super::{set, unless_none};
use crate::config::mail::{locale, mailgun_domain, product_name, smtp_url};
use crate::config::setting::Fallback::{Computed, Text, Unset};
use crate::config::setting::Parse::Trimmed;
use crate::config::setting::Setting;
use crate::config::setting::Show::{self, Value};
use crate::config::values::{
    absolute_url, base_url, duration, one_of, optional, sender, show_seconds,
};
use crate::config::{MailProvider, MailgunRegion};
use crate::secret::Secret;

pub const PROVIDER: Setting = Setting {
    name: "ACCOUNTS_MAIL_PROVIDER",
    default: Text("log"),
    help: "`log` (mail goes to the log), `smtp`, `postmark`, `resend`, `sendgrid` or \
           `mailgun` (see [Mail](#mail)).",
    parse: Trimmed(|c, v| {
        set(
            &mut c.mail.provider,
            one_of(v, MailProvider::ALL, MailProvider::as_str),
        )
    }),
    show: Value(|c| c.mail.provider.as_str().to_string()),
};

pub const SMTP_URL: Setting = Setting {
    name: "ACCOUNTS_SMTP_URL",
    default: Unset,
    help: "With `smtp`: `smtp://user:password@host:587` (STARTTLS required), \
           `smtps://user:password@host:465` (TLS), or `smtp://127.0.0.1:25?tls=none` \
           (no TLS, loopback only). Percent-encode `@`, `:` and `/` in the user and password.",
    parse: Trimmed(|c, v| set(&mut c.mail.smtp, optional(v, smtp_url))),
    show: Show::Secret {
        is_set: |c| c.mail.smtp.is_some(),
        otherwise: "(unset)",
    },
};

pub const API_KEY: Setting = Setting {
    name: "ACCOUNTS_MAIL_API_KEY",
    default: Unset,
    help: "The HTTP provider's key (Postmark server token, Resend, SendGrid or Mailgun API \
           key); required with those providers.",
    parse: Trimmed(|c, v| set(&mut c.mail.api_key, optional(v, |v| Ok(Secret::from(v))))),
    show: Show::Secret {
        is_set: |c| c.mail.api_key.is_some(),
        otherwise: "(unset)",
    },
};

pub const API_URL: Setting = Setting {
    name: "ACCOUNTS_MAIL_API_URL",
    default: Computed("provider's"),
    help: "Replaces the HTTP provider's endpoint (a relay, tests): a URL with a path is the \
           whole endpoint, one without keeps the provider's path.",
    parse: Trimmed(|c, v| set(&mut c.mail.api_url, optional(v, absolute_url))),
    show: Value(|c| unless_none(&c.mail.api_url, "")),
};

pub const MAILGUN_DOMAIN: Setting = Setting {
    name: "ACCOUNTS_MAILGUN_DOMAIN",
    default: Unset,
    help: "With `mailgun`: the sending domain (`mg.example.com`); required.",
    parse: Trimmed(|c, v| set(&mut c.mail.mailgun_domain, optional(v, mailgun_domain))),
    show: Value(|c| unless_none(&c.mail.mailgun_domain, "")),
};

pub const MAILGUN_REGION: Setting = Setting {
    name: "ACCOUNTS_MAILGUN_REGION",
    default: Text("us"),
    help: "With `mailgun`: `us` (`api.mailgun.net`) or `eu` (`api.eu.mailgun.net`), where \
           the domain was created.",
    parse: Trimmed(|c, v| {
        set(
            &mut c.mail.mailgun_region,
            one_of(v, MailgunRegion::ALL, MailgunRegion::as_str),
        )
    }),
    show: Value(|c| c.mail.mailgun_region.as_str().to_string()),
};

pub const CA_FILE: Setting = Setting {
    name: "ACCOUNTS_MAIL_CA_FILE",
    default: Unset,
    help: "PEM file of root certificates to trust for the mail server or relay, for one \
           with a certificate of its own (see [Mail](#mail)).",
    parse: Trimmed(|c, v| set(&mut c.mail.ca_file, optional(v, |v| Ok(v.into())))),
    show: Value(|c| {
        c.mail
            .ca_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }),
};

pub const FROM: Setting = Setting {
    name: "ACCOUNTS_MAIL_FROM",
    default: Text("accounts@localhost"),
    help: "Sender: an address, or a name and an address (`Chat <noreply@chat.example>`).",
    parse: Trimmed(|c, v| set(&mut c.mail.from, sender(v))),
    show: Value(|c| c.mail.from.clone()),
};

pub const TIMEOUT: Setting = Setting {
    name: "ACCOUNTS_MAIL_TIMEOUT",
    default: Text("10s"),
    help: "Timeout of one delivery attempt.",
    parse: Trimmed(|c, v| set(&mut c.mail.timeout, duration(v))),
    show: Value(|c| show_seconds(c.mail.timeout)),
};

pub const TEMPLATES: Setting = Setting {
    name: "ACCOUNTS_MAIL_TEMPLATES",
    default: Unset,
    help: "Directory of templates that replace the built-in mails and pages (see \
           [Templates](#templates)).",
    parse: Trimmed(|c, v| set(&mut c.mail.templates, optional(v, |v| Ok(v.into())))),
    show: Value(|c| {
        c.mail
            .templates
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }),
};

pub const PRODUCT_NAME: Setting = Setting {
    name: "ACCOUNTS_PRODUCT_NAME",
    default: Text("Accounts"),
    help: "What the mails and pages call the service (`Chat`).",
    parse: Trimmed(|c, v| set(&mut c.mail.product_name, product_name(v))),
    show: Value(|c| c.mail.product_name.clone()),
};

pub const DEFAULT_LOCALE: Setting = Setting {
    name: "ACCOUNTS_DEFAULT_LOCALE",
    default: Text("en"),
    help: "Language of users who gave none, as a BCP 47 tag (`en`, `de`, `pt-BR`).",
    parse: Trimmed(|c, v| set(&mut c.mail.default_locale, locale(v))),
    show: Value(|c| c.mail.default_locale.to_string()),
};

pub const APP_URL: Setting = Setting {
    name: "ACCOUNTS_APP_URL",
    default: Unset,
    help: "The app's address; the pages opened from a mail link back to it.",
    parse: Trimmed(|c, v| set(&mut c.mail.app_url, optional(v, base_url))),
    show: Value(|c| unless_none(&c.mail.app_url, "")),
};
