//! Confirming an address: by the mailed link or its token, by the operator,
//! and mailing a fresh link on request. The same links confirm the new
//! address of an address change (see [`super::email_change`]): a token is
//! looked for among registrations' links first, then among changes'.
//!
//! Mail scanners open links before people do, so a used token whose address
//! is confirmed still counts as confirmed, and looking at a link (`HEAD`)
//! never spends it.

use crate::app::App;
use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::domain::{Email, User, now};
use crate::store::Store;

use super::links::mail_link_on_request;
use super::{ClientAddress, Error, email_change};

pub use crate::store::ConsumeOutcome;

/// Spends a confirmation token: confirms its user's address, or makes the
/// address change it was mailed for.
pub fn confirm(
    app: &App,
    store: &mut Store,
    token: &OneTimeToken,
) -> Result<ConsumeOutcome, Error> {
    match store.consume_confirmation(token, now())? {
        ConsumeOutcome::Invalid => email_change::apply(app, store, token),
        outcome => Ok(outcome),
    }
}

/// What [`confirm`] would answer, without spending the token.
pub fn peek(store: &Store, token: &OneTimeToken) -> Result<ConsumeOutcome, Error> {
    let row = store.one_time_row(token, Purpose::ConfirmEmail, now())?;
    match row {
        Some(r) if !r.used => Ok(ConsumeOutcome::Confirmed),
        Some(r) if r.user_email_confirmed => Ok(ConsumeOutcome::AlreadyConfirmed),
        Some(_) => Ok(ConsumeOutcome::Invalid),
        None => email_change::peek(store, token),
    }
}

/// Mails a fresh link to a registered, active, unconfirmed address (`None`:
/// the value given was not an address); older links stop working. Counted
/// per client address.
pub fn resend(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    email: Option<&Email>,
) -> Result<(), Error> {
    let unconfirmed = |user: &User| user.is_active && !user.is_email_confirmed;
    mail_link_on_request(
        app,
        store,
        client,
        email,
        Purpose::ConfirmEmail,
        unconfirmed,
    )
}

/// The operator marks the address as confirmed.
pub fn confirm_by_operator(store: &mut Store, user: &User) -> Result<(), Error> {
    store.set_email_confirmed(user.id)?;
    Ok(())
}
