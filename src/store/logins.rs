//! Logins as their user sees them: listed with where and when they started
//! and were last used, ended one at a time or all but one. The rows are the
//! `sessions` of `sessions.rs`; these are the queries behind
//! `/api/sessions/` and `accounts user sessions`.

use rusqlite::{Row, params};

use super::{Context, Store, StoreError};

/// A live login as its user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub family: String,
    pub created_at: u64,
    /// When it started or was last refreshed; its start for a login
    /// recorded before the service kept this.
    pub last_used_at: u64,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        family: row.get(0)?,
        created_at: row.get::<_, i64>(1)?.max(0) as u64,
        last_used_at: row.get::<_, i64>(2)?.max(0) as u64,
        user_agent: row.get(3)?,
        ip: row.get(4)?,
    })
}

impl Store {
    /// The user's live logins (neither ended nor expired at `now`), newest
    /// first.
    pub fn logins_of(&self, user_id: i64, now: u64) -> Result<Vec<SessionRow>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT family, created_at, coalesce(last_used_at, created_at), user_agent, ip \
                 FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 \
                 ORDER BY created_at DESC, last_used_at DESC, family",
            )
            .and_then(|mut s| {
                s.query_map(params![user_id, now as i64], session_from_row)?
                    .collect()
            })
            .context("listing a user's logins")
    }

    /// Records that a live login was used (refreshed) at `now`.
    pub fn touch_session(&mut self, family: &str, now: u64) -> Result<(), StoreError> {
        self.write("recording a login's use", |tx| {
            tx.prepare_cached(
                "UPDATE sessions SET last_used_at = ?2 WHERE family = ?1 AND revoked_at IS NULL \
                 AND (last_used_at IS NULL OR last_used_at < ?2)",
            )?
            .execute(params![family, now as i64])
            .map(drop)
        })
    }

    /// Ends one live login of this user (its refresh and access tokens are
    /// refused from now on) and keeps its record at least until
    /// `keep_until`; `false`, changing nothing, when the user has no such
    /// live login.
    pub fn end_session(
        &mut self,
        user_id: i64,
        family: &str,
        keep_until: u64,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.write("ending one login of a user", |tx| {
            tx.prepare_cached(
                "UPDATE sessions SET revoked_at = ?4, expires_at = max(expires_at, ?3) \
                 WHERE family = ?2 AND user_id = ?1 AND revoked_at IS NULL AND expires_at > ?4",
            )?
            .execute(params![user_id, family, keep_until as i64, now as i64])
            .map(|n| n > 0)
        })
    }

    /// Ends every live login of the user except `keeping`, keeping their
    /// records at least until `keep_until`; returns how many ended.
    pub fn end_other_sessions(
        &mut self,
        user_id: i64,
        keeping: &str,
        keep_until: u64,
        now: u64,
    ) -> Result<usize, StoreError> {
        self.write("ending a user's other logins", |tx| {
            tx.prepare_cached(
                "UPDATE sessions SET revoked_at = ?4, expires_at = max(expires_at, ?3) \
                 WHERE user_id = ?1 AND family <> ?2 AND revoked_at IS NULL AND expires_at > ?4",
            )?
            .execute(params![user_id, keeping, keep_until as i64, now as i64])
        })
    }
}

#[cfg(test)]
mod tests;
