//! Moving an account to a new address: asked for by its user, who proves it
//! with their password, and made when the link mailed to the new address is
//! followed (by the confirmation routes, see [`super::confirm`]).
//!
//! Until the link is followed nothing changes: the old address stays in
//! force for login, reset and everything else. A second request replaces the
//! first, whose link stops working. The change is made only if the new
//! address is still free when the link is followed; it then counts as
//! confirmed (the link reached it), every login and pending reset link ends
//! as after a password change (the address is how an account is recovered),
//! and the old address is told, with the new one masked.

use crate::app::App;
use crate::domain::one_time::OneTimeToken;
use crate::domain::{Email, Password, User, now};
use crate::store::{ConsumeOutcome, Store};

use super::links::{LinkMail, email_changed_notice, reserve_recipient};
use super::login::password_matches;
use super::{ClientAddress, Error};

/// How a request to change the address ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeRequest {
    /// The link is on its way to the new address (or withheld by the
    /// per-recipient mail limit, which is answered alike).
    Sent,
    /// The password given is not the user's; nothing was sent.
    WrongPassword,
    /// The new address already belongs to an account (the user's own
    /// included); nothing was sent.
    Taken,
}

/// The user asks to move their account to `new_email`. Counted against the
/// client address's mail limit first, whatever the outcome, and the
/// password check against the account's login limit, so it cannot be used
/// to guess passwords or probe addresses faster than logins can.
pub fn request(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    user: &User,
    password: &Password,
    new_email: &Email,
) -> Result<ChangeRequest, Error> {
    app.throttles.mail_address.hit(client.throttle_key())?;
    if !password_matches(app, user, password)? {
        return Ok(ChangeRequest::WrongPassword);
    }
    // Checked only after the password, so only the account's owner learns
    // whether an address is registered.
    if store.taken(Some(new_email), None)?.0 {
        return Ok(ChangeRequest::Taken);
    }
    let Some(mailing) = reserve_recipient(app, new_email) else {
        log::info!(
            "a mail to user {}'s new address was withheld: recipient limit",
            user.id
        );
        return Ok(ChangeRequest::Sent);
    };
    let now = now();
    let link = LinkMail::email_change(app, user, new_email, now)?;
    store.request_email_change(
        user.id,
        new_email,
        &link.token,
        link.expires_at,
        &link.mail,
        now,
    )?;
    mailing.keep();
    app.mail.wake();
    log::info!("user {} asked to change their address", user.id);
    Ok(ChangeRequest::Sent)
}

/// Follows an address change's link: makes the change and mails the notice
/// to the old address. [`ConsumeOutcome::Invalid`] when the token is no
/// change's (it may be another kind of link), is spent by a newer request,
/// has expired, or its new address was taken meanwhile.
pub(super) fn apply(
    app: &App,
    store: &mut Store,
    token: &OneTimeToken,
) -> Result<ConsumeOutcome, Error> {
    let now = now();
    let Some(row) = store.email_change_row(token, now)? else {
        return Ok(ConsumeOutcome::Invalid);
    };
    let Some(user) = store.user_by_id(row.user_id)? else {
        return Ok(ConsumeOutcome::Invalid);
    };
    // Stored as parsed when the change was asked for, so it parses again.
    let Ok(new_email) = Email::parse(&row.new_email) else {
        log::error!("user {}'s pending address change does not parse", user.id);
        return Ok(ConsumeOutcome::Invalid);
    };
    let notice = email_changed_notice(app, &user, &new_email, now);
    let outcome = store.apply_email_change(token, &user.email, &notice, now)?;
    if outcome == ConsumeOutcome::Confirmed {
        app.mail.wake();
        log::info!("user {} changed their address", user.id);
    }
    Ok(outcome)
}

/// What [`apply`] would answer, without making the change.
pub(super) fn peek(store: &Store, token: &OneTimeToken) -> Result<ConsumeOutcome, Error> {
    let Some(row) = store.email_change_row(token, now())? else {
        return Ok(ConsumeOutcome::Invalid);
    };
    let holder = store.user_by_email_key(&row.new_email_key)?.map(|u| u.id);
    Ok(match (row.used, holder) {
        (false, None) => ConsumeOutcome::Confirmed,
        (true, Some(id)) if id == row.user_id => ConsumeOutcome::AlreadyConfirmed,
        _ => ConsumeOutcome::Invalid,
    })
}
