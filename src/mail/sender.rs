//! The background thread that empties the outbox.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::{Provider, SendResult};
use crate::domain::now;
use crate::store::{Store, StoreError};

/// A message older than this is abandoned: its link has lost its point.
const GIVE_UP_AFTER_SECS: u64 = 86400;
/// Backoff doubles from 1 s up to this.
const MAX_BACKOFF_SECS: u64 = 300;
/// Even without a wake-up, look at the outbox this often.
const IDLE_POLL: Duration = Duration::from_secs(30);

/// Wakes the sender when a handler has committed new mail.
#[derive(Clone, Default)]
pub struct MailWaker(Arc<(Mutex<bool>, Condvar)>);

impl MailWaker {
    pub fn wake(&self) {
        let (flag, cond) = &*self.0;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cond.notify_one();
    }

    /// Sleeps until woken or `timeout` passes.
    fn wait(&self, timeout: Duration) {
        let (flag, cond) = &*self.0;
        let guard = flag.lock().unwrap_or_else(|p| p.into_inner());
        let (mut guard, _) = cond
            .wait_timeout_while(guard, timeout, |woken| !*woken)
            .unwrap_or_else(|p| p.into_inner());
        *guard = false;
    }
}

/// What one delivery step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Sent,
    /// A temporary failure; the message waits for its next attempt.
    Retry,
    /// Given up for good.
    Failed,
    /// Nothing is due.
    Empty,
}

/// Delivers the oldest due message, if any, and records the outcome.
pub fn deliver_one_due(
    store: &mut Store,
    provider: &Provider,
    from: &str,
) -> Result<Step, StoreError> {
    let now = now();
    let Some(mail) = store.next_due_mail(now)? else {
        return Ok(Step::Empty);
    };
    match provider.send(&mail, from) {
        SendResult::Sent => {
            store.mark_mail_sent(mail.id, now)?;
            log::info!("mail {} ({}) delivered", mail.id, mail.kind);
            Ok(Step::Sent)
        }
        SendResult::Retry(reason) if now.saturating_sub(mail.created_at) < GIVE_UP_AFTER_SECS => {
            let delay = backoff(mail.attempts);
            store.mark_mail_retry(mail.id, now + delay, &reason)?;
            log::warn!(
                "mail {} ({}) not delivered, retrying in {delay}s: {reason}",
                mail.id,
                mail.kind
            );
            Ok(Step::Retry)
        }
        SendResult::Retry(reason) | SendResult::Permanent(reason) => {
            store.mark_mail_failed(mail.id, now, &reason)?;
            log::error!("mail {} ({}) abandoned: {reason}", mail.id, mail.kind);
            Ok(Step::Failed)
        }
    }
}

fn backoff(attempts: u32) -> u64 {
    1u64.checked_shl(attempts.min(16))
        .unwrap_or(MAX_BACKOFF_SECS)
        .min(MAX_BACKOFF_SECS)
}

/// The sender loop: deliver while anything is due, else sleep until the next
/// message is due, a handler wakes us, or shutdown.
pub fn run_sender(
    mut store: Store,
    provider: Provider,
    from: String,
    waker: MailWaker,
    shutdown: Arc<AtomicBool>,
) {
    while !shutdown.load(Ordering::Relaxed) {
        match deliver_one_due(&mut store, &provider, &from) {
            Ok(Step::Sent | Step::Retry | Step::Failed) => continue,
            Ok(Step::Empty) => {
                let wait = match store.next_mail_due_at() {
                    Ok(Some(due)) => {
                        Duration::from_secs(due.saturating_sub(now()).max(1)).min(IDLE_POLL)
                    }
                    Ok(None) => IDLE_POLL,
                    Err(e) => {
                        log::error!("{e}");
                        IDLE_POLL
                    }
                };
                waker.wait(wait);
            }
            Err(e) => {
                log::error!("mail sender: {e}");
                waker.wait(Duration::from_secs(1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!([0, 1, 2, 3].map(backoff), [1, 2, 4, 8]);
        assert_eq!(backoff(9), 300);
        assert_eq!(backoff(u32::MAX), 300);
    }
}
