//! The `users` table.

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{Context, Store, StoreError, outbox};
use crate::domain::locale::Locale;
use crate::domain::mail::Mail;
use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::domain::{Email, User, Username, lookup_key};

/// A user about to be inserted.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub username: Option<&'a Username>,
    pub password_hash: &'a str,
    pub is_email_confirmed: bool,
    /// The language the user asked for (or their browser did).
    pub locale: Option<&'a Locale>,
}

/// What inserting a user found.
#[derive(Debug)]
pub enum RegisterOutcome {
    Created(User),
    /// The address and/or the username already belong to someone.
    Taken {
        email: bool,
        username: bool,
    },
}

/// A user row read together with the state of one of their logins.
pub struct UserAndSession {
    pub user: User,
    pub session_revoked: bool,
}

const USER_COLUMNS: &str = "id, email, username, password_hash, is_email_confirmed, is_active, \
     tokens_valid_after, locale";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        username: row.get(2)?,
        password_hash: row.get(3)?,
        is_email_confirmed: row.get(4)?,
        is_active: row.get(5)?,
        tokens_valid_after: row.get::<_, i64>(6)?.max(0) as u64,
        // A stored tag that no longer parses means the default.
        locale: row
            .get::<_, Option<String>>(7)?
            .and_then(|tag| Locale::parse(&tag)),
    })
}

impl Store {
    pub fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        self.conn
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))
            .and_then(|mut s| s.query_row([id], user_from_row).optional())
            .context("reading a user by id")
    }

    /// The user row and whether the login `family` was revoked, in one query:
    /// the check every authenticated request makes.
    pub fn user_with_session(
        &self,
        id: i64,
        family: &str,
    ) -> Result<Option<UserAndSession>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS}, \
                 EXISTS (SELECT 1 FROM sessions s WHERE s.family = ?2 AND s.revoked_at IS NOT NULL) \
                 FROM users WHERE id = ?1"
            ))
            .and_then(|mut s| {
                s.query_row(params![id, family], |row| {
                    Ok(UserAndSession { user: user_from_row(row)?, session_revoked: row.get(8)? })
                })
                .optional()
            })
            .context("reading a user and their login")
    }

    pub fn user_by_email_key(&self, key: &str) -> Result<Option<User>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE email_key = ?1"
            ))
            .and_then(|mut s| s.query_row([key], user_from_row).optional())
            .context("reading a user by email")
    }

    pub fn user_by_username_key(&self, key: &str) -> Result<Option<User>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE username_key = ?1"
            ))
            .and_then(|mut s| s.query_row([key], user_from_row).optional())
            .context("reading a user by username")
    }

    /// Finds the user a login value names: an address first (so one user's
    /// address beats another's username), then a username. Both compare the
    /// value's [`lookup_key`], so the account a value names depends on that
    /// key alone, as does the login throttle's window for an unknown one.
    pub fn user_by_login(&self, value: &str) -> Result<Option<User>, StoreError> {
        let key = lookup_key(value);
        match self.user_by_email_key(&key)? {
            Some(user) => Ok(Some(user)),
            None => self.user_by_username_key(&key),
        }
    }

    /// Whether the address and the username are already taken.
    pub fn taken(
        &self,
        email: Option<&Email>,
        username: Option<&Username>,
    ) -> Result<(bool, bool), StoreError> {
        taken(&self.conn, email, username)
            .context("checking whether an address or username is taken")
    }

    /// Inserts the user, and (when given) their confirmation token and mail,
    /// in one transaction: the mail is sent if and only if the user exists.
    pub fn insert_user(
        &mut self,
        user: &NewUser<'_>,
        confirmation: Option<(&OneTimeToken, u64, &Mail)>,
        now: u64,
    ) -> Result<RegisterOutcome, StoreError> {
        self.write("registering a user", |tx| {
            let (email_taken, username_taken) = taken(tx, Some(user.email), user.username)?;
            if email_taken || username_taken {
                return Ok(RegisterOutcome::Taken { email: email_taken, username: username_taken });
            }
            tx.prepare_cached(
                "INSERT INTO users (email, email_key, username, username_key, password_hash, is_email_confirmed, created_at, locale) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                user.email.as_str(),
                user.email.key(),
                user.username.map(Username::as_str),
                user.username.map(Username::key),
                user.password_hash,
                user.is_email_confirmed,
                now as i64,
                user.locale.map(Locale::as_str)
            ])?;
            let id = tx.last_insert_rowid();
            if let Some((token, expires_at, mail)) = confirmation {
                insert_one_time(tx, token, id, Purpose::ConfirmEmail, expires_at)?;
                outbox::enqueue(tx, mail, now)?;
            }
            Ok(RegisterOutcome::Created(User {
                id,
                email: user.email.as_str().to_string(),
                username: user.username.map(|u| u.as_str().to_string()),
                password_hash: user.password_hash.to_string(),
                is_email_confirmed: user.is_email_confirmed,
                is_active: true,
                tokens_valid_after: 0,
                locale: user.locale.cloned(),
            }))
        })
    }

    /// Replaces the hash without ending any login (a rehash at a new cost).
    pub fn update_password_hash(
        &mut self,
        id: i64,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<(), StoreError> {
        self.write("storing a rehashed password", |tx| {
            // Only if unchanged meanwhile: a concurrent password change wins.
            tx.prepare_cached(
                "UPDATE users SET password_hash = ?3 WHERE id = ?1 AND password_hash = ?2",
            )?
            .execute(params![id, old_hash, new_hash])
        })
        .map(drop)
    }

    /// Sets (or, with `None`, removes) the user's username; `false`, and
    /// nothing changes, when another user has its key.
    pub fn set_username(
        &mut self,
        id: i64,
        username: Option<&Username>,
    ) -> Result<bool, StoreError> {
        self.write("changing a username", |tx| {
            if let Some(name) = username {
                let taken: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM users WHERE username_key = ?1 AND id <> ?2)",
                    )?
                    .query_row(params![name.key(), id], |r| r.get(0))?;
                if taken {
                    return Ok(false);
                }
            }
            tx.prepare_cached("UPDATE users SET username = ?2, username_key = ?3 WHERE id = ?1")?
                .execute(params![
                    id,
                    username.map(Username::as_str),
                    username.map(Username::key)
                ])?;
            Ok(true)
        })
    }

    pub fn set_email_confirmed(&mut self, id: i64) -> Result<bool, StoreError> {
        self.write("confirming an address", |tx| {
            tx.execute(
                "UPDATE users SET is_email_confirmed = 1 WHERE id = ?1",
                [id],
            )
            .map(|n| n > 0)
        })
    }

    /// Activates or deactivates; deactivation also ends every login and every
    /// pending reset link (reactivation brings neither back).
    pub fn set_active(&mut self, id: i64, active: bool, now: u64) -> Result<bool, StoreError> {
        self.write("changing whether a user is active", |tx| {
            let n = tx.execute(
                "UPDATE users SET is_active = ?2 WHERE id = ?1",
                params![id, active],
            )?;
            if !active {
                super::end_old_credentials(tx, id, now)?;
            }
            Ok(n > 0)
        })
    }

    /// Deletes the user; their sessions and tokens go with them (cascade).
    pub fn delete_user(&mut self, id: i64) -> Result<bool, StoreError> {
        self.write("deleting a user", |tx| {
            tx.execute("DELETE FROM users WHERE id = ?1", [id])
                .map(|n| n > 0)
        })
    }

    /// Every user, oldest first (for the operator's `user list`).
    pub fn all_users(&self) -> Result<Vec<User>, StoreError> {
        self.conn
            .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
            .and_then(|mut s| s.query_map([], user_from_row)?.collect())
            .context("listing users")
    }
}

fn taken(
    conn: &rusqlite::Connection,
    email: Option<&Email>,
    username: Option<&Username>,
) -> rusqlite::Result<(bool, bool)> {
    let email_taken = match email {
        Some(e) => conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE email_key = ?1)")?
            .query_row([e.key()], |r| r.get(0))?,
        None => false,
    };
    let username_taken = match username {
        Some(u) => conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE username_key = ?1)")?
            .query_row([u.key()], |r| r.get(0))?,
        None => false,
    };
    Ok((email_taken, username_taken))
}

pub(super) fn insert_one_time(
    tx: &Transaction<'_>,
    token: &OneTimeToken,
    user_id: i64,
    purpose: Purpose,
    expires_at: u64,
) -> rusqlite::Result<()> {
    let code_hash = token.code().map(|c| c.hash().to_vec());
    tx.prepare_cached(
        "INSERT INTO one_time_tokens (token_hash, user_id, purpose, expires_at, code_hash) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        &token.hash()[..],
        user_id,
        purpose.as_str(),
        expires_at as i64,
        code_hash
    ])
    .map(drop)
}

/// Schema 2: address keys are NFKC-normalised as well as case-folded, as
/// usernames always were. Only an address with a character outside printable
/// ASCII can change. A key that would then equal another account's stays as
/// it was, and the pair is logged (by id) for the operator to settle.
pub(super) fn fold_address_keys(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String, String)> = tx
        .prepare("SELECT id, email, email_key FROM users WHERE email_key GLOB '*[^ -~]*'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, email, old_key) in rows {
        let key = lookup_key(&email);
        if key == old_key {
            continue;
        }
        let holder: Option<i64> = tx
            .query_row("SELECT id FROM users WHERE email_key = ?1", [&key], |r| {
                r.get(0)
            })
            .optional()?;
        match holder {
            None => {
                tx.execute(
                    "UPDATE users SET email_key = ?1 WHERE id = ?2",
                    params![key, id],
                )?;
            }
            Some(other) => log::warn!(
                "users {other} and {id} have addresses that differ only in width or \
                 compatibility characters; user {id} can no longer log in by address"
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
