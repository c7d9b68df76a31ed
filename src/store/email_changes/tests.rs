//! The contract of each address-change query, on a temporary database.

use super::*;
use crate::store::test_support::{
    TempStore, add_login, add_user, column, count, mail_to, temp_store,
};

/// When the links of these tests expire.
const EXPIRES_AT: u64 = 1_000;
const OLD: &str = "alice@example.com";
const NEW: &str = "Alice.New@Example.com";

/// A store with one user at [`OLD`]; returns both.
fn store_with_user() -> (TempStore, i64) {
    let mut store = temp_store();
    let id = add_user(&mut store, OLD);
    (store, id)
}

/// Asks for a change of the user's address to `to`; returns the link's token.
fn request(store: &mut Store, user_id: i64, to: &str) -> OneTimeToken {
    let token = OneTimeToken::generate().unwrap();
    let to = Email::parse(to).unwrap();
    store
        .request_email_change(user_id, &to, &token, EXPIRES_AT, &mail_to(to.as_str()), 1)
        .unwrap();
    token
}

fn apply(store: &mut Store, token: &OneTimeToken) -> ConsumeOutcome {
    store
        .apply_email_change(token, OLD, &mail_to(OLD), 2)
        .unwrap()
}

fn address(store: &Store, user_id: i64) -> String {
    store.user_by_id(user_id).unwrap().unwrap().email
}

#[test]
fn a_request_stores_the_change_and_queues_its_mail_without_changing_the_address() {
    let (mut store, id) = store_with_user();
    let token = request(&mut store, id, NEW);

    assert_eq!(
        store.email_change_row(&token, 2).unwrap(),
        Some(EmailChangeRow {
            user_id: id,
            new_email: "Alice.New@example.com".into(),
            new_email_key: "alice.new@example.com".into(),
            used: false,
        })
    );
    assert_eq!(count(&store, "outbox"), 1);
    assert_eq!(address(&store, id), OLD);
}

#[test]
fn a_second_request_replaces_the_first() {
    let (mut store, id) = store_with_user();
    let first = request(&mut store, id, NEW);
    let second = request(&mut store, id, "other@example.com");

    assert_eq!(store.email_change_row(&first, 2).unwrap(), None);
    assert!(store.email_change_row(&second, 2).unwrap().is_some());
    assert_eq!(count(&store, "email_changes"), 1);
}

#[test]
fn an_expired_or_unknown_link_finds_nothing() {
    let (mut store, id) = store_with_user();
    let token = request(&mut store, id, NEW);

    assert_eq!(store.email_change_row(&token, EXPIRES_AT).unwrap(), None);
    let unknown = OneTimeToken::generate().unwrap();
    assert_eq!(store.email_change_row(&unknown, 2).unwrap(), None);
}

#[test]
fn applying_moves_the_account_to_the_new_address_confirmed() {
    let (mut store, id) = store_with_user();
    let token = request(&mut store, id, NEW);

    assert_eq!(apply(&mut store, &token), ConsumeOutcome::Confirmed);

    let user = store.user_by_id(id).unwrap().unwrap();
    assert_eq!(user.email, "Alice.New@example.com");
    assert!(user.is_email_confirmed);
    assert!(
        store
            .user_by_email_key("alice.new@example.com")
            .unwrap()
            .is_some()
    );
    assert!(store.user_by_email_key(OLD).unwrap().is_none());
    assert_eq!(count(&store, "outbox"), 2, "the link and the notice");
}

#[test]
fn applying_ends_every_login_and_voids_reset_and_confirmation_links() {
    let (mut store, id) = store_with_user();
    add_login(&mut store, id, "00000000000000aa", Some("jti-a"));
    for purpose in [Purpose::ResetPassword, Purpose::ConfirmEmail] {
        let link = OneTimeToken::generate().unwrap();
        store
            .issue_one_time(id, purpose, &link, EXPIRES_AT, &mail_to(OLD), 1)
            .unwrap();
    }
    let token = request(&mut store, id, NEW);

    apply(&mut store, &token);

    assert!(store.family_revoked("00000000000000aa").unwrap());
    let valid_after: i64 = column(
        &store,
        "SELECT tokens_valid_after FROM users WHERE id = ?1",
        [id],
    );
    assert_eq!(valid_after, 2);
    assert_eq!(count(&store, "one_time_tokens"), 0);
}

#[test]
fn a_used_link_answers_already_confirmed_and_changes_nothing_more() {
    let (mut store, id) = store_with_user();
    let token = request(&mut store, id, NEW);
    apply(&mut store, &token);

    let again = store
        .apply_email_change(&token, "Alice.New@example.com", &mail_to(OLD), 3)
        .unwrap();

    assert_eq!(again, ConsumeOutcome::AlreadyConfirmed);
    assert_eq!(count(&store, "outbox"), 2, "no second notice");
}

#[test]
fn a_link_whose_address_was_taken_meanwhile_is_invalid_and_changes_nothing() {
    let (mut store, id) = store_with_user();
    let token = request(&mut store, id, NEW);
    add_user(&mut store, "ALICE.NEW@example.com");

    assert_eq!(apply(&mut store, &token), ConsumeOutcome::Invalid);
    assert_eq!(address(&store, id), OLD);
    let unused: bool = column(
        &store,
        "SELECT used_at IS NULL FROM email_changes WHERE user_id = ?1",
        [id],
    );
    assert!(unused);
}

#[test]
fn a_link_is_invalid_once_the_address_it_was_asked_from_changed() {
    let (mut store, id) = store_with_user();
    let token = request(&mut store, id, NEW);

    let outcome = store
        .apply_email_change(&token, "someone.else@example.com", &mail_to(OLD), 2)
        .unwrap();

    assert_eq!(outcome, ConsumeOutcome::Invalid);
    assert_eq!(address(&store, id), OLD);
}

#[test]
fn an_inactive_users_link_is_not_found() {
    let (mut store, id) = store_with_user();
    let token = request(&mut store, id, NEW);
    store.set_active(id, false, 1).unwrap();

    assert_eq!(store.email_change_row(&token, 2).unwrap(), None);
    assert_eq!(apply(&mut store, &token), ConsumeOutcome::Invalid);
}

#[test]
fn deleting_the_user_deletes_their_pending_change() {
    let (mut store, id) = store_with_user();
    request(&mut store, id, NEW);

    store.delete_user(id).unwrap();

    assert_eq!(count(&store, "email_changes"), 0);
}

#[test]
fn pruning_removes_expired_changes() {
    let (mut store, id) = store_with_user();
    request(&mut store, id, NEW);

    store.prune_expired(EXPIRES_AT + 1).unwrap();

    assert_eq!(count(&store, "email_changes"), 0);
}
