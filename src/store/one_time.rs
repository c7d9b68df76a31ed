//! One-time tokens (email confirmation, password reset) and the changes
//! they authorise.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Context, Store, StoreError, end_old_credentials, outbox, users::insert_one_time};
use crate::domain::mail::Mail;
use crate::domain::one_time::{OneTimeToken, Purpose};

/// A stored one-time token that has not expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeRow {
    pub user_id: i64,
    pub used: bool,
    pub user_email_confirmed: bool,
}

/// What following a confirmation link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeOutcome {
    /// The token was fresh: the address is now confirmed.
    Confirmed,
    /// The token was already used and the address is confirmed (a mail
    /// scanner or a second click got there first).
    AlreadyConfirmed,
    /// Unknown, expired, superseded, or of another purpose.
    Invalid,
}

impl Store {
    /// The token's row if it exists, has this purpose and has not expired.
    pub fn one_time_row(
        &self,
        token: &OneTimeToken,
        purpose: Purpose,
        now: u64,
    ) -> Result<Option<OneTimeRow>, StoreError> {
        lookup(&self.conn, token.hash(), purpose, now).context("reading a one-time token")
    }

    /// Spends a confirmation token and confirms its user's address.
    pub fn consume_confirmation(
        &mut self,
        token: &OneTimeToken,
        now: u64,
    ) -> Result<ConsumeOutcome, StoreError> {
        self.consume_confirmation_hash(token.hash(), now)
    }

    /// [`Store::consume_confirmation`] for the token with this hash (one a
    /// mailed code pointed to).
    pub fn consume_confirmation_hash(
        &mut self,
        token: &[u8; 32],
        now: u64,
    ) -> Result<ConsumeOutcome, StoreError> {
        self.write("confirming an address", |tx| {
            let Some(row) = lookup(tx, token, Purpose::ConfirmEmail, now)? else {
                return Ok(ConsumeOutcome::Invalid);
            };
            if row.used {
                return Ok(if row.user_email_confirmed {
                    ConsumeOutcome::AlreadyConfirmed
                } else {
                    ConsumeOutcome::Invalid
                });
            }
            mark_used(tx, token, now)?;
            tx.prepare_cached("UPDATE users SET is_email_confirmed = 1 WHERE id = ?1")?
                .execute([row.user_id])?;
            Ok(ConsumeOutcome::Confirmed)
        })
    }

    /// Stores a new token for the user, retiring their unused tokens of the
    /// same purpose (older links stop working), and queues its mail.
    pub fn issue_one_time(
        &mut self,
        user_id: i64,
        purpose: Purpose,
        token: &OneTimeToken,
        expires_at: u64,
        mail: &Mail,
        now: u64,
    ) -> Result<(), StoreError> {
        self.write("issuing a one-time token", |tx| {
            tx.prepare_cached("DELETE FROM one_time_tokens WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL")?
                .execute(params![user_id, purpose.as_str()])?;
            insert_one_time(tx, token, user_id, purpose, expires_at)?;
            outbox::enqueue(tx, mail, now)
        })
    }

    /// Spends a reset token and sets the new password: every login and every
    /// other pending reset link ends, the address counts as confirmed (the
    /// mail reached it). Returns whether the token was still valid; if not,
    /// nothing changed.
    pub fn reset_password(
        &mut self,
        token: &OneTimeToken,
        new_hash: &str,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.reset_password_hash(token.hash(), new_hash, None, now)
    }

    /// [`Store::reset_password`] for the token with this hash, queueing
    /// `notice` (the "password changed" mail) in the same transaction.
    pub fn reset_password_hash(
        &mut self,
        token: &[u8; 32],
        new_hash: &str,
        notice: Option<&Mail>,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.write("resetting a password", |tx| {
            let Some(row) = lookup(tx, token, Purpose::ResetPassword, now)?.filter(|r| !r.used)
            else {
                return Ok(false);
            };
            mark_used(tx, token, now)?;
            tx.prepare_cached(
                "UPDATE users SET password_hash = ?2, is_email_confirmed = 1 WHERE id = ?1",
            )?
            .execute(params![row.user_id, new_hash])?;
            end_old_credentials(tx, row.user_id, now)?;
            if let Some(notice) = notice {
                outbox::enqueue(tx, notice, now)?;
            }
            Ok(true)
        })
    }
}

/// Deletes the user's unused reset links (used ones stay until they expire,
/// so a second click on a spent link still finds it spent).
pub(super) fn void_reset_links(tx: &Transaction<'_>, user_id: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "DELETE FROM one_time_tokens WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL",
    )?
    .execute(params![user_id, Purpose::ResetPassword.as_str()])
    .map(drop)
}

/// The token's row, if it exists, has this purpose and has not expired. A
/// reset token of an inactive user is not found at all: such a user cannot
/// reset, and is told exactly what an unknown token is told.
fn lookup(
    conn: &rusqlite::Connection,
    token: &[u8; 32],
    purpose: Purpose,
    now: u64,
) -> rusqlite::Result<Option<OneTimeRow>> {
    conn.prepare_cached(
        "SELECT t.user_id, t.used_at IS NOT NULL, u.is_email_confirmed FROM one_time_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1 AND t.purpose = ?2 AND t.expires_at > ?3 \
         AND (t.purpose <> ?4 OR u.is_active)",
    )?
    .query_row(
        params![&token[..], purpose.as_str(), now as i64, Purpose::ResetPassword.as_str()],
        |row| {
        Ok(OneTimeRow { user_id: row.get(0)?, used: row.get(1)?, user_email_confirmed: row.get(2)? })
    })
    .optional()
}

fn mark_used(tx: &Transaction<'_>, token: &[u8; 32], now: u64) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE one_time_tokens SET used_at = ?2 WHERE token_hash = ?1")?
        .execute(params![&token[..], now as i64])
        .map(drop)
}

#[cfg(test)]
mod tests;
