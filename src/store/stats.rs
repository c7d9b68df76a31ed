//! Counts the metrics listener reads at each scrape: the outbox's backlog
//! and the logins still alive. Each is one indexed or small query, run on
//! the metrics thread's own connection, never on a request's path.

use rusqlite::params;

use super::{Context, Store, StoreError};

/// The state of the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxStats {
    /// Messages neither delivered nor given up.
    pub pending: u64,
    /// Messages given up for good.
    pub failed: u64,
    /// When the oldest pending message was written (Unix seconds).
    pub oldest_pending_since: Option<u64>,
}

impl Store {
    pub fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let (pending, oldest): (i64, Option<i64>) = self
            .conn
            .prepare_cached(
                "SELECT count(*), min(created_at) FROM outbox \
                 WHERE sent_at IS NULL AND failed_at IS NULL",
            )
            .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))))
            .context("counting the pending mail")?;
        let failed: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .context("counting the undeliverable mail")?;
        Ok(OutboxStats {
            pending: pending.max(0) as u64,
            failed: failed.max(0) as u64,
            oldest_pending_since: oldest.map(|t| t.max(0) as u64),
        })
    }

    /// Logins neither ended nor expired at `now`.
    pub fn live_sessions(&self, now: u64) -> Result<u64, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > ?1",
            )
            .and_then(|mut s| s.query_row(params![now as i64], |r| r.get::<_, i64>(0)))
            .map(|n| n.max(0) as u64)
            .context("counting the live sessions")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{add_login, add_user, mail_to, queue, temp_store};

    #[test]
    fn the_outbox_counts_pending_and_failed_messages_and_the_oldest_pending() {
        let mut store = temp_store();
        let sent = queue(&mut store, &mail_to("a@example.com"), 100);
        let failed = queue(&mut store, &mail_to("b@example.com"), 200);
        queue(&mut store, &mail_to("c@example.com"), 300);
        queue(&mut store, &mail_to("d@example.com"), 400);
        store.mark_mail_sent(sent, 500).unwrap();
        store.mark_mail_failed(failed, 500, "refused").unwrap();
        let stats = store.outbox_stats().unwrap();
        assert_eq!((stats.pending, stats.failed), (2, 1));
        assert_eq!(stats.oldest_pending_since, Some(300));
    }

    #[test]
    fn an_empty_outbox_has_no_oldest_message() {
        let store = temp_store();
        let stats = store.outbox_stats().unwrap();
        assert_eq!((stats.pending, stats.failed), (0, 0));
        assert_eq!(stats.oldest_pending_since, None);
    }

    #[test]
    fn ended_and_expired_logins_are_not_live() {
        let mut store = temp_store();
        let id = add_user(&mut store, "a@example.com");
        add_login(&mut store, id, "0000000000000001", None);
        add_login(&mut store, id, "0000000000000002", None);
        add_login(&mut store, id, "0000000000000003", None);
        store
            .revoke_family(id, "0000000000000002", 10_000, 50)
            .unwrap();
        let live = store.live_sessions(60).unwrap();
        assert_eq!(live, 2, "the revoked login is not live");
        assert_eq!(store.live_sessions(u64::MAX / 4).unwrap(), 0, "all expired");
    }
}
