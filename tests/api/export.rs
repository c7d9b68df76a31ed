//! `accounts export FILE` and `accounts import jsonl FILE` (issue 10): every
//! user as JSON lines, owner-only, and back again into another database
//! where they log in with the same passwords.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, spawn_app, user_rows};

/// A server with two users: one confirmed with a username, one plain.
fn app_with_users() -> TestApp {
    let app = spawn_app();
    app.register_with_username("alice@example.com", "alice", PASSWORD);
    app.register("bob@example.com", "another-password-42");
    app.cli()
        .run(&["user", "confirm", "alice@example.com"])
        .assert_success();
    app.login("alice@example.com", PASSWORD);
    app
}

fn export_to(app: &TestApp, name: &str) -> String {
    let path = app.dir().join(name).to_string_lossy().into_owned();
    app.cli().run(&["export", &path]).assert_success();
    path
}

#[test]
fn an_export_imported_into_an_empty_database_gives_the_same_users_who_log_in() {
    let app = app_with_users();
    let file = export_to(&app, "users.jsonl");
    let copy = spawn_app();

    let output = copy.cli().run(&["import", "jsonl", &file]);

    assert!(
        output
            .assert_success()
            .contains("imported 2, already present 0, skipped 0")
    );
    assert_eq!(user_rows(&copy.db_path()), user_rows(&app.db_path()));
    copy.login("alice@example.com", PASSWORD);
    copy.login("bob@example.com", "another-password-42");
}

#[test]
fn the_export_has_one_json_object_per_user_with_the_documented_fields() {
    let app = app_with_users();
    let file = export_to(&app, "users.jsonl");

    let text = std::fs::read_to_string(&file).expect("read the export");

    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    let alice = &lines[0];
    let mut keys: Vec<&str> = alice
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "date_joined",
            "email",
            "id",
            "is_active",
            "is_email_confirmed",
            "last_login",
            "password",
            "username"
        ]
    );
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["username"], "alice");
    assert_eq!(alice["is_email_confirmed"], true);
    assert!(
        alice["password"]
            .as_str()
            .expect("a hash")
            .starts_with("bcrypt_sha256$$2b$04$")
    );
    assert!(
        alice["last_login"]
            .as_str()
            .expect("a login")
            .ends_with('Z')
    );
    assert_eq!(lines[1]["username"], Value::Null);
    assert_eq!(lines[1]["last_login"], Value::Null);
}

#[test]
fn the_export_file_is_readable_by_its_owner_only() {
    let app = app_with_users();
    let file = export_to(&app, "users.jsonl");

    let mode = std::fs::metadata(&file).expect("stat").permissions().mode();

    assert_eq!(mode & 0o777, 0o600, "mode {:o}", mode & 0o777);
}

#[test]
fn export_refuses_to_overwrite_an_existing_file() {
    let app = app_with_users();
    let file = app.dir().join("taken.jsonl");
    std::fs::write(&file, "keep me\n").expect("write");

    let output = app.cli().run(&["export", &file.to_string_lossy()]);

    let line = output.assert_failure_with_one_line();
    assert!(line.contains("already exists"), "{line}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "keep me\n");
}

#[test]
fn export_to_standard_output_and_import_from_standard_input_round_trip() {
    let app = app_with_users();
    let exported = app.cli().run(&["export", "-"]);
    let lines = exported.assert_success().to_owned();
    let copy = spawn_app();

    let imported = copy.cli().run_with_stdin(&["import", "jsonl", "-"], &lines);

    imported.assert_success();
    assert_eq!(user_rows(&copy.db_path()), user_rows(&app.db_path()));
}

#[test]
fn importing_an_export_twice_changes_nothing() {
    let app = app_with_users();
    let file = export_to(&app, "users.jsonl");

    let again = app.cli().run(&["import", "jsonl", &file]);

    assert!(
        again
            .assert_success()
            .contains("imported 0, already present 2, skipped 0"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_line_that_is_not_json_stops_the_import_and_writes_nothing() {
    let app = app_with_users();
    let file = export_to(&app, "users.jsonl");
    let mut text = std::fs::read_to_string(&file).expect("read");
    text.push_str("{\"id\": 99, \"email\": \"cut@example.com\"\n");
    let broken = app.dir().join("broken.jsonl");
    std::fs::write(&broken, text).expect("write");
    let copy = spawn_app();

    let output = copy
        .cli()
        .run(&["import", "jsonl", &broken.to_string_lossy()]);

    let line = output.assert_failure_with_one_line();
    assert!(line.contains("line 3"), "{line}");
    assert!(user_rows(&copy.db_path()).is_empty());
}
