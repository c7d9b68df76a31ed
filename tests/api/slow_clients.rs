//! Slow clients: a request's head and body each have a total deadline
//! (`ACCOUNTS_HEADER_TIMEOUT`, `ACCOUNTS_BODY_TIMEOUT`) however steadily the
//! bytes drip, a dripping body never holds a request worker, and a body the
//! service does not read is not drained after the answer: the connection is
//! closed instead.
//!
//! Each drip sends a byte well within `ACCOUNTS_READ_TIMEOUT`, so that timeout
//! alone never ends it.

use std::net::TcpStream;
use std::time::Duration;

use crate::helpers::{
    Drip, TestApp, answer_if_closed_within, read_response, still_open_and_unanswered,
};

/// One byte this often: far inside the 3 s read timeout of these tests.
const PACE: Duration = Duration::from_millis(300);
/// How long a test waits for the server to close a connection it must close.
/// Generous: the deadlines under test are 1 s.
const CLOSE_WITHIN: Duration = Duration::from_secs(15);

const HEAD_OF_A_SIZED_BODY: &[u8] = b"POST /api/token/ HTTP/1.1\r\nHost: x\r\n\
    Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
const HEAD_OF_A_CHUNKED_BODY: &[u8] = b"POST /api/token/ HTTP/1.1\r\nHost: x\r\n\
    Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
/// One chunk of one byte, over and over: a chunked body that never ends.
const ENDLESS_CHUNKS: &[u8] = b"1\r\n \r\n";
/// A declared body over the 64 KiB the service accepts.
const HEAD_OF_AN_OVERSIZED_BODY: &[u8] = b"POST /api/token/ HTTP/1.1\r\nHost: x\r\n\
    Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n{\"username\": \"";

fn assert_answered_408_and_closed(stream: TcpStream, what: &str) {
    let answer = answer_if_closed_within(stream, CLOSE_WITHIN)
        .unwrap_or_else(|| panic!("{what}: still open after {CLOSE_WITHIN:?}"));
    assert!(
        answer.starts_with(b"HTTP/1.1 408"),
        "{what}: answered {:?}",
        String::from_utf8_lossy(&answer)
    );
}

/// `GET /health` on a new connection, answered within the client's read
/// timeout (10 s), or `None`.
fn health_status(app: &TestApp) -> Option<u16> {
    let mut stream = app.connect();
    std::io::Write::write_all(
        &mut stream,
        b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .ok()?;
    read_response(stream).map(|r| r.status)
}

#[test]
fn a_head_dripped_past_the_header_timeout_gets_408_and_is_closed() {
    let app = TestApp::builder()
        .env("ACCOUNTS_READ_TIMEOUT", "3")
        .env("ACCOUNTS_HEADER_TIMEOUT", "1")
        .spawn();
    let stream = app.connect();
    let _drip = Drip::start(
        &stream,
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ",
        b"a",
        PACE,
    );
    assert_answered_408_and_closed(stream, "a dripped head");
    app.assert_alive();
}

#[test]
fn a_body_dripped_past_the_body_timeout_gets_408_and_is_closed() {
    let app = TestApp::builder()
        .env("ACCOUNTS_READ_TIMEOUT", "3")
        .env("ACCOUNTS_BODY_TIMEOUT", "1")
        .spawn();
    let stream = app.connect();
    let _drip = Drip::start(&stream, HEAD_OF_A_SIZED_BODY, b" ", PACE);
    assert_answered_408_and_closed(stream, "a dripped body");
    app.assert_alive();
}

#[test]
fn a_chunked_body_dripped_past_the_body_timeout_gets_408_and_is_closed() {
    let app = TestApp::builder()
        .env("ACCOUNTS_READ_TIMEOUT", "3")
        .env("ACCOUNTS_BODY_TIMEOUT", "1")
        .spawn();
    let stream = app.connect();
    let _drip = Drip::start(&stream, HEAD_OF_A_CHUNKED_BODY, ENDLESS_CHUNKS, PACE);
    assert_answered_408_and_closed(stream, "a dripped chunked body");
    app.assert_alive();
}

#[test]
fn dripping_chunked_bodies_hold_no_request_worker() {
    // A body deadline far beyond this test, so no deadline frees a worker.
    let app = TestApp::builder()
        .env("ACCOUNTS_WORKERS", "2")
        .env("ACCOUNTS_READ_TIMEOUT", "3")
        .env("ACCOUNTS_BODY_TIMEOUT", "600")
        .spawn();
    let streams: Vec<TcpStream> = (0..3).map(|_| app.connect()).collect();
    let _drips: Vec<Drip> = streams
        .iter()
        .map(|s| Drip::start(s, HEAD_OF_A_CHUNKED_BODY, ENDLESS_CHUNKS, PACE))
        .collect();
    assert_eq!(
        health_status(&app),
        Some(200),
        "/health was not answered while chunked bodies dripped"
    );
    for stream in &streams {
        assert!(
            still_open_and_unanswered(stream),
            "a dripping body was answered or closed before /health was"
        );
    }
}

#[test]
fn after_a_413_the_connection_is_closed_instead_of_drained() {
    let app = TestApp::builder().env("ACCOUNTS_READ_TIMEOUT", "3").spawn();
    let stream = app.connect();
    let _drip = Drip::start(&stream, HEAD_OF_AN_OVERSIZED_BODY, b"a", PACE);
    let answer = answer_if_closed_within(stream, CLOSE_WITHIN)
        .expect("the connection is closed while the client still sends its body");
    assert!(
        answer.starts_with(b"HTTP/1.1 413"),
        "answered {:?}",
        String::from_utf8_lossy(&answer)
    );
}

#[test]
fn a_slowly_sent_oversized_body_holds_no_worker_after_its_413() {
    let app = TestApp::builder()
        .env("ACCOUNTS_WORKERS", "1")
        .env("ACCOUNTS_READ_TIMEOUT", "3")
        .spawn();
    let stream = app.connect();
    let _drip = Drip::start(&stream, HEAD_OF_AN_OVERSIZED_BODY, b"a", PACE);
    let answer = read_response(stream.try_clone().expect("clone the stream"))
        .expect("an answer to the oversized body");
    assert_eq!(answer.status, 413);
    assert_eq!(
        health_status(&app),
        Some(200),
        "the only worker was still busy with the answered request"
    );
}
