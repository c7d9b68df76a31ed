//! Hashes imported from a Django deployment are checked against the
//! password exactly as the client sent it first: Django hashes what it is
//! given, without trimming or Unicode normalisation, so a password typed in
//! NFD (as macOS keyboards produce it) or with surrounding spaces must still
//! match. The hashes here are made in the test with Django's `bcrypt_sha256`
//! algorithm (bcrypt over the hex SHA-256 of the password's UTF-8 bytes) and
//! written straight into the user's row.

use std::time::Duration;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{PASSWORD, TestApp, TestResponse, spawn_app};

const EMAIL: &str = "alice@example.com";
/// "café-au-lait-crème" with both accents as combining marks (NFD).
const NFD_PASSWORD: &str = "cafe\u{301}-au-lait-cre\u{300}me";
/// The same password composed (NFC).
const NFC_PASSWORD: &str = "caf\u{e9}-au-lait-cr\u{e8}me";

/// What Django's `BCryptSHA256PasswordHasher.encode` stores for `password`.
fn django_bcrypt_sha256(password: &str) -> String {
    let digest = hex::encode(Sha256::digest(password.as_bytes()));
    let bcrypt = bcrypt::hash(digest, 4).expect("bcrypt a digest");
    format!("bcrypt_sha256${bcrypt}")
}

fn database(app: &TestApp) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(app.db_path()).expect("open the database");
    db.busy_timeout(Duration::from_secs(10))
        .expect("set a busy timeout");
    db
}

/// Registers `EMAIL`, then replaces its hash with Django's hash of `password`.
fn imported_user(app: &TestApp, password: &str) {
    app.register(EMAIL, PASSWORD);
    store_django_hash(app, password);
}

/// Writes Django's hash of `password` into `EMAIL`'s row.
fn store_django_hash(app: &TestApp, password: &str) {
    let changed = database(app)
        .execute(
            "UPDATE users SET password_hash = ?1 WHERE email = ?2",
            [django_bcrypt_sha256(password), EMAIL.to_owned()],
        )
        .expect("store the imported hash");
    assert_eq!(changed, 1, "one user row");
}

fn stored_hash(app: &TestApp) -> String {
    database(app)
        .query_row(
            "SELECT password_hash FROM users WHERE email = ?1",
            [EMAIL],
            |row| row.get(0),
        )
        .expect("the user's hash")
}

fn token(app: &TestApp, password: &str) -> TestResponse {
    app.post_json(
        "/api/token/",
        &json!({"email": EMAIL, "password": password}),
    )
}

#[test]
fn a_django_hash_of_an_nfd_password_matches_it_as_typed() {
    let app = spawn_app();
    imported_user(&app, NFD_PASSWORD);

    token(&app, NFD_PASSWORD).assert_status(200);
}

#[test]
fn a_django_hash_of_an_nfc_password_matches_it_typed_in_nfd() {
    let app = spawn_app();
    imported_user(&app, NFC_PASSWORD);

    token(&app, NFD_PASSWORD).assert_status(200);
}

#[test]
fn a_django_hash_of_a_password_with_surrounding_spaces_matches_it_as_typed() {
    let app = spawn_app();
    let spaced = "  spaced out passphrase  ";
    imported_user(&app, spaced);

    token(&app, spaced).assert_status(200);
}

#[test]
fn a_django_hash_of_an_nfd_password_refuses_a_wrong_one() {
    let app = spawn_app();
    imported_user(&app, NFD_PASSWORD);

    token(&app, "cafe\u{301}-au-lait-cre\u{300}ms").assert_status(401);
}

#[test]
fn after_an_nfd_login_the_hash_is_the_services_own_and_nfc_typing_matches_too() {
    let app = spawn_app();
    imported_user(&app, NFD_PASSWORD);
    let imported = stored_hash(&app);
    token(&app, NFD_PASSWORD).assert_status(200);

    assert_ne!(stored_hash(&app), imported, "rehashed in normalised form");
    token(&app, NFC_PASSWORD).assert_status(200);
    token(&app, NFD_PASSWORD).assert_status(200);
}

#[test]
fn a_password_change_accepts_the_old_nfd_password_against_a_django_hash() {
    let app = spawn_app();
    imported_user(&app, NFD_PASSWORD);
    let response = token(&app, NFD_PASSWORD);
    response.assert_status(200);
    let access = response.json()["access"]
        .as_str()
        .expect("an access token")
        .to_owned();
    // Put the imported hash back: the login above rehashed it.
    store_django_hash(&app, NFD_PASSWORD);

    app.send_json_with_bearer(
        "PUT",
        "/api/user/change-password/",
        &access,
        &json!({"oldPassword": NFD_PASSWORD, "newPassword": "purple-monkey-dishwasher-42"}),
    )
    .assert_status(200);
}
