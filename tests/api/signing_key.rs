//! The signing key: a key too short to be safe stops start-up without being
//! echoed, and a generated key file is owner-only while a readable one is
//! refused.

use crate::helpers::TestApp;

#[test]
fn a_secret_key_shorter_than_32_bytes_stops_start_up_without_echoing_it() {
    let failed = TestApp::builder()
        .env("ACCOUNTS_SECRET_KEY", "short-secret-value-xyz")
        .spawn_expecting_failure();
    assert!(!failed.status.success());
    assert!(
        failed.output.contains("ACCOUNTS_SECRET_KEY"),
        "{}",
        failed.output
    );
    assert!(
        !failed.output.contains("short-secret-value-xyz"),
        "{}",
        failed.output
    );
}

#[test]
fn the_generated_key_file_is_private_and_a_readable_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::builder()
        .without_env("ACCOUNTS_SECRET_KEY")
        .spawn();
    let key_file = app.dir().join("accounts.db.key");
    let mode = std::fs::metadata(&key_file)
        .expect("the key file exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let restart = app.restart_builder();
    drop(app);
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let failed = restart.spawn_expecting_failure();
    assert!(!failed.status.success());
    assert!(failed.output.contains("chmod 600"), "{}", failed.output);
}
