//! The contract of each `users` query, on a temporary database.

use super::*;
use crate::domain::mail::Mail;
use crate::store::test_support::{add_login, add_user, column, count, mail_to, temp_store};

fn email(raw: &str) -> Email {
    Email::parse(raw).expect("a valid test address")
}

fn username(raw: &str) -> Username {
    Username::parse(raw).expect("a valid test username")
}

fn new_user<'a>(email: &'a Email, username: Option<&'a Username>) -> NewUser<'a> {
    NewUser {
        email,
        username,
        password_hash: "hash",
        is_email_confirmed: false,
        locale: None,
    }
}

/// Inserts a user with a username; returns the id.
fn add_named_user(store: &mut Store, address: &str, name: &str) -> i64 {
    let (address, name) = (email(address), username(name));
    match store
        .insert_user(&new_user(&address, Some(&name)), None, 1)
        .unwrap()
    {
        RegisterOutcome::Created(user) => user.id,
        RegisterOutcome::Taken { .. } => panic!("{address} or {name} is taken"),
    }
}

fn taken_flags(outcome: RegisterOutcome) -> (bool, bool) {
    match outcome {
        RegisterOutcome::Taken { email, username } => (email, username),
        RegisterOutcome::Created(user) => panic!("{} was created", user.email),
    }
}

fn confirmation(to: &str) -> (OneTimeToken, Mail) {
    (OneTimeToken::generate().unwrap(), mail_to(to))
}

#[test]
fn insert_user_returns_the_user_as_stored() {
    let mut store = temp_store();
    let (address, name) = (email("Alice@Example.COM"), username("Alice"));
    let new = NewUser {
        is_email_confirmed: true,
        locale: None,
        ..new_user(&address, Some(&name))
    };

    let RegisterOutcome::Created(created) = store.insert_user(&new, None, 5).unwrap() else {
        panic!("not created");
    };

    assert_eq!(created.email, "Alice@example.com");
    assert_eq!(created.username.as_deref(), Some("Alice"));
    assert_eq!(created.password_hash, "hash");
    assert!(created.is_email_confirmed && created.is_active);
    assert_eq!(created.tokens_valid_after, 0);
    assert_eq!(store.user_by_id(created.id).unwrap(), Some(created));
}

#[test]
fn user_by_id_is_none_for_an_unknown_id() {
    let mut store = temp_store();
    let id = add_user(&mut store, "a@example.com");
    assert_eq!(store.user_by_id(id + 1).unwrap(), None);
}

#[test]
fn insert_user_reports_what_is_taken_and_inserts_nothing() {
    let mut store = temp_store();
    add_named_user(&mut store, "alice@example.com", "alice");
    let (same_address, other_address) = (email("ALICE@example.com"), email("bob@example.com"));
    let (same_name, other_name) = (username("ALICE"), username("bob"));

    for (address, name, expected) in [
        (&same_address, &other_name, (true, false)),
        (&other_address, &same_name, (false, true)),
        (&same_address, &same_name, (true, true)),
    ] {
        let outcome = store
            .insert_user(&new_user(address, Some(name)), None, 1)
            .unwrap();
        assert_eq!(taken_flags(outcome), expected, "{address} {name}");
    }
    assert_eq!(count(&store, "users"), 1);
}

#[test]
fn insert_user_with_a_confirmation_stores_its_token_and_queues_its_mail() {
    let mut store = temp_store();
    let address = email("alice@example.com");
    let (token, mail) = confirmation("alice@example.com");

    let outcome = store
        .insert_user(&new_user(&address, None), Some((&token, 100, &mail)), 10)
        .unwrap();

    let RegisterOutcome::Created(user) = outcome else {
        panic!("not created");
    };
    let row = store
        .one_time_row(&token, Purpose::ConfirmEmail, 99)
        .unwrap();
    assert_eq!(row.map(|r| r.user_id), Some(user.id));
    let queued = store.next_due_mail(10).unwrap().expect("a queued mail");
    assert_eq!((queued.recipient, queued.created_at), (mail.to, 10));
}

#[test]
fn insert_user_without_a_confirmation_stores_no_token_and_no_mail() {
    let mut store = temp_store();
    add_user(&mut store, "alice@example.com");
    assert_eq!(count(&store, "one_time_tokens"), 0);
    assert_eq!(count(&store, "outbox"), 0);
}

#[test]
fn a_taken_registration_stores_no_token_and_queues_no_mail() {
    let mut store = temp_store();
    add_user(&mut store, "alice@example.com");
    let address = email("alice@example.com");
    let (token, mail) = confirmation("alice@example.com");

    let outcome = store
        .insert_user(&new_user(&address, None), Some((&token, 100, &mail)), 10)
        .unwrap();

    assert_eq!(taken_flags(outcome), (true, false));
    assert_eq!(count(&store, "one_time_tokens"), 0);
    assert_eq!(count(&store, "outbox"), 0);
}

#[test]
fn users_are_found_by_the_case_folded_key_of_their_address_or_username() {
    let mut store = temp_store();
    let id = add_named_user(&mut store, "alice@example.com", "Alice");

    let by_email = store
        .user_by_email_key(email("ALICE@EXAMPLE.com").key())
        .unwrap();
    let by_username = store
        .user_by_username_key(&Username::key_of("aLiCe"))
        .unwrap();

    assert_eq!(by_email.map(|u| u.id), Some(id));
    assert_eq!(by_username.map(|u| u.id), Some(id));
    assert_eq!(store.user_by_email_key("bob@example.com").unwrap(), None);
    assert_eq!(store.user_by_username_key("bob").unwrap(), None);
}

#[test]
fn user_by_login_prefers_an_address_over_another_users_username() {
    let mut store = temp_store();
    let owner = add_user(&mut store, "alice@example.com");
    add_named_user(&mut store, "mallory@example.com", "alice@example.com");

    let found = store.user_by_login("alice@example.com").unwrap();

    assert_eq!(found.map(|u| u.id), Some(owner));
}

#[test]
fn user_by_login_falls_back_to_a_username_even_when_the_value_is_an_address() {
    let mut store = temp_store();
    let id = add_named_user(&mut store, "bob@example.com", "carol@example.com");
    let plain = add_named_user(&mut store, "dave@example.com", "dave");

    assert_eq!(
        store
            .user_by_login("carol@example.com")
            .unwrap()
            .map(|u| u.id),
        Some(id)
    );
    assert_eq!(
        store.user_by_login(" DAVE ").unwrap().map(|u| u.id),
        Some(plain)
    );
    assert_eq!(store.user_by_login("nobody").unwrap(), None);
}

#[test]
fn taken_checks_only_what_it_is_given() {
    let mut store = temp_store();
    add_named_user(&mut store, "alice@example.com", "alice");
    let (address, name) = (email("Alice@example.com"), username("alice"));

    assert_eq!(store.taken(Some(&address), None).unwrap(), (true, false));
    assert_eq!(store.taken(None, Some(&name)).unwrap(), (false, true));
    assert_eq!(store.taken(None, None).unwrap(), (false, false));
    let free = (email("bob@example.com"), username("bob"));
    assert_eq!(
        store.taken(Some(&free.0), Some(&free.1)).unwrap(),
        (false, false)
    );
}

#[test]
fn user_with_session_tells_whether_that_login_was_revoked() {
    let mut store = temp_store();
    let id = add_user(&mut store, "alice@example.com");
    add_login(&mut store, id, "00000000000000aa", None);
    add_login(&mut store, id, "00000000000000bb", None);
    store
        .revoke_family(id, "00000000000000bb", 10_000, 5)
        .unwrap();

    let revoked = |family: &str| {
        let found = store
            .user_with_session(id, family)
            .unwrap()
            .expect("the user");
        assert_eq!(found.user.id, id);
        found.session_revoked
    };

    assert!(!revoked("00000000000000aa"), "a live login");
    assert!(revoked("00000000000000bb"), "a revoked login");
    assert!(!revoked("00000000000000cc"), "a login never recorded");
    assert!(
        store
            .user_with_session(id + 1, "00000000000000aa")
            .unwrap()
            .is_none()
    );
}

#[test]
fn update_password_hash_replaces_only_the_hash_it_was_given() {
    let mut store = temp_store();
    let id = add_user(&mut store, "alice@example.com");

    store.update_password_hash(id, "stale", "lost").unwrap();
    assert_eq!(store.user_by_id(id).unwrap().unwrap().password_hash, "hash");

    store.update_password_hash(id, "hash", "rehashed").unwrap();
    assert_eq!(
        store.user_by_id(id).unwrap().unwrap().password_hash,
        "rehashed"
    );
}

#[test]
fn set_email_confirmed_confirms_an_existing_user_only() {
    let mut store = temp_store();
    let id = add_user(&mut store, "alice@example.com");

    assert!(store.set_email_confirmed(id).unwrap());
    assert!(store.user_by_id(id).unwrap().unwrap().is_email_confirmed);
    assert!(!store.set_email_confirmed(id + 1).unwrap());
}

#[test]
fn deactivating_ends_every_login_and_activating_again_does_not() {
    let mut store = temp_store();
    let id = add_user(&mut store, "alice@example.com");
    add_login(&mut store, id, "00000000000000aa", None);

    assert!(store.set_active(id, false, 50).unwrap());
    let user = store.user_by_id(id).unwrap().unwrap();
    assert!(!user.is_active);
    assert_eq!(user.tokens_valid_after, 50);
    assert!(store.family_revoked("00000000000000aa").unwrap());

    assert!(store.set_active(id, true, 60).unwrap());
    let user = store.user_by_id(id).unwrap().unwrap();
    assert!(user.is_active);
    assert_eq!(user.tokens_valid_after, 50, "activation revokes nothing");
    assert!(!store.set_active(id + 1, false, 70).unwrap());
}

#[test]
fn delete_user_takes_their_logins_and_tokens_along() {
    let mut store = temp_store();
    let id = add_user(&mut store, "alice@example.com");
    let other = add_user(&mut store, "bob@example.com");
    add_login(&mut store, id, "00000000000000aa", Some("jti-a"));
    add_login(&mut store, other, "00000000000000bb", Some("jti-b"));
    let (token, mail) = confirmation("alice@example.com");
    store
        .issue_one_time(id, Purpose::ConfirmEmail, &token, 100, &mail, 1)
        .unwrap();

    assert!(store.delete_user(id).unwrap());

    assert_eq!(store.user_by_id(id).unwrap(), None);
    assert_eq!(count(&store, "sessions"), 1);
    assert_eq!(count(&store, "refresh_tokens"), 1);
    assert_eq!(count(&store, "one_time_tokens"), 0);
    assert!(!store.delete_user(id).unwrap(), "already gone");
}

#[test]
fn all_users_lists_everyone_oldest_first() {
    let mut store = temp_store();
    let ids = ["c@example.com", "a@example.com", "b@example.com"]
        .map(|address| add_user(&mut store, address));

    let listed: Vec<i64> = store.all_users().unwrap().iter().map(|u| u.id).collect();

    assert_eq!(listed, ids);
}

#[test]
fn deactivation_voids_pending_reset_links_and_reactivation_does_not_revive_them() {
    let mut store = temp_store();
    let id = add_user(&mut store, "alice@example.com");
    let (reset, mail) = confirmation("alice@example.com");
    store
        .issue_one_time(id, Purpose::ResetPassword, &reset, 100, &mail, 1)
        .unwrap();

    store.set_active(id, false, 50).unwrap();
    store.set_active(id, true, 60).unwrap();

    assert_eq!(count(&store, "one_time_tokens"), 0);
    assert!(!store.reset_password(&reset, "new-hash", 70).unwrap());
}

#[test]
fn schema_1_address_keys_are_folded_unless_another_account_has_the_result() {
    let mut store = temp_store();
    let wide = add_user(&mut store, "a@example.net");
    let plain = add_user(&mut store, "y@example.com");
    let clash = add_user(&mut store, "b@example.net");
    // Keys as schema 1 wrote them: case-folded only.
    for (id, address) in [
        (wide, "x@\u{ff45}xample.com"),
        (clash, "y@\u{ff45}xample.com"),
    ] {
        store
            .conn
            .execute(
                "UPDATE users SET email = ?1, email_key = ?1 WHERE id = ?2",
                params![address, id],
            )
            .unwrap();
    }
    store.conn.pragma_update(None, "user_version", 1).unwrap();

    store.migrate().unwrap();

    let key_of =
        |id: i64| -> String { column(&store, "SELECT email_key FROM users WHERE id = ?1", [id]) };
    assert_eq!(key_of(wide), "x@example.com");
    assert_eq!(key_of(plain), "y@example.com");
    assert_eq!(
        key_of(clash),
        "y@\u{ff45}xample.com",
        "left for the operator"
    );
    let found = store.user_by_login("X@example.com").unwrap().map(|u| u.id);
    assert_eq!(found, Some(wide));
}

#[test]
fn set_username_sets_changes_and_removes_it() {
    let mut store = temp_store();
    let id = add_user(&mut store, "a@example.com");

    assert!(store.set_username(id, Some(&username("First"))).unwrap());
    assert_eq!(
        store.user_by_username_key("first").unwrap().map(|u| u.id),
        Some(id)
    );
    assert!(store.set_username(id, None).unwrap());

    let user = store.user_by_id(id).unwrap().unwrap();
    assert_eq!(user.username, None);
    assert!(store.user_by_username_key("first").unwrap().is_none());
}

#[test]
fn set_username_refuses_another_users_key_and_allows_ones_own() {
    let mut store = temp_store();
    let bob = add_named_user(&mut store, "b@example.com", "Bob");
    let id = add_named_user(&mut store, "a@example.com", "alice");

    assert!(!store.set_username(id, Some(&username("bOB"))).unwrap());
    assert!(store.set_username(id, Some(&username("ALICE"))).unwrap());

    assert_eq!(
        store.user_by_id(id).unwrap().unwrap().username.as_deref(),
        Some("ALICE")
    );
    assert_eq!(
        store.user_by_id(bob).unwrap().unwrap().username.as_deref(),
        Some("Bob")
    );
}
