//! Writing imported users and the tokens their old service revoked. The
//! import calls these a batch at a time, each batch one transaction, so a
//! live server's writes interleave with a long import instead of waiting
//! for all of it.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Context, Store, StoreError};
use crate::domain::{Email, Username};

/// A user as the import writes it: the id is kept from the source.
#[derive(Debug, Clone)]
pub struct ImportUser {
    pub id: i64,
    pub email: Email,
    pub username: Option<Username>,
    pub password_hash: String,
    pub is_email_confirmed: bool,
    pub is_active: bool,
    pub created_at: u64,
    pub last_login_at: Option<u64>,
}

/// What happened to one imported user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    /// Written (or, in a dry run, would be).
    Imported,
    /// A user with this id exists already; it is left as it is.
    AlreadyPresent,
    /// Another user (this id) has the address, ignoring case.
    AddressTaken(i64),
    /// Another user (this id) has the username, ignoring case.
    UsernameTaken(i64),
}

/// A refresh token the old service blacklisted, refused here until it
/// expires: stored as an ended login of the family its `jti` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedToken {
    pub family: String,
    pub user_id: i64,
    pub expires_at: u64,
}

impl Store {
    /// Writes a batch of users in one transaction and says what happened to
    /// each, in order. A user whose id is present is never touched, so a
    /// second import cannot overwrite a password changed since the first.
    pub fn import_users(&mut self, users: &[ImportUser]) -> Result<Vec<RowOutcome>, StoreError> {
        self.write("importing a batch of users", |tx| {
            let mut outcomes = Vec::with_capacity(users.len());
            for user in users {
                let outcome = check(tx, user)?;
                if outcome == RowOutcome::Imported {
                    insert(tx, user)?;
                }
                outcomes.push(outcome);
            }
            Ok(outcomes)
        })
    }

    /// Commits the import's batches without waiting for the disk, until
    /// [`Store::end_bulk_import`]. An import can simply be run again, so a
    /// crash in between costs a rerun; waiting for the disk at each of a
    /// thousand batches would otherwise take most of a large import's time.
    /// This connection only: the server's writes stay fully durable.
    pub fn begin_bulk_import(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL")
            .context("preparing the import")
    }

    /// Makes every batch committed so far durable (a checkpoint syncs the
    /// write-ahead log) and returns to full durability.
    pub fn end_bulk_import(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("PRAGMA synchronous = FULL")
            .context("finishing the import")?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .context("syncing the imported users to disk")
    }

    /// What [`Store::import_users`] would do with each user, writing
    /// nothing (for a dry run; the caller tracks the source's own
    /// duplicates). One read transaction, so the file is locked once per
    /// batch rather than once per query.
    pub fn import_check(&mut self, users: &[ImportUser]) -> Result<Vec<RowOutcome>, StoreError> {
        let tx = self
            .conn
            .transaction()
            .context("checking a batch of imported users")?;
        let outcomes = users
            .iter()
            .map(|user| check(&tx, user))
            .collect::<Result<Vec<_>, _>>()
            .context("checking a batch of imported users")?;
        tx.finish().context("checking a batch of imported users")?;
        Ok(outcomes)
    }

    /// Records blacklisted refresh tokens as revoked logins, skipping those
    /// whose user is not here; returns how many are now refused. Running it
    /// twice is harmless.
    pub fn import_revoked_tokens(
        &mut self,
        tokens: &[RevokedToken],
        now: u64,
    ) -> Result<usize, StoreError> {
        self.write("importing revoked tokens", |tx| {
            let mut revoked = 0;
            for token in tokens {
                if user_exists(tx, token.user_id)? {
                    revoke(tx, token, now)?;
                    revoked += 1;
                }
            }
            Ok(revoked)
        })
    }

    /// Whether a user with this id exists (for a dry run's token count).
    pub fn user_exists(&self, id: i64) -> Result<bool, StoreError> {
        user_exists(&self.conn, id).context("checking that a user exists")
    }
}

fn check(conn: &rusqlite::Connection, user: &ImportUser) -> rusqlite::Result<RowOutcome> {
    if user_exists(conn, user.id)? {
        return Ok(RowOutcome::AlreadyPresent);
    }
    let holder = |sql: &str, key: &str| -> rusqlite::Result<Option<i64>> {
        conn.prepare_cached(sql)?
            .query_row([key], |r| r.get(0))
            .optional()
    };
    if let Some(other) = holder(
        "SELECT id FROM users WHERE email_key = ?1",
        user.email.key(),
    )? {
        return Ok(RowOutcome::AddressTaken(other));
    }
    if let Some(username) = &user.username
        && let Some(other) = holder(
            "SELECT id FROM users WHERE username_key = ?1",
            username.key(),
        )?
    {
        return Ok(RowOutcome::UsernameTaken(other));
    }
    Ok(RowOutcome::Imported)
}

fn user_exists(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)")?
        .query_row([id], |r| r.get(0))
}

fn insert(tx: &Transaction<'_>, user: &ImportUser) -> rusqlite::Result<()> {
    // An explicit id above `sqlite_sequence` raises it, so registrations
    // made afterwards get ids above every imported one.
    tx.prepare_cached(
        "INSERT INTO users (id, email, email_key, username, username_key, password_hash, \
         is_email_confirmed, is_active, created_at, last_login_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        user.id,
        user.email.as_str(),
        user.email.key(),
        user.username.as_ref().map(Username::as_str),
        user.username.as_ref().map(Username::key),
        user.password_hash,
        user.is_email_confirmed,
        user.is_active,
        user.created_at as i64,
        user.last_login_at.map(|t| t as i64),
    ])
    .map(drop)
}

/// A revoked login whose family is the token's: every check that refuses a
/// revoked login's tokens refuses this one.
fn revoke(tx: &Transaction<'_>, token: &RevokedToken, now: u64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO sessions (family, user_id, created_at, expires_at, revoked_at) \
         VALUES (?1, ?2, ?3, ?4, ?3) \
         ON CONFLICT (family) DO UPDATE SET revoked_at = coalesce(revoked_at, excluded.revoked_at), \
         expires_at = max(expires_at, excluded.expires_at)",
    )?
    .execute(params![
        token.family,
        token.user_id,
        now as i64,
        token.expires_at as i64
    ])
    .map(drop)
}
