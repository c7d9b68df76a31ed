//! Size limits of a request: a URL, a header line and a body (declared or
//! chunked) past their limit are refused without harming the service.

use crate::helpers::{TestApp, raw_until_closed, spawn_app};

#[test]
fn a_64_kib_url_gets_414() {
    let app = spawn_app();
    let path = format!("/api/user/?q={}", "a".repeat(64 * 1024));
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let response = app.raw_exchange(request.into_bytes()).expect("an answer");
    assert_eq!(response.status, 414);
    app.assert_alive();
}

#[test]
fn a_body_over_64_kib_gets_413_whether_declared_or_chunked() {
    let app = spawn_app();
    let big = format!("{{\"email\": \"{}\"}}", "a".repeat(70 * 1024));
    app.post_raw("/api/register/", "application/json", big.as_bytes())
        .assert_status(413);
    let mut chunked = b"POST /api/register/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..70 {
        chunked.extend_from_slice(format!("400\r\n{}\r\n", "a".repeat(1024)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let response = app.raw_exchange(chunked).expect("an answer");
    assert_eq!(response.status, 413);
    app.assert_alive();
}

#[test]
fn a_huge_declared_content_length_does_not_crash_the_service() {
    // On a kept-alive connection the server lets go only after it has dealt
    // with the unread body (upstream tiny_http aborts the process right
    // there), so once the connection closes the check below sees the outcome.
    let app = TestApp::builder().env("ACCOUNTS_READ_TIMEOUT", "1").spawn();
    let answer = raw_until_closed(
        &app,
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 1000000000000\r\n\r\n{\"a\"",
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    app.assert_alive();
}

#[test]
fn an_oversized_header_line_closes_the_connection() {
    let app = spawn_app();
    let request = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let answer = raw_until_closed(&app, request.as_bytes());
    assert!(!answer.contains("HTTP/1.1 200"), "{answer}");
    app.assert_alive();
}
