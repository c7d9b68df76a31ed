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
use crate::domain::mail::Mail;
use crate::domain::now;
use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::domain::{Email, User};
use crate::mail::kinds::{self, MailKind};
use crate::mail::templates::{MailValues, Recipient};
use crate::store::Store;
use crate::throttle::{Key, Reservation};

use super::{ClientAddress, Error};

/// The route that answers confirmation links (and address changes' links).
const CONFIRM_PATH: &str = "/api/confirm-email/";

/// A fresh token and the mail that carries its link.
pub(super) struct LinkMail {
    pub token: OneTimeToken,
    pub expires_at: u64,
    pub mail: Mail,
}

impl LinkMail {
    /// Writes the mail of a new `purpose` link (and its code) to `to`, in
    /// their language.
    pub(super) fn new(
        app: &App,
        purpose: Purpose,
        to: &Recipient<'_>,
        now: u64,
    ) -> Result<LinkMail, Error> {
        let config = &app.config;
        // Each path is the route that answers the link.
        let (path, ttl, kind): (&str, u64, &'static MailKind) = match purpose {
            Purpose::ConfirmEmail => (
                CONFIRM_PATH,
                config.confirm_ttl.as_secs(),
                &kinds::CONFIRM_EMAIL,
            ),
            Purpose::ResetPassword => (
                "/api/password-reset/",
                config.reset_ttl.as_secs(),
                &kinds::RESET_PASSWORD,
            ),
        };
        let token = OneTimeToken::generate()?;
        let values = MailValues {
            link: Some(link_to(app, path, &token)),
            code: token.code().map(|c| c.display()),
            valid_for_secs: Some(ttl),
            ..MailValues::default()
        };
        Ok(LinkMail {
            mail: app.templates.mail(kind, to, &values),
            expires_at: now + ttl,
            token,
        })
    }

    /// Writes the mail of `user`'s address change's link to their new
    /// address `to`, in their language. The confirmation routes answer it,
    /// and it works as long as a confirmation link does.
    pub(super) fn email_change(
        app: &App,
        user: &User,
        to: &Email,
        now: u64,
    ) -> Result<LinkMail, Error> {
        let ttl = app.config.confirm_ttl.as_secs();
        let token = OneTimeToken::generate()?;
        let values = MailValues {
            link: Some(link_to(app, CONFIRM_PATH, &token)),
            valid_for_secs: Some(ttl),
            ..MailValues::default()
        };
        let to = Recipient {
            email: to.as_str(),
            ..recipient(user)
        };
        Ok(LinkMail {
            mail: app.templates.mail(&kinds::CHANGE_EMAIL, &to, &values),
            expires_at: now + ttl,
            token,
        })
    }
}

/// The link of `token` under `path`, the route that answers it.
fn link_to(app: &App, path: &str, token: &OneTimeToken) -> String {
    format!("{}{path}{}/", app.config.public_url, token.text())
}

/// Mails the user a fresh link for `purpose`; their older unused links of
/// that purpose stop working.
fn mail_link(app: &App, store: &mut Store, user: &User, purpose: Purpose) -> Result<(), Error> {
    let now = now();
    let link = LinkMail::new(app, purpose, &recipient(user), now)?;
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

/// The user a link was mailed to, while the link exists (used or not):
/// whose language its pages speak. The confirmation routes also answer
/// address changes' links, so their owner is looked for there too.
pub fn link_owner(
    store: &Store,
    token: &OneTimeToken,
    purpose: Purpose,
) -> Result<Option<User>, Error> {
    let now = now();
    let user_id = match store.one_time_row(token, purpose, now)? {
        Some(row) => row.user_id,
        None if purpose == Purpose::ConfirmEmail => match store.email_change_row(token, now)? {
            Some(change) => change.user_id,
            None => return Ok(None),
        },
        None => return Ok(None),
    };
    Ok(store.user_by_id(user_id)?)
}

/// The user as a mail's recipient.
pub(super) fn recipient(user: &User) -> Recipient<'_> {
    Recipient {
        email: &user.email,
        username: user.username.as_deref(),
        locale: user.locale.as_ref(),
    }
}

/// The "your password was changed" notice for `user`, changed at `now`.
pub(super) fn password_changed_notice(app: &App, user: &User, now: u64) -> Mail {
    let values = MailValues {
        changed_at: Some(now),
        ..MailValues::default()
    };
    app.templates
        .mail(&kinds::PASSWORD_CHANGED, &recipient(user), &values)
}

/// The notice to `user`'s old address that the account moved to
/// `new_email` at `now`, with the new address masked.
pub(super) fn email_changed_notice(app: &App, user: &User, new_email: &Email, now: u64) -> Mail {
    let values = MailValues {
        changed_at: Some(now),
        new_email_masked: Some(new_email.masked()),
        ..MailValues::default()
    };
    app.templates
        .mail(&kinds::EMAIL_CHANGED, &recipient(user), &values)
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
