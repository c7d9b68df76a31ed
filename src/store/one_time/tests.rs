//! The contract of each one-time-token query, on a temporary database.

use super::*;
use crate::store::test_support::{
    TempStore, add_login, add_user, column, count, mail_to, temp_store,
};

/// When the tokens of these tests expire.
const EXPIRES_AT: u64 = 1_000;

fn token() -> OneTimeToken {
    OneTimeToken::generate().unwrap()
}

/// A store with one user; returns both.
fn store_with_user() -> (TempStore, i64) {
    let mut store = temp_store();
    let id = add_user(&mut store, "alice@example.com");
    (store, id)
}

/// Issues a token of `purpose` to the user, expiring at `EXPIRES_AT`.
fn issue(store: &mut Store, user_id: i64, purpose: Purpose) -> OneTimeToken {
    let token = token();
    store
        .issue_one_time(
            user_id,
            purpose,
            &token,
            EXPIRES_AT,
            &mail_to("a@example.com"),
            1,
        )
        .unwrap();
    token
}

fn is_confirmed(store: &Store, user_id: i64) -> bool {
    store
        .user_by_id(user_id)
        .unwrap()
        .unwrap()
        .is_email_confirmed
}

fn password_hash(store: &Store, user_id: i64) -> String {
    store.user_by_id(user_id).unwrap().unwrap().password_hash
}

#[test]
fn one_time_row_finds_a_live_token_of_that_purpose() {
    let (mut store, id) = store_with_user();
    let token = issue(&mut store, id, Purpose::ResetPassword);

    let row = store
        .one_time_row(&token, Purpose::ResetPassword, EXPIRES_AT - 1)
        .unwrap();

    assert_eq!(
        row,
        Some(OneTimeRow {
            user_id: id,
            used: false,
            user_email_confirmed: false
        })
    );
}

#[test]
fn one_time_row_ignores_another_purpose_an_expired_token_and_an_unknown_one() {
    let (mut store, id) = store_with_user();
    let token = issue(&mut store, id, Purpose::ResetPassword);

    let row = |token: &OneTimeToken, purpose, now| store.one_time_row(token, purpose, now).unwrap();

    assert_eq!(
        row(&token, Purpose::ConfirmEmail, 1),
        None,
        "another purpose"
    );
    assert_eq!(
        row(&token, Purpose::ResetPassword, EXPIRES_AT),
        None,
        "expired"
    );
    assert_eq!(
        row(&self::token(), Purpose::ResetPassword, 1),
        None,
        "unknown"
    );
}

#[test]
fn a_confirmation_token_confirms_the_address_once_then_reports_it_confirmed() {
    let (mut store, id) = store_with_user();
    let token = issue(&mut store, id, Purpose::ConfirmEmail);

    assert_eq!(
        store.consume_confirmation(&token, 5).unwrap(),
        ConsumeOutcome::Confirmed
    );
    assert!(is_confirmed(&store, id));
    assert_eq!(
        store.consume_confirmation(&token, 6).unwrap(),
        ConsumeOutcome::AlreadyConfirmed
    );
    let used_at: Option<i64> = column(
        &store,
        "SELECT used_at FROM one_time_tokens WHERE token_hash = ?1",
        [&token.hash()[..]],
    );
    assert_eq!(used_at, Some(5), "spent at the first use");
}

#[test]
fn a_used_confirmation_token_of_an_unconfirmed_address_is_invalid() {
    let (mut store, id) = store_with_user();
    let token = issue(&mut store, id, Purpose::ConfirmEmail);
    store.consume_confirmation(&token, 5).unwrap();
    store
        .conn
        .execute(
            "UPDATE users SET is_email_confirmed = 0 WHERE id = ?1",
            [id],
        )
        .unwrap();

    assert_eq!(
        store.consume_confirmation(&token, 6).unwrap(),
        ConsumeOutcome::Invalid
    );
}

#[test]
fn an_unknown_expired_or_reset_token_confirms_nothing() {
    let (mut store, id) = store_with_user();
    let confirm = issue(&mut store, id, Purpose::ConfirmEmail);
    let reset = issue(&mut store, id, Purpose::ResetPassword);

    for (what, token, now) in [
        ("unknown", &token(), 5),
        ("expired", &confirm, EXPIRES_AT),
        ("a reset token", &reset, 5),
    ] {
        let outcome = store.consume_confirmation(token, now).unwrap();
        assert_eq!(outcome, ConsumeOutcome::Invalid, "{what}");
    }
    assert!(!is_confirmed(&store, id));
}

#[test]
fn issuing_a_token_retires_the_unused_ones_of_that_purpose_only() {
    let (mut store, id) = store_with_user();
    let older_reset = issue(&mut store, id, Purpose::ResetPassword);
    let confirm = issue(&mut store, id, Purpose::ConfirmEmail);

    let newer_reset = issue(&mut store, id, Purpose::ResetPassword);

    let live = |token| {
        store
            .one_time_row(token, Purpose::ResetPassword, 1)
            .unwrap()
    };
    assert_eq!(live(&older_reset), None, "the older link stops working");
    assert!(live(&newer_reset).is_some());
    assert!(
        store
            .one_time_row(&confirm, Purpose::ConfirmEmail, 1)
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_used_token_is_kept_when_a_new_one_is_issued() {
    let (mut store, id) = store_with_user();
    let used = issue(&mut store, id, Purpose::ConfirmEmail);
    store.consume_confirmation(&used, 5).unwrap();

    issue(&mut store, id, Purpose::ConfirmEmail);

    assert_eq!(
        store.consume_confirmation(&used, 6).unwrap(),
        ConsumeOutcome::AlreadyConfirmed
    );
}

#[test]
fn issuing_a_token_queues_its_mail() {
    let (mut store, id) = store_with_user();
    let mail = mail_to("alice@example.com");

    store
        .issue_one_time(id, Purpose::ConfirmEmail, &token(), EXPIRES_AT, &mail, 7)
        .unwrap();

    let queued = store.next_due_mail(7).unwrap().expect("a queued mail");
    assert_eq!(queued.kind, mail.kind);
    assert_eq!(queued.recipient, mail.to);
    assert_eq!(queued.text_body, mail.text);
}

#[test]
fn reset_password_sets_the_hash_confirms_the_address_and_ends_every_login() {
    let (mut store, id) = store_with_user();
    add_login(&mut store, id, "00000000000000aa", Some("jti-1"));
    let token = issue(&mut store, id, Purpose::ResetPassword);

    assert!(store.reset_password(&token, "new-hash", 50).unwrap());

    let user = store.user_by_id(id).unwrap().unwrap();
    assert_eq!(user.password_hash, "new-hash");
    assert!(user.is_email_confirmed, "the mail reached the address");
    assert_eq!(user.tokens_valid_after, 50);
    assert!(store.family_revoked("00000000000000aa").unwrap());
}

#[test]
fn a_reset_token_works_once_and_takes_the_other_reset_links_with_it() {
    let (mut store, id) = store_with_user();
    let token = issue(&mut store, id, Purpose::ResetPassword);
    let sibling = self::token();
    store
        .write("adding a second live reset token", |tx| {
            super::insert_one_time(tx, &sibling, id, Purpose::ResetPassword, EXPIRES_AT)
        })
        .unwrap();
    let confirm = issue(&mut store, id, Purpose::ConfirmEmail);

    assert!(store.reset_password(&token, "new-hash", 50).unwrap());

    assert!(
        !store.reset_password(&token, "other-hash", 51).unwrap(),
        "used"
    );
    assert!(
        !store.reset_password(&sibling, "other-hash", 51).unwrap(),
        "retired"
    );
    assert_eq!(password_hash(&store, id), "new-hash");
    assert!(
        store
            .one_time_row(&confirm, Purpose::ConfirmEmail, 51)
            .unwrap()
            .is_some()
    );
}

#[test]
fn an_unknown_expired_or_confirmation_token_resets_nothing() {
    let (mut store, id) = store_with_user();
    let reset = issue(&mut store, id, Purpose::ResetPassword);
    let confirm = issue(&mut store, id, Purpose::ConfirmEmail);
    add_login(&mut store, id, "00000000000000aa", None);

    for (what, token, now) in [
        ("unknown", &token(), 5),
        ("expired", &reset, EXPIRES_AT),
        ("a confirmation token", &confirm, 5),
    ] {
        assert!(
            !store.reset_password(token, "new-hash", now).unwrap(),
            "{what}"
        );
    }
    assert_eq!(password_hash(&store, id), "hash");
    assert!(!is_confirmed(&store, id));
    assert!(!store.family_revoked("00000000000000aa").unwrap());
    assert_eq!(count(&store, "one_time_tokens"), 2);
}

#[test]
fn the_reset_token_of_an_inactive_user_is_not_found_but_a_confirmation_token_is() {
    let (mut store, id) = store_with_user();
    let confirm = issue(&mut store, id, Purpose::ConfirmEmail);
    let reset = token();
    store
        .write("adding a reset token that deactivation would void", |tx| {
            super::insert_one_time(tx, &reset, id, Purpose::ResetPassword, EXPIRES_AT)
        })
        .unwrap();
    store
        .conn
        .execute("UPDATE users SET is_active = 0 WHERE id = ?1", [id])
        .unwrap();

    assert_eq!(
        store
            .one_time_row(&reset, Purpose::ResetPassword, 1)
            .unwrap(),
        None
    );
    assert!(!store.reset_password(&reset, "new-hash", 1).unwrap());
    assert!(
        store
            .one_time_row(&confirm, Purpose::ConfirmEmail, 1)
            .unwrap()
            .is_some()
    );
}
