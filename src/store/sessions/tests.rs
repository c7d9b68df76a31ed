//! The contract of each login and refresh-token query, on a temporary
//! database.

use super::*;
use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::store::test_support::{
    TempStore, add_login, add_user, column, count, mail_to, temp_store,
};

const FAMILY: &str = "00000000000000aa";
const OTHER_FAMILY: &str = "00000000000000bb";

/// A store with one user; returns both.
fn store_with_user() -> (TempStore, i64) {
    let mut store = temp_store();
    let id = add_user(&mut store, "alice@example.com");
    (store, id)
}

fn unspent() -> Option<RefreshRow> {
    Some(RefreshRow {
        spent_at: None,
        family_revoked: false,
    })
}

fn spent_at(when: u64) -> Option<RefreshRow> {
    Some(RefreshRow {
        spent_at: Some(when),
        family_revoked: false,
    })
}

fn session_column(store: &Store, column_name: &str, family: &str) -> Option<i64> {
    column(
        store,
        &format!("SELECT {column_name} FROM sessions WHERE family = ?1"),
        [family],
    )
}

#[test]
fn create_session_records_the_login_and_its_first_refresh_token() {
    let (mut store, id) = store_with_user();

    add_login(&mut store, id, FAMILY, Some("jti-1"));

    assert_eq!(store.refresh_row("jti-1").unwrap(), unspent());
    assert!(!store.family_revoked(FAMILY).unwrap());
}

#[test]
fn a_login_without_a_refresh_token_records_only_the_login() {
    let (mut store, id) = store_with_user();

    add_login(&mut store, id, FAMILY, None);

    assert_eq!(count(&store, "sessions"), 1);
    assert_eq!(count(&store, "refresh_tokens"), 0);
}

#[test]
fn nothing_is_known_of_a_token_or_login_never_recorded() {
    let (store, _) = store_with_user();
    assert_eq!(store.refresh_row("imported-jti").unwrap(), None);
    assert!(!store.family_revoked(FAMILY).unwrap());
}

#[test]
fn rotate_refresh_spends_the_old_token_and_records_its_successor() {
    let (mut store, id) = store_with_user();
    add_login(&mut store, id, FAMILY, Some("jti-1"));

    store
        .rotate_refresh(id, FAMILY, ("jti-1", 10_000), ("jti-2", 20_000), 30)
        .unwrap();

    assert_eq!(store.refresh_row("jti-1").unwrap(), spent_at(30));
    assert_eq!(store.refresh_row("jti-2").unwrap(), unspent());
    assert_eq!(session_column(&store, "expires_at", FAMILY), Some(20_000));
}

#[test]
fn a_token_spent_twice_keeps_the_time_of_its_first_spending() {
    let (mut store, id) = store_with_user();
    add_login(&mut store, id, FAMILY, Some("jti-1"));
    store
        .rotate_refresh(id, FAMILY, ("jti-1", 10_000), ("jti-2", 10_000), 30)
        .unwrap();

    store
        .rotate_refresh(id, FAMILY, ("jti-1", 10_000), ("jti-3", 10_000), 40)
        .unwrap();

    assert_eq!(store.refresh_row("jti-1").unwrap(), spent_at(30));
    assert_eq!(store.refresh_row("jti-3").unwrap(), unspent());
}

#[test]
fn rotating_an_imported_token_records_its_login_and_spends_it() {
    let (mut store, id) = store_with_user();

    store
        .rotate_refresh(id, FAMILY, ("imported", 5_000), ("jti-2", 20_000), 30)
        .unwrap();

    assert_eq!(store.refresh_row("imported").unwrap(), spent_at(30));
    assert_eq!(store.refresh_row("jti-2").unwrap(), unspent());
    assert_eq!(session_column(&store, "created_at", FAMILY), Some(30));
}

#[test]
fn rotation_never_shortens_a_login() {
    let (mut store, id) = store_with_user();
    add_login(&mut store, id, FAMILY, Some("jti-1"));

    store
        .rotate_refresh(id, FAMILY, ("jti-1", 10_000), ("jti-2", 500), 30)
        .unwrap();

    assert_eq!(session_column(&store, "expires_at", FAMILY), Some(10_000));
}

#[test]
fn revoke_family_ends_that_login_and_no_other() {
    let (mut store, id) = store_with_user();
    add_login(&mut store, id, FAMILY, Some("jti-1"));
    add_login(&mut store, id, OTHER_FAMILY, Some("jti-2"));

    store.revoke_family(id, FAMILY, 10_000, 50).unwrap();

    assert!(store.family_revoked(FAMILY).unwrap());
    assert!(!store.family_revoked(OTHER_FAMILY).unwrap());
    let revoked = store.refresh_row("jti-1").unwrap().expect("a row");
    assert!(revoked.family_revoked);
    assert_eq!(store.refresh_row("jti-2").unwrap(), unspent());
}

#[test]
fn revoking_a_login_never_recorded_records_it_as_revoked() {
    let (mut store, id) = store_with_user();

    store.revoke_family(id, FAMILY, 10_000, 50).unwrap();

    assert!(store.family_revoked(FAMILY).unwrap());
    assert_eq!(session_column(&store, "expires_at", FAMILY), Some(10_000));
}

#[test]
fn revoking_twice_keeps_the_first_revocation_time() {
    let (mut store, id) = store_with_user();
    store.revoke_family(id, FAMILY, 10_000, 50).unwrap();

    store.revoke_family(id, FAMILY, 10_000, 60).unwrap();

    assert_eq!(session_column(&store, "revoked_at", FAMILY), Some(50));
}

#[test]
fn revoke_all_sessions_ends_every_login_of_the_user_and_no_one_elses() {
    let (mut store, id) = store_with_user();
    let other = add_user(&mut store, "bob@example.com");
    add_login(&mut store, id, FAMILY, None);
    add_login(&mut store, id, OTHER_FAMILY, None);
    add_login(&mut store, other, "00000000000000cc", None);

    store.revoke_all_sessions(id, 50).unwrap();

    assert!(store.family_revoked(FAMILY).unwrap());
    assert!(store.family_revoked(OTHER_FAMILY).unwrap());
    assert!(!store.family_revoked("00000000000000cc").unwrap());
    assert_eq!(
        store.user_by_id(id).unwrap().unwrap().tokens_valid_after,
        50
    );
    assert_eq!(
        store.user_by_id(other).unwrap().unwrap().tokens_valid_after,
        0
    );
}

#[test]
fn the_cut_off_for_older_tokens_never_moves_back() {
    let (mut store, id) = store_with_user();
    store.revoke_all_sessions(id, 50).unwrap();

    store.revoke_all_sessions(id, 40).unwrap();

    assert_eq!(
        store.user_by_id(id).unwrap().unwrap().tokens_valid_after,
        50
    );
}

#[test]
fn replace_password_sets_the_hash_and_ends_every_login_but_the_continuing_one() {
    let (mut store, id) = store_with_user();
    add_login(&mut store, id, FAMILY, Some("jti-1"));
    let continuing = NewSession {
        user_id: id,
        family: OTHER_FAMILY,
        expires_at: 10_000,
        refresh: Some(("jti-2", 10_000)),
        user_agent: None,
        ip: None,
    };

    store
        .replace_password(id, "new-hash", Some(&continuing), 50)
        .unwrap();

    let user = store.user_by_id(id).unwrap().unwrap();
    assert_eq!(user.password_hash, "new-hash");
    assert_eq!(user.tokens_valid_after, 50);
    assert!(store.family_revoked(FAMILY).unwrap());
    assert!(!store.family_revoked(OTHER_FAMILY).unwrap());
    assert_eq!(store.refresh_row("jti-2").unwrap(), unspent());
}

#[test]
fn replace_password_without_a_continuing_login_records_none() {
    let (mut store, id) = store_with_user();

    store.replace_password(id, "new-hash", None, 50).unwrap();

    assert_eq!(count(&store, "sessions"), 0);
    assert_eq!(
        store.user_by_id(id).unwrap().unwrap().password_hash,
        "new-hash"
    );
}

#[test]
fn replace_password_voids_pending_reset_links() {
    let (mut store, id) = store_with_user();
    let reset = OneTimeToken::generate().unwrap();
    let mail = mail_to("alice@example.com");
    store
        .issue_one_time(id, Purpose::ResetPassword, &reset, 10_000, &mail, 1)
        .unwrap();

    store.replace_password(id, "new-hash", None, 50).unwrap();

    assert_eq!(
        store
            .one_time_row(&reset, Purpose::ResetPassword, 60)
            .unwrap(),
        None
    );
}

#[test]
fn rotating_a_refresh_token_moves_last_used() {
    let (mut store, id) = store_with_user();
    add_login(&mut store, id, FAMILY, Some("jti-1"));

    store
        .rotate_refresh(id, FAMILY, ("jti-1", 10_000), ("jti-2", 10_000), 9)
        .unwrap();

    assert_eq!(session_column(&store, "last_used_at", FAMILY), Some(9));
}
