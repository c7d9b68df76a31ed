//! The sender's rules, one step at a time, on a real (temporary) store with
//! a scripted transport and the clock passed in.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::*;
use crate::domain::mail::Mail;

/// When the test mail is queued.
const T0: u64 = 1_700_000_000;

/// Answers as scripted (then `Sent`), and remembers which message ids it
/// was asked to send.
#[derive(Default)]
struct Scripted {
    answers: RefCell<VecDeque<SendResult>>,
    sent: RefCell<Vec<i64>>,
}

impl Scripted {
    fn answering(answers: impl IntoIterator<Item = SendResult>) -> Scripted {
        Scripted {
            answers: RefCell::new(answers.into_iter().collect()),
            sent: RefCell::default(),
        }
    }
}

impl Transport for &Scripted {
    fn send(&self, mail: &OutboxRow, _from: &str) -> SendResult {
        self.sent.borrow_mut().push(mail.id);
        self.answers
            .borrow_mut()
            .pop_front()
            .unwrap_or(SendResult::Sent)
    }
}

fn temp_store() -> Store {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "accounts-sender-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = Store::open(&dir.join("test.db")).unwrap();
    store.migrate().unwrap();
    store
}

fn mail(to: &str) -> Mail {
    Mail {
        kind: "confirm_email",
        to: to.into(),
        subject: "Confirm".into(),
        text: "a link".into(),
        html: None,
    }
}

/// A sender over a store holding one message queued at `T0`.
fn sender_with_one_mail(transport: &Scripted) -> Sender<&Scripted> {
    let mut store = temp_store();
    store.queue_mail(&mail("a@example.com"), T0).unwrap();
    Sender::new(store, transport, "from@example.com".into())
}

fn retry() -> SendResult {
    SendResult::Retry("provider answered 503".into())
}

#[test]
fn a_delivered_message_is_recorded_and_not_sent_again() {
    let transport = Scripted::default();
    let mut sender = sender_with_one_mail(&transport);

    assert_eq!(sender.deliver_one_due(T0).unwrap(), Step::Sent);
    assert_eq!(sender.deliver_one_due(T0 + 3600).unwrap(), Step::Empty);
    assert_eq!(transport.sent.borrow().len(), 1);
}

#[test]
fn a_temporary_failure_waits_one_second_then_two_then_four() {
    let transport = Scripted::answering([retry(), retry(), retry()]);
    let mut sender = sender_with_one_mail(&transport);

    let mut now = T0;
    assert_eq!(sender.deliver_one_due(now).unwrap(), Step::Retry);
    for delay in [1, 2, 4] {
        assert_eq!(
            sender.deliver_one_due(now + delay - 1).unwrap(),
            Step::Empty,
            "not due {} s after an attempt that set a backoff of {delay} s",
            delay - 1
        );
        now += delay;
        assert_ne!(
            sender.deliver_one_due(now).unwrap(),
            Step::Empty,
            "due {delay} s after the attempt"
        );
    }
    assert_eq!(transport.sent.borrow().len(), 4);
}

#[test]
fn a_message_still_failing_just_under_a_day_after_it_was_queued_is_retried() {
    let transport = Scripted::answering([retry()]);
    let mut sender = sender_with_one_mail(&transport);

    let just_under_a_day = T0 + GIVE_UP_AFTER_SECS - 1;
    assert_eq!(
        sender.deliver_one_due(just_under_a_day).unwrap(),
        Step::Retry
    );
}

#[test]
fn a_message_still_failing_a_day_after_it_was_queued_is_abandoned() {
    let transport = Scripted::answering([retry()]);
    let mut sender = sender_with_one_mail(&transport);

    let a_day_later = T0 + GIVE_UP_AFTER_SECS;
    assert_eq!(sender.deliver_one_due(a_day_later).unwrap(), Step::Failed);
    assert_eq!(
        sender.deliver_one_due(a_day_later + 3600).unwrap(),
        Step::Empty
    );
    assert_eq!(transport.sent.borrow().len(), 1);
}

#[test]
fn a_permanent_refusal_abandons_the_message_at_once() {
    let transport = Scripted::answering([SendResult::Permanent("422".into())]);
    let mut sender = sender_with_one_mail(&transport);

    assert_eq!(sender.deliver_one_due(T0).unwrap(), Step::Failed);
    assert_eq!(sender.deliver_one_due(T0 + 3600).unwrap(), Step::Empty);
}

#[test]
fn a_delivery_that_cannot_be_recorded_is_not_sent_again() {
    let transport = Scripted::default();
    let mut sender = sender_with_one_mail(&transport);
    sender.store.refuse_writes(true);

    assert!(sender.deliver_one_due(T0).is_err());
    assert!(sender.deliver_one_due(T0 + 10).is_err());
    assert_eq!(transport.sent.borrow().len(), 1, "sent once, not again");

    sender.store.refuse_writes(false);
    assert_eq!(sender.deliver_one_due(T0 + 20).unwrap(), Step::Empty);
    assert_eq!(transport.sent.borrow().len(), 1);
    assert_eq!(sender.store.next_mail_due_at().unwrap(), None, "recorded");
}

#[test]
fn nothing_else_is_sent_while_an_outcome_cannot_be_recorded() {
    let transport = Scripted::default();
    let mut sender = sender_with_one_mail(&transport);
    sender.store.queue_mail(&mail("b@example.com"), T0).unwrap();
    sender.store.refuse_writes(true);

    assert!(sender.deliver_one_due(T0).is_err());
    assert!(sender.deliver_one_due(T0 + 10).is_err());
    assert_eq!(transport.sent.borrow().len(), 1);

    sender.store.refuse_writes(false);
    assert_eq!(sender.deliver_one_due(T0 + 20).unwrap(), Step::Sent);
    let sent = transport.sent.borrow();
    assert_eq!(sent.len(), 2);
    assert_ne!(sent[0], sent[1], "the second message, not the first again");
}

#[test]
fn a_retry_that_cannot_be_recorded_is_recorded_with_its_backoff_later() {
    let transport = Scripted::answering([retry()]);
    let mut sender = sender_with_one_mail(&transport);
    sender.store.refuse_writes(true);
    assert!(sender.deliver_one_due(T0).is_err());

    sender.store.refuse_writes(false);
    assert_eq!(sender.deliver_one_due(T0).unwrap(), Step::Empty);
    assert_eq!(sender.store.next_mail_due_at().unwrap(), Some(T0 + 1));
    assert_eq!(transport.sent.borrow().len(), 1);
}

#[test]
fn backoff_doubles_up_to_five_minutes() {
    assert_eq!([0, 1, 2, 3].map(backoff), [1, 2, 4, 8]);
    assert_eq!(backoff(8), 256);
    assert_eq!(backoff(9), 300);
    assert_eq!(backoff(u32::MAX), 300);
}

#[test]
fn after_storage_errors_the_loop_waits_one_second_doubling_up_to_a_minute() {
    let secs = |failures| store_backoff(failures).as_secs();
    assert_eq!([0, 1, 2, 5].map(secs), [1, 2, 4, 32]);
    assert_eq!(secs(6), 60);
    assert_eq!(secs(u32::MAX), 60);
}

#[test]
fn an_idle_sender_sleeps_until_the_next_message_is_due_within_bounds() {
    let secs = |next, now| wait_until_due(next, now).as_secs();
    assert_eq!(secs(Some(T0 + 5), T0), 5, "due in 5 s");
    assert_eq!(secs(Some(T0), T0), 1, "due now: at least a second");
    assert_eq!(secs(Some(T0 - 3), T0), 1, "overdue: at least a second");
    assert_eq!(secs(Some(T0 + 3600), T0), 30, "far off: the idle poll");
    assert_eq!(secs(None, T0), 30, "nothing queued: the idle poll");
}

#[test]
fn after_an_attempt_the_loop_goes_on_at_once() {
    let transport = Scripted::answering([retry()]);
    let mut sender = sender_with_one_mail(&transport);

    assert_eq!(sender.turn(T0), Duration::ZERO, "after a retry");
    assert_eq!(sender.turn(T0 + 1), Duration::ZERO, "after a delivery");
}

#[test]
fn with_nothing_due_the_loop_pauses_until_the_next_message_is_due() {
    let transport = Scripted::default();
    let mut sender = sender_with_one_mail(&transport);

    assert_eq!(sender.turn(T0 - 5), Duration::from_secs(5));
    assert!(transport.sent.borrow().is_empty());
}

#[test]
fn storage_errors_in_a_row_pause_the_loop_longer_each_time_until_a_write_works() {
    let transport = Scripted::default();
    let mut sender = sender_with_one_mail(&transport);
    sender.store.refuse_writes(true);

    let pauses = [T0, T0 + 1, T0 + 3].map(|now| sender.turn(now).as_secs());
    assert_eq!(pauses, [1, 2, 4]);

    sender.store.refuse_writes(false);
    assert_eq!(sender.turn(T0 + 7), IDLE_POLL, "recorded; nothing else due");

    sender
        .store
        .queue_mail(&mail("b@example.com"), T0 + 7)
        .unwrap();
    sender.store.refuse_writes(true);
    assert_eq!(sender.turn(T0 + 7).as_secs(), 1, "the count starts again");
}

/// Long enough to tell a wait from no wait, short enough for a unit test.
const SHORT: Duration = Duration::from_millis(200);
/// A wait that a wake-up must end before its timeout.
const LONG: Duration = Duration::from_secs(10);

#[test]
fn a_wait_without_a_wake_up_lasts_its_timeout() {
    let waker = MailWaker::default();
    let start = Instant::now();
    waker.wait(SHORT);
    assert!(
        start.elapsed() >= SHORT,
        "returned after {:?}",
        start.elapsed()
    );
}

#[test]
fn a_wake_up_ends_a_wait_and_is_used_up_by_it() {
    let waker = MailWaker::default();
    let other = waker.clone();
    let woke = thread::spawn(move || other.wake());
    let start = Instant::now();
    waker.wait(LONG);
    assert!(start.elapsed() < LONG, "the wake-up ended the wait");
    woke.join().unwrap();

    let start = Instant::now();
    waker.wait(SHORT);
    assert!(
        start.elapsed() >= SHORT,
        "a second wait is not ended by the same wake-up"
    );
}

#[test]
fn attempts_are_counted_by_result_and_an_empty_outbox_counts_nothing() {
    let transport = Scripted::answering([retry(), SendResult::Permanent("422".into())]);
    let counts = Arc::new(DeliveryCounts::default());
    let mut store = temp_store();
    store.queue_mail(&mail("a@example.com"), T0).unwrap();
    store.queue_mail(&mail("b@example.com"), T0).unwrap();
    let mut sender =
        Sender::new(store, &transport, "from@example.com".into()).counting_in(Arc::clone(&counts));

    assert_eq!(sender.deliver_one_due(T0).unwrap(), Step::Retry);
    assert_eq!(sender.deliver_one_due(T0).unwrap(), Step::Failed);
    assert_eq!(sender.deliver_one_due(T0).unwrap(), Step::Empty);
    assert_eq!(sender.deliver_one_due(T0 + 1).unwrap(), Step::Sent);

    assert_eq!(
        counts.by_result(),
        [("sent", 1), ("retry", 1), ("failed", 1)]
    );
}
