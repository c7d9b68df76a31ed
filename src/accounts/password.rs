//! Setting a password: changed by its user, reset by mailed link, or set by
//! the operator. Each way ends every existing login; a change keeps the
//! login it was made from going with fresh tokens.
//!
//! A new password arrives as the result of parsing it
//! (`Result<NewPassword, problems>`): its problems are reported only after
//! the check that comes first (the current password, the link), so a weak
//! password never reveals whether the rest was right, and a link stays
//! usable for another try.

use crate::app::App;
use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::domain::{Email, NewPassword, Password, User, now};
use crate::store::{NewSession, Store};

use super::links::{mail_link_on_request, password_changed_notice};
use super::login::password_matches;
use super::session::{Login, TokenPair};
use super::{ClientAddress, Device, Error};

/// A new password as parsed: the password, or every validator's message.
pub type Proposed = Result<NewPassword, Vec<&'static str>>;

/// How a password change ended.
pub enum Change {
    /// Changed: the login it was made from goes on with these tokens.
    Changed(TokenPair),
    /// The current password given is wrong (or blank); nothing changed.
    WrongPassword,
    /// The new password fails the validators; nothing changed.
    Weak(Vec<&'static str>),
}

/// How a reset by mailed link ended.
pub enum Reset {
    Done,
    /// The link is unknown, used, replaced or expired.
    InvalidLink,
    /// The new password fails the validators; the link still works.
    Weak(Vec<&'static str>),
}

/// The user changes their own password, proving it with the current one
/// (`None`: blank, which is never right); the check counts against the
/// account's login limit. The login it is made from goes on as a new one,
/// recorded with `device`.
pub fn change(
    app: &App,
    store: &mut Store,
    user: &User,
    current: Option<&Password>,
    new: Proposed,
    device: &Device,
) -> Result<Change, Error> {
    let current_ok = match current {
        Some(current) => password_matches(app, user, current)?,
        None => false,
    };
    if !current_ok {
        return Ok(Change::WrongPassword);
    }
    let new = match new {
        Ok(new) => new,
        Err(problems) => return Ok(Change::Weak(problems)),
    };
    let now = now();
    let login = Login::<TokenPair>::sign(app, user.id, now)?;
    replace(app, store, user, &new, Some(&login.record(device)), now)?;
    log::info!("user {} changed their password", user.id);
    Ok(Change::Changed(login.tokens))
}

/// The operator sets a user's password.
pub fn set_by_operator(
    app: &App,
    store: &mut Store,
    user: &User,
    new: &NewPassword,
) -> Result<(), Error> {
    replace(app, store, user, new, None, now())
}

/// Hashes and stores the new password and ends every login, except the one
/// that `continuing` records anew; all or nothing.
fn replace(
    app: &App,
    store: &mut Store,
    user: &User,
    new: &NewPassword,
    continuing: Option<&NewSession<'_>>,
    now: u64,
) -> Result<(), Error> {
    let hash = app.hasher.hash(new.as_password())?;
    let notice = password_changed_notice(app, user, now);
    store.replace_password_and_notify(user.id, &hash, continuing, Some(&notice), now)?;
    app.mail.wake();
    Ok(())
}

/// Mails a reset link to a registered, active address (`None`: the value
/// given was not an address). Counted per client address.
pub fn request_reset(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    email: Option<&Email>,
) -> Result<(), Error> {
    let active = |user: &User| user.is_active;
    mail_link_on_request(app, store, client, email, Purpose::ResetPassword, active)
}

/// Whether a reset link still works (opening its form does not spend it).
pub fn link_works(store: &Store, token: &OneTimeToken) -> Result<bool, Error> {
    Ok(store
        .one_time_row(token, Purpose::ResetPassword, now())?
        .is_some_and(|r| !r.used))
}

/// Sets the password of the link's user: the link is spent, every login
/// ends, and the address counts as confirmed (the mail reached it).
pub fn reset(
    app: &App,
    store: &mut Store,
    token: &OneTimeToken,
    new: Proposed,
) -> Result<Reset, Error> {
    let row = store.one_time_row(token, Purpose::ResetPassword, now())?;
    let Some(user_id) = row.filter(|r| !r.used).map(|r| r.user_id) else {
        return Ok(Reset::InvalidLink);
    };
    reset_token(app, store, token.hash(), user_id, new)
}

/// Sets the password of the user of the (unused) reset token with this
/// hash, and mails them the notice, in one transaction with the reset.
pub(super) fn reset_token(
    app: &App,
    store: &mut Store,
    token: &[u8; 32],
    user_id: i64,
    new: Proposed,
) -> Result<Reset, Error> {
    let new = match new {
        Ok(new) => new,
        Err(problems) => return Ok(Reset::Weak(problems)),
    };
    let Some(user) = store.user_by_id(user_id)? else {
        return Ok(Reset::InvalidLink);
    };
    let hash = app.hasher.hash(new.as_password())?;
    let now = now();
    let notice = password_changed_notice(app, &user, now);
    if !store.reset_password_hash(token, &hash, Some(&notice), now)? {
        // Spent meanwhile by a concurrent reset.
        return Ok(Reset::InvalidLink);
    }
    app.mail.wake();
    log::info!("user {} reset their password", user.id);
    Ok(Reset::Done)
}
