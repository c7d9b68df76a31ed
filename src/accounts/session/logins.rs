//! A user's logins as they see them: listed (`GET /api/sessions/`,
//! `accounts user sessions`), and ended one at a time or all but the one
//! asking.
//!
//! A login's id is its family (see the module above): every token of the
//! login carries it in its `jti` already, so showing it reveals nothing a
//! client did not hold, and ending a login by id needs the user's own
//! credentials anyway. Only live logins count: one that ended or expired is
//! not listed and cannot be ended again, and tokens imported from Django
//! (never recorded) are not logins here.

use crate::app::App;
use crate::domain::{User, now};
use crate::store::Store;

use super::super::Error;
use super::{FAMILY_CHARS, Family};

/// The id of one login as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginId(Family);

impl LoginId {
    /// Exactly 16 lower-case hex characters; anything else names no login
    /// and is answered as an unknown one, without a look-up.
    pub fn parse(raw: &str) -> Option<LoginId> {
        let hex = |b: u8| matches!(b, b'0'..=b'9' | b'a'..=b'f');
        (raw.len() == FAMILY_CHARS && raw.bytes().all(hex))
            .then(|| LoginId(Family(raw.to_string())))
    }

    pub(super) fn of(family: Family) -> LoginId {
        LoginId(family)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// One live login, as its user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSummary {
    pub id: String,
    /// When it started (Unix seconds).
    pub created: u64,
    /// When it last started or refreshed (Unix seconds); a plain
    /// authenticated request does not count, so reading costs no write.
    pub last_used: u64,
    /// The cleaned `User-Agent` it started with, if any.
    pub user_agent: Option<String>,
    /// The client address it started from, if known.
    pub ip: Option<String>,
    /// Whether it is the login of the request that asked.
    pub current: bool,
}

/// The user's live logins, newest first; `current` marks the asker's.
pub fn list(
    store: &Store,
    user: &User,
    current: Option<&LoginId>,
) -> Result<Vec<LoginSummary>, Error> {
    let rows = store.logins_of(user.id, now())?;
    Ok(rows
        .into_iter()
        .map(|row| LoginSummary {
            current: current.is_some_and(|c| c.as_str() == row.family),
            id: row.family,
            created: row.created_at,
            last_used: row.last_used_at,
            user_agent: row.user_agent,
            ip: row.ip,
        })
        .collect())
}

/// Ends one of the user's live logins: its refresh and access tokens are
/// refused from now on. `false`, and nothing changes, when the id names no
/// live login of theirs (another user's included).
pub fn end(app: &App, store: &mut Store, user: &User, id: &LoginId) -> Result<bool, Error> {
    let now = now();
    let ended = store.end_session(user.id, id.as_str(), keep_until(app, now), now)?;
    if ended {
        log::info!("user {} ended one of their logins", user.id);
    }
    Ok(ended)
}

/// Ends every live login of the user except `current`.
pub fn end_others(
    app: &App,
    store: &mut Store,
    user: &User,
    current: &LoginId,
) -> Result<(), Error> {
    let now = now();
    let ended = store.end_other_sessions(user.id, current.as_str(), keep_until(app, now), now)?;
    if ended > 0 {
        log::info!("user {} ended {ended} other logins", user.id);
    }
    Ok(())
}

/// How many logins, of every user, are neither ended nor expired: what
/// metrics report as live sessions.
pub fn live_count(store: &Store) -> Result<u64, Error> {
    Ok(store.live_sessions(now())?)
}

/// Until when an ended login's record is kept: an access token issued at
/// its last refresh may outlive its refresh token by up to one access
/// lifetime, and stays refused only while the record says the login ended.
fn keep_until(app: &App, now: u64) -> u64 {
    now + app.config.access_ttl.as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_16_lower_case_hex_characters() {
        assert_eq!(
            LoginId::parse("0123456789abcdef").map(|id| id.as_str().to_string()),
            Some("0123456789abcdef".to_string())
        );
        for bad in [
            "",
            "0123456789abcde",
            "0123456789abcdef0",
            "0123456789ABCDEF",
            "0123456789abcdeg",
            "../../etc/passwd",
            "0123456789abcd%2",
            &"a".repeat(10_000),
        ] {
            assert!(LoginId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
