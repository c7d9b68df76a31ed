//! The outbox: mail written with the change that causes it, delivered later.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Context, Store, StoreError};
use crate::domain::mail::Mail;

/// How long a failed message keeps its body for a retry by the operator:
/// as long as the sender keeps retrying a temporary failure.
pub const FAILED_BODY_KEPT_SECS: u64 = 86400;

/// A message due for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    pub attempts: u32,
    pub created_at: u64,
}

pub(super) fn enqueue(tx: &Transaction<'_>, mail: &Mail, now: u64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO outbox (kind, recipient, subject, text_body, html_body, created_at, \
         next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        mail.kind,
        mail.to,
        mail.subject,
        mail.text,
        mail.html,
        now as i64
    ])
    .map(drop)
}

impl Store {
    /// The oldest message whose next attempt is due.
    pub fn next_due_mail(&self, now: u64) -> Result<Option<OutboxRow>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT id, kind, recipient, subject, text_body, html_body, attempts, created_at FROM outbox \
                 WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?1 \
                 ORDER BY next_attempt_at, id LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row([now as i64], |r| {
                    Ok(OutboxRow {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        recipient: r.get(2)?,
                        subject: r.get(3)?,
                        text_body: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                        html_body: r.get(5)?,
                        attempts: r.get(6)?,
                        created_at: r.get::<_, i64>(7)?.max(0) as u64,
                    })
                })
                .optional()
            })
            .context("reading the next due mail")
    }

    /// When the earliest pending message is due, if any.
    pub fn next_mail_due_at(&self) -> Result<Option<u64>, StoreError> {
        self.conn
            .prepare_cached("SELECT min(next_attempt_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, Option<i64>>(0)))
            .map(|t| t.map(|t| t.max(0) as u64))
            .context("reading when the next mail is due")
    }

    /// Delivered: the body (which holds a one-time link) is erased.
    pub fn mark_mail_sent(&mut self, id: i64, now: u64) -> Result<(), StoreError> {
        self.write("recording a delivered mail", |tx| {
            tx.execute(
                "UPDATE outbox SET sent_at = ?2, text_body = NULL, html_body = NULL, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
                params![id, now as i64],
            )
            .map(drop)
        })
    }

    /// A temporary failure: try again at `next_attempt_at`.
    pub fn mark_mail_retry(
        &mut self,
        id: i64,
        next_attempt_at: u64,
        error: &str,
    ) -> Result<(), StoreError> {
        self.write("scheduling a mail retry", |tx| {
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
                params![id, next_attempt_at as i64, error],
            )
            .map(drop)
        })
    }

    /// A permanent failure: given up, reason kept. The body stays for
    /// [`FAILED_BODY_KEPT_SECS`], so that `accounts mail retry` can send it
    /// once the cause is fixed; the pruner erases it after that.
    pub fn mark_mail_failed(&mut self, id: i64, now: u64, error: &str) -> Result<(), StoreError> {
        self.write("recording an undeliverable mail", |tx| {
            tx.execute(
                "UPDATE outbox SET failed_at = ?2, attempts = attempts + 1, last_error = ?3 WHERE id = ?1",
                params![id, now as i64, error],
            )
            .map(drop)
        })
    }
}

#[cfg(test)]
mod tests;
