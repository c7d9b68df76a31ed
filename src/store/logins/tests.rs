//! The contract of each query behind a user's list of logins, on a
//! temporary database.

use super::*;
use crate::store::NewSession;
use crate::store::test_support::{TempStore, add_login, add_user, column, temp_store};

const FAMILY: &str = "00000000000000aa";
const OTHER_FAMILY: &str = "00000000000000bb";

/// A store with one user; returns both.
fn store_with_user() -> (TempStore, i64) {
    let mut store = temp_store();
    let id = add_user(&mut store, "alice@example.com");
    (store, id)
}

fn session_column(store: &Store, column_name: &str, family: &str) -> Option<i64> {
    column(
        store,
        &format!("SELECT {column_name} FROM sessions WHERE family = ?1"),
        [family],
    )
}

/// Records a login of the user from a phone at 203.0.113.7, started at
/// `now` and live until 10 000.
fn add_phone_login(store: &mut Store, user_id: i64, family: &str, now: u64) {
    let session = NewSession {
        user_id,
        family,
        expires_at: 10_000,
        refresh: None,
        user_agent: Some("Phone/1.0"),
        ip: Some([203, 0, 113, 7].into()),
    };
    store.create_session(&session, now).unwrap();
}

fn families(rows: &[SessionRow]) -> Vec<&str> {
    rows.iter().map(|r| r.family.as_str()).collect()
}

#[test]
fn a_login_records_where_and_when_it_started() {
    let (mut store, id) = store_with_user();

    add_phone_login(&mut store, id, FAMILY, 5);

    assert_eq!(
        store.logins_of(id, 6).unwrap(),
        vec![SessionRow {
            family: FAMILY.into(),
            created_at: 5,
            last_used_at: 5,
            user_agent: Some("Phone/1.0".into()),
            ip: Some("203.0.113.7".into()),
        }]
    );
}

#[test]
fn logins_of_lists_newest_first_without_ended_expired_or_other_users_logins() {
    let (mut store, id) = store_with_user();
    let other = add_user(&mut store, "bob@example.com");
    add_phone_login(&mut store, id, "00000000000000a1", 1);
    add_phone_login(&mut store, id, "00000000000000a2", 3);
    add_phone_login(&mut store, id, "00000000000000a3", 2);
    add_phone_login(&mut store, other, "00000000000000b1", 4);
    add_phone_login(&mut store, id, "00000000000000a4", 4);
    store
        .revoke_family(id, "00000000000000a4", 10_000, 5)
        .unwrap();
    let expired = NewSession {
        user_id: id,
        family: "00000000000000a5",
        expires_at: 6,
        refresh: None,
        user_agent: None,
        ip: None,
    };
    store.create_session(&expired, 5).unwrap();

    let rows = store.logins_of(id, 6).unwrap();

    assert_eq!(
        families(&rows),
        ["00000000000000a2", "00000000000000a3", "00000000000000a1"]
    );
}

#[test]
fn a_login_from_before_version_2_was_last_used_when_it_started() {
    let (mut store, id) = store_with_user();
    add_login(&mut store, id, FAMILY, None);
    store
        .conn
        .execute("UPDATE sessions SET last_used_at = NULL", [])
        .unwrap();

    let rows = store.logins_of(id, 2).unwrap();

    assert_eq!((rows[0].created_at, rows[0].last_used_at), (1, 1));
    assert_eq!(
        (rows[0].user_agent.as_deref(), rows[0].ip.as_deref()),
        (None, None)
    );
}

#[test]
fn touch_session_moves_last_used_of_a_live_login_only() {
    let (mut store, id) = store_with_user();
    add_phone_login(&mut store, id, FAMILY, 1);
    add_phone_login(&mut store, id, OTHER_FAMILY, 1);
    store.revoke_family(id, OTHER_FAMILY, 10_000, 2).unwrap();

    store.touch_session(FAMILY, 7).unwrap();
    store.touch_session(OTHER_FAMILY, 7).unwrap();

    assert_eq!(session_column(&store, "last_used_at", FAMILY), Some(7));
    assert_eq!(
        session_column(&store, "last_used_at", OTHER_FAMILY),
        Some(1)
    );
}

#[test]
fn end_session_ends_a_live_login_of_that_user_and_keeps_it_until_its_tokens_expire() {
    let (mut store, id) = store_with_user();
    add_phone_login(&mut store, id, FAMILY, 1);

    assert!(store.end_session(id, FAMILY, 20_000, 5).unwrap());

    assert!(store.family_revoked(FAMILY).unwrap());
    assert_eq!(session_column(&store, "revoked_at", FAMILY), Some(5));
    assert_eq!(session_column(&store, "expires_at", FAMILY), Some(20_000));
}

#[test]
fn end_session_refuses_another_users_an_ended_an_expired_or_an_unknown_login() {
    let (mut store, id) = store_with_user();
    let other = add_user(&mut store, "bob@example.com");
    add_phone_login(&mut store, id, FAMILY, 1);
    add_phone_login(&mut store, id, OTHER_FAMILY, 1);
    store.revoke_family(id, OTHER_FAMILY, 10_000, 2).unwrap();

    assert!(
        !store.end_session(other, FAMILY, 20_000, 5).unwrap(),
        "another user's"
    );
    assert!(
        !store.end_session(id, OTHER_FAMILY, 20_000, 5).unwrap(),
        "ended"
    );
    assert!(
        !store.end_session(id, FAMILY, 20_000, 10_000).unwrap(),
        "expired"
    );
    assert!(
        !store
            .end_session(id, "00000000000000ff", 20_000, 5)
            .unwrap(),
        "unknown"
    );
    assert!(!store.family_revoked(FAMILY).unwrap());
}

#[test]
fn end_other_sessions_ends_every_live_login_but_the_one_named() {
    let (mut store, id) = store_with_user();
    let other = add_user(&mut store, "bob@example.com");
    add_phone_login(&mut store, id, "00000000000000a1", 1);
    add_phone_login(&mut store, id, "00000000000000a2", 1);
    add_phone_login(&mut store, id, "00000000000000a3", 1);
    add_phone_login(&mut store, other, "00000000000000b1", 1);

    let ended = store
        .end_other_sessions(id, "00000000000000a2", 20_000, 5)
        .unwrap();

    assert_eq!(ended, 2);
    assert_eq!(
        families(&store.logins_of(id, 6).unwrap()),
        ["00000000000000a2"]
    );
    assert!(!store.family_revoked("00000000000000b1").unwrap());
    assert_eq!(
        session_column(&store, "expires_at", "00000000000000a1"),
        Some(20_000)
    );
}
