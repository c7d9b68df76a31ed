//! What the operator sees and does with the outbox (`accounts mail list`
//! and `accounts mail retry`): metadata only, never a body.

use rusqlite::{OptionalExtension, Row, params};

use super::{Context, Store, StoreError, outbox};
use crate::domain::mail::Mail;

/// How far back `mail list` shows delivered messages.
const RECENT_SECS: u64 = 7 * 86400;
/// The most rows `mail list` shows.
const LIST_LIMIT: i64 = 500;

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    /// Waiting for its first or next attempt.
    Pending,
    Sent,
    /// Given up: a permanent refusal, or a day of temporary ones.
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Pending => "pending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }
}

/// One message as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub state: MailState,
    pub attempts: u32,
    pub created_at: u64,
    /// When it was sent or given up, or when its next attempt is due.
    pub at: u64,
    pub last_error: Option<String>,
}

/// What `mail retry ID` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Due now; the sender takes it on its next round.
    Queued,
    NotFound,
    AlreadySent,
    /// Failed too long ago: its body (and link) is erased.
    BodyErased,
}

fn entry(row: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let sent_at: Option<i64> = row.get(5)?;
    let failed_at: Option<i64> = row.get(6)?;
    let next: i64 = row.get(7)?;
    let (state, at) = match (sent_at, failed_at) {
        (Some(t), _) => (MailState::Sent, t),
        (None, Some(t)) => (MailState::Failed, t),
        (None, None) => (MailState::Pending, next),
    };
    Ok(OutboxEntry {
        id: row.get(0)?,
        kind: row.get(1)?,
        recipient: row.get(2)?,
        attempts: row.get(3)?,
        created_at: row.get::<_, i64>(4)?.max(0) as u64,
        state,
        at: at.max(0) as u64,
        last_error: row.get(8)?,
    })
}

impl Store {
    /// Pending and failed messages, and those delivered in the last week,
    /// newest first.
    pub fn list_mail(&self, now: u64) -> Result<Vec<OutboxEntry>, StoreError> {
        self.conn
            .prepare(
                "SELECT id, kind, recipient, attempts, created_at, sent_at, failed_at, \
                 next_attempt_at, last_error FROM outbox \
                 WHERE sent_at IS NULL OR sent_at >= ?1 ORDER BY id DESC LIMIT ?2",
            )
            .and_then(|mut s| {
                s.query_map(
                    params![now.saturating_sub(RECENT_SECS) as i64, LIST_LIMIT],
                    entry,
                )?
                .collect()
            })
            .context("listing the outbox")
    }

    /// Makes a failed or pending message due now, as a fresh message (the
    /// sender gives it a day of retries again).
    pub fn retry_mail(&mut self, id: i64, now: u64) -> Result<RetryOutcome, StoreError> {
        self.write("queueing a mail again", |tx| {
            let row: Option<(bool, bool)> = tx
                .prepare_cached(
                    "SELECT sent_at IS NOT NULL, text_body IS NOT NULL FROM outbox WHERE id = ?1",
                )?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            Ok(match row {
                None => RetryOutcome::NotFound,
                Some((true, _)) => RetryOutcome::AlreadySent,
                Some((false, false)) => RetryOutcome::BodyErased,
                Some((false, true)) => {
                    tx.execute(
                        "UPDATE outbox SET failed_at = NULL, next_attempt_at = ?2, \
                         created_at = ?2, attempts = 0 WHERE id = ?1",
                        params![id, now as i64],
                    )?;
                    RetryOutcome::Queued
                }
            })
        })
    }

    /// Retries every failed message that still has its body; returns how
    /// many.
    pub fn retry_failed_mail(&mut self, now: u64) -> Result<usize, StoreError> {
        self.write("queueing failed mail again", |tx| {
            tx.execute(
                "UPDATE outbox SET failed_at = NULL, next_attempt_at = ?1, created_at = ?1, \
                 attempts = 0 WHERE failed_at IS NOT NULL AND text_body IS NOT NULL",
                [now as i64],
            )
        })
    }

    /// Queues one mail on its own (`accounts mail test`); returns its id.
    pub fn queue_mail(&mut self, mail: &Mail, now: u64) -> Result<i64, StoreError> {
        self.write("queueing a mail", |tx| {
            outbox::enqueue(tx, mail, now)?;
            Ok(tx.last_insert_rowid())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{mail_to, temp_store};

    #[test]
    fn the_list_shows_state_attempts_and_error_newest_first() {
        let mut store = temp_store();
        let sent = store.queue_mail(&mail_to("a@example.com"), 100).unwrap();
        let failed = store.queue_mail(&mail_to("b@example.com"), 100).unwrap();
        let pending = store.queue_mail(&mail_to("c@example.com"), 100).unwrap();
        store.mark_mail_sent(sent, 110).unwrap();
        store
            .mark_mail_failed(failed, 120, "550 no such user")
            .unwrap();
        let list = store.list_mail(200).unwrap();
        let ids: Vec<i64> = list.iter().map(|e| e.id).collect();
        assert_eq!(ids, [pending, failed, sent]);
        assert_eq!(list[1].state, MailState::Failed);
        assert_eq!(list[1].last_error.as_deref(), Some("550 no such user"));
        assert_eq!((list[1].attempts, list[1].at), (1, 120));
        assert_eq!(list[2].state, MailState::Sent);
        assert_eq!(list[0].state, MailState::Pending);
    }

    #[test]
    fn delivered_mail_older_than_a_week_is_left_out() {
        let mut store = temp_store();
        let id = store.queue_mail(&mail_to("a@example.com"), 100).unwrap();
        store.mark_mail_sent(id, 100).unwrap();
        assert!(store.list_mail(100 + RECENT_SECS + 1).unwrap().is_empty());
    }

    #[test]
    fn a_failed_message_is_queued_again_unless_sent_or_erased() {
        let mut store = temp_store();
        let failed = store.queue_mail(&mail_to("a@example.com"), 100).unwrap();
        store.mark_mail_failed(failed, 120, "401").unwrap();
        assert_eq!(store.retry_mail(failed, 500).unwrap(), RetryOutcome::Queued);
        let due = store.next_due_mail(500).unwrap().expect("due again");
        assert_eq!((due.id, due.attempts), (failed, 0));
        store.mark_mail_sent(failed, 501).unwrap();
        assert_eq!(
            store.retry_mail(failed, 502).unwrap(),
            RetryOutcome::AlreadySent
        );
        assert_eq!(store.retry_mail(999, 502).unwrap(), RetryOutcome::NotFound);
    }

    #[test]
    fn retry_failed_takes_every_failed_message_with_a_body() {
        let mut store = temp_store();
        for to in ["a@example.com", "b@example.com"] {
            let id = store.queue_mail(&mail_to(to), 100).unwrap();
            store.mark_mail_failed(id, 120, "401").unwrap();
        }
        store
            .prune_expired(120 + outbox::FAILED_BODY_KEPT_SECS + 1)
            .unwrap();
        let kept = store.queue_mail(&mail_to("c@example.com"), 100).unwrap();
        store.mark_mail_failed(kept, 90_000, "401").unwrap();
        assert_eq!(store.retry_failed_mail(90_001).unwrap(), 1);
        let erased = store
            .list_mail(90_001)
            .unwrap()
            .into_iter()
            .find(|e| e.recipient == "a@example.com");
        assert_eq!(erased.map(|e| e.state), Some(MailState::Failed));
    }
}
