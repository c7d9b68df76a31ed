//! `accounts restore FILE`: a checked backup replaces the database; a
//! running service, a corrupt file or a newer schema is refused with one
//! line and the database is left as it was.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

const STOP: Duration = Duration::from_secs(20);

fn logs_in(app: &TestApp, email: &str) -> bool {
    app.post_json(
        "/api/token/",
        &json!({"email": email, "password": PASSWORD}),
    )
    .status
        == 200
}

/// `accounts backup` of the running server into its directory.
fn backup_of(app: &TestApp, name: &str) -> PathBuf {
    let file = app.dir().join(name);
    app.cli()
        .run(&["backup", &file.to_string_lossy()])
        .assert_success();
    file
}

/// The database's files as they are now, to compare after a refusal.
fn database_bytes(db: &Path) -> Vec<Option<Vec<u8>>> {
    ["", "-wal"]
        .iter()
        .map(|suffix| std::fs::read(format!("{}{suffix}", db.display())).ok())
        .collect()
}

#[test]
fn restore_puts_the_backup_in_place_and_a_new_server_serves_its_users() {
    let mut app = spawn_app();
    app.register("kept@example.com", PASSWORD);
    let backup = backup_of(&app, "backup.db");
    app.register("after@example.com", PASSWORD);
    app.terminate(STOP);

    let output = app.cli().run(&["restore", &backup.to_string_lossy()]);

    let text = output.assert_success();
    assert!(text.contains("restored 1 users"), "{text}");
    let restored = app.restart_builder().spawn();
    assert!(logs_in(&restored, "kept@example.com"));
    assert!(
        !logs_in(&restored, "after@example.com"),
        "the database is the backup's, not a mix"
    );
}

#[test]
fn restore_is_refused_with_one_line_while_the_service_has_the_database_open() {
    let app = spawn_app();
    app.register("ann@example.com", PASSWORD);
    let backup = backup_of(&app, "backup.db");
    app.register("bob@example.com", PASSWORD);

    let output = app.cli().run(&["restore", &backup.to_string_lossy()]);

    let line = output.assert_failure_with_one_line();
    assert!(line.contains("stop it first"), "{line}");
    assert!(
        logs_in(&app, "bob@example.com"),
        "the live database is untouched"
    );
}

#[test]
fn a_corrupt_backup_is_refused_with_one_line_and_the_database_is_untouched() {
    let mut app = spawn_app();
    for i in 0..40 {
        app.register(&format!("user{i}@example.com"), PASSWORD);
    }
    let backup = backup_of(&app, "backup.db");
    app.terminate(STOP);
    // Damage the root page of the users table: the file still opens, but
    // its b-tree no longer holds together.
    let (root, page_size): (u32, u32) = rusqlite::Connection::open(&backup)
        .and_then(|c| {
            let root = c.query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = 'users'",
                [],
                |r| r.get(0),
            )?;
            let page_size = c.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            Ok((root, page_size))
        })
        .expect("find the users table's root page");
    let mut bytes = std::fs::read(&backup).expect("read the backup");
    let (root, page_size) = (root as usize, page_size as usize);
    let start = (root - 1) * page_size;
    bytes[start..start + page_size].fill(0xA5);
    std::fs::write(&backup, &bytes).expect("damage the backup");
    let before = database_bytes(&app.db_path());

    let output = app.cli().run(&["restore", &backup.to_string_lossy()]);

    let line = output.assert_failure_with_one_line();
    assert!(line.contains("refused, database untouched"), "{line}");
    assert_eq!(database_bytes(&app.db_path()), before);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_with_one_line() {
    let mut app = spawn_app();
    app.register("ann@example.com", PASSWORD);
    app.terminate(STOP);
    let not_a_backup = app.dir().join("notes.txt");
    std::fs::write(&not_a_backup, "not a database\n".repeat(500)).expect("write a file");
    let before = database_bytes(&app.db_path());

    let output = app.cli().run(&["restore", &not_a_backup.to_string_lossy()]);

    let line = output.assert_failure_with_one_line();
    assert!(line.contains("not a readable SQLite database"), "{line}");
    assert_eq!(database_bytes(&app.db_path()), before);
}

#[test]
fn a_backup_from_a_newer_schema_is_refused_with_one_line_and_the_database_is_untouched() {
    let mut app = spawn_app();
    app.register("ann@example.com", PASSWORD);
    let backup = backup_of(&app, "backup.db");
    app.terminate(STOP);
    rusqlite::Connection::open(&backup)
        .and_then(|c| c.pragma_update(None, "user_version", 99))
        .expect("mark the backup as written by a newer version");
    let before = database_bytes(&app.db_path());

    let output = app.cli().run(&["restore", &backup.to_string_lossy()]);

    let line = output.assert_failure_with_one_line();
    assert!(line.contains("schema version 99 is newer"), "{line}");
    assert_eq!(database_bytes(&app.db_path()), before);
    let restarted = app.restart_builder().spawn();
    assert!(logs_in(&restarted, "ann@example.com"));
}

#[test]
fn a_restored_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mut app = spawn_app();
    app.register("ann@example.com", PASSWORD);
    let backup = backup_of(&app, "backup.db");
    std::fs::set_permissions(&backup, std::fs::Permissions::from_mode(0o644))
        .expect("make the backup world-readable");
    app.terminate(STOP);

    app.cli()
        .run(&["restore", &backup.to_string_lossy()])
        .assert_success();

    let mode = std::fs::metadata(app.db_path())
        .expect("the database exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "mode {:o}", mode & 0o777);
}

#[test]
fn restore_help_says_the_service_must_be_stopped() {
    let app = spawn_app();

    let output = app.cli().run(&["restore", "--help"]);

    let text = output.assert_success();
    assert!(text.contains("Usage: accounts restore FILE"), "{text}");
    assert!(text.contains("stop it first"), "{text}");
}
