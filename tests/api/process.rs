//! The process: clean stop on SIGTERM, durability across SIGKILL, rebinding
//! its port, and start-up configuration errors.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app};

#[test]
fn sigterm_stops_the_server_with_exit_status_0_promptly() {
    let mut app = spawn_app();
    // An idle keep-alive connection must not hold the stop up.
    app.assert_alive();

    let status = app.terminate(Duration::from_secs(5));

    assert!(
        status.success(),
        "exit status {status:?}; log:\n{}",
        app.log.text()
    );
}

/// SIGKILLs the server, starts it again on the same database, and returns
/// what `GET /api/user/` shows alice after she logs in there.
fn alice_after_sigkill_and_restart(mut app: TestApp) -> Value {
    app.kill();
    let restarted = app.restart_builder().spawn();
    let (access, _) = restarted.login("alice@example.com", PASSWORD);
    restarted.current_user(&access)
}

#[test]
fn a_registration_survives_sigkill_right_after_its_201() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);

    let alice = alice_after_sigkill_and_restart(app);

    assert_eq!(alice["id"], id);
}

#[test]
fn a_confirmation_survives_sigkill_right_after_its_200() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let link = app.confirmation_link("alice@example.com");
    app.get(&link).assert_status(200);

    let alice = alice_after_sigkill_and_restart(app);

    assert_eq!(alice["is_email_confirmed"], true);
}

#[test]
fn tokens_stay_valid_across_a_restart() {
    let mut app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, refresh) = app.login("alice@example.com", PASSWORD);
    app.terminate(Duration::from_secs(5));

    let restarted = app.restart_builder().spawn();

    restarted.current_user(&access);
    restarted
        .post_json("/api/token/refresh/", &json!({"refresh": refresh}))
        .assert_status(200);
}

/// Leaves connections in every state a kill can catch: one idle after a
/// response (keep-alive), one half-sent.
fn busy_connections(app: &TestApp) -> Vec<std::net::TcpStream> {
    app.assert_alive();
    let mut idle = app.connect();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("send a request");
    let _ = crate::helpers::read_response(idle.try_clone().expect("clone"));
    let mut partial = app.connect();
    partial
        .write_all(b"GET /health HTTP/1.1\r\n")
        .expect("send half a request");
    vec![idle, partial]
}

/// Starts the stopped `app` again on the same database and port.
fn restarted_on_the_same_port(app: &TestApp) -> TestApp {
    let again = app
        .restart_builder()
        .env("ACCOUNTS_LISTEN", format!("127.0.0.1:{}", app.port))
        .spawn();
    assert_eq!(again.port, app.port);
    again
}

#[test]
fn the_server_binds_the_same_port_right_after_sigkill() {
    let mut app = spawn_app();
    let _connections = busy_connections(&app);
    app.kill();

    let again = restarted_on_the_same_port(&app);

    again.assert_alive();
}

#[test]
fn the_server_binds_the_same_port_right_after_sigterm() {
    let mut app = spawn_app();
    let _connections = busy_connections(&app);
    app.terminate(Duration::from_secs(10));

    let again = restarted_on_the_same_port(&app);

    again.assert_alive();
}

#[test]
fn start_up_fails_with_one_line_naming_the_variable_when_a_value_is_bad() {
    for (variable, value) in [
        ("ACCOUNTS_BCRYPT_COST", "twelve"),
        ("ACCOUNTS_BCRYPT_COST", "99"),
        ("ACCOUNTS_ACCESS_TTL", "1y"),
        ("ACCOUNTS_REFRESH_TTL", "soon"),
        ("ACCOUNTS_CONFIRM_TTL", "ten minutes"),
        ("ACCOUNTS_LISTEN", "not-an-address"),
        ("ACCOUNTS_MAIL_PROVIDER", "carrier-pigeon"),
        ("ACCOUNTS_WORKERS", "many"),
    ] {
        let failed = TestApp::builder()
            .env(variable, value)
            .spawn_expecting_failure();

        let case = format!("{variable}={value:?}");
        assert!(
            !failed.status.success(),
            "{case}: exit status {:?}",
            failed.status
        );
        let naming: Vec<&str> = failed
            .output
            .lines()
            .filter(|l| l.contains(variable))
            .collect();
        assert_eq!(
            naming.len(),
            1,
            "{case}: one line names the variable:\n{}",
            failed.output
        );
        assert!(
            !failed.output.contains("panicked") && !failed.output.contains("RUST_BACKTRACE"),
            "{case}: a panic is not a clear line:\n{}",
            failed.output
        );
        assert!(
            !failed.output.contains("listening on"),
            "{case}: the server started:\n{}",
            failed.output
        );
    }
}

#[test]
fn an_unknown_accounts_variable_is_logged_as_a_warning_and_start_up_continues() {
    let app = TestApp::builder().env("ACCOUNTS_FROBNICATE", "1").spawn();

    app.assert_alive();
    let line = app.log.wait_for_line(
        "a warning about ACCOUNTS_FROBNICATE",
        Duration::from_secs(5),
        |l| l.contains("ACCOUNTS_FROBNICATE"),
    );
    assert!(line.to_lowercase().contains("warn"), "a warning: {line:?}");
}

#[test]
fn a_generated_secret_key_is_kept_beside_the_database_and_reused_after_a_restart() {
    let mut app = TestApp::builder()
        .without_env("ACCOUNTS_SECRET_KEY")
        .spawn();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);
    app.terminate(Duration::from_secs(5));

    let key_files: Vec<_> = std::fs::read_dir(app.dir())
        .expect("list the database directory")
        .map(|entry| entry.expect("a directory entry"))
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            ![
                "accounts.db",
                "accounts.db-wal",
                "accounts.db-shm",
                "accounts.db-journal",
            ]
            .contains(&name.as_str())
        })
        .collect();
    assert!(!key_files.is_empty(), "a key file beside the database");
    for entry in &key_files {
        let mode = entry.metadata().expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{:?} is 0600", entry.file_name());
    }

    let restarted = app.restart_builder().spawn();
    restarted.current_user(&access);
}
