//! `ACCOUNTS_LOG_FORMAT=json`: one JSON object per line, with the request's
//! id, route name, status, duration and client address on its request line,
//! and its id on every line written while answering it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, wait_until};

const DEADLINE: Duration = Duration::from_secs(10);

fn json_app() -> TestApp {
    TestApp::builder()
        .env("ACCOUNTS_LOG_FORMAT", "json")
        .env("RUST_LOG", "info,accounts::request=debug")
        .spawn()
}

/// Every complete log line, parsed; panics on a line that is not a JSON
/// object with time, level, target and message.
fn parsed_lines(app: &TestApp) -> Vec<Value> {
    app.log
        .lines()
        .iter()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line:?}"));
            for field in ["time", "level", "target", "message"] {
                assert!(value[field].is_string(), "no {field} in {line:?}");
            }
            value
        })
        .collect()
}

#[test]
fn every_log_line_is_one_json_object() {
    let app = json_app();
    app.register("lines@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("lines@example.com");

    let lines = parsed_lines(&app);

    assert!(
        lines.len() >= 3,
        "start-up, the request, the delivery: {lines:?}"
    );
    assert!(
        lines.iter().any(|l| l["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("listening on "))),
        "{lines:?}"
    );
}

#[test]
fn the_request_line_carries_the_id_the_response_showed_and_the_request_fields() {
    let app = json_app();

    let response = app.post_json(
        "/api/register/",
        &json!({"email": "json-log@example.com", "password": PASSWORD}),
    );

    response.assert_status(201);
    let id = response
        .header("X-Request-Id")
        .expect("an X-Request-Id")
        .to_owned();
    let line = wait_until("the request's line", DEADLINE, || {
        parsed_lines(&app)
            .into_iter()
            .find(|l| l["target"] == "accounts::request" && l["request_id"] == id.as_str())
    });
    assert_eq!(line["route"], "register", "{line}");
    assert_eq!(line["status"], 201, "{line}");
    assert_eq!(line["client"], "127.0.0.1", "{line}");
    assert_eq!(line["level"], "DEBUG", "{line}");
    assert!(
        line["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{line}"
    );
}

#[test]
fn lines_written_while_answering_a_request_carry_its_id() {
    let app = json_app();

    let response = app.post_json(
        "/api/register/",
        &json!({"email": "during@example.com", "password": PASSWORD}),
    );

    let id = response
        .header("X-Request-Id")
        .expect("an X-Request-Id")
        .to_owned();
    let registered = wait_until("the registration's own line", DEADLINE, || {
        parsed_lines(&app).into_iter().find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.ends_with("registered"))
        })
    });
    assert_eq!(registered["request_id"], id.as_str(), "{registered}");
    assert_eq!(registered["level"], "INFO");
}
