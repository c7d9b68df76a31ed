//! Taking over a Django deployment (issue 10): `accounts import django`
//! from sources that real Django made (see `tests/django/make_sources.py`),
//! then, over HTTP against the real binary, every user logs in with the
//! password Django hashed, its hash becomes bcrypt, SimpleJWT's tokens keep
//! working and its blacklisted one does not.

use serde_json::json;

use crate::helpers::{DjangoSources, RESET_PREFIX, TestApp, django_sources, token_of, user_rows};

/// The sources, or `None` (the test then passes after a loud message).
fn sources() -> Option<&'static DjangoSources> {
    django_sources()
}

/// A server sharing Django's key, with `source` (`--sqlite clean.sqlite3`
/// and the like) imported successfully.
fn imported(sources: &DjangoSources, flag: &str, file: &str) -> TestApp {
    let app = sources.spawn_app();
    let output = app.import(&["django", flag, &sources.path(file)]);
    output.assert_success();
    app
}

fn assert_every_user_logs_in_by_email(sources: &DjangoSources, app: &TestApp, source: &str) {
    for user in sources.users().iter().filter(|u| u.logs_in()) {
        let password = user.password.as_deref().expect("a password");
        let (status, body) = app.token_for("email", &user.email, password);
        assert_eq!(
            status, 200,
            "{source}: {} ({}) logs in: {body}",
            user.email, user.hasher
        );
        let me = app.current_user(body["access"].as_str().expect("an access token"));
        assert_eq!(
            me["id"],
            json!(user.id),
            "{source}: {} keeps its Django id",
            user.email
        );
    }
}

#[test]
fn users_imported_from_a_django_sqlite_database_log_in_by_email_with_their_django_passwords() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    assert_every_user_logs_in_by_email(sources, &app, "sqlite");
}

#[test]
fn users_imported_from_a_dumpdata_fixture_log_in_by_email_with_their_django_passwords() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--json", "clean.json");
    assert_every_user_logs_in_by_email(sources, &app, "fixture");
}

#[test]
fn users_imported_from_a_postgresql_csv_log_in_by_email_with_their_django_passwords() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--csv", "clean.csv");
    assert_every_user_logs_in_by_email(sources, &app, "csv");
}

#[test]
fn imported_users_log_in_by_username_with_their_django_passwords() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    for user in sources.users().iter().filter(|u| u.logs_in()) {
        let Some(username) = &user.username else {
            continue;
        };
        let password = user.password.as_deref().expect("a password");
        let (status, body) = app.token_for("username", username, password);
        assert_eq!(status, 200, "{username} ({}) logs in: {body}", user.hasher);
    }
}

#[test]
fn a_django_hash_is_replaced_by_bcrypt_at_the_configured_cost_after_the_first_login() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    for user in sources.users().iter().filter(|u| u.logs_in()) {
        let password = user.password.as_deref().expect("a password");
        assert!(
            !app.stored_hash(user.id)
                .starts_with("bcrypt_sha256$$2b$04$"),
            "{}: Django's hash is stored as imported",
            user.hasher
        );

        assert_eq!(app.token_for("email", &user.email, password).0, 200);

        let stored = app.stored_hash(user.id);
        assert!(
            stored.starts_with("bcrypt_sha256$$2b$04$"),
            "{}: after a login the hash is ours at cost 4: {stored}",
            user.hasher
        );
        assert_eq!(
            app.token_for("email", &user.email, password).0,
            200,
            "{}: the new hash matches",
            user.hasher
        );
    }
}

#[test]
fn a_password_django_hashed_in_nfd_form_logs_in_as_typed_and_then_in_either_form() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    let user = sources.user("gerard@example.com");
    let typed = user.password.as_deref().expect("a password");
    let composed: String = unicode_normalization::UnicodeNormalization::nfc(typed).collect();
    assert_ne!(typed, composed, "the fixture's password is in NFD form");

    assert_eq!(
        app.token_for("email", &user.email, typed).0,
        200,
        "as typed"
    );
    assert_eq!(
        app.token_for("email", &user.email, &composed).0,
        200,
        "once rehashed, the composed form matches too"
    );
}

#[test]
fn an_unusable_or_legacy_django_password_never_logs_in() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    let ivan = sources.user("md5");
    let henry = sources.user("unusable");

    let legacy = app.token_for(
        "email",
        &ivan.email,
        ivan.password.as_deref().expect("a password"),
    );
    let unusable = app.token_for("email", &henry.email, "anything-at-all-42");

    assert_eq!(legacy.0, 401, "an MD5 hash is not kept: {}", legacy.1);
    assert_eq!(unusable.0, 401, "{}", unusable.1);
    assert_eq!(legacy.1, unusable.1, "answered like a wrong password");
    assert_eq!(app.stored_hash(ivan.id), "!", "the weak hash is not stored");
}

#[test]
fn a_password_reset_gives_a_user_without_a_usable_django_password_one() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    let henry = sources.user("unusable");
    let token = token_of(&app.request_reset_link(&henry.email), RESET_PREFIX);

    app.post_json(
        "/api/password-reset/confirm/",
        &json!({"token": token, "new_password": "a-brand-new-password-7"}),
    )
    .assert_status(200);

    assert_eq!(
        app.token_for("email", &henry.email, "a-brand-new-password-7")
            .0,
        200
    );
}

#[test]
fn an_inactive_django_user_stays_inactive() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    let judy = sources.user("judy@example.com");

    let (status, _) = app.token_for(
        "email",
        &judy.email,
        judy.password.as_deref().expect("a password"),
    );

    assert_eq!(status, 401);
}

#[test]
fn simplejwt_access_and_refresh_tokens_minted_by_django_work_after_the_import() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    for (user_id, tokens) in sources.expected["tokens"].as_object().expect("tokens") {
        let access = tokens["access"].as_str().expect("access");
        let refresh = tokens["refresh"].as_str().expect("refresh");

        let me = app.current_user(access);
        let refreshed = app.refresh(refresh);

        assert_eq!(
            me["id"].to_string(),
            *user_id,
            "Django's access token names the user"
        );
        refreshed.assert_status(200);
        let new_access = refreshed.json()["access"]
            .as_str()
            .expect("access")
            .to_owned();
        assert_eq!(app.current_user(&new_access)["id"].to_string(), *user_id);
    }
}

fn assert_blacklisted_refresh_is_refused(sources: &DjangoSources, app: &TestApp) {
    let revoked = sources.expected["revoked"]["refresh"]
        .as_str()
        .expect("revoked");
    let live = sources.expected["live"]["refresh"].as_str().expect("live");

    app.refresh(live).assert_status(200);
    app.refresh(revoked).assert_status(401);
    app.post_json("/api/token/verify/", &json!({"token": revoked}))
        .assert_status(401);
}

#[test]
fn a_refresh_token_blacklisted_in_django_is_refused_after_a_sqlite_import() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    assert_blacklisted_refresh_is_refused(sources, &app);
}

#[test]
fn a_refresh_token_blacklisted_in_django_is_refused_after_a_fixture_import() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--json", "clean.json");
    assert_blacklisted_refresh_is_refused(sources, &app);
}

#[test]
fn a_user_registered_after_an_import_gets_an_id_above_every_imported_one() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");

    let id = app.register_id("newcomer@example.com", "a-newcomer-password-7");

    assert!(
        id > sources.max_id(),
        "new id {id} after imported ids up to {}",
        sources.max_id()
    );
}

#[test]
fn the_import_keeps_confirmation_activity_and_dates() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--json", "clean.json");
    let rows = app.user_rows();
    let carol = rows
        .iter()
        .find(|r| r.contains("carol@example.com"))
        .expect("carol");
    let judy = rows
        .iter()
        .find(|r| r.contains("judy@example.com"))
        .expect("judy");
    let alice = rows
        .iter()
        .find(|r| r.contains("alice@example.com"))
        .expect("alice");
    let joined = sources.expected["date_joined"]
        .as_i64()
        .expect("date_joined");
    let last_login = sources.expected["last_login"]["unix"]
        .as_i64()
        .expect("last_login");

    assert!(
        carol.contains(" false true "),
        "carol is unconfirmed and active: {carol}"
    );
    assert!(
        judy.contains(" true false "),
        "judy is confirmed and inactive: {judy}"
    );
    assert!(
        alice.ends_with(&format!("{joined} Some({last_login})")),
        "{alice}"
    );
}

#[test]
fn a_second_import_changes_nothing() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    let alice = sources.user("alice@example.com");
    // A login since the first import rehashed alice's password.
    assert_eq!(
        app.token_for(
            "email",
            &alice.email,
            alice.password.as_deref().expect("pw")
        )
        .0,
        200
    );
    let before = app.user_rows();

    let again = app.import(&["django", "--sqlite", &sources.path("clean.sqlite3")]);

    let report = again.assert_success();
    assert!(
        report.contains("imported 0, already present 10, skipped 0"),
        "{report}"
    );
    assert_eq!(app.user_rows(), before);
}

#[test]
fn a_dry_run_reports_what_it_would_do_and_writes_nothing() {
    let Some(sources) = sources() else { return };
    let app = sources.spawn_app();

    let output = app.import(&["django", "--json", &sources.path("clean.json"), "--dry-run"]);

    let report = output.assert_success();
    assert!(
        report.contains("dry run, nothing written: would import 10, already present 0, skipped 0"),
        "{report}"
    );
    assert!(report.contains("revoked tokens 1"), "{report}");
    assert_eq!(app.user_rows(), Vec::<String>::new());
}

#[test]
fn rows_that_cannot_be_imported_are_listed_the_rest_imported_and_the_exit_is_non_zero() {
    let Some(sources) = sources() else { return };
    let app = sources.spawn_app();

    let output = app.import(&["django", "--sqlite", &sources.path("dirty.sqlite3")]);

    assert!(!output.status.success(), "a skipped row fails the command");
    let lines: Vec<&str> = output.stdout.lines().collect();
    let expected = [
        "skipped row 2 (id 2): the address \"not-an-address\" is not valid",
        "skipped row 3 (id 3): the address KEPT@example.com is user 1's already",
        "skipped row 5 (id 5): the username namesake is user 4's already",
        "imported 2, already present 0, skipped 3",
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    for (line, start) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(start),
            "{line:?} should start with {start:?}"
        );
    }
    let rows = app.user_rows();
    assert_eq!(rows.len(), 2, "{rows:#?}");
}

#[test]
fn a_csv_row_without_an_id_is_skipped_and_listed() {
    let Some(sources) = sources() else { return };
    let app = sources.spawn_app();

    let output = app.import(&["django", "--csv", &sources.path("dirty.csv")]);

    assert!(!output.status.success());
    assert!(
        output.stdout.contains("skipped row 2: no id"),
        "{}",
        output.stdout
    );
    assert_eq!(app.user_rows().len(), 1);
}

#[test]
fn a_jsonl_export_of_imported_django_users_round_trips_with_their_hashes() {
    let Some(sources) = sources() else { return };
    let app = imported(sources, "--sqlite", "clean.sqlite3");
    let export = app.dir().join("users.jsonl");
    app.cli()
        .run(&["export", &export.to_string_lossy()])
        .assert_success();
    let copy = sources.spawn_app();

    copy.import(&["jsonl", &export.to_string_lossy()])
        .assert_success();

    assert_eq!(copy.user_rows(), user_rows(&app.db_path()));
    let carol = sources.user("argon2");
    let password = carol.password.as_deref().expect("a password");
    assert_eq!(
        copy.token_for("email", &carol.email, password).0,
        200,
        "still Django's hash"
    );
}
