//! Confirming an address or resetting a password with the short code
//! mailed beside the link, for people who read the mail on the phone where
//! the app is open.
//!
//! Every attempt counts against the client's address
//! (`ACCOUNTS_THROTTLE_CODE_ADDRESS`), and every wrong code against the
//! address's pending code, which the fifth voids. A wrong, void or expired
//! code and an address without a pending code (or not an address at all)
//! are one outcome, so the answer never tells whether an account exists.

use crate::app::App;
use crate::domain::code::Code;
use crate::domain::one_time::Purpose;
use crate::domain::{Email, now};
use crate::store::{ConsumeOutcome, Store};

use super::password::{Proposed, Reset, reset_token};
use super::{ClientAddress, Error};

/// An address and the code typed for it, as parsed: `None` where the value
/// could not be one (it then matches nothing).
pub struct TypedCode {
    pub email: Option<Email>,
    pub code: Option<Code>,
}

/// Confirms the address with its code; `false`: no such pending code.
pub fn confirm(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    typed: &TypedCode,
) -> Result<bool, Error> {
    let Some(token) = verify(app, store, client, typed, Purpose::ConfirmEmail)? else {
        return Ok(false);
    };
    let outcome = store.consume_confirmation_hash(&token, now())?;
    Ok(outcome != ConsumeOutcome::Invalid)
}

/// Resets the password with the code. A weak password is reported before
/// the code is looked at, so it costs no attempt and tells nothing.
pub fn reset(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    typed: &TypedCode,
    new: Proposed,
) -> Result<Reset, Error> {
    let new = match new {
        Ok(new) => new,
        Err(problems) => {
            app.throttles.code_address.hit(client.throttle_key())?;
            return Ok(Reset::Weak(problems));
        }
    };
    let Some(token) = verify(app, store, client, typed, Purpose::ResetPassword)? else {
        return Ok(Reset::InvalidLink);
    };
    let Some(user) = typed
        .email
        .as_ref()
        .map(|e| store.user_by_email_key(e.key()))
        .transpose()?
        .flatten()
    else {
        return Ok(Reset::InvalidLink);
    };
    reset_token(app, store, &token, user.id, Ok(new))
}

/// The token whose code was typed, after counting the attempt.
fn verify(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    typed: &TypedCode,
    purpose: Purpose,
) -> Result<Option<[u8; 32]>, Error> {
    app.throttles.code_address.hit(client.throttle_key())?;
    let Some(email) = &typed.email else {
        return Ok(None);
    };
    Ok(store.verify_code(email.key(), purpose, typed.code.as_ref(), now())?)
}
