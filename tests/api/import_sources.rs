//! `accounts import django` on sources written by hand: each kind of bad
//! source stops with one line and writes nothing, and a stock `auth_user`
//! table with django-allauth's verified addresses is understood. (The
//! sources real Django writes are in `import_django.rs`.)

use std::path::{Path, PathBuf};

use crate::helpers::{TestApp, spawn_app};

/// A Django 5.2 `auth_user` table (no confirmation column) beside allauth's
/// `account_emailaddress`: user 1's address is verified, user 2's is not.
fn auth_user_with_allauth(dir: &Path) -> PathBuf {
    let path = dir.join("django-auth.sqlite3");
    let conn = rusqlite::Connection::open(&path).expect("create the source");
    conn.execute_batch(
        "CREATE TABLE auth_user (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, password varchar(128) NOT NULL,
             last_login datetime NULL, is_superuser bool NOT NULL, username varchar(150) NOT NULL UNIQUE,
             first_name varchar(150) NOT NULL, last_name varchar(150) NOT NULL, email varchar(254) NOT NULL,
             is_staff bool NOT NULL, is_active bool NOT NULL, date_joined datetime NOT NULL);
         CREATE TABLE account_emailaddress (id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
             verified bool NOT NULL, \"primary\" bool NOT NULL, user_id integer NOT NULL, email varchar(254) NOT NULL);
         INSERT INTO auth_user VALUES (1, '!unusable', NULL, 0, 'first', '', '', 'first@example.com', 0, 1, '2024-01-02 03:04:05.678901');
         INSERT INTO auth_user VALUES (2, '!unusable', NULL, 0, 'second', '', '', 'second@example.com', 0, 1, '2024-01-02 03:04:05');
         INSERT INTO account_emailaddress VALUES (1, 1, 1, 1, 'First@Example.com');
         INSERT INTO account_emailaddress VALUES (2, 0, 1, 2, 'second@example.com');",
    )
    .expect("fill the source");
    path
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write the source");
    path.to_string_lossy().into_owned()
}

fn user_count(app: &TestApp) -> usize {
    let conn = rusqlite::Connection::open(app.db_path()).expect("open the database");
    conn.query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))
        .expect("count") as usize
}

const ONE_USER_FIXTURE: &str = r#"[{"model": "auth.user", "pk": 1, "fields": {"password": "!x", "last_login": null,
 "username": "first", "email": "first@example.com", "is_active": true, "date_joined": "2024-01-02T03:04:05Z"}}"#;

#[test]
fn a_source_that_is_not_what_it_says_stops_with_one_line_naming_it_and_writes_nothing() {
    let app = spawn_app();
    let dir = app.dir().to_path_buf();
    let text = write(&dir, "notes.txt", "id,email\nthis is not a database\n");
    let empty_db = dir.join("empty.sqlite3");
    rusqlite::Connection::open(&empty_db)
        .and_then(|c| c.execute_batch("CREATE TABLE something (id integer)"))
        .expect("an SQLite file without a user table");
    let empty_db = empty_db.to_string_lossy().into_owned();
    let truncated = write(&dir, "truncated.json", ONE_USER_FIXTURE);
    let no_users = write(
        &dir,
        "no-users.json",
        r#"[{"model": "auth.group", "pk": 1, "fields": {"name": "staff"}}]"#,
    );
    let no_password = write(
        &dir,
        "no-password.csv",
        "id,email,username\n1,first@example.com,first\n",
    );
    let empty_csv = write(&dir, "empty.csv", "");
    let cases: [(&str, &[&str], &str); 8] = [
        (
            "a text file as SQLite",
            &["--sqlite", &text],
            "not a SQLite database",
        ),
        (
            "a CSV as a fixture",
            &["--json", &text],
            "not a dumpdata fixture",
        ),
        (
            "a fixture cut short after a valid user",
            &["--json", &truncated],
            "not a dumpdata fixture",
        ),
        (
            "a fixture without users",
            &["--json", &no_users],
            "no user entries found",
        ),
        (
            "a CSV without a password column",
            &["--csv", &no_password],
            "no column password",
        ),
        ("an empty CSV", &["--csv", &empty_csv], "empty"),
        (
            "SQLite without a user table",
            &["--sqlite", &empty_db],
            "no user table found",
        ),
        (
            "a table that is not there",
            &["--sqlite", &empty_db, "--table", "accounts_user"],
            "no table accounts_user",
        ),
    ];
    for (case, args, problem) in cases {
        let mut all = vec!["django"];
        all.extend_from_slice(args);

        let output = app.import(&all);

        let line = output.assert_failure_with_one_line();
        assert!(line.contains(args[1]), "{case}: names the file: {line}");
        assert!(line.contains(problem), "{case}: says {problem:?}: {line}");
        assert!(line.contains("nothing was imported"), "{case}: {line}");
        assert_eq!(user_count(&app), 0, "{case}: nothing written");
    }
}

#[test]
fn a_missing_source_file_stops_with_one_line() {
    let app = spawn_app();
    for flag in ["--sqlite", "--json", "--csv"] {
        let output = app.import(&["django", flag, "/nonexistent/users"]);

        let line = output.assert_failure_with_one_line();
        assert!(line.contains("/nonexistent/users"), "{flag}: {line}");
    }
}

#[test]
fn a_stock_auth_user_table_is_found_and_allauth_verified_addresses_are_confirmed() {
    let app = spawn_app();
    let source = auth_user_with_allauth(app.dir());

    let output = app.import(&["django", "--sqlite", &source.to_string_lossy()]);

    let report = output.assert_success();
    assert!(
        report.contains("no column is_email_confirmed"),
        "a note says so: {report}"
    );
    assert!(
        report.contains("imported 2, already present 0, skipped 0"),
        "{report}"
    );
    let list = app.cli().run(&["user", "list"]);
    let list = list.assert_success();
    assert!(
        list.contains("1\tfirst@example.com\tfirst\tconfirmed"),
        "{list}"
    );
    assert!(
        list.contains("2\tsecond@example.com\tsecond\tunconfirmed"),
        "{list}"
    );
}

#[test]
fn all_confirmed_confirms_every_imported_address() {
    let app = spawn_app();
    let source = auth_user_with_allauth(app.dir());

    let output = app.import(&[
        "django",
        "--sqlite",
        &source.to_string_lossy(),
        "--all-confirmed",
    ]);

    output.assert_success();
    let list = app.cli().run(&["user", "list"]);
    assert!(
        !list.assert_success().contains("unconfirmed"),
        "{}",
        list.stdout
    );
}

#[test]
fn a_named_confirmation_column_that_is_missing_stops_the_import() {
    let app = spawn_app();
    let source = auth_user_with_allauth(app.dir());

    let output = app.import(&[
        "django",
        "--sqlite",
        &source.to_string_lossy(),
        "--confirmed-column",
        "email_verified",
    ]);

    let line = output.assert_failure_with_one_line();
    assert!(line.contains("no column email_verified"), "{line}");
    assert_eq!(user_count(&app), 0);
}

#[test]
fn a_csv_from_standard_input_with_mysql_nulls_is_imported() {
    let app = spawn_app();
    let csv = "id,email,username,password,is_active,date_joined,last_login,is_email_confirmed\n\
               7,seven@example.com,\\N,!x,1,2024-01-02 03:04:05.000000,\\N,0\n";

    let output = app
        .cli()
        .run_with_stdin(&["import", "django", "--csv", "-"], csv);

    assert!(
        output.assert_success().contains("imported 1,"),
        "{}",
        output.stdout
    );
    let list = app.cli().run(&["user", "list"]);
    assert!(
        list.assert_success()
            .contains("7\tseven@example.com\t-\tunconfirmed\tactive"),
        "{}",
        list.stdout
    );
}

#[test]
fn import_and_export_answer_help() {
    let app = spawn_app();
    for args in [
        &["import", "--help"][..],
        &["import"],
        &["export", "--help"],
    ] {
        let output = app.cli().run(args);

        let text = output.assert_success();
        assert!(
            text.contains("Usage"),
            "`accounts {}`: {text}",
            args.join(" ")
        );
    }
    let help = app.cli().run(&["--help"]);
    for command in ["import django", "import jsonl", "export"] {
        assert!(
            help.assert_success().contains(command),
            "--help mentions {command}"
        );
    }
}
