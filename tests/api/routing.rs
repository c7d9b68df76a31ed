//! What every route shares: 404, 405 with `Allow`, `OPTIONS`, `HEAD`, body
//! types and limits, trailing slashes, and input that must never get a 500.

use std::io::Write;
use std::net::Shutdown;

use serde_json::json;

use crate::helpers::{
    PASSWORD, RawResponse, TestApp, form_encode, raw_head, raw_pipeline, read_response, spawn_app,
};

const LIMIT: usize = 64 * 1024;

/// The values of an `Allow` header.
fn allowed(allow: Option<&str>) -> Vec<String> {
    allow
        .unwrap_or("")
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// Asserts that nothing followed the header block of a HEAD response.
fn assert_no_body_after_head(response: &RawResponse) {
    assert_eq!(
        String::from_utf8_lossy(&response.body),
        "",
        "no body after HEAD"
    );
}

/// A registration JSON body padded with spaces to exactly `size` bytes.
fn padded_register_body(size: usize) -> Vec<u8> {
    let mut body = json!({"email": "alice@example.com", "password": PASSWORD})
        .to_string()
        .into_bytes();
    let close = body.pop().expect("a closing brace");
    body.resize(size - 1, b' ');
    body.push(close);
    body
}

fn post_request_head(path: &str, extra_headers: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{extra_headers}\r\n"
    )
}

/// `body` in chunks of `chunk` bytes, chunked transfer coding.
fn chunked(body: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

#[test]
fn an_unknown_path_returns_404_not_found() {
    let app = spawn_app();
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/api/"),
        ("GET", "/api/nope/"),
        ("POST", "/api/registerx/"),
        ("GET", "/api/user/extra/"),
        ("GET", "/healthz"),
    ] {
        let response = app.request(method, path, &[], None);
        assert_eq!(response.status, 404, "{method} {path}: {}", response.body);
        response.assert_json(404, json!({"detail": "Not found."}));
    }
}

#[test]
fn a_wrong_method_returns_405_with_an_allow_header() {
    let app = spawn_app();
    for (method, path, allowed_method) in [
        ("GET", "/api/register/", "POST"),
        ("GET", "/api/register", "POST"),
        ("PUT", "/api/token/", "POST"),
        ("GET", "/api/token/refresh/", "POST"),
        ("DELETE", "/api/login/", "POST"),
        ("PUT", "/api/user/", "GET"),
        ("POST", "/health", "GET"),
    ] {
        let response = app.request(method, path, &[], None);
        assert_eq!(response.status, 405, "{method} {path}: {}", response.body);
        response.assert_json(
            405,
            json!({"detail": format!("Method \"{method}\" not allowed.")}),
        );
        let allow = allowed(response.header("Allow"));
        assert!(
            allow.iter().any(|m| m == allowed_method),
            "{method} {path}: Allow {allow:?} lists {allowed_method}"
        );
        assert!(
            !allow.iter().any(|m| m == method),
            "{method} {path}: Allow {allow:?}"
        );
    }
}

#[test]
fn a_wrong_method_on_the_user_route_is_405_even_without_credentials() {
    let app = spawn_app();
    let response = app.post_json("/api/user/", &json!({}));
    response.assert_json(405, json!({"detail": "Method \"POST\" not allowed."}));
}

#[test]
fn options_on_a_known_path_returns_204_with_allow() {
    let app = spawn_app();
    for (path, allowed_method) in [
        ("/api/register/", "POST"),
        ("/api/token/", "POST"),
        ("/api/token/refresh/", "POST"),
        ("/api/login/", "POST"),
        ("/api/user/", "GET"),
        ("/api/confirm-email/", "POST"),
        ("/health", "GET"),
        ("/api/register", "POST"),
    ] {
        let response = app.request("OPTIONS", path, &[], None);
        assert_eq!(response.status, 204, "OPTIONS {path}: {}", response.body);
        assert_eq!(response.body, "", "OPTIONS {path} has no body");
        let allow = allowed(response.header("Allow"));
        assert!(
            allow.iter().any(|m| m == allowed_method),
            "OPTIONS {path}: Allow {allow:?} lists {allowed_method}"
        );
    }
}

#[test]
fn head_on_health_answers_like_get_without_a_body() {
    let app = spawn_app();
    let response = raw_head(&app, "/health", "");
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("Content-Type")
            .unwrap_or("")
            .starts_with("application/json"),
        "{:?}",
        response.headers
    );
    assert_no_body_after_head(&response);
}

#[test]
fn head_on_the_user_route_answers_like_get_without_a_body() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);

    let response = raw_head(
        &app,
        "/api/user/",
        &format!("Authorization: Bearer {access}\r\n"),
    );

    assert_eq!(response.status, 200);
    assert_no_body_after_head(&response);
}

#[test]
fn head_on_the_user_route_without_credentials_answers_401_without_a_body() {
    let app = spawn_app();
    let response = raw_head(&app, "/api/user/", "");
    assert_eq!(response.status, 401);
    assert_no_body_after_head(&response);
}

#[test]
fn an_unsupported_content_type_returns_415() {
    let app = spawn_app();
    for path in [
        "/api/register/",
        "/api/token/",
        "/api/token/refresh/",
        "/api/login/",
        "/api/confirm-email/",
    ] {
        let response = app.post_raw(path, "text/plain", b"email=alice@example.com");
        assert_eq!(response.status, 415, "POST {path}: {}", response.body);
        response.assert_json(
            415,
            json!({"detail": "Unsupported media type \"text/plain\" in request."}),
        );
    }
}

#[test]
fn malformed_json_returns_400_json_parse_error() {
    let app = spawn_app();
    for body in [
        r#"{"email": "#,
        "not json",
        r#"{"email": "alice@example.com",}"#,
        "{'a': 1}",
    ] {
        let response = app.post_raw("/api/register/", "application/json", body.as_bytes());
        assert_eq!(response.status, 400, "{body:?}: {}", response.body);
        response.assert_json_content_type();
        let json = response.json();
        let fields = json.as_object().expect("an object");
        assert_eq!(fields.len(), 1, "{body:?}: only detail: {json}");
        let detail = json["detail"].as_str().expect("a detail string");
        assert!(
            detail.starts_with("JSON parse error - "),
            "{body:?}: detail {detail:?}"
        );
    }
}

#[test]
fn a_body_over_64_kib_returns_413() {
    let app = spawn_app();
    let body = padded_register_body(LIMIT + 1);
    let mut request = post_request_head(
        "/api/register/",
        &format!("Content-Length: {}\r\n", body.len()),
    )
    .into_bytes();
    request.extend_from_slice(&body);

    let response = app.raw_exchange(request).expect("an answer");

    assert_eq!(response.status, 413);
    app.assert_alive();
}

#[test]
fn a_body_of_exactly_64_kib_is_accepted() {
    let app = spawn_app();
    let body = padded_register_body(LIMIT);
    assert_eq!(body.len(), LIMIT);
    app.post_raw("/api/register/", "application/json", &body)
        .assert_status(201);
}

#[test]
fn a_huge_declared_content_length_returns_413_without_waiting_for_the_body() {
    let app = spawn_app();
    let request =
        post_request_head("/api/register/", "Content-Length: 10000000000\r\n").into_bytes();

    let response = app.raw_exchange(request).expect("an answer");

    assert_eq!(response.status, 413);
    app.assert_alive();
}

#[test]
fn a_chunked_body_over_64_kib_returns_413() {
    let app = spawn_app();
    let mut request =
        post_request_head("/api/register/", "Transfer-Encoding: chunked\r\n").into_bytes();
    request.extend_from_slice(&chunked(&padded_register_body(LIMIT + 16 * 1024), 8 * 1024));

    let response = app.raw_exchange(request).expect("an answer");

    assert_eq!(response.status, 413);
    app.assert_alive();
}

#[test]
fn a_small_chunked_body_is_accepted() {
    let app = spawn_app();
    let mut request = post_request_head(
        "/api/register/",
        "Transfer-Encoding: chunked\r\nConnection: close\r\n",
    )
    .into_bytes();
    request.extend_from_slice(&chunked(&padded_register_body(200), 64));

    let response = app.raw_exchange(request).expect("an answer");

    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
}

#[test]
fn every_route_answers_without_its_trailing_slash() {
    let app = spawn_app();
    app.register_with_username("alice@example.com", "alice", PASSWORD);
    let (access, refresh) = app.login("alice@example.com", PASSWORD);
    let credentials = json!({"email": "alice@example.com", "password": PASSWORD});

    let cases = [
        (
            "register",
            app.post_json(
                "/api/register",
                &json!({"email": "bob@example.com", "password": PASSWORD}),
            ),
            201,
        ),
        ("token", app.post_json("/api/token", &credentials), 200),
        (
            "refresh",
            app.post_json("/api/token/refresh", &json!({"refresh": refresh})),
            200,
        ),
        (
            "login",
            app.post_json(
                "/api/login",
                &json!({"username": "alice", "password": PASSWORD}),
            ),
            200,
        ),
        ("user", app.get_with_bearer("/api/user", &access), 200),
        (
            "confirm-email",
            app.post_json("/api/confirm-email", &json!({"token": "unknown"})),
            400,
        ),
        ("health", app.get("/health/"), 200),
    ];
    for (route, response, status) in cases {
        assert_eq!(
            response.status, status,
            "{route} without its slash: {}",
            response.body
        );
    }
}

#[test]
fn a_query_string_does_not_change_the_route() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);

    app.get("/health?probe=1")
        .assert_json(200, json!({"status": "ok"}));
    app.get_with_bearer("/api/user/?format=json", &access)
        .assert_status(200);
}

#[test]
fn client_input_never_gets_a_500() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let long = format!("{}@example.com", "a".repeat(10_000));
    let bodies: Vec<(&str, &str, Vec<u8>)> = vec![
        ("a JSON array", "application/json", b"[1, 2, 3]".to_vec()),
        ("a JSON string", "application/json", br#""alice""#.to_vec()),
        ("JSON null", "application/json", b"null".to_vec()),
        ("numbers and booleans", "application/json", br#"{"email": 5, "password": true, "username": 1, "refresh": 2, "token": 3}"#.to_vec()),
        ("nested values", "application/json", br#"{"email": ["a@example.com"], "password": {"x": 1}, "username": [], "refresh": {}, "token": []}"#.to_vec()),
        ("nulls", "application/json", br#"{"email": null, "password": null, "username": null, "refresh": null, "token": null}"#.to_vec()),
        ("invalid UTF-8 in JSON", "application/json", b"{\"email\": \"\xff\xfe@example.com\", \"password\": \"\xc3\"}".to_vec()),
        ("deep nesting", "application/json", "[".repeat(10_000).into_bytes()),
        ("a NUL in the email", "application/json", json!({"email": "a\u{0}@example.com", "password": PASSWORD, "username": "a\u{0}"}).to_string().into_bytes()),
        ("a 10 kB email", "application/json", json!({"email": long, "password": PASSWORD, "username": long}).to_string().into_bytes()),
        ("bad percent escapes", "application/x-www-form-urlencoded", b"email=%zz&password=%&username=%4".to_vec()),
        ("invalid UTF-8 in a form", "application/x-www-form-urlencoded", b"email=%ff%fe&password=%c3&token=%80".to_vec()),
        ("a form without values", "application/x-www-form-urlencoded", b"email&password&&=".to_vec()),
        ("repeated form fields", "application/x-www-form-urlencoded", form_encode(&[("email", "a@example.com"), ("email", "b@example.com"), ("password", PASSWORD)]).into_bytes()),
        ("a multipart body", "multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@example.com\r\n--xyz--\r\n".to_vec()),
    ];
    for path in [
        "/api/register/",
        "/api/token/",
        "/api/token/refresh/",
        "/api/login/",
        "/api/confirm-email/",
    ] {
        for (what, content_type, body) in &bodies {
            let response = app.post_raw(path, content_type, body);
            assert!(
                (400..500).contains(&response.status),
                "POST {path} with {what} answered {}: {}",
                response.status,
                response.body
            );
        }
    }
    app.assert_alive();
}

/// Sends raw bytes, closes the sending side, and returns the answer (if any).
fn send_and_half_close(app: &TestApp, bytes: &[u8]) -> Option<RawResponse> {
    let mut stream = app.connect();
    stream.write_all(bytes).expect("send");
    let _ = stream.shutdown(Shutdown::Write);
    read_response(stream)
}

#[test]
fn a_malformed_request_does_not_stop_the_server() {
    let app = spawn_app();
    for request in [
        &b"NOT HTTP AT ALL\r\n\r\n"[..],
        b"GET /health HTTP/1.1\r\nno-colon-here\r\n\r\n",
        b"GET /\x00\xff HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /health HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST /api/register/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        if let Some(response) = send_and_half_close(&app, request) {
            assert!(
                response.status < 500,
                "{:?} answered {}",
                String::from_utf8_lossy(request),
                response.status
            );
        }
        app.assert_alive();
    }
}

#[test]
fn a_body_shorter_than_its_content_length_does_not_stop_the_server() {
    let app = spawn_app();
    let mut request = post_request_head("/api/register/", "Content-Length: 100\r\n").into_bytes();
    request.extend_from_slice(br#"{"email": "alice@example.com""#);

    if let Some(response) = send_and_half_close(&app, &request) {
        assert!(response.status < 500, "answered {}", response.status);
    }
    app.assert_alive();
    app.register("alice@example.com", PASSWORD);
}

#[test]
fn a_client_that_sends_its_headers_slowly_does_not_block_others() {
    let app = spawn_app();
    let mut slow = app.connect();
    slow.write_all(b"POST /api/register/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .expect("send part of the headers");

    app.assert_alive();
    app.register("alice@example.com", PASSWORD);
    drop(slow);
}

#[test]
fn a_client_that_sends_its_body_slowly_does_not_block_others() {
    let app = spawn_app();
    let mut slow = app.connect();
    let mut request = post_request_head("/api/register/", "Content-Length: 1000\r\n").into_bytes();
    request.extend_from_slice(br#"{"email": "#);
    slow.write_all(&request).expect("send part of the body");

    app.assert_alive();
    app.register("alice@example.com", PASSWORD);
    drop(slow);
}

#[test]
fn a_body_the_server_did_not_need_does_not_corrupt_the_next_request_on_the_connection() {
    let app = spawn_app();
    let next = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut failures = Vec::new();
    for (what, first, status) in [
        (
            "a 404 with a chunked body",
            "POST /api/nope/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            404,
        ),
        (
            "a 405 with a chunked body",
            "PUT /api/user/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            405,
        ),
        (
            "a 405 with an empty chunked body (ureq's bodiless POST)",
            "POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            405,
        ),
        (
            "a 404 with a sized body",
            "POST /api/nope/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
            404,
        ),
    ] {
        let responses = raw_pipeline(&app, format!("{first}{next}").as_bytes());

        let outcome = match (responses.first(), responses.get(1)) {
            (None, _) => Err("no answer".to_owned()),
            (Some(first), _) if first.status != status => Err(format!("answered {}", first.status)),
            // The server may close instead of reading the rest, if it says
            // so: the client then knows the next request was not taken.
            (Some(first), _)
                if first
                    .header("Connection")
                    .is_some_and(|v| v.eq_ignore_ascii_case("close")) =>
            {
                Ok(())
            }
            (Some(_), None) => Err("closed the connection without `Connection: close`".to_owned()),
            (Some(_), Some(second)) if second.status == 200 => Ok(()),
            (Some(_), Some(second)) => Err(format!(
                "read the next request from the leftover body and answered it {}",
                second.status
            )),
        };
        if let Err(problem) = outcome {
            failures.push(format!("{what}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
