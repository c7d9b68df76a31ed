//! The test harness: the real `accounts` binary on a free port with a
//! temporary database, a fake Postmark provider that records what it
//! receives, and typed helpers to talk to both.
//!
//! Everything here waits by polling with a deadline; nothing sleeps for a
//! fixed time to "let the server catch up".

use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod app;
mod django;
mod external;
mod http;
mod jwt;
mod keys;
mod lifecycle;
mod mail;
mod raw;
mod server;
mod smtp;
mod throttle;

pub use app::{TestApp, spawn_app};
pub use django::*;
pub use external::{Browser, litestream, run_with_deadline};
pub use http::{
    RawResponse, TestResponse, form_encode, raw_head, raw_pipeline, raw_until_closed, read_response,
};
pub use jwt::*;
pub use keys::*;
pub use lifecycle::*;
pub use mail::{FakeMailProvider, RecordedRequest, Refuser, find_code};
pub use raw::{Drip, answer_if_closed_within, statuses_until_closed, still_open_and_unanswered};
pub use server::FailedStart;
pub use smtp::{ReceivedMail, SmtpServer};
pub use throttle::{assert_throttled, throttled_app};

/// `ACCOUNTS_SECRET_KEY` of every test server: a Django-style key with the
/// punctuation Django puts in them, used by the server as raw bytes.
pub const TEST_SECRET: &str = "django-insecure-x9#k$2m@q!7v^w&z*3p(r)t+u=y_b%n8c-d4e5f6g7h8j9k0";
/// `ACCOUNTS_MAIL_API_KEY` of every test server.
pub const MAIL_API_KEY: &str = "test-key";
/// `ACCOUNTS_MAIL_FROM` of every test server.
pub const MAIL_FROM: &str = "accounts@example.com";
/// `ACCOUNTS_PUBLIC_URL` of every test server. Tests take the path from a
/// link and request it on the real address, so this host is never contacted.
pub const PUBLIC_URL: &str = "http://127.0.0.1:8999";
/// A password that passes every Django validator.
pub const PASSWORD: &str = "correct-horse-battery-staple";
/// How long a server gets to print its `listening on` line.
pub const STARTUP_DEADLINE: Duration = Duration::from_secs(20);
/// How long a mail may take to reach the fake provider, retries included.
pub const MAIL_DEADLINE: Duration = Duration::from_secs(30);
/// The path prefix of confirmation links.
pub const CONFIRM_PREFIX: &str = "/api/confirm-email/";

/// Calls `probe` every few milliseconds until it returns `Some`; `None` once
/// `deadline` has passed first.
pub fn poll_until<T>(deadline: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        if start.elapsed() > deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Calls `probe` every few milliseconds until it returns `Some`, and panics
/// naming `what` when `deadline` passes first.
pub fn wait_until<T>(what: &str, deadline: Duration, probe: impl FnMut() -> Option<T>) -> T {
    poll_until(deadline, probe)
        .unwrap_or_else(|| panic!("timed out after {deadline:?} waiting for {what}"))
}

/// The current Unix time in whole seconds.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// Blocks until the wall clock reads at least `secs` (Unix seconds).
pub fn wait_for_clock(secs: u64) {
    wait_until(
        &format!("the clock to reach {secs}"),
        Duration::from_secs(secs.saturating_sub(now_secs()) + 5),
        || (now_secs() >= secs).then_some(()),
    );
}

/// A port on 127.0.0.1 that nothing listens on (it was free a moment ago).
pub fn reserve_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}
