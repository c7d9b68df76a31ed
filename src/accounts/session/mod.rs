//! Logins and their tokens: starting one, checking a token against it,
//! refreshing it, ending one or all, and listing them for their user.
//!
//! A login is a family of tokens. Every token of one login carries a `jti`
//! of 32 hex characters whose first 16 name the family and whose last 16 are
//! random: that is how a logout, given any token of a login, finds the whole
//! login without a claim SimpleJWT does not have, and the family is the id a
//! user sees their login under. This module (with its `refresh` and `logins`
//! parts) is the only place that knows that layout.

pub mod logins;
mod refresh;

pub use logins::{LoginId, LoginSummary};
pub use refresh::{Renewed, refresh};

use crate::app::App;
use crate::domain::jwt::{IssuedToken, TokenType, VerifiedToken};
use crate::domain::random::{RandomError, random_hex};
use crate::domain::{User, now};
use crate::store::{NewSession, Store};

use super::{Device, Error};

/// The login a token belongs to: 16 hex characters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Family(String);

/// How many leading hex characters of a `jti` name its family.
const FAMILY_CHARS: usize = 16;

impl Family {
    fn generate() -> Result<Family, RandomError> {
        random_hex::<8>().map(Family)
    }

    fn of(token: &VerifiedToken) -> Family {
        Family(token.jti.chars().take(FAMILY_CHARS).collect())
    }

    /// A fresh `jti` in this family.
    fn new_jti(&self) -> Result<String, RandomError> {
        Ok(format!("{}{}", self.0, random_hex::<8>()?))
    }

    fn as_str(&self) -> &str {
        &self.0
    }
}

/// The login a token issued elsewhere belongs to, by the same layout: for
/// storing the refresh tokens a Django deployment blacklisted as ended
/// logins. SimpleJWT's `jti` is 32 random hex characters, so its first 16
/// name no other token.
pub fn family_of_jti(jti: &str) -> String {
    Family(jti.chars().take(FAMILY_CHARS).collect()).0
}

/// Signs the tokens of one login for one user.
pub struct Signer<'a> {
    app: &'a App,
    user_id: i64,
    family: &'a Family,
    now: u64,
}

impl Signer<'_> {
    fn access(&self) -> Result<IssuedToken, Error> {
        self.sign(TokenType::Access, self.app.config.access_ttl.as_secs())
    }

    fn refresh(&self) -> Result<IssuedToken, Error> {
        self.sign(TokenType::Refresh, self.app.config.refresh_ttl.as_secs())
    }

    fn sign(&self, token_type: TokenType, lifetime: u64) -> Result<IssuedToken, Error> {
        let jti = self.family.new_jti()?;
        Ok(self
            .app
            .keys
            .issue(token_type, self.user_id, jti, self.now, lifetime)?)
    }
}

/// What a new login hands out: a [`TokenPair`] or an [`AccessOnly`].
pub trait Grant: Sized {
    /// Signs the tokens.
    fn sign(signer: &Signer<'_>) -> Result<Self, Error>;
    fn access(&self) -> &IssuedToken;
    /// The refresh token recorded with the login, if the grant has one.
    fn refresh(&self) -> Option<&IssuedToken>;
}

/// An access and a refresh token (`/api/token/`, a password change).
pub struct TokenPair {
    pub access: IssuedToken,
    pub refresh: IssuedToken,
}

/// An access token alone (the cookie login of the original service).
pub struct AccessOnly {
    pub access: IssuedToken,
}

impl Grant for TokenPair {
    fn sign(signer: &Signer<'_>) -> Result<TokenPair, Error> {
        Ok(TokenPair {
            access: signer.access()?,
            refresh: signer.refresh()?,
        })
    }

    fn access(&self) -> &IssuedToken {
        &self.access
    }

    fn refresh(&self) -> Option<&IssuedToken> {
        Some(&self.refresh)
    }
}

impl Grant for AccessOnly {
    fn sign(signer: &Signer<'_>) -> Result<AccessOnly, Error> {
        Ok(AccessOnly {
            access: signer.access()?,
        })
    }

    fn access(&self) -> &IssuedToken {
        &self.access
    }

    fn refresh(&self) -> Option<&IssuedToken> {
        None
    }
}

/// The tokens of a new login, signed but not yet recorded.
pub(super) struct Login<G> {
    user_id: i64,
    family: Family,
    pub tokens: G,
}

impl<G: Grant> Login<G> {
    /// Signs a new login's tokens; the caller records [`Login::record`]
    /// (in its own transaction, if it has one) before handing them out.
    pub(super) fn sign(app: &App, user_id: i64, now: u64) -> Result<Login<G>, Error> {
        let family = Family::generate()?;
        let signer = Signer {
            app,
            user_id,
            family: &family,
            now,
        };
        let tokens = G::sign(&signer)?;
        Ok(Login {
            user_id,
            family,
            tokens,
        })
    }

    /// The stored record of the login, made from `device`: it lives as
    /// long as its last token.
    pub(super) fn record<'a>(&'a self, device: &'a Device) -> NewSession<'a> {
        let access = self.tokens.access();
        let refresh = self.tokens.refresh();
        NewSession {
            user_id: self.user_id,
            family: self.family.as_str(),
            expires_at: refresh.map_or(access.exp, |r| r.exp.max(access.exp)),
            refresh: refresh.map(|r| (r.jti.as_str(), r.exp)),
            user_agent: device.user_agent.as_str(),
            ip: Some(device.address.ip()),
        }
    }
}

/// Starts a login for the user and records it, with the device it comes
/// from, before its tokens are handed out.
pub fn start<G: Grant>(
    app: &App,
    store: &mut Store,
    user_id: i64,
    device: &Device,
) -> Result<G, Error> {
    let now = now();
    let login = Login::<G>::sign(app, user_id, now)?;
    store.create_session(&login.record(device), now)?;
    Ok(login.tokens)
}

/// Checks a token's signature, expiry and type; a refusal is logged (at
/// debug: it is the client's mistake) and answered with `refused`.
fn verify(
    app: &App,
    raw: &str,
    expected: TokenType,
    refused: Error,
) -> Result<VerifiedToken, Error> {
    app.keys.verify(raw, Some(expected)).map_err(|e| {
        log::debug!("{expected:?} token refused: {e:?}");
        refused
    })
}

/// Where a signed, unexpired token's login and user stand now.
enum Standing {
    Stands(User),
    NoUser,
    UserInactive,
    /// The login was ended, or the password changed since the token.
    Ended,
}

fn standing(store: &Store, token: &VerifiedToken) -> Result<Standing, Error> {
    let family = Family::of(token);
    let Some(found) = store.user_with_session(token.user_id, family.as_str())? else {
        return Ok(Standing::NoUser);
    };
    Ok(if !found.user.is_active {
        Standing::UserInactive
    } else if found.session_revoked || token.iat < found.user.tokens_valid_after {
        Standing::Ended
    } else {
        Standing::Stands(found.user)
    })
}

/// The user an access token acts for, and the login it belongs to.
pub struct Authenticated {
    pub user: User,
    pub login: LoginId,
}

/// The user an access token acts for, checked as SimpleJWT does (signature,
/// expiry, type) and then against the stored state: the user exists and is
/// active, the login was not ended, and the token is not older than the
/// user's last password change.
pub fn authenticate(app: &App, store: &Store, access_token: &str) -> Result<User, Error> {
    checked_access(app, store, access_token).map(|(user, _)| user)
}

/// As [`authenticate`], with the login the token belongs to. It only reads:
/// an authenticated request does not move the login's last use (see
/// [`LoginSummary`]), so it costs no write.
pub fn authenticate_login(
    app: &App,
    store: &Store,
    access_token: &str,
) -> Result<Authenticated, Error> {
    let (user, token) = checked_access(app, store, access_token)?;
    Ok(Authenticated {
        user,
        login: LoginId::of(Family::of(&token)),
    })
}

/// An access token that stands, and its user.
fn checked_access(
    app: &App,
    store: &Store,
    access_token: &str,
) -> Result<(User, VerifiedToken), Error> {
    let token = verify(
        app,
        access_token,
        TokenType::Access,
        Error::AccessTokenInvalid,
    )?;
    match standing(store, &token)? {
        Standing::Stands(user) => Ok((user, token)),
        Standing::NoUser => Err(Error::UserNotFound),
        Standing::UserInactive => Err(Error::UserInactive),
        Standing::Ended => Err(Error::AccessTokenInvalid),
    }
}

/// Whether a token of either type would be accepted right now
/// ([`Error::TokenInvalid`] if not): by [`refresh`] for a refresh token, by
/// [`authenticate`] for an access token. Checking changes nothing: a spent
/// refresh token is reported, not treated as reuse.
pub fn check(app: &App, store: &Store, token: &str) -> Result<(), Error> {
    let token = app
        .keys
        .verify(token, None)
        .map_err(|_| Error::TokenInvalid)?;
    let honoured = match token.token_type {
        TokenType::Refresh => matches!(
            refresh::standing(app, store, &token, now())?,
            refresh::Standing::Honoured(_)
        ),
        TokenType::Access => matches!(standing(store, &token)?, Standing::Stands(_)),
    };
    if honoured {
        Ok(())
    } else {
        Err(Error::TokenInvalid)
    }
}

/// The token a logout names its login by.
#[derive(Debug, Clone, Copy)]
pub enum LogoutToken<'t> {
    /// A refresh token: it must be valid.
    Refresh(&'t str),
    /// The cookie's access token: a dead one still logs out (there is
    /// nothing left to end, and the answer clears the cookie either way).
    Cookie(&'t str),
}

/// Ends the login the token belongs to: its refresh and access tokens are
/// refused from now on.
pub fn log_out(app: &App, store: &mut Store, by: LogoutToken<'_>) -> Result<(), Error> {
    let token = match by {
        LogoutToken::Refresh(raw) => {
            Some(verify(app, raw, TokenType::Refresh, Error::TokenInvalid)?)
        }
        LogoutToken::Cookie(raw) => app.keys.verify(raw, Some(TokenType::Access)).ok(),
    };
    let Some(token) = token else {
        return Ok(());
    };
    if store.user_by_id(token.user_id)?.is_some() {
        // Kept until its access tokens have expired, so they stay refused.
        let expires_at = token.exp.max(now() + app.config.access_ttl.as_secs());
        store.revoke_family(
            token.user_id,
            Family::of(&token).as_str(),
            expires_at,
            now(),
        )?;
    }
    Ok(())
}

/// Ends every login of the user.
pub fn log_out_everywhere(store: &mut Store, user: &User) -> Result<(), Error> {
    store.revoke_all_sessions(user.id, now())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_with_jti(jti: &str) -> VerifiedToken {
        VerifiedToken {
            token_type: TokenType::Access,
            user_id: 1,
            iat: 0,
            exp: 0,
            jti: jti.into(),
        }
    }

    #[test]
    fn a_jti_is_its_family_and_16_random_hex_characters() {
        let family = Family::generate().unwrap();
        let jti = family.new_jti().unwrap();
        assert_eq!(jti.len(), 32);
        assert!(jti.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(Family::of(&token_with_jti(&jti)), family);
        assert_ne!(family.new_jti().unwrap(), jti, "two tokens of one login");
    }

    #[test]
    fn families_differ_between_logins() {
        assert_ne!(Family::generate().unwrap(), Family::generate().unwrap());
    }
}
