//! Slow and surplus connections: idle and dripping clients are cut off
//! after the read timeout without holding a request worker, and connections
//! beyond the cap are closed at once until one is freed.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::{TestApp, wait_until};

#[test]
fn idle_and_dripping_connections_are_closed_while_others_are_served() {
    let app = TestApp::builder().env("ACCOUNTS_READ_TIMEOUT", "4").spawn();
    let started = Instant::now();
    let idle: Vec<TcpStream> = (0..100).map(|_| app.connect()).collect();
    // More drips than request workers (32): a body of up to 64 KiB is read
    // by the connection's own thread, so the drips hold no worker.
    let mut drips: Vec<TcpStream> = (0..64).map(|_| app.connect()).collect();
    for stream in &mut drips {
        stream
            .write_all(b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{")
            .unwrap();
    }
    // Meanwhile, ordinary requests are answered...
    for _ in 0..20 {
        app.assert_alive();
    }
    // ...while every drip is still held: none was answered or closed yet, so
    // the ordinary requests did not wait for the slow ones to time out.
    for stream in &drips {
        stream.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 1];
        let still_open = matches!(
            stream.peek(&mut buf),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
        );
        assert!(
            still_open,
            "a drip was answered before the ordinary requests were"
        );
        stream.set_nonblocking(false).unwrap();
    }
    // Every slow connection is closed by the server after the timeout (4 s),
    // well before this test's own deadline.
    let deadline = started + Duration::from_secs(20);
    for mut stream in idle.into_iter().chain(drips) {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        stream.set_read_timeout(Some(left)).unwrap();
        let mut buf = [0u8; 4096];
        let closed = loop {
            match std::io::Read::read(&mut stream, &mut buf) {
                Ok(0) => break true,
                Ok(_) => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    break true;
                }
                Err(e) => {
                    eprintln!("reading a slow connection failed: {e:?}");
                    break false;
                }
            }
        };
        assert!(
            closed,
            "a slow connection was still open after {:?}",
            started.elapsed()
        );
    }
    app.assert_alive();
}

#[test]
fn connections_beyond_the_cap_are_closed_at_once_and_served_again_once_freed() {
    let app = TestApp::builder()
        .env("ACCOUNTS_MAX_CONNECTIONS", "10")
        .spawn();
    let held: Vec<TcpStream> = (0..10).map(|_| app.connect()).collect();
    // The accept thread counts connections as it takes them: wait until the
    // eleventh is refused, which it must be while ten are held.
    wait_until(
        "an eleventh connection to be refused",
        Duration::from_secs(10),
        || {
            let mut extra = app.connect();
            extra
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let _ = extra.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            let mut buf = [0u8; 64];
            match std::io::Read::read(&mut extra, &mut buf) {
                Ok(0) | Err(_) => Some(()),
                Ok(_) => None,
            }
        },
    );
    drop(held);
    wait_until(
        "the service to accept again",
        Duration::from_secs(10),
        || {
            let mut stream = app.connect();
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .ok()?;
            let mut answer = Vec::new();
            std::io::Read::read_to_end(&mut stream, &mut answer).ok()?;
            answer.starts_with(b"HTTP/1.1 200").then_some(())
        },
    );
}
