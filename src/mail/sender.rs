//! The background thread that empties the outbox.
//!
//! [`Sender::deliver_one_due`] is one step: send the oldest due message and
//! record what happened. [`Sender::turn`] adds how long to pause after it,
//! and [`run_sender`] only repeats turns and sleeps.
//!
//! What happened to an attempt is written to the outbox before anything else
//! is sent. When the store cannot write it (a full disk), the outcome stays
//! in memory, writing it is the first thing every later step tries, and the
//! loop backs off meanwhile: a message the provider accepted is never sent
//! again just because its delivery could not be written down. Only a restart
//! in that state forgets the outcome (delivery is at least once).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::{Provider, SendResult};
use crate::domain::now;
use crate::store::{OutboxRow, Store, StoreError};

/// A message older than this is abandoned: its link has lost its point.
const GIVE_UP_AFTER_SECS: u64 = 86400;
/// Backoff between attempts of one message doubles from 1 s up to this.
const MAX_BACKOFF_SECS: u64 = 300;
/// After a storage error the loop waits 1 s, doubling up to this.
const MAX_STORE_BACKOFF: Duration = Duration::from_secs(60);
/// Even without a wake-up, look at the outbox this often.
const IDLE_POLL: Duration = Duration::from_secs(30);

/// Carries one message to its recipient: the configured provider, or a
/// fake in tests.
pub trait Transport {
    fn send(&self, mail: &OutboxRow, from: &str) -> SendResult;
}

impl Transport for Provider {
    fn send(&self, mail: &OutboxRow, from: &str) -> SendResult {
        Provider::send(self, mail, from)
    }
}

/// Wakes the sender when a handler has committed new mail.
#[derive(Clone, Default)]
pub struct MailWaker(Arc<(Mutex<bool>, Condvar)>);

impl MailWaker {
    pub fn wake(&self) {
        let (flag, cond) = &*self.0;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cond.notify_one();
    }

    /// Sleeps until woken or `timeout` passes. A wake-up that came while
    /// nobody waited ends the next wait at once, and is used up by it.
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

/// Delivery attempts since start, by what came of them, for the metrics.
#[derive(Debug, Default)]
pub struct DeliveryCounts {
    sent: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
}

impl DeliveryCounts {
    fn record(&self, step: Step) {
        let counter = match step {
            Step::Sent => &self.sent,
            Step::Retry => &self.retried,
            Step::Failed => &self.failed,
            Step::Empty => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `(result, attempts)`: `sent`, `retry` (a temporary failure) and
    /// `failed` (given up).
    pub fn by_result(&self) -> [(&'static str, u64); 3] {
        [
            ("sent", self.sent.load(Ordering::Relaxed)),
            ("retry", self.retried.load(Ordering::Relaxed)),
            ("failed", self.failed.load(Ordering::Relaxed)),
        ]
    }
}

/// What the provider's answer means for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Sent,
    Retry {
        next_attempt_at: u64,
        reason: String,
    },
    Failed {
        reason: String,
    },
}

/// One attempt at one message, decided and waiting to be recorded.
#[derive(Debug)]
struct Attempt {
    id: i64,
    kind: String,
    at: u64,
    outcome: Outcome,
}

impl Attempt {
    /// Turns the provider's answer into what to record: a temporary failure
    /// is retried after a backoff until the message is a day old.
    fn judge(mail: &OutboxRow, answer: SendResult, now: u64) -> Attempt {
        let outcome = match answer {
            SendResult::Sent => Outcome::Sent,
            SendResult::Retry(reason)
                if now.saturating_sub(mail.created_at) < GIVE_UP_AFTER_SECS =>
            {
                Outcome::Retry {
                    next_attempt_at: now + backoff(mail.attempts),
                    reason,
                }
            }
            SendResult::Retry(reason) | SendResult::Permanent(reason) => Outcome::Failed { reason },
        };
        Attempt {
            id: mail.id,
            kind: mail.kind.clone(),
            at: now,
            outcome,
        }
    }

    fn record(&self, store: &mut Store) -> Result<(), StoreError> {
        match &self.outcome {
            Outcome::Sent => store.mark_mail_sent(self.id, self.at),
            Outcome::Retry {
                next_attempt_at,
                reason,
            } => store.mark_mail_retry(self.id, *next_attempt_at, reason),
            Outcome::Failed { reason } => store.mark_mail_failed(self.id, self.at, reason),
        }
    }

    fn step(&self) -> Step {
        match self.outcome {
            Outcome::Sent => Step::Sent,
            Outcome::Retry { .. } => Step::Retry,
            Outcome::Failed { .. } => Step::Failed,
        }
    }

    fn log(&self) {
        let (id, kind) = (self.id, &self.kind);
        match &self.outcome {
            Outcome::Sent => log::info!("mail {id} ({kind}) delivered"),
            Outcome::Retry {
                next_attempt_at,
                reason,
            } => log::warn!(
                "mail {id} ({kind}) not delivered, retrying in {}s: {reason}",
                next_attempt_at.saturating_sub(self.at)
            ),
            Outcome::Failed { reason } => log::error!("mail {id} ({kind}) abandoned: {reason}"),
        }
    }
}

/// The outbox's sender: its own store connection, the transport, the
/// outcome of an attempt it could not record yet, and how many storage
/// errors in a row it met.
pub struct Sender<T> {
    store: Store,
    transport: T,
    from: String,
    unrecorded: Option<Attempt>,
    store_failures: u32,
    /// Where attempts are counted, for the metrics.
    counts: Option<Arc<DeliveryCounts>>,
}

impl<T: Transport> Sender<T> {
    pub fn new(store: Store, transport: T, from: String) -> Sender<T> {
        Sender {
            store,
            transport,
            from,
            unrecorded: None,
            store_failures: 0,
            counts: None,
        }
    }

    /// Counts every attempt in `counts`, by result.
    pub fn counting_in(mut self, counts: Arc<DeliveryCounts>) -> Sender<T> {
        self.counts = Some(counts);
        self
    }

    /// One turn of the loop: a delivery step at `now`, and how long to
    /// pause after it. No pause after an attempt (more may be due); until
    /// the next message is due when nothing is; after a storage error, a
    /// backoff that doubles with each error in a row.
    pub fn turn(&mut self, now: u64) -> Duration {
        match self.deliver_one_due(now) {
            Ok(Step::Empty) => {
                self.store_failures = 0;
                self.idle_wait(now)
            }
            Ok(Step::Sent | Step::Retry | Step::Failed) => {
                self.store_failures = 0;
                Duration::ZERO
            }
            Err(e) => {
                let pause = store_backoff(self.store_failures);
                self.store_failures = self.store_failures.saturating_add(1);
                log::error!("mail sender: {e}; trying again in {}s", pause.as_secs());
                pause
            }
        }
    }

    /// Records the outcome a previous step could not, then delivers the
    /// oldest message due at `now`, if any, and records its outcome. On an
    /// error, the outcome not yet written is kept for the next step, and
    /// nothing more is sent until it is written.
    pub fn deliver_one_due(&mut self, now: u64) -> Result<Step, StoreError> {
        if let Some(attempt) = self.unrecorded.take() {
            self.record(attempt)?;
        }
        let Some(mail) = self.store.next_due_mail(now)? else {
            return Ok(Step::Empty);
        };
        let attempt = Attempt::judge(&mail, self.transport.send(&mail, &self.from), now);
        attempt.log();
        let step = attempt.step();
        let recorded = self.record(attempt);
        // Counted once written down (or kept to be), so a scrape that sees
        // the attempt also sees the outbox as it left it.
        if let Some(counts) = &self.counts {
            counts.record(step);
        }
        recorded?;
        Ok(step)
    }

    fn record(&mut self, attempt: Attempt) -> Result<(), StoreError> {
        let recorded = attempt.record(&mut self.store);
        if recorded.is_err() {
            self.unrecorded = Some(attempt);
        }
        recorded
    }

    /// How long to sleep when nothing is due at `now`.
    fn idle_wait(&self, now: u64) -> Duration {
        match self.store.next_mail_due_at() {
            Ok(next_due) => wait_until_due(next_due, now),
            Err(e) => {
                log::error!("mail sender: {e}");
                IDLE_POLL
            }
        }
    }
}

/// Until the next message is due (at least a second, so a message due in
/// the past cannot spin the loop), and never longer than [`IDLE_POLL`].
fn wait_until_due(next_due: Option<u64>, now: u64) -> Duration {
    match next_due {
        Some(due) => Duration::from_secs(due.saturating_sub(now).max(1)).min(IDLE_POLL),
        None => IDLE_POLL,
    }
}

/// The wait before attempt number `attempts + 1` of one message.
fn backoff(attempts: u32) -> u64 {
    1u64.checked_shl(attempts.min(16))
        .unwrap_or(MAX_BACKOFF_SECS)
        .min(MAX_BACKOFF_SECS)
}

/// The wait after `failures` storage errors in a row.
fn store_backoff(failures: u32) -> Duration {
    Duration::from_secs(backoff(failures)).min(MAX_STORE_BACKOFF)
}

/// The sender loop: turn after turn until shutdown, each pause cut short
/// by a handler's wake-up. That includes a storage backoff: the handler has
/// just committed a write, so the store may be writable again.
pub fn run_sender(
    store: Store,
    provider: Provider,
    from: String,
    waker: MailWaker,
    deliveries: Arc<DeliveryCounts>,
    shutdown: Arc<AtomicBool>,
) {
    let mut sender = Sender::new(store, provider, from).counting_in(deliveries);
    while !shutdown.load(Ordering::Relaxed) {
        let pause = sender.turn(now());
        waker.wait(pause);
    }
}

#[cfg(test)]
mod tests;
