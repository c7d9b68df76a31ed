//! Key management: `accounts keys rotate` publishes a key before it signs,
//! the previous key verifies until its tokens have expired and is then
//! retired and erased; `accounts keys list` and `check-config` show kids,
//! algorithms, states and dates, never a key; the key ring file is private.

use std::time::Duration;

use crate::helpers::{
    Cli, PASSWORD, TestApp, access_claims, kid_of, spawn_app, spawn_with_algorithm, wait_until,
};

/// The operator CLI with the server's settings and `env` on top.
fn cli(app: &TestApp, env: &[(&str, &str)]) -> Cli {
    env.iter()
        .fold(app.cli(), |cli, (key, value)| cli.env(key, *value))
}

/// `accounts keys list` as rows of columns, without the heading.
fn key_rows(cli: &Cli) -> Vec<Vec<String>> {
    let output = cli.run(&["keys", "list"]);
    let text = output.assert_success();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("kid\talg\tstate\tcreated\tsigns from\tverifies until")
    );
    lines
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// The state column of the key `kid`.
fn state_of(cli: &Cli, kid: &str) -> String {
    key_rows(cli)
        .into_iter()
        .find(|row| row[0] == kid)
        .map(|row| row[2].clone())
        .unwrap_or_else(|| panic!("no key {kid} listed"))
}

/// The PEM of key `kid` in the ring; `None` once erased (the key stays
/// listed).
fn private_key_of(app: &TestApp, kid: &str) -> Option<String> {
    let ring = app.keyring();
    let entry = ring["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("no key {kid} in the ring"));
    entry["private_key"].as_str().map(str::to_owned)
}

/// The kid of a fresh login's access token.
fn signing_kid(app: &TestApp, email: &str) -> String {
    kid_of(&app.login(email, PASSWORD).0)
}

/// The kid of the key the rotation added, from its one line of output.
fn rotate(cli: &Cli) -> String {
    let output = cli.run(&["keys", "rotate"]);
    let line = output.assert_success();
    line.split_whitespace()
        .nth(3)
        .unwrap_or_else(|| panic!("no kid in {line:?}"))
        .trim_end_matches(':')
        .to_owned()
}

#[test]
fn keys_list_shows_the_signing_key_and_the_hs256_key_it_replaced() {
    let app = spawn_with_algorithm("EdDSA");
    let kid = app.published_kids().remove(0);
    let rows = key_rows(&cli(&app, &[("ACCOUNTS_JWT_ALGORITHM", "EdDSA")]));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][..3], ["-", "HS256", "verifying-only"]);
    assert_eq!(rows[1][..3], [kid.as_str(), "EdDSA", "signing"]);
    assert!(
        rows[1][3].ends_with('Z') && rows[1][3].len() == 20,
        "{rows:?}"
    );
    assert_eq!(rows[1][5], "-", "a signing key has no end yet");
}

#[test]
fn a_rotated_key_is_published_at_once_but_does_not_sign_before_its_time() {
    let app = spawn_with_algorithm("EdDSA");
    app.register("ahead@example.com", PASSWORD);
    let old = signing_kid(&app, "ahead@example.com");
    let cli = cli(
        &app,
        &[
            ("ACCOUNTS_JWT_ALGORITHM", "EdDSA"),
            ("ACCOUNTS_KEY_PUBLISH_AHEAD", "1h"),
        ],
    );
    let new = rotate(&cli);
    app.wait_until_published(&new, true);
    assert_eq!(app.published_kids(), [old.clone(), new.clone()]);
    assert_eq!(signing_kid(&app, "ahead@example.com"), old);
    assert_eq!(state_of(&cli, &new), "next");
    assert_eq!(state_of(&cli, &old), "signing");
}

#[test]
fn after_the_publish_ahead_the_new_key_signs_and_the_old_one_still_verifies() {
    let app = spawn_with_algorithm("ES256");
    let (_, old_access, old_refresh) = app.user_with_tokens("rotate@example.com");
    let old = kid_of(&old_access);
    let cli = cli(
        &app,
        &[
            ("ACCOUNTS_JWT_ALGORITHM", "ES256"),
            ("ACCOUNTS_KEY_PUBLISH_AHEAD", "2s"),
        ],
    );
    let new = rotate(&cli);
    wait_until("the new key to sign", Duration::from_secs(60), || {
        (signing_kid(&app, "rotate@example.com") == new).then_some(())
    });
    app.current_user(&old_access);
    app.refresh(&old_refresh).assert_status(200);
    assert_eq!(state_of(&cli, &old), "verifying-only");
    assert_eq!(state_of(&cli, &new), "signing");
}

#[test]
fn the_old_key_is_retired_and_erased_once_its_tokens_have_expired() {
    let app = TestApp::builder()
        .algorithm("EdDSA")
        .env("ACCOUNTS_ACCESS_TTL", "3s")
        .env("ACCOUNTS_REFRESH_TTL", "4s")
        .spawn();
    let (id, access, _) = app.user_with_tokens("retire@example.com");
    let old = kid_of(&access);
    let header = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": old});
    // Valid for an hour, so only the key's retirement can refuse it.
    let long_lived = app.sign_with_ring_key(&old, &header, &access_claims(id));
    app.current_user(&long_lived);
    let cli = cli(
        &app,
        &[
            ("ACCOUNTS_JWT_ALGORITHM", "EdDSA"),
            ("ACCOUNTS_KEY_PUBLISH_AHEAD", "1s"),
            ("ACCOUNTS_ACCESS_TTL", "3s"),
            ("ACCOUNTS_REFRESH_TTL", "4s"),
        ],
    );
    let old_pem = private_key_of(&app, &old).expect("the key's PEM");
    rotate(&cli);
    app.wait_until_published(&old, false);
    assert_eq!(app.get_with_bearer("/api/user/", &long_lived).status, 401);
    wait_until("the old key to be erased", Duration::from_secs(30), || {
        private_key_of(&app, &old).is_none().then_some(())
    });
    let rows = key_rows(&cli);
    let row = rows.iter().find(|r| r[0] == old).unwrap();
    assert_eq!(row[2], "retired");
    assert!(
        row.get(6)
            .is_some_and(|c| c.starts_with("private key erased ")),
        "{row:?}"
    );
    assert_eq!(private_key_of(&app, &old), None);
    let key_line = old_pem.lines().nth(1).expect("a base64 line");
    let file = std::fs::read_to_string(app.keyring_path()).unwrap();
    assert!(
        !file.contains(key_line),
        "the erased key is still in the file"
    );
    assert!(
        !app.log.text().contains("PRIVATE KEY"),
        "the log shows a key"
    );
}

#[test]
fn rotation_is_refused_with_hs256_and_writes_nothing() {
    let app = spawn_app();
    let output = app.cli().run(&["keys", "rotate"]);
    let line = output.assert_failure_with_one_line();
    assert!(
        line.contains("ACCOUNTS_JWT_ALGORITHM=EdDSA or ES256"),
        "{line}"
    );
    assert!(!app.keyring_path().exists());
}

#[test]
fn a_service_on_hs256_writes_no_key_ring() {
    let app = spawn_app();
    app.user_with_tokens("plain@example.com");
    assert!(!app.keyring_path().exists());
    assert!(!app.dir().join("accounts.db.keyring.lock").exists());
    let rows = key_rows(&app.cli());
    assert_eq!(rows, [["-", "HS256", "signing", "-", "-", "-"]]);
}

#[test]
fn check_config_shows_kid_algorithm_and_state_and_never_a_key() {
    let app = spawn_with_algorithm("EdDSA");
    let kid = app.published_kids().remove(0);
    let output = cli(&app, &[("ACCOUNTS_JWT_ALGORITHM", "EdDSA")]).run(&["check-config"]);
    let text = output.assert_success();
    assert!(text.contains("ACCOUNTS_JWT_ALGORITHM=EdDSA\n"), "{text}");
    assert!(
        text.contains("key kid=- alg=HS256 state=verifying-only\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("key kid={kid} alg=EdDSA state=signing\n")),
        "{text}"
    );
    let ring = app.keyring().to_string();
    let pem = ring.split("PRIVATE KEY-----\\n").nth(1).unwrap();
    assert!(
        !text.contains(&pem[..40]) && !text.contains("PRIVATE"),
        "{text}"
    );
}

#[test]
fn a_key_ring_readable_by_others_stops_start_up_naming_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_with_algorithm("ES256");
    let path = app.keyring_path();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let restart = app.restart_builder();
    drop(app);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let failed = restart.spawn_expecting_failure();
    assert!(!failed.status.success());
    assert!(
        failed.output.contains("accounts.db.keyring") && failed.output.contains("chmod 600"),
        "{}",
        failed.output
    );
}

#[test]
fn a_damaged_key_ring_stops_start_up_naming_the_file() {
    let app = spawn_with_algorithm("EdDSA");
    let path = app.keyring_path();
    let restart = app.restart_builder();
    drop(app);
    std::fs::write(&path, "{\"version\": 1, \"keys\": [").unwrap();
    let failed = restart.spawn_expecting_failure();
    assert!(!failed.status.success());
    assert!(
        failed.output.contains("accounts.db.keyring"),
        "{}",
        failed.output
    );
}
