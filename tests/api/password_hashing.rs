//! How passwords are hashed and compared: long passwords, bcrypt's 72-byte
//! limit, NUL bytes and Unicode normalisation, rehashing at a new cost, the
//! cost setting, and an unknown user costing the same hash work as a known
//! one.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, no_active_account_body, spawn_app, wait_until};

#[test]
fn a_128_character_password_registers_and_logs_in() {
    let app = spawn_app();
    let long = "Long passphrase, ".repeat(8);
    assert_eq!(long.chars().count(), 136);
    app.register("long@example.com", &long);
    app.login("long@example.com", &long);
}

#[test]
fn a_password_sharing_the_first_72_bytes_with_the_real_one_fails() {
    let app = spawn_app();
    let real = format!("{}-real-ending", "x".repeat(72));
    let impostor = format!("{}-other-ending", "x".repeat(72));
    app.register("prefix@example.com", &real);
    let response = app.post_form(
        "/api/token/",
        &[("email", "prefix@example.com"), ("password", &impostor)],
    );
    response.assert_json(401, no_active_account_body());
}

#[test]
fn a_nul_byte_does_not_truncate_a_password() {
    let app = spawn_app();
    app.register("nul@example.com", "abc\u{0}defghijklmnop");
    let response = app.post_json(
        "/api/token/",
        &json!({"email": "nul@example.com", "password": "abc\u{0}zzzzzzzzzzzzz"}),
    );
    response.assert_status(401);
    app.login("nul@example.com", "abc\u{0}defghijklmnop");
}

#[test]
fn composed_and_decomposed_accents_are_the_same_password() {
    let app = spawn_app();
    app.register("accent@example.com", "caf\u{e9} au lait tous les jours");
    app.login("accent@example.com", "cafe\u{301} au lait tous les jours");
}

#[test]
fn a_hash_made_at_another_cost_is_rehashed_on_the_next_login() {
    let app = TestApp::builder().env("ACCOUNTS_BCRYPT_COST", "4").spawn();
    app.register("rehash@example.com", PASSWORD);
    let db = app.db_path();
    let stored = || -> String {
        let conn = rusqlite::Connection::open(&db).expect("open the database");
        conn.query_row(
            "SELECT password_hash FROM users WHERE email_key = 'rehash@example.com'",
            [],
            |r| r.get(0),
        )
        .expect("the user's hash")
    };
    assert!(
        stored().starts_with("bcrypt_sha256$$2b$04$"),
        "{}",
        stored()
    );
    let restart = app.restart_builder();
    drop(app);
    let app = restart.env("ACCOUNTS_BCRYPT_COST", "5").spawn();
    app.login("rehash@example.com", PASSWORD);
    wait_until(
        "the hash to be rewritten at cost 5",
        Duration::from_secs(10),
        || stored().starts_with("bcrypt_sha256$$2b$05$").then_some(()),
    );
    app.login("rehash@example.com", PASSWORD);
}

fn login_time(app: &TestApp, email: &str) -> Duration {
    let started = Instant::now();
    let response = app.post_form(
        "/api/token/",
        &[("email", email), ("password", "not-the-password")],
    );
    response.assert_status(401);
    started.elapsed()
}

fn median(mut ratios: Vec<f64>) -> f64 {
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

#[test]
fn an_unknown_user_costs_the_same_hash_work_as_a_wrong_password() {
    // A cost where one hash (~30 ms) dwarfs the HTTP round trip. Each unknown
    // login is timed right beside a known one and only their ratio is kept,
    // so a busy machine slows both sides of a pair alike; the median ratio of
    // the pairs is then near 1 when both cost one hash, and under 0.2 when
    // the unknown side skips it. The band is wide for shared machines.
    let app = TestApp::builder().env("ACCOUNTS_BCRYPT_COST", "9").spawn();
    app.register("known@example.com", PASSWORD);
    login_time(&app, "unknown@example.com"); // warm-up: the dummy hash is ready
    let ratios: Vec<f64> = (0..15)
        .map(|_| {
            let known = login_time(&app, "known@example.com");
            let unknown = login_time(&app, "unknown@example.com");
            unknown.as_secs_f64() / known.as_secs_f64()
        })
        .collect();
    let ratio = median(ratios);
    assert!(
        (0.6..=1.6).contains(&ratio),
        "an unknown user's login took {ratio:.2} times a wrong password's"
    );
}

#[test]
fn the_bcrypt_cost_must_be_4_to_31_and_below_10_warns() {
    for bad in ["3", "32", "twelve"] {
        let failed = TestApp::builder()
            .env("ACCOUNTS_BCRYPT_COST", bad)
            .spawn_expecting_failure();
        assert!(!failed.status.success(), "cost {bad} was accepted");
        assert!(
            failed.output.contains("ACCOUNTS_BCRYPT_COST"),
            "{}",
            failed.output
        );
    }
    let app = spawn_app();
    assert!(
        app.log
            .text()
            .contains("ACCOUNTS_BCRYPT_COST is 4: below 10 is only for tests"),
        "{}",
        app.log.text()
    );
}
