//! Address changes waiting for their link to be followed
//! (`email_changes`), and the change itself.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{ConsumeOutcome, Context, Store, StoreError, end_old_credentials, outbox};
use crate::domain::Email;
use crate::domain::mail::Mail;
use crate::domain::one_time::{OneTimeToken, Purpose};

/// A stored address change whose link has not expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChangeRow {
    pub user_id: i64,
    /// The address the account moves to, as the user typed it (domain
    /// lower-cased).
    pub new_email: String,
    /// Its case-folded form, as `users.email_key` holds it.
    pub new_email_key: String,
    pub used: bool,
}

impl Store {
    /// Records that the user asked to move to `new_email`, replacing any
    /// change they asked for before (its link stops working), and queues
    /// the mail that carries the new link.
    pub fn request_email_change(
        &mut self,
        user_id: i64,
        new_email: &Email,
        token: &OneTimeToken,
        expires_at: u64,
        mail: &Mail,
        now: u64,
    ) -> Result<(), StoreError> {
        self.write("recording an address change", |tx| {
            void_pending(tx, user_id)?;
            tx.prepare_cached(
                "INSERT INTO email_changes (token_hash, user_id, new_email, new_email_key, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                &token.hash()[..],
                user_id,
                new_email.as_str(),
                new_email.key(),
                expires_at as i64
            ])?;
            outbox::enqueue(tx, mail, now)
        })
    }

    /// The change the token stands for, if its link has not expired and
    /// its user is active.
    pub fn email_change_row(
        &self,
        token: &OneTimeToken,
        now: u64,
    ) -> Result<Option<EmailChangeRow>, StoreError> {
        lookup(&self.conn, token, now).context("reading an address change")
    }

    /// Makes the change the token stands for, if it still can be made: the
    /// link is unused and unexpired, its user is active and still has
    /// `old_email`, and nobody took the new address meanwhile. The account
    /// moves to the new address, confirmed (the link reached it); every
    /// login and pending reset link ends (see [`end_old_credentials`]), as
    /// do the confirmation links mailed to the old address; and `notice` is
    /// queued. All or nothing.
    pub fn apply_email_change(
        &mut self,
        token: &OneTimeToken,
        old_email: &str,
        notice: &Mail,
        now: u64,
    ) -> Result<ConsumeOutcome, StoreError> {
        self.write("changing an address", |tx| {
            let Some(row) = lookup(tx, token, now)? else {
                return Ok(ConsumeOutcome::Invalid);
            };
            let new_key = row.new_email_key.as_str();
            let (current, current_key, taken) = address_and_competitor(tx, row.user_id, new_key)?;
            if row.used {
                // A second click (or a mail scanner's) on a link that worked.
                return Ok(if current_key == new_key {
                    ConsumeOutcome::AlreadyConfirmed
                } else {
                    ConsumeOutcome::Invalid
                });
            }
            if current != old_email || taken {
                return Ok(ConsumeOutcome::Invalid);
            }
            tx.prepare_cached(
                "UPDATE users SET email = ?2, email_key = ?3, is_email_confirmed = 1 WHERE id = ?1",
            )?
            .execute(params![row.user_id, row.new_email, new_key])?;
            tx.prepare_cached("UPDATE email_changes SET used_at = ?2 WHERE token_hash = ?1")?
                .execute(params![&token.hash()[..], now as i64])?;
            tx.prepare_cached(
                "DELETE FROM one_time_tokens WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL",
            )?
            .execute(params![row.user_id, Purpose::ConfirmEmail.as_str()])?;
            end_old_credentials(tx, row.user_id, now)?;
            outbox::enqueue(tx, notice, now)?;
            Ok(ConsumeOutcome::Confirmed)
        })
    }
}

/// Deletes the user's unused address changes (used ones stay until they
/// expire, so a second click on a spent link still finds it spent).
fn void_pending(tx: &Transaction<'_>, user_id: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM email_changes WHERE user_id = ?1 AND used_at IS NULL")?
        .execute([user_id])
        .map(drop)
}

/// The user's address and its key now, and whether another user has
/// `new_key`.
fn address_and_competitor(
    tx: &Transaction<'_>,
    user_id: i64,
    new_key: &str,
) -> rusqlite::Result<(String, String, bool)> {
    tx.prepare_cached(
        "SELECT email, email_key, \
         EXISTS (SELECT 1 FROM users o WHERE o.email_key = ?2 AND o.id <> ?1) \
         FROM users WHERE id = ?1",
    )?
    .query_row(params![user_id, new_key], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}

/// The change's row, if it exists, has not expired and its user is active:
/// an inactive user's link answers like an unknown one.
fn lookup(
    conn: &rusqlite::Connection,
    token: &OneTimeToken,
    now: u64,
) -> rusqlite::Result<Option<EmailChangeRow>> {
    conn.prepare_cached(
        "SELECT c.user_id, c.new_email, c.new_email_key, c.used_at IS NOT NULL FROM email_changes c \
         JOIN users u ON u.id = c.user_id \
         WHERE c.token_hash = ?1 AND c.expires_at > ?2 AND u.is_active",
    )?
    .query_row(params![&token.hash()[..], now as i64], |row| {
        Ok(EmailChangeRow {
            user_id: row.get(0)?,
            new_email: row.get(1)?,
            new_email_key: row.get(2)?,
            used: row.get(3)?,
        })
    })
    .optional()
}

#[cfg(test)]
mod tests;
