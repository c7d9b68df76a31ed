//! `GET /health`.

use serde_json::json;

use crate::helpers::spawn_app;

#[test]
fn health_returns_200_status_ok() {
    let app = spawn_app();
    app.get("/health").assert_json(200, json!({"status": "ok"}));
}

#[test]
fn health_answers_with_a_trailing_slash() {
    let app = spawn_app();
    app.get("/health/")
        .assert_json(200, json!({"status": "ok"}));
}

#[test]
fn health_needs_no_credentials_and_ignores_bad_ones() {
    let app = spawn_app();
    app.get_with_bearer("/health", "garbage")
        .assert_json(200, json!({"status": "ok"}));
}
