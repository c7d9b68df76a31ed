//! What a user or an operator does with an account, one function per action:
//! register, confirm an address, log in, refresh, log out, list and end
//! logins, change or reset a password, change the address or the username,
//! ask for a link again, delete, (de)activate; what the service and its
//! operator do with the token-signing keys ([`keys`]); and what the service
//! reads and prunes on its own ([`housekeeping`], the figures metrics report).
//!
//! Each function takes the application state ([`App`](crate::app::App)),
//! the [`Store`](crate::store::Store) and values already parsed at the edge
//! (an [`Email`](crate::domain::Email), a
//! [`Password`](crate::domain::Password), a [`ClientAddress`]), applies the
//! rules (throttles included), and answers with a typed outcome or an
//! [`Error`]; it never sees a request or builds a response. The HTTP handlers
//! and the operator CLI are two front doors onto these same functions, so a
//! rule has one home whichever door a change comes through.

pub mod account;
pub mod codes;
pub mod confirm;
pub mod email_change;
pub mod housekeeping;
pub mod keys;
pub mod links;
pub mod login;
pub mod outbox;
pub mod password;
pub mod register;
pub mod session;
pub mod username;

use std::fmt;
use std::net::IpAddr;

use crate::domain::jwt::IssueError;
use crate::domain::random::RandomError;
use crate::domain::user_agent::UserAgent;
use crate::hashing::HashError;
use crate::store::StoreError;
use crate::throttle::{Key, Throttled};

/// The address a request came from, as the HTTP layer worked it out through
/// the trusted proxies: the key of the per-address limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(IpAddr);

impl ClientAddress {
    pub fn new(ip: IpAddr) -> ClientAddress {
        ClientAddress(ip)
    }

    /// The key under which the address is counted (an IPv6 client by its
    /// /64).
    fn throttle_key(self) -> Key {
        Key::client(self.0)
    }

    /// The address itself, as a login records it.
    pub fn ip(self) -> IpAddr {
        self.0
    }
}

/// Where a login comes from, as it is recorded and shown to its user: the
/// client's address (the same the throttles count) and its user agent.
#[derive(Debug, Clone)]
pub struct Device {
    pub address: ClientAddress,
    pub user_agent: UserAgent,
}

/// Why an action was not carried out. Refusals a front door answers in its
/// own words (wrong credentials, a weak password, a dead link) are outcomes of
/// the action instead; these are the ones every door answers alike.
#[derive(Debug)]
pub enum Error {
    /// A limit of `ACCOUNTS_THROTTLE_*` is used up: the client may try again
    /// after this many seconds.
    Throttled(u64),
    /// An access token that is malformed, expired, of the other type, from a
    /// login that was ended, or older than its user's last password change.
    AccessTokenInvalid,
    /// A valid access token whose user no longer exists.
    UserNotFound,
    /// A valid access token whose user was deactivated.
    UserInactive,
    /// A refresh token (or a token given to verify or to log out with) that
    /// is not honoured now: bad, expired, spent, revoked, or its user is gone
    /// or inactive.
    TokenInvalid,
    /// A storage step failed; [`StoreError::is_busy`] tells a locked
    /// database (worth a retry) from a real failure.
    Store(StoreError),
    /// The hashing lane is full, or hashing failed.
    Hashing(HashError),
    /// The operating system's random number generator failed.
    Random(RandomError),
    /// A token could not be signed (a bug: keys are checked when loaded).
    Signing(IssueError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Throttled(secs) => write!(f, "throttled; try again in {secs} seconds"),
            Error::AccessTokenInvalid => f.write_str("the access token is not valid"),
            Error::UserNotFound => f.write_str("the token's user does not exist"),
            Error::UserInactive => f.write_str("the token's user is inactive"),
            Error::TokenInvalid => f.write_str("the token is not valid"),
            Error::Store(e) => write!(f, "{e}"),
            Error::Hashing(HashError::Busy) => f.write_str("the password hashing lane is full"),
            Error::Hashing(HashError::Failed(cause)) => {
                write!(f, "password hashing failed: {cause}")
            }
            Error::Random(e) => write!(f, "{e}"),
            Error::Signing(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Store(e) => Some(e),
            Error::Random(e) => Some(e),
            Error::Signing(e) => Some(e),
            _ => None,
        }
    }
}

impl From<Throttled> for Error {
    fn from(t: Throttled) -> Error {
        Error::Throttled(t.retry_after)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        Error::Store(e)
    }
}

impl From<HashError> for Error {
    fn from(e: HashError) -> Error {
        Error::Hashing(e)
    }
}

impl From<IssueError> for Error {
    fn from(e: IssueError) -> Error {
        Error::Signing(e)
    }
}

impl From<RandomError> for Error {
    fn from(e: RandomError) -> Error {
        Error::Random(e)
    }
}
