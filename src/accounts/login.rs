//! Obtaining a login with credentials: `/api/token/` and the cookie login
//! both come here.
//!
//! Failed attempts are counted per account and per client address; a
//! throttled attempt is refused before any password is hashed, and an
//! unknown user costs the same hash as a wrong password, so the answer
//! reveals nothing.

use crate::app::App;
use crate::domain::login_name::LoginName;
use crate::domain::{Password, User, Username};
use crate::store::Store;

use super::session::{self, Grant};
use super::{ClientAddress, Error};

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

/// Checks the credentials and starts a login with the tokens of `G`.
pub fn log_in<G: Grant>(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    credentials: &Credentials,
) -> Result<LogIn<G>, Error> {
    match check_credentials(app, store, client, credentials)? {
        Some(user) => {
            let tokens = session::start(app, store, user.id)?;
            Ok(LogIn::Started { user, tokens })
        }
        None => Ok(LogIn::Refused),
    }
}

/// The user the credentials name, if the password is theirs and they are
/// active; counts the failures.
fn check_credentials(
    app: &App,
    store: &mut Store,
    client: ClientAddress,
    credentials: &Credentials,
) -> Result<Option<User>, Error> {
    let throttles = &app.throttles;
    let address = client.throttle_key();
    let login = credentials.login.as_str();
    let user = store.user_by_login(login)?;
    let account = match &user {
        Some(u) => format!("user:{}", u.id),
        None => format!("login:{}", Username::key_of(login)),
    };
    throttles.login_account.check(&account)?;
    throttles.login_address.check(&address)?;
    let verification = app.hasher.verify(
        &credentials.password,
        user.as_ref().map(|u| u.password_hash.as_str()),
    )?;
    match user {
        Some(user) if verification.matches && user.is_active => {
            throttles.login_account.clear(&account);
            if verification.needs_rehash {
                rehash(app, store, &user, &credentials.password);
            }
            Ok(Some(user))
        }
        _ => {
            throttles.login_account.record(&account);
            throttles.login_address.record(&address);
            Ok(None)
        }
    }
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
