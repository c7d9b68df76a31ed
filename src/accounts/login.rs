//! Obtaining a login with credentials: `/api/token/` and the cookie login
//! both come here; and checking the password of a signed-in user, which
//! counts against the same per-account limit.
//!
//! Failed attempts are counted per account and per client address; a
//! throttled attempt is refused before any password is hashed, and an
//! unknown user costs the same hash as a wrong password, so the answer
//! reveals nothing. An attempt is reserved before its hash, so concurrent
//! guesses cannot overshoot a limit.

use crate::app::App;
use crate::domain::login_name::LoginName;
use crate::domain::{Password, User, lookup_key};
use crate::store::Store;
use crate::throttle::Key;

use super::session::{self, Grant};
use super::{ClientAddress, Device, Error};

/// What a person logs in with.
pub struct Credentials {
    pub login: LoginName,
    pub password: Password,
}

/// How a login attempt ended.
pub enum LogIn<G> {
    /// The credentials are right and the account active: a new login.
    Started { user: User, tokens: G },
    /// Wrong credentials, an unknown user or an inactive one: every front
    /// door answers all three alike.
    Refused,
}

/// Checks the credentials and starts a login with the tokens of `G`,
/// recorded with the device it comes from.
pub fn log_in<G: Grant>(
    app: &App,
    store: &mut Store,
    device: &Device,
    credentials: &Credentials,
) -> Result<LogIn<G>, Error> {
    match check_credentials(app, store, device.address, credentials)? {
        Some(user) => {
            let tokens = session::start(app, store, user.id, device)?;
            Ok(LogIn::Started { user, tokens })
        }
        None => Ok(LogIn::Refused),
    }
}

/// The user the credentials name, if the password is theirs and they are
/// active; counts the failures.
///
/// An unknown login value is keyed on its look-up key, the form every
/// spelling of it that would name one account shares, so its window fills
/// exactly as an existing account's would.
fn check_credentials(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    credentials: &Credentials,
) -> Result<Option<User>, Error> {
    let throttles = &app.throttles;
    let login = credentials.login.as_str();
    let user = store.user_by_login(login)?;
    let account = match &user {
        Some(u) => Key::account(u.id),
        None => Key::name(&lookup_key(login)),
    };
    let account_attempt = throttles.login_account.reserve(account)?;
    let address_attempt = throttles.login_address.reserve(client.throttle_key())?;
    let verification = app.hasher.verify(
        &credentials.password,
        user.as_ref().map(|u| u.password_hash.as_str()),
    )?;
    match user {
        Some(user) if verification.matches && user.is_active => {
            account_attempt.clear();
            // Only failures count against the address: give this one back.
            drop(address_attempt);
            if verification.needs_rehash {
                rehash(app, store, &user, &credentials.password);
            }
            Ok(Some(user))
        }
        _ => {
            account_attempt.keep();
            address_attempt.keep();
            Ok(None)
        }
    }
}

/// Checks the password of a signed-in user (to change it, to delete the
/// account) as one attempt against the account's login limit, so no action
/// that checks a password can be used to guess around it: refused when the
/// limit is used up; a wrong password stays counted, the right one clears
/// the count as a login does.
pub(super) fn password_matches(app: &App, user: &User, password: &Password) -> Result<bool, Error> {
    let attempt = app.throttles.login_account.reserve(Key::account(user.id))?;
    let matches = app
        .hasher
        .verify(password, Some(&user.password_hash))?
        .matches;
    if matches {
        attempt.clear();
    } else {
        attempt.keep();
    }
    Ok(matches)
}

/// Stores the password again at the configured cost and scheme. Best
/// effort: the login succeeds even if this fails.
fn rehash(app: &App, store: &mut Store, user: &User, password: &Password) {
    let result = app
        .hasher
        .hash(password)
        .map_err(Error::from)
        .and_then(|hash| {
            store
                .update_password_hash(user.id, &user.password_hash, &hash)
                .map_err(Error::from)
        });
    match result {
        Ok(()) => log::info!(
            "user {}'s password was rehashed at cost {}",
            user.id,
            app.hasher.cost()
        ),
        Err(e) => log::warn!("user {}'s password could not be rehashed: {e}", user.id),
    }
}
