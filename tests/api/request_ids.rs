//! `X-Request-Id`: on every response, new unless a trusted proxy named the
//! request with a usable id, and on the log lines of that request.

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

fn is_generated(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn id_of(response: &crate::helpers::TestResponse) -> String {
    response
        .header("X-Request-Id")
        .unwrap_or_else(|| panic!("no X-Request-Id on {} {}", response.method, response.path))
        .to_owned()
}

#[test]
fn every_response_carries_a_new_request_id_whatever_its_status() {
    let app = spawn_app();

    let ids: Vec<String> = [
        app.get("/health"),
        app.get("/api/no-such-route/"),
        app.request("POST", "/api/user/", &[], None),
        app.post_json("/api/token/", &json!({})),
        app.request("OPTIONS", "/api/token/", &[], None),
    ]
    .iter()
    .map(id_of)
    .collect();

    for id in &ids {
        assert!(is_generated(id), "{id:?} is not 32 hex characters");
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "ids repeat: {ids:?}");
}

#[test]
fn a_request_id_sent_by_a_trusted_proxy_is_kept() {
    let app = TestApp::builder()
        .env("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1")
        .spawn();

    let response = app.request(
        "GET",
        "/health",
        &[("X-Request-Id", "0f8fad5b-d9cb-469f-a165-70867728950e")],
        None,
    );

    assert_eq!(id_of(&response), "0f8fad5b-d9cb-469f-a165-70867728950e");
}

#[test]
fn a_request_id_sent_by_an_untrusted_client_is_replaced() {
    let app = spawn_app();

    let response = app.request(
        "GET",
        "/health",
        &[("X-Request-Id", "chosen-by-client")],
        None,
    );

    let id = id_of(&response);
    assert!(is_generated(&id), "{id:?}");
}

#[test]
fn an_unsafe_or_oversized_request_id_from_a_trusted_proxy_is_replaced() {
    let app = TestApp::builder()
        .env("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1")
        .spawn();
    let too_long = "a".repeat(129);

    for sent in [
        "two words",
        "quote\"d",
        "semi;colon",
        "<tag>",
        too_long.as_str(),
    ] {
        let response = app.request("GET", "/health", &[("X-Request-Id", sent)], None);
        let id = id_of(&response);
        assert!(is_generated(&id), "{sent:?} came back as {id:?}");
    }
}

#[test]
fn text_log_lines_of_a_request_carry_its_id() {
    let app = TestApp::builder()
        .env("RUST_LOG", "info,accounts::request=debug")
        .spawn();

    let response = app.post_json(
        "/api/register/",
        &json!({"email": "text-log@example.com", "password": PASSWORD}),
    );

    response.assert_status(201);
    let id = id_of(&response);
    let marker = format!("request_id={id}");
    app.log.wait_for_line(
        "the registration line",
        crate::helpers::STARTUP_DEADLINE,
        |l| l.contains("registered") && l.contains(&marker),
    );
    let request_line =
        app.log
            .wait_for_line("the request line", crate::helpers::STARTUP_DEADLINE, |l| {
                l.contains("accounts::request") && l.contains(&marker)
            });
    assert!(
        request_line.contains("POST register 201") && request_line.contains("client=127.0.0.1"),
        "{request_line}"
    );
}
