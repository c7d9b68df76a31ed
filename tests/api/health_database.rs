//! `GET /health` tells the truth about the database: a connection answers
//! from its page cache long after its file is gone, so the check also looks
//! at the file on disk.

use serde_json::json;

use crate::helpers::TestApp;

/// One worker, seen answering: its connection is open on the file as it
/// was before the test touches it.
fn spawn_one_worker() -> TestApp {
    let app = TestApp::builder().env("ACCOUNTS_WORKERS", "1").spawn();
    app.get("/health").assert_json(200, json!({"status": "ok"}));
    app
}

#[test]
fn health_answers_503_once_the_database_file_is_deleted() {
    let app = spawn_one_worker();

    std::fs::remove_file(app.dir().join("accounts.db")).expect("delete the database");

    app.get("/health")
        .assert_json(503, json!({"status": "unavailable"}));
}

#[test]
fn health_answers_503_once_the_database_file_is_overwritten() {
    let app = spawn_one_worker();

    std::fs::write(app.dir().join("accounts.db"), vec![0u8; 8192]).expect("overwrite the database");

    app.get("/health")
        .assert_json(503, json!({"status": "unavailable"}));
}

#[test]
fn health_answers_503_once_another_file_takes_the_database_path() {
    let app = spawn_one_worker();
    let db = app.dir().join("accounts.db");
    let copy = app.dir().join("copy.db");
    std::fs::copy(&db, &copy).expect("copy the database");

    std::fs::rename(&copy, &db).expect("put the copy in its place");

    app.get("/health")
        .assert_json(503, json!({"status": "unavailable"}));
}
