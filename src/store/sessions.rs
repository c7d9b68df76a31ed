//! Logins (`sessions`, one per refresh family) and the refresh tokens
//! issued in them.

use std::net::IpAddr;

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Context, Store, StoreError, end_old_credentials, outbox};
use crate::domain::mail::Mail;

/// A login about to be recorded, with its first refresh token if any
/// (`/api/login/` issues only an access token), and where it comes from.
pub struct NewSession<'a> {
    pub user_id: i64,
    pub family: &'a str,
    pub expires_at: u64,
    pub refresh: Option<(&'a str, u64)>,
    /// The client's `User-Agent`, already cleaned.
    pub user_agent: Option<&'a str>,
    pub ip: Option<IpAddr>,
}

/// A stored refresh token and the state of its login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRow {
    pub spent_at: Option<u64>,
    pub family_revoked: bool,
}

impl Store {
    /// Records a new login, and the time of it as the user's last login.
    pub fn create_session(&mut self, session: &NewSession<'_>, now: u64) -> Result<(), StoreError> {
        self.write("recording a login", |tx| {
            insert_session(tx, session, now)?;
            tx.prepare_cached("UPDATE users SET last_login_at = ?2 WHERE id = ?1")?
                .execute(params![session.user_id, now as i64])
                .map(drop)
        })
    }

    /// The stored state of a refresh token; `None` for a token issued before
    /// this service stored them (imported from Django).
    pub fn refresh_row(&self, jti: &str) -> Result<Option<RefreshRow>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT r.spent_at, s.revoked_at IS NOT NULL FROM refresh_tokens r \
                 JOIN sessions s ON s.family = r.family WHERE r.jti = ?1",
            )
            .and_then(|mut s| {
                s.query_row([jti], |row| {
                    Ok(RefreshRow {
                        spent_at: row.get::<_, Option<i64>>(0)?.map(|t| t.max(0) as u64),
                        family_revoked: row.get(1)?,
                    })
                })
                .optional()
            })
            .context("reading a refresh token")
    }

    /// Whether the login was revoked (a family without a row is not).
    pub fn family_revoked(&self, family: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM sessions WHERE family = ?1 AND revoked_at IS NOT NULL)")
            .and_then(|mut s| s.query_row([family], |r| r.get(0)))
            .context("reading a login's state")
    }

    /// Spends `old` (if not yet spent) and records its successor in the same
    /// login, creating the login's row for an imported token; the login was
    /// last used now.
    pub fn rotate_refresh(
        &mut self,
        user_id: i64,
        family: &str,
        old: (&str, u64),
        new: (&str, u64),
        now: u64,
    ) -> Result<(), StoreError> {
        self.write("rotating a refresh token", |tx| {
            tx.prepare_cached(
                "INSERT INTO sessions (family, user_id, created_at, expires_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?3) \
                 ON CONFLICT (family) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at), \
                 last_used_at = excluded.last_used_at",
            )?
            .execute(params![family, user_id, now as i64, new.1 as i64])?;
            tx.prepare_cached(
                "INSERT INTO refresh_tokens (jti, family, expires_at, spent_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (jti) DO UPDATE SET spent_at = coalesce(spent_at, excluded.spent_at)",
            )?
            .execute(params![old.0, family, old.1 as i64, now as i64])?;
            tx.prepare_cached("INSERT INTO refresh_tokens (jti, family, expires_at) VALUES (?1, ?2, ?3)")?
                .execute(params![new.0, family, new.1 as i64])?;
            Ok(())
        })
    }

    /// Ends one login: its refresh and access tokens are refused from now on.
    pub fn revoke_family(
        &mut self,
        user_id: i64,
        family: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<(), StoreError> {
        self.write("ending a login", |tx| {
            tx.prepare_cached(
                "INSERT INTO sessions (family, user_id, created_at, expires_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?3) \
                 ON CONFLICT (family) DO UPDATE SET revoked_at = coalesce(revoked_at, excluded.revoked_at), \
                 expires_at = max(expires_at, excluded.expires_at)",
            )?
            .execute(params![family, user_id, now as i64, expires_at as i64])
            .map(drop)
        })
    }

    /// Ends every login of the user, including tokens this service never
    /// recorded (imported ones): anything issued before `now` is refused.
    pub fn revoke_all_sessions(&mut self, user_id: i64, now: u64) -> Result<(), StoreError> {
        self.write("ending every login of a user", |tx| {
            revoke_all(tx, user_id, now)
        })
    }

    /// Sets a new password hash, ends every login and every pending reset
    /// link, and (when given) records the login that continues with fresh
    /// tokens; all or nothing.
    pub fn replace_password(
        &mut self,
        user_id: i64,
        new_hash: &str,
        continuing: Option<&NewSession<'_>>,
        now: u64,
    ) -> Result<(), StoreError> {
        self.replace_password_and_notify(user_id, new_hash, continuing, None, now)
    }

    /// [`Store::replace_password`], queueing `notice` (the "password
    /// changed" mail) in the same transaction.
    pub fn replace_password_and_notify(
        &mut self,
        user_id: i64,
        new_hash: &str,
        continuing: Option<&NewSession<'_>>,
        notice: Option<&Mail>,
        now: u64,
    ) -> Result<(), StoreError> {
        self.write("changing a password", |tx| {
            tx.prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
                .execute(params![user_id, new_hash])?;
            end_old_credentials(tx, user_id, now)?;
            if let Some(session) = continuing {
                insert_session(tx, session, now)?;
            }
            if let Some(notice) = notice {
                outbox::enqueue(tx, notice, now)?;
            }
            Ok(())
        })
    }
}

pub(super) fn insert_session(
    tx: &Transaction<'_>,
    session: &NewSession<'_>,
    now: u64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO sessions (family, user_id, created_at, expires_at, last_used_at, user_agent, ip) \
         VALUES (?1, ?2, ?3, ?4, ?3, ?5, ?6)",
    )?
    .execute(params![
        session.family,
        session.user_id,
        now as i64,
        session.expires_at as i64,
        session.user_agent,
        session.ip.map(|ip| ip.to_string()),
    ])?;
    if let Some((jti, expires_at)) = session.refresh {
        tx.prepare_cached(
            "INSERT INTO refresh_tokens (jti, family, expires_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![jti, session.family, expires_at as i64])?;
    }
    Ok(())
}

pub(super) fn revoke_all(tx: &Transaction<'_>, user_id: i64, now: u64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
    )?
    .execute(params![user_id, now as i64])?;
    tx.prepare_cached(
        "UPDATE users SET tokens_valid_after = max(tokens_valid_after, ?2) WHERE id = ?1",
    )?
    .execute(params![user_id, now as i64])?;
    Ok(())
}

#[cfg(test)]
mod tests;
