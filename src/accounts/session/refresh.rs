//! Refreshing a login: a new access token (and, with rotation, the next
//! refresh token) for a refresh token that still stands.
//!
//! With rotation (`ACCOUNTS_ROTATE_REFRESH`), each refresh token is spent by
//! its use; a spent one presented again after the grace period ends its
//! whole login, since someone else may hold a copy. Either way a refresh is
//! a use of the login: it moves the login's "last used" time.

use crate::app::App;
use crate::domain::jwt::{IssuedToken, TokenType, VerifiedToken};
use crate::domain::{User, now};
use crate::store::Store;

use super::{Error, Family, Signer, verify};

/// What a refresh hands out.
pub struct Renewed {
    pub access: IssuedToken,
    /// The next refresh token, with rotation.
    pub refresh: Option<IssuedToken>,
}

/// How a signed, unexpired refresh token stands against the stored state.
/// [`refresh`] acts on it and [`super::check`] reports it, so the two never
/// disagree.
pub(super) enum Standing {
    /// A refresh would be answered (a token spent within the reuse grace
    /// included).
    Honoured(User),
    /// Spent by rotation longer than the reuse grace ago: a refresh refuses
    /// it and ends its login.
    Reused(User),
    /// Its user is gone or inactive, its login ended, or it is older than
    /// the user's last password change.
    Refused,
}

pub(super) fn standing(
    app: &App,
    store: &Store,
    token: &VerifiedToken,
    now: u64,
) -> Result<Standing, Error> {
    let Some(user) = store.user_by_id(token.user_id)? else {
        return Ok(Standing::Refused);
    };
    if !user.is_active || token.iat < user.tokens_valid_after {
        return Ok(Standing::Refused);
    }
    let spent_at = match store.refresh_row(&token.jti)? {
        Some(row) if row.family_revoked => return Ok(Standing::Refused),
        Some(row) => row.spent_at,
        None if store.family_revoked(Family::of(token).as_str())? => {
            return Ok(Standing::Refused);
        }
        None => None,
    };
    let config = &app.config;
    let grace = config.refresh_reuse_grace.as_secs();
    let reused =
        config.rotate_refresh && spent_at.is_some_and(|spent| now.saturating_sub(spent) >= grace);
    Ok(if reused {
        Standing::Reused(user)
    } else {
        Standing::Honoured(user)
    })
}

/// A new access token (and, with rotation, the next refresh token) for a
/// refresh token; the login's last use is now (in the same write as the
/// rotation, when there is one).
pub fn refresh(app: &App, store: &mut Store, refresh_token: &str) -> Result<Renewed, Error> {
    let token = verify(app, refresh_token, TokenType::Refresh, Error::TokenInvalid)?;
    let now = now();
    let family = Family::of(&token);
    let user = match standing(app, store, &token, now)? {
        Standing::Honoured(user) => user,
        Standing::Reused(user) => {
            log::warn!(
                "a spent refresh token of user {} was presented again: ending that login",
                user.id
            );
            store.revoke_family(user.id, family.as_str(), token.exp, now)?;
            return Err(Error::TokenInvalid);
        }
        Standing::Refused => return Err(Error::TokenInvalid),
    };
    let signer = Signer {
        app,
        user_id: user.id,
        family: &family,
        now,
    };
    let access = signer.access()?;
    if !app.config.rotate_refresh {
        store.touch_session(family.as_str(), now)?;
        return Ok(Renewed {
            access,
            refresh: None,
        });
    }
    let next = signer.refresh()?;
    store.rotate_refresh(
        user.id,
        family.as_str(),
        (&token.jti, token.exp),
        (&next.jti, next.exp),
        now,
    )?;
    Ok(Renewed {
        access,
        refresh: Some(next),
    })
}
