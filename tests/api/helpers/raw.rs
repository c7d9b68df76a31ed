//! Raw connections for the attacks a well-behaved client never makes: a
//! request dripped a byte at a time, a request sent whole from another thread
//! while the answer is read, and what the server sent before it closed.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::app::TestApp;

/// Sends `prefix` at once, then the bytes of `pattern` over and over, one
/// byte every `pace`, until dropped or until the server stops taking them.
pub struct Drip {
    stop: Arc<AtomicBool>,
    sender: Option<JoinHandle<()>>,
}

impl Drip {
    pub fn start(
        stream: &TcpStream,
        prefix: &[u8],
        pattern: &'static [u8],
        pace: Duration,
    ) -> Drip {
        let mut writer = stream.try_clone().expect("clone the stream");
        writer
            .write_all(prefix)
            .expect("send the start of the request");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let sender = thread::spawn(move || {
            for byte in pattern.iter().cycle() {
                // The pace of the attack, not a wait for the server.
                thread::sleep(pace);
                if stopped.load(Ordering::SeqCst) || writer.write_all(&[*byte]).is_err() {
                    break;
                }
            }
        });
        Drip {
            stop,
            sender: Some(sender),
        }
    }
}

impl Drop for Drip {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(sender) = self.sender.take() {
            let _ = sender.join();
        }
    }
}

/// Everything the server sent until it closed the connection, if it closed
/// it within `deadline`; `None` if the connection was still open then.
pub fn answer_if_closed_within(mut stream: TcpStream, deadline: Duration) -> Option<Vec<u8>> {
    let end = Instant::now() + deadline;
    let mut received = Vec::new();
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        stream
            .set_read_timeout(Some(left))
            .expect("set a read timeout");
        let mut buf = [0u8; 4096];
        match stream.read(&mut buf) {
            Ok(0) => return Some(received),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            // A reset also ends the connection.
            Err(_) => return Some(received),
        }
    }
}

/// True while the server has neither answered nor closed `stream`.
pub fn still_open_and_unanswered(stream: &TcpStream) -> bool {
    stream
        .set_nonblocking(true)
        .expect("make the stream non-blocking");
    let mut buf = [0u8; 1];
    let open = matches!(stream.peek(&mut buf), Err(e) if e.kind() == ErrorKind::WouldBlock);
    stream
        .set_nonblocking(false)
        .expect("make the stream blocking");
    open
}

/// Sends `request` from another thread (the server may stop reading it) and
/// returns the status of every response the server sent before it closed the
/// connection (or before the client's read timeout).
pub fn statuses_until_closed(app: &TestApp, request: Vec<u8>) -> Vec<u16> {
    let stream = app.connect();
    let mut writer = stream.try_clone().expect("clone the stream");
    let sender = thread::spawn(move || {
        let _ = writer.write_all(&request);
    });
    let answer = answer_if_closed_within(stream, Duration::from_secs(20)).unwrap_or_default();
    let _ = sender.join();
    statuses(&answer)
}

/// The status of each response in `answer`, read one after the other by
/// their `Content-Length`.
fn statuses(mut answer: &[u8]) -> Vec<u16> {
    let mut found = Vec::new();
    while let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&answer[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let Some(status) = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
        else {
            break;
        };
        found.push(status);
        let length = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("Content-Length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        answer = &answer[(end + 4 + length).min(answer.len())..];
    }
    found
}
