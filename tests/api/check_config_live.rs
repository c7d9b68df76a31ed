//! `accounts check-config --live`: besides the settings, the database (its
//! schema version), the signing key file and the mail provider's host, as
//! the service would use them. One line per check; any failure fails the
//! command with one line on stderr.

use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;

use crate::helpers::{Cli, TestApp, spawn_app};

/// The `live: ...` lines of the output.
fn live_lines(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("live: ")).collect()
}

#[test]
fn check_config_live_passes_against_a_running_service() {
    let app = spawn_app();

    let output = app.cli().run(&["check-config", "--live"]);

    let stdout = output.assert_success();
    let lines = live_lines(stdout);
    assert_eq!(lines.len(), 3, "{stdout}");
    let database = format!(
        "live: database {}: ok: schema version ",
        app.db_path().display()
    );
    assert!(
        lines[0].starts_with(&database) && lines[0].ends_with(", 0 users"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "live: signing key: ok: ACCOUNTS_SECRET_KEY is set"
    );
    assert_eq!(
        lines[2],
        "live: mail provider postmark: ok: 127.0.0.1 resolves to 127.0.0.1"
    );
}

#[test]
fn check_config_live_fails_on_a_missing_database_without_creating_it() {
    let app = spawn_app();
    let missing = app.dir().join("missing.db");

    let output = Cli::for_db(&missing).run(&["check-config", "--live"]);

    let error = output.assert_failure_with_one_line();
    assert_eq!(error, "accounts: 1 live check failed (see above)");
    let database = live_lines(&output.stdout)[0];
    assert!(database.contains(": FAILED: "), "{database}");
    assert!(!missing.exists(), "the live check created the database");
}

#[test]
fn check_config_live_fails_on_a_database_newer_than_the_binary() {
    let app = spawn_app();
    // A copy made by the online backup is one file, with no write-ahead log
    // that would hold a newer first page.
    let copy = app.dir().join("newer.db");
    app.cli()
        .run(&["backup", &copy.to_string_lossy()])
        .assert_success();
    // The schema version is SQLite's user_version: bytes 60..64 of the
    // file's header, big-endian.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&copy)
        .expect("open the copy");
    file.seek(SeekFrom::Start(60))
        .expect("seek to user_version");
    file.write_all(&999u32.to_be_bytes())
        .expect("write user_version");
    drop(file);

    let output = Cli::for_db(&copy).run(&["check-config", "--live"]);

    output.assert_failure_with_one_line();
    let database = live_lines(&output.stdout)[0];
    assert!(
        database.contains("FAILED: schema version 999 is newer than this binary's")
            && database.ends_with("; run a newer accounts"),
        "{database}"
    );
}

#[test]
fn check_config_live_fails_on_a_key_file_others_can_read() {
    let app = TestApp::builder()
        .without_env("ACCOUNTS_SECRET_KEY")
        .spawn();
    let key_file = app.dir().join("accounts.db.key");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644))
        .expect("open up the key file");

    let output = app
        .cli()
        .without_env("ACCOUNTS_SECRET_KEY")
        .run(&["check-config", "--live"]);

    output.assert_failure_with_one_line();
    let key = live_lines(&output.stdout)[1];
    assert!(
        key.starts_with(&format!(
            "live: signing key {}: FAILED:",
            key_file.display()
        )) && key.contains("chmod 600"),
        "{key}"
    );
}

#[test]
fn check_config_live_accepts_a_private_key_file() {
    let app = TestApp::builder()
        .without_env("ACCOUNTS_SECRET_KEY")
        .spawn();

    let output = app
        .cli()
        .without_env("ACCOUNTS_SECRET_KEY")
        .run(&["check-config", "--live"]);

    let stdout = output.assert_success();
    let key_file = app.dir().join("accounts.db.key");
    assert_eq!(
        live_lines(stdout)[1],
        format!(
            "live: signing key {}: ok: readable by its owner only, long enough",
            key_file.display()
        )
    );
}

#[test]
fn check_config_live_fails_when_the_mail_host_does_not_resolve() {
    let app = spawn_app();

    let output = app
        .cli()
        .env("ACCOUNTS_MAIL_API_URL", "https://mail-relay.invalid/email")
        .run(&["check-config", "--live"]);

    output.assert_failure_with_one_line();
    let mail = live_lines(&output.stdout)[2];
    assert!(
        mail.starts_with(
            "live: mail provider postmark: FAILED: mail-relay.invalid does not resolve"
        ),
        "{mail}"
    );
}
