//! The one-time links the service mails (address confirmation, password
//! reset, address change): where each points, how long it works, and the
//! mail that carries it. The mail is written to the outbox in the same
//! transaction as the token, so a link is mailed if and only if it works.
//!
//! However many clients ask, one recipient gets at most
//! `ACCOUNTS_THROTTLE_MAIL_RECIPIENT` of these mails; past it a mail is
//! withheld and the request answered as if it had gone out, so the limit
//! tells nobody anything.

use crate::app::App;
use crate::domain::mail::{self, Mail};
use crate::domain::now;
use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::domain::{Email, User};
use crate::store::Store;
use crate::throttle::{Key, Reservation};

use super::{ClientAddress, Error};

/// Writes a mail from (recipient, link, seconds the link is valid).
type ComposeMail = fn(&str, &str, u64) -> Mail;

/// The route that answers confirmation links (and address changes' links).
const CONFIRM_PATH: &str = "/api/confirm-email/";

/// A fresh token and the mail that carries its link.
pub(super) struct LinkMail {
    pub token: OneTimeToken,
    pub expires_at: u64,
    pub mail: Mail,
}

impl LinkMail {
    /// Writes the mail of a new `purpose` link to `to`.
    pub(super) fn new(app: &App, purpose: Purpose, to: &str, now: u64) -> Result<LinkMail, Error> {
        let config = &app.config;
        // Each path is the route that answers the link.
        let (path, ttl, compose): (&str, u64, ComposeMail) = match purpose {
            Purpose::ConfirmEmail => (
                CONFIRM_PATH,
                config.confirm_ttl.as_secs(),
                mail::confirmation,
            ),
            Purpose::ResetPassword => (
                "/api/password-reset/",
                config.reset_ttl.as_secs(),
                mail::password_reset,
            ),
        };
        LinkMail::compose(app, path, ttl, compose, to, now)
    }

    /// Writes the mail of an address change's link to the new address `to`.
    /// The confirmation routes answer it, and it works as long as a
    /// confirmation link does.
    pub(super) fn email_change(app: &App, to: &str, now: u64) -> Result<LinkMail, Error> {
        let ttl = app.config.confirm_ttl.as_secs();
        LinkMail::compose(app, CONFIRM_PATH, ttl, mail::email_change, to, now)
    }

    /// A fresh token, its link under `path` (the route that answers it), and
    /// the mail that carries it.
    fn compose(
        app: &App,
        path: &str,
        ttl: u64,
        compose: ComposeMail,
        to: &str,
        now: u64,
    ) -> Result<LinkMail, Error> {
        let config = &app.config;
        let token = OneTimeToken::generate()?;
        let link = format!("{}{path}{}/", config.public_url, token.text());
        Ok(LinkMail {
            mail: compose(to, &link, ttl),
            expires_at: now + ttl,
            token,
        })
    }
}

/// Mails the user a fresh link for `purpose`; their older unused links of
/// that purpose stop working.
fn mail_link(app: &App, store: &mut Store, user: &User, purpose: Purpose) -> Result<(), Error> {
    let now = now();
    let link = LinkMail::new(app, purpose, &user.email, now)?;
    store.issue_one_time(
        user.id,
        purpose,
        &link.token,
        link.expires_at,
        &link.mail,
        now,
    )?;
    app.mail.wake();
    Ok(())
}

/// A link asked for by address (resend a confirmation, reset a password):
/// requests are counted per client address, and a link goes out only to a
/// registered user that `eligible` accepts, and only while their address is
/// within its recipient limit. The caller answers the same whatever
/// happened, so the answer tells nobody who has an account.
pub(super) fn mail_link_on_request(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    email: Option<&Email>,
    purpose: Purpose,
    eligible: fn(&User) -> bool,
) -> Result<(), Error> {
    app.throttles.mail_address.hit(client.throttle_key())?;
    if let Some(email) = email
        && let Some(user) = store.user_by_email_key(email.key())?
        && eligible(&user)
    {
        match reserve_recipient(app, email) {
            Some(mailing) => {
                mail_link(app, store, &user, purpose)?;
                mailing.keep();
            }
            None => log::info!("a mail to user {} was withheld: recipient limit", user.id),
        }
    }
    Ok(())
}

/// Counts one mail to `email` against `ACCOUNTS_THROTTLE_MAIL_RECIPIENT`,
/// whoever asked for it; `None` once the address has used up its window.
/// Dropped without [`Reservation::keep`] (the mail was not written), the
/// count is given back.
pub(super) fn reserve_recipient<'a>(app: &'a App, email: &Email) -> Option<Reservation<'a>> {
    app.throttles
        .mail_recipient
        .reserve(Key::name(email.key()))
        .ok()
}
