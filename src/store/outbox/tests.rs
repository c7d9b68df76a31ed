//! The contract of each outbox query, on a temporary database.

use super::*;
use crate::store::test_support::{column, mail_to, queue, temp_store};

/// The stored `text_body` and `last_error` of a message.
fn body_and_error(store: &Store, id: i64) -> (Option<String>, Option<String>) {
    let body = column(store, "SELECT text_body FROM outbox WHERE id = ?1", [id]);
    let error = column(store, "SELECT last_error FROM outbox WHERE id = ?1", [id]);
    (body, error)
}

#[test]
fn nothing_is_due_in_an_empty_outbox() {
    let store = temp_store();
    assert_eq!(store.next_due_mail(u64::MAX >> 1).unwrap(), None);
    assert_eq!(store.next_mail_due_at().unwrap(), None);
}

#[test]
fn a_queued_message_is_due_at_once_with_everything_it_was_given() {
    let mut store = temp_store();
    let mail = mail_to("alice@example.com");
    let id = queue(&mut store, &mail, 100);

    assert_eq!(
        store.next_due_mail(99).unwrap(),
        None,
        "not before it was queued"
    );
    assert_eq!(
        store.next_due_mail(100).unwrap(),
        Some(OutboxRow {
            id,
            kind: mail.kind.to_owned(),
            recipient: mail.to,
            subject: mail.subject,
            text_body: mail.text,
            html_body: mail.html,
            attempts: 0,
            created_at: 100,
        })
    );
    assert_eq!(store.next_mail_due_at().unwrap(), Some(100));
}

#[test]
fn the_message_due_first_is_delivered_first_and_ties_go_by_queue_order() {
    let mut store = temp_store();
    let later = queue(&mut store, &mail_to("later@example.com"), 200);
    let first = queue(&mut store, &mail_to("first@example.com"), 100);
    let second = queue(&mut store, &mail_to("second@example.com"), 100);

    let next = |store: &Store| store.next_due_mail(1_000).unwrap().map(|m| m.id);

    assert_eq!(next(&store), Some(first));
    store.mark_mail_sent(first, 300).unwrap();
    assert_eq!(next(&store), Some(second));
    store.mark_mail_sent(second, 300).unwrap();
    assert_eq!(next(&store), Some(later));
    assert_eq!(store.next_mail_due_at().unwrap(), Some(200));
}

#[test]
fn a_sent_message_is_done_and_its_body_erased() {
    let mut store = temp_store();
    let id = queue(&mut store, &mail_to("alice@example.com"), 100);

    store.mark_mail_sent(id, 150).unwrap();

    assert_eq!(store.next_due_mail(1_000).unwrap(), None);
    assert_eq!(store.next_mail_due_at().unwrap(), None);
    assert_eq!(body_and_error(&store, id), (None, None));
    let sent_at: Option<i64> = column(&store, "SELECT sent_at FROM outbox WHERE id = ?1", [id]);
    assert_eq!(sent_at, Some(150));
}

#[test]
fn a_retried_message_waits_for_its_next_attempt_and_counts_it() {
    let mut store = temp_store();
    let mail = mail_to("alice@example.com");
    let id = queue(&mut store, &mail, 100);

    store
        .mark_mail_retry(id, 160, "provider answered 503")
        .unwrap();

    assert_eq!(store.next_due_mail(159).unwrap(), None);
    assert_eq!(store.next_mail_due_at().unwrap(), Some(160));
    let due = store.next_due_mail(160).unwrap().expect("due again");
    assert_eq!((due.id, due.attempts, due.created_at), (id, 1, 100));
    assert_eq!(
        body_and_error(&store, id),
        (Some(mail.text), Some("provider answered 503".to_owned())),
        "the body is kept for the next attempt"
    );
}

#[test]
fn a_failed_message_is_given_up_with_its_reason_and_its_body_kept_for_a_day() {
    let mut store = temp_store();
    let id = queue(&mut store, &mail_to("alice@example.com"), 100);
    store.mark_mail_retry(id, 160, "timeout").unwrap();

    store
        .mark_mail_failed(id, 170, "provider answered 422")
        .unwrap();

    assert_eq!(store.next_due_mail(u64::MAX >> 1).unwrap(), None);
    assert_eq!(store.next_mail_due_at().unwrap(), None);
    let (body, error) = body_and_error(&store, id);
    assert!(body.is_some(), "kept for a retry by the operator");
    assert_eq!(error.as_deref(), Some("provider answered 422"));
    let attempts: u32 = column(&store, "SELECT attempts FROM outbox WHERE id = ?1", [id]);
    assert_eq!(attempts, 2);
    store
        .prune_expired(170 + FAILED_BODY_KEPT_SECS - 1)
        .unwrap();
    assert!(body_and_error(&store, id).0.is_some(), "kept for a day");
    store
        .prune_expired(170 + FAILED_BODY_KEPT_SECS + 1)
        .unwrap();
    assert_eq!(body_and_error(&store, id).0, None, "erased after a day");
}
