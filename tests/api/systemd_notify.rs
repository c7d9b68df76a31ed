//! systemd notifications: the test plays systemd, listening on a Unix
//! datagram socket named by `NOTIFY_SOCKET` (and `WATCHDOG_USEC` for the
//! watchdog), and reads what the service sends.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{PASSWORD, STARTUP_DEADLINE, TestApp};

const DEADLINE: Duration = Duration::from_secs(20);

/// A notification socket in a directory of its own, removed on drop.
struct NotifySocket {
    socket: UnixDatagram,
    dir: PathBuf,
}

impl NotifySocket {
    fn bind() -> NotifySocket {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "accounts-notify-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the socket's directory");
        let socket = UnixDatagram::bind(dir.join("notify")).expect("bind the notification socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("set a read timeout");
        NotifySocket { socket, dir }
    }

    fn path(&self) -> String {
        self.dir.join("notify").to_string_lossy().into_owned()
    }

    /// Reads messages until one has the line `wanted`; returns every line
    /// read on the way, `wanted` last. Panics after `deadline`.
    fn wait_for(&self, wanted: &str, deadline: Duration) -> Vec<String> {
        let start = Instant::now();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while start.elapsed() < deadline {
            let Ok(n) = self.socket.recv(&mut buf) else {
                continue;
            };
            for line in String::from_utf8_lossy(&buf[..n]).lines() {
                seen.push(line.to_owned());
                if line == wanted {
                    return seen;
                }
            }
        }
        panic!("no {wanted} within {deadline:?}; received {seen:?}");
    }
}

impl NotifySocket {
    /// Forgets every message received so far.
    fn drain(&self) {
        let mut buf = [0u8; 4096];
        self.socket.set_nonblocking(true).expect("non-blocking");
        while self.socket.recv(&mut buf).is_ok() {}
        self.socket.set_nonblocking(false).expect("blocking again");
    }
}

impl Drop for NotifySocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn_supervised(socket: &NotifySocket, extra: &[(&str, &str)]) -> TestApp {
    let mut builder = TestApp::builder().env("NOTIFY_SOCKET", socket.path());
    for (key, value) in extra {
        builder = builder.env(key, *value);
    }
    builder.spawn()
}

#[test]
fn ready_is_sent_once_health_answers() {
    let socket = NotifySocket::bind();
    let app = spawn_supervised(&socket, &[]);

    socket.wait_for("READY=1", STARTUP_DEADLINE);

    app.get("/health").assert_json(200, json!({"status": "ok"}));
}

#[test]
fn the_watchdog_is_petted_again_and_again_while_requests_are_answered() {
    let socket = NotifySocket::bind();
    let _app = spawn_supervised(&socket, &[("WATCHDOG_USEC", "200000")]);
    socket.wait_for("READY=1", STARTUP_DEADLINE);

    for _ in 0..3 {
        socket.wait_for("WATCHDOG=1", DEADLINE);
    }
}

#[test]
fn stopping_is_sent_on_sigterm() {
    let socket = NotifySocket::bind();
    let mut app = spawn_supervised(&socket, &[]);
    socket.wait_for("READY=1", STARTUP_DEADLINE);

    app.signal("TERM");

    socket.wait_for("STOPPING=1", DEADLINE);
    assert!(app.wait_for_exit(DEADLINE).success());
}

/// One worker, held by a registration whose hash (bcrypt cost 12) takes
/// many watchdog intervals of 100 ms: the probe cannot be answered, so the
/// watchdog is not petted, and petting resumes once the worker is free.
#[test]
fn the_watchdog_is_not_petted_while_no_worker_can_answer() {
    let socket = NotifySocket::bind();
    let app = spawn_supervised(
        &socket,
        &[
            ("WATCHDOG_USEC", "200000"),
            ("ACCOUNTS_WORKERS", "1"),
            ("ACCOUNTS_HASH_THREADS", "1"),
            ("ACCOUNTS_BCRYPT_COST", "12"),
        ],
    );
    socket.wait_for("WATCHDOG=1", STARTUP_DEADLINE);

    thread::scope(|s| {
        let registration = s.spawn(|| {
            app.post_json(
                "/api/register/",
                &json!({"email": "slow@example.com", "password": PASSWORD}),
            )
        });
        app.log.wait_for_line("a skipped watchdog", DEADLINE, |l| {
            l.contains("did not answer 200") && l.contains("not petting the watchdog")
        });
        let response = registration.join().expect("the registration thread");
        response.assert_status(201);
    });
    socket.drain();
    socket.wait_for("WATCHDOG=1", DEADLINE);
}
