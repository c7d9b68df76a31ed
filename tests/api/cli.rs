//! The operator CLI (`accounts user ...`, `accounts backup`, `accounts
//! check-config`), run as a separate process on the database of a running
//! server; passwords come on stdin, never from argv.

use serde_json::json;

use crate::helpers::{
    MAIL_API_KEY, PASSWORD, TEST_SECRET, TestApp, assert_unauthorized, spawn_app,
    token_not_valid_body, wait_past_issue_of,
};

const EMAIL: &str = "alice@example.com";
const NEW_PASSWORD: &str = "purple-monkey-dishwasher-42";

fn password_line(password: &str) -> String {
    format!("{password}\n")
}

/// `accounts user create EMAIL <flags>` with `PASSWORD` on stdin.
fn create(app: &TestApp, email: &str, flags: &[&str]) {
    let mut args = vec!["user", "create", email];
    args.extend_from_slice(flags);
    app.cli()
        .run_with_stdin(&args, &password_line(PASSWORD))
        .assert_success();
}

// ---------------------------------------------------------------------------
// Help

#[test]
fn help_describes_every_command() {
    let app = spawn_app();

    let output = app.cli().run(&["--help"]);

    let text = output.assert_success();
    for command in [
        "user create",
        "user list",
        "user show",
        "user confirm",
        "user deactivate",
        "user activate",
        "user set-password",
        "user delete",
        "backup",
        "check-config",
    ] {
        assert!(
            text.contains(command),
            "--help mentions {command:?}:\n{text}"
        );
    }
}

#[test]
fn every_subcommand_answers_help() {
    let app = spawn_app();
    for args in [
        &["user", "--help"][..],
        &["user", "create", "--help"],
        &["user", "delete", "--help"],
        &["backup", "--help"],
        &["check-config", "--help"],
    ] {
        let output = app.cli().run(args);
        let text = output.assert_success();
        assert!(
            text.contains("Usage"),
            "`accounts {}`:\n{text}",
            args.join(" ")
        );
    }
}

#[test]
fn user_help_lists_the_user_commands() {
    let app = spawn_app();

    let output = app.cli().run(&["user", "--help"]);

    let text = output.assert_success();
    for command in [
        "create",
        "list",
        "show",
        "confirm",
        "deactivate",
        "activate",
        "set-password",
        "delete",
    ] {
        assert!(
            text.contains(command),
            "user --help mentions {command:?}:\n{text}"
        );
    }
}

#[test]
fn an_unknown_command_fails_with_one_line_on_stderr() {
    let app = spawn_app();
    app.cli()
        .run(&["frobnicate"])
        .assert_failure_with_one_line();
}

// ---------------------------------------------------------------------------
// user create, list, show, confirm

#[test]
fn user_create_reads_the_password_from_stdin_and_the_user_can_log_in() {
    let app = spawn_app();

    create(&app, EMAIL, &[]);

    assert!(app.password_logs_in(EMAIL, PASSWORD));
}

#[test]
fn user_create_makes_an_unconfirmed_user_without_a_username_by_default() {
    let app = spawn_app();
    create(&app, EMAIL, &[]);

    let (access, _) = app.login(EMAIL, PASSWORD);

    let user = app.current_user(&access);
    assert_eq!(user["is_email_confirmed"], false);
    assert_eq!(user["username"], serde_json::Value::Null);
}

#[test]
fn user_create_with_confirmed_makes_a_confirmed_user() {
    let app = spawn_app();
    create(&app, EMAIL, &["--confirmed"]);

    let (access, _) = app.login(EMAIL, PASSWORD);

    assert_eq!(app.current_user(&access)["is_email_confirmed"], true);
}

#[test]
fn user_create_with_username_sets_the_username() {
    let app = spawn_app();
    create(&app, EMAIL, &["--username", "alice"]);

    let access = app.cookie_login("alice", PASSWORD);

    let user = app.current_user(&access);
    assert_eq!(user["username"], "alice");
    assert_eq!(user["email"], EMAIL);
}

#[test]
fn user_create_refuses_a_taken_address_ignoring_case_with_one_line_on_stderr() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    app.cli()
        .run_with_stdin(
            &["user", "create", "ALICE@Example.COM"],
            &password_line(NEW_PASSWORD),
        )
        .assert_failure_with_one_line();

    assert!(
        app.password_logs_in(EMAIL, PASSWORD),
        "the account is unchanged"
    );
}

#[test]
fn user_create_refuses_a_weak_password_with_one_line_on_stderr() {
    let app = spawn_app();

    app.cli()
        .run_with_stdin(&["user", "create", EMAIL], &password_line("12345678"))
        .assert_failure_with_one_line();

    assert!(!app.password_logs_in(EMAIL, "12345678"));
}

#[test]
fn user_list_prints_every_user() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    app.register("bob@example.com", PASSWORD);
    create(&app, "carol@example.com", &[]);

    let output = app.cli().run(&["user", "list"]);

    let text = output.assert_success();
    for email in [EMAIL, "bob@example.com", "carol@example.com"] {
        assert_eq!(
            text.lines().filter(|l| l.contains(email)).count(),
            1,
            "one line for {email}:\n{text}"
        );
    }
}

#[test]
fn user_show_finds_the_user_ignoring_case() {
    let app = spawn_app();
    let id = app.register_id(EMAIL, PASSWORD);

    let output = app.cli().run(&["user", "show", "ALICE@Example.COM"]);

    let text = output.assert_success();
    assert!(text.contains(EMAIL), "shows the address:\n{text}");
    assert!(text.contains(&id.to_string()), "shows the id {id}:\n{text}");
}

#[test]
fn user_show_of_an_unknown_address_fails_with_one_line_on_stderr() {
    let app = spawn_app();
    let output = app.cli().run(&["user", "show", "nobody@example.com"]);
    output.assert_failure_with_one_line();
    assert_eq!(output.stdout, "", "nothing on stdout");
}

#[test]
fn user_confirm_confirms_the_address() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    app.cli()
        .run(&["user", "confirm", "Alice@example.com"])
        .assert_success();

    let (access, _) = app.login(EMAIL, PASSWORD);
    assert_eq!(app.current_user(&access)["is_email_confirmed"], true);
}

#[test]
fn user_deactivate_of_an_unknown_address_fails_with_one_line_on_stderr() {
    let app = spawn_app();
    app.cli()
        .run(&["user", "deactivate", "nobody@example.com"])
        .assert_failure_with_one_line();
}

// ---------------------------------------------------------------------------
// user set-password, delete

#[test]
fn user_set_password_sets_the_password_read_from_stdin() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    app.cli()
        .run_with_stdin(
            &["user", "set-password", EMAIL],
            &password_line(NEW_PASSWORD),
        )
        .assert_success();

    assert!(
        app.password_logs_in(EMAIL, NEW_PASSWORD),
        "the new password works"
    );
    assert!(
        !app.password_logs_in(EMAIL, PASSWORD),
        "the old one does not"
    );
}

#[test]
fn user_set_password_ends_every_session() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, refresh) = app.login(EMAIL, PASSWORD);
    wait_past_issue_of(&access);

    app.cli()
        .run_with_stdin(
            &["user", "set-password", EMAIL],
            &password_line(NEW_PASSWORD),
        )
        .assert_success();

    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        token_not_valid_body(),
    );
    app.assert_refresh_refused(&refresh);
}

#[test]
fn user_delete_with_yes_deletes_the_user() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let (access, _) = app.login(EMAIL, PASSWORD);

    app.cli()
        .run(&["user", "delete", EMAIL, "--yes"])
        .assert_success();

    assert!(!app.password_logs_in(EMAIL, PASSWORD));
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        json!({"detail": "User not found", "code": "user_not_found"}),
    );
    app.cli()
        .run(&["user", "show", EMAIL])
        .assert_failure_with_one_line();
}

#[test]
fn user_delete_without_yes_and_without_a_terminal_deletes_nothing() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    app.cli()
        .run_with_stdin(&["user", "delete", EMAIL], "y\n")
        .assert_failure_with_one_line();

    assert!(app.password_logs_in(EMAIL, PASSWORD));
}

// ---------------------------------------------------------------------------
// backup, check-config

#[test]
fn backup_writes_a_copy_that_a_server_can_serve_with_every_user() {
    let app = spawn_app();
    let emails = [EMAIL, "bob@example.com", "carol@example.com"];
    for email in emails {
        app.register(email, PASSWORD);
    }
    let copy = app.dir().join("backup.db");

    app.cli()
        .run(&["backup", &copy.to_string_lossy()])
        .assert_success();

    let restored = TestApp::builder()
        .env("ACCOUNTS_DB", copy.to_string_lossy())
        .spawn();
    for email in emails {
        assert!(
            restored.password_logs_in(email, PASSWORD),
            "{email} is in the copy"
        );
    }
}

#[test]
fn backup_writes_a_copy_that_user_list_reads() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    app.register("bob@example.com", PASSWORD);
    let copy = app.dir().join("backup.db");

    app.cli()
        .run(&["backup", &copy.to_string_lossy()])
        .assert_success();

    let listed = app
        .cli()
        .env("ACCOUNTS_DB", copy.to_string_lossy())
        .run(&["user", "list"]);
    let text = listed.assert_success();
    assert!(text.contains(EMAIL), "{text}");
    assert!(text.contains("bob@example.com"), "{text}");
}

#[test]
fn a_backup_and_a_new_database_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let copy = app.dir().join("private-backup.db");
    app.cli()
        .run(&["backup", &copy.to_string_lossy()])
        .assert_success();
    for file in [copy, app.dir().join("accounts.db")] {
        let mode = std::fs::metadata(&file)
            .expect("the file exists")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "{} is mode {:o}",
            file.display(),
            mode & 0o777
        );
    }
}

#[test]
fn backup_is_one_self_contained_file_as_a_scheduled_backup_is() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let copy = app.dir().join("backup.db");

    app.cli()
        .run(&["backup", &copy.to_string_lossy()])
        .assert_success();

    let copy_wal = app.dir().join("backup.db-wal");
    assert!(!copy_wal.exists(), "no -wal file beside the copy");
    let conn =
        rusqlite::Connection::open_with_flags(&copy, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the copy");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("read the journal mode");
    assert_eq!(mode, "delete", "the live database's WAL mode is not copied");
}

#[test]
fn backup_refuses_to_overwrite_an_existing_file_with_one_line_on_stderr() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let target = app.dir().join("existing.db");
    std::fs::write(&target, b"keep me").expect("write a file");

    app.cli()
        .run(&["backup", &target.to_string_lossy()])
        .assert_failure_with_one_line();

    assert_eq!(std::fs::read(&target).expect("read the file"), b"keep me");
}

#[test]
fn check_config_prints_the_effective_settings() {
    let app = spawn_app();

    let output = app
        .cli()
        .env("ACCOUNTS_ACCESS_TTL", "2h")
        .run(&["check-config"]);

    let text = output.assert_success();
    let db = app.db_path();
    for expected in [
        format!("ACCOUNTS_DB={}", db.display()),
        "ACCOUNTS_BCRYPT_COST=4".to_owned(),
        "ACCOUNTS_ACCESS_TTL=7200s".to_owned(),
    ] {
        assert!(
            text.lines().any(|l| l == expected),
            "a line {expected:?}:\n{text}"
        );
    }
    assert!(
        text.lines().any(|l| l.starts_with("ACCOUNTS_SECRET_KEY=")),
        "the secret key's setting is listed:\n{text}"
    );
}

#[test]
fn check_config_never_prints_the_secret_key_or_the_mail_api_key() {
    let app = spawn_app();

    let output = app.cli().run(&["check-config"]);

    let text = output.assert_success();
    assert!(
        !text.contains(TEST_SECRET),
        "the secret key is redacted:\n{text}"
    );
    assert!(!output.stderr.contains(TEST_SECRET), "{}", output.stderr);
    let api_key_line = text
        .lines()
        .find(|l| l.starts_with("ACCOUNTS_MAIL_API_KEY="))
        .unwrap_or_else(|| panic!("the mail API key's setting is listed:\n{text}"));
    assert!(!api_key_line.contains(MAIL_API_KEY), "{api_key_line:?}");
}

#[test]
fn check_config_with_a_bad_setting_fails_with_one_line_naming_the_variable() {
    let app = spawn_app();

    let output = app
        .cli()
        .env("ACCOUNTS_BCRYPT_COST", "lots")
        .run(&["check-config"]);

    let line = output.assert_failure_with_one_line();
    assert!(line.contains("ACCOUNTS_BCRYPT_COST"), "{line:?}");
}
