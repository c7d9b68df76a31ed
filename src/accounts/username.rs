//! Choosing, changing or removing a username, by its user. The name is
//! parsed by the same rules as at registration ([`Username`]: NFKC,
//! letters, digits and `@ . + - _`); uniqueness ignores case and
//! compatibility look-alikes, and a user may change the case of their own.

use crate::domain::{User, Username};
use crate::store::Store;

use super::Error;

/// How a username change ended.
#[derive(Debug)]
pub enum UsernameChange {
    /// The user as they are now.
    Changed(User),
    /// Another account has the name (ignoring case and look-alikes);
    /// nothing changed.
    Taken,
}

/// Sets the user's username (`None`: removes it).
pub fn set(
    store: &mut Store,
    user: &User,
    username: Option<&Username>,
) -> Result<UsernameChange, Error> {
    if !store.set_username(user.id, username)? {
        return Ok(UsernameChange::Taken);
    }
    log::info!("user {} changed their username", user.id);
    Ok(UsernameChange::Changed(User {
        username: username.map(|u| u.as_str().to_string()),
        ..user.clone()
    }))
}
