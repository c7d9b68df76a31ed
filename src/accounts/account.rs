//! The account itself: finding it, deleting it (by its user, who proves it
//! with their password, or by the operator), activating and deactivating it;
//! and whether the database answers at all.

use crate::app::App;
use crate::domain::{Email, Password, User, now};
use crate::store::Store;

use super::Error;
use super::login::password_matches;

/// How a deletion asked for by the user ended.
pub enum Deletion {
    Deleted,
    /// The password given is not the user's; nothing was deleted.
    WrongPassword,
}

/// The user deletes their own account, proving it with their password
/// (counted against the account's login limit). Their logins, tokens and
/// pending mail go with it.
pub fn delete_own(
    app: &App,
    store: &mut Store,
    user: &User,
    password: &Password,
) -> Result<Deletion, Error> {
    if !password_matches(app, user, password)? {
        return Ok(Deletion::WrongPassword);
    }
    store.delete_user(user.id)?;
    log::info!("user {} deleted their account", user.id);
    Ok(Deletion::Deleted)
}

/// The operator deletes an account.
pub fn delete_by_operator(store: &mut Store, user: &User) -> Result<(), Error> {
    store.delete_user(user.id)?;
    Ok(())
}

/// The operator allows a user to log in again, or refuses their logins;
/// deactivation also ends every login they have.
pub fn set_active(store: &mut Store, user: &User, active: bool) -> Result<(), Error> {
    store.set_active(user.id, active, now())?;
    Ok(())
}

/// The user with this address (ignoring case), if any.
pub fn find(store: &Store, email: &Email) -> Result<Option<User>, Error> {
    Ok(store.user_by_email_key(email.key())?)
}

/// Every user, oldest first.
pub fn list(store: &Store) -> Result<Vec<User>, Error> {
    Ok(store.all_users()?)
}

/// Whether the database answers and can be written (for `/health`); a
/// failure is logged.
pub fn database_answers(store: &mut Store) -> bool {
    match store.check_health() {
        Ok(()) => true,
        Err(e) => {
            log::error!("health check failed: {e}");
            false
        }
    }
}
