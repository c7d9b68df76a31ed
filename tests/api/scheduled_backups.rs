//! Scheduled backups (`ACCOUNTS_BACKUP_DIR`, `_EVERY`, `_KEEP`): written by
//! the running server, checked before they are kept, owner-only, pruned to
//! the newest; a bad directory stops start-up naming the variable.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::helpers::{PASSWORD, TestApp, wait_until};

const DEADLINE: Duration = Duration::from_secs(30);

/// A server taking a backup every second into `<its dir>/backups`.
fn app_with_backups(keep: usize) -> (TestApp, PathBuf) {
    let probe = TestApp::builder().spawn();
    let dir = probe.dir().join("backups");
    std::fs::create_dir(&dir).expect("create the backup directory");
    let app = probe
        .restart_builder()
        .env("ACCOUNTS_BACKUP_DIR", dir.to_string_lossy())
        .env("ACCOUNTS_BACKUP_EVERY", "1s")
        .env("ACCOUNTS_BACKUP_KEEP", keep.to_string())
        .spawn();
    drop(probe);
    (app, dir)
}

/// The paths the server logged as written, in order.
fn written(app: &TestApp) -> Vec<PathBuf> {
    app.log
        .lines()
        .iter()
        .filter_map(|l| l.split("backup written: ").nth(1))
        .filter_map(|rest| rest.split(" (").next())
        .map(PathBuf::from)
        .collect()
}

fn wait_for_written(app: &TestApp, count: usize) -> Vec<PathBuf> {
    wait_until(&format!("{count} backups written"), DEADLINE, || {
        let paths = written(app);
        (paths.len() >= count).then_some(paths)
    })
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the backup directory")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    files
}

fn users_in(backup: &Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the backup");
    let mut statement = conn
        .prepare("SELECT email FROM users ORDER BY id")
        .expect("query the backup's users");
    statement
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .expect("read the backup's users")
}

#[test]
fn the_running_server_writes_a_backup_holding_every_user_readable_by_its_owner_only() {
    let (app, dir) = app_with_backups(5);
    app.register("ann@example.com", PASSWORD);
    app.register("bob@example.com", PASSWORD);
    let before = written(&app).len();

    let backup = wait_for_written(&app, before + 1).pop().expect("a backup");

    let name = backup.file_name().and_then(|n| n.to_str()).expect("a name");
    assert!(
        name.starts_with("accounts-") && name.ends_with("Z.db") && name.len() == 28,
        "a timestamped name: {name}"
    );
    assert_eq!(backup.parent(), Some(dir.as_path()));
    let mode = std::fs::metadata(&backup)
        .expect("the backup exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "mode {:o}", mode & 0o777);
    assert_eq!(users_in(&backup), ["ann@example.com", "bob@example.com"]);
}

#[test]
fn a_backup_is_one_self_contained_file_in_rollback_journal_mode() {
    let (app, _dir) = app_with_backups(5);
    app.register("ann@example.com", PASSWORD);

    let backup = wait_for_written(&app, 1).pop().expect("a backup");

    // Not WAL mode: the file reads the same copied alone, read-only, with no
    // `-wal` or `-shm` beside it.
    let conn =
        rusqlite::Connection::open_with_flags(&backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the backup read-only");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("read the journal mode");
    assert_eq!(mode, "delete");
}

#[test]
fn only_the_newest_backups_are_kept() {
    let (app, dir) = app_with_backups(2);

    let logged = wait_for_written(&app, 4);

    let kept = wait_until("two backups left after pruning", DEADLINE, || {
        let files = files_in(&dir);
        (files.len() == 2).then_some(files)
    });
    assert!(
        !kept.contains(&logged[0]) && !kept.contains(&logged[1]),
        "the two oldest of {logged:?} are gone; kept {kept:?}"
    );
}

#[test]
fn a_backup_that_fails_its_check_is_deleted_and_logged_as_an_error() {
    let (app, dir) = app_with_backups(50);
    // The live file now claims a schema this binary does not know, so every
    // copy of it fails the check from here on.
    rusqlite::Connection::open(app.db_path())
        .and_then(|c| c.pragma_update(None, "user_version", 99))
        .expect("mark the database as written by a newer version");

    let error = app.log.wait_for_line("a failed backup", DEADLINE, |l| {
        l.contains("ERROR") && l.contains("backup failed and was not kept")
    });

    assert!(error.contains("schema version 99"), "{error}");
    // A copy is in the directory only while it is being made: a failed one
    // that was not deleted would show here.
    let files = wait_until("no unfinished copy in the directory", DEADLINE, || {
        let files = files_in(&dir);
        (!files.iter().any(|f| f.to_string_lossy().ends_with(".tmp"))).then_some(files)
    });
    assert_eq!(files, written(&app), "only backups that passed are kept");
}

#[test]
fn start_up_stops_naming_the_variable_when_the_backup_directory_does_not_exist() {
    let failed = TestApp::builder()
        .env("ACCOUNTS_BACKUP_DIR", "/nonexistent/accounts-backups")
        .env("ACCOUNTS_BACKUP_EVERY", "6h")
        .spawn_expecting_failure();

    assert!(!failed.status.success());
    assert!(
        failed
            .output
            .contains("ACCOUNTS_BACKUP_DIR: /nonexistent/accounts-backups does not exist"),
        "{}",
        failed.output
    );
}

#[test]
fn start_up_stops_naming_the_variable_when_the_backup_directory_is_not_writable() {
    // Not even root may create a file in /proc.
    let failed = TestApp::builder()
        .env("ACCOUNTS_BACKUP_DIR", "/proc")
        .env("ACCOUNTS_BACKUP_EVERY", "6h")
        .spawn_expecting_failure();

    assert!(!failed.status.success());
    assert!(
        failed
            .output
            .contains("ACCOUNTS_BACKUP_DIR: /proc is not writable"),
        "{}",
        failed.output
    );
}

#[test]
fn start_up_stops_when_backups_are_scheduled_without_a_directory() {
    let failed = TestApp::builder()
        .env("ACCOUNTS_BACKUP_EVERY", "6h")
        .spawn_expecting_failure();

    assert!(!failed.status.success());
    assert!(
        failed
            .output
            .contains("ACCOUNTS_BACKUP_DIR: required when ACCOUNTS_BACKUP_EVERY is set"),
        "{}",
        failed.output
    );
}
