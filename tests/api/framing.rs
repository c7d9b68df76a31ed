//! Request framing, where the port is reached without the proxy: nothing
//! after a body the service refused is ever read as a request, and a head
//! with an obs-fold line or a bare CR or LF is answered 400 and its
//! connection closed (RFC 9112 §5.2 and §2.2), so no two parsers can
//! disagree on where a request ends.

use crate::helpers::{PASSWORD, TestApp, form_encode, statuses_until_closed};

/// A request anyone can see the effect of: it registers `email`.
fn registration(email: &str) -> Vec<u8> {
    let body = form_encode(&[("email", email), ("password", PASSWORD)]);
    format!(
        "POST /api/register/ HTTP/1.1\r\nHost: x\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const OVERSIZED_HEAD: &str =
    "POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";

/// `length` bytes of body holding `smuggled` at `offset`.
fn body_with(length: usize, offset: usize, smuggled: &[u8]) -> Vec<u8> {
    let mut body = vec![b'a'; length];
    body[offset..offset + smuggled.len()].copy_from_slice(smuggled);
    body
}

/// A request with `body` sent with a `Content-Length`.
fn sized(body: Vec<u8>) -> Vec<u8> {
    let mut request =
        format!("{OVERSIZED_HEAD}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    request.extend_from_slice(&body);
    request
}

/// A request with `body` sent chunked, as one chunk.
fn chunked(body: Vec<u8>) -> Vec<u8> {
    let mut request = format!(
        "{OVERSIZED_HEAD}Transfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request.extend_from_slice(b"\r\n0\r\n\r\n");
    request
}

/// Builds a request with `smuggled` somewhere in or after its body.
type Placement = fn(&[u8]) -> Vec<u8>;

/// `first`, then `second` on the same connection.
fn followed_by(mut first: Vec<u8>, second: &[u8]) -> Vec<u8> {
    first.extend_from_slice(second);
    first
}

#[test]
fn a_request_placed_after_an_oversized_body_is_never_executed() {
    let app = TestApp::builder().env("ACCOUNTS_READ_TIMEOUT", "2").spawn();
    const MIB: usize = 1024 * 1024;
    let cases: [(&str, Placement); 4] = [
        ("right after a declared body of 70,000 bytes", |s| {
            followed_by(sized(body_with(70_000, 0, b"")), s)
        }),
        ("at offset 1 MiB of a declared body", |s| {
            sized(body_with(MIB + 4096, MIB, s))
        }),
        ("right after a chunked body of 70,000 bytes", |s| {
            followed_by(chunked(body_with(70_000, 0, b"")), s)
        }),
        // Past what the service once read of an oversized chunked body
        // (64 KiB and a byte) and then drained (1 MiB).
        ("at offset 1 MiB + 64 KiB + 1 of a chunked body", |s| {
            chunked(body_with(2 * MIB, MIB + 64 * 1024 + 1, s))
        }),
    ];
    let mut failures = Vec::new();
    for (i, (place, build)) in cases.into_iter().enumerate() {
        let email = format!("smuggled-{i}@example.com");
        let statuses = statuses_until_closed(&app, build(&registration(&email)));
        if statuses != [413] {
            failures.push(format!("{place}: answered {statuses:?}, not just 413"));
        }
        let later = app.post_form(
            "/api/register/",
            &[("email", &email), ("password", PASSWORD)],
        );
        if later.status != 201 {
            failures.push(format!("{place}: the smuggled registration happened"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn an_obs_fold_line_in_the_head_gets_400_and_closes_the_connection() {
    let app = TestApp::builder().env("ACCOUNTS_READ_TIMEOUT", "2").spawn();
    let next = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut failures = Vec::new();
    for (what, head) in [
        (
            "a folded header value",
            "GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n folded\r\n\r\n",
        ),
        (
            "a folded Content-Length",
            "GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n Content-Length: 2\r\n\r\n{}",
        ),
        (
            "a line folded with a tab",
            "GET /health HTTP/1.1\r\nHost: x\r\n\tX-Note: a\r\n\r\n",
        ),
        (
            "whitespace before the first header",
            "GET /health HTTP/1.1\r\n Host: x\r\n\r\n",
        ),
    ] {
        let statuses = statuses_until_closed(&app, format!("{head}{next}").into_bytes());
        if statuses != [400] {
            failures.push(format!("{what}: answered {statuses:?}, not just 400"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    app.assert_alive();
}

#[test]
fn a_bare_cr_or_lf_in_the_head_gets_400_and_closes_the_connection() {
    let app = TestApp::builder().env("ACCOUNTS_READ_TIMEOUT", "2").spawn();
    let next = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut failures = Vec::new();
    for (what, head) in [
        (
            "a bare LF in a header value",
            "GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\nX-B: b\r\n\r\n",
        ),
        (
            "a bare CR in a header value",
            "GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\rX-B: b\r\n\r\n",
        ),
        (
            "a bare LF in the request line",
            "GET /health\nX: HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
        (
            "a bare CR in the request line",
            "GET /health\r HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
        (
            "lines ended by a bare LF",
            "GET /health HTTP/1.1\nHost: x\n\n",
        ),
    ] {
        let statuses = statuses_until_closed(&app, format!("{head}{next}").into_bytes());
        if statuses != [400] {
            failures.push(format!("{what}: answered {statuses:?}, not just 400"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    app.assert_alive();
}
