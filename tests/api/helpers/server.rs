//! Starting the server: its temporary directory, its environment, its
//! drained log, and the wait for its `listening on` line.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::app::TestApp;
use super::mail::FakeMailProvider;
use super::{
    MAIL_API_KEY, MAIL_FROM, PUBLIC_URL, STARTUP_DEADLINE, TEST_SECRET, poll_until, wait_until,
};

/// A unique directory under the system temp dir, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub(super) fn new() -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .subsec_nanos();
        let path = std::env::temp_dir().join(format!(
            "accounts-test-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create the test's temporary directory");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

// ---------------------------------------------------------------------------
// The server's log

#[derive(Default)]
struct LogState {
    text: String,
    open_streams: usize,
}

/// Everything the server printed (stderr and stdout), drained by threads so
/// the pipes never fill.
#[derive(Clone, Default)]
pub struct ServerLog(Arc<Mutex<LogState>>);

impl ServerLog {
    fn lock(&self) -> MutexGuard<'_, LogState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn drain(&self, mut stream: impl Read + Send + 'static) {
        self.lock().open_streams += 1;
        let log = self.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => log
                        .lock()
                        .text
                        .push_str(&String::from_utf8_lossy(&buf[..n])),
                }
            }
            log.lock().open_streams -= 1;
        });
    }

    /// The whole log so far.
    pub fn text(&self) -> String {
        self.lock().text.clone()
    }

    /// The complete lines of the log so far.
    pub fn lines(&self) -> Vec<String> {
        let text = self.text();
        let complete = match text.rfind('\n') {
            Some(end) => &text[..end],
            None => "",
        };
        complete.lines().map(str::to_owned).collect()
    }

    /// True once the server closed both of its output streams.
    fn closed(&self) -> bool {
        self.lock().open_streams == 0
    }

    /// Waits until a complete log line satisfies `matches` and returns it.
    pub fn wait_for_line(
        &self,
        what: &str,
        deadline: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> String {
        poll_until(deadline, || self.lines().into_iter().find(|l| matches(l))).unwrap_or_else(
            || {
                panic!(
                    "timed out after {deadline:?} waiting for a log line with {what}; log so far:\n{}",
                    self.text()
                )
            },
        )
    }
}

// ---------------------------------------------------------------------------
// The server under test

/// Starts a server: `TestApp::builder().env("ACCOUNTS_ACCESS_TTL", "2h").spawn()`.
#[derive(Clone, Default)]
pub struct TestAppBuilder {
    env: BTreeMap<String, Option<String>>,
    mail: Option<FakeMailProvider>,
    mail_api_url: Option<String>,
    dir: Option<Arc<TempDir>>,
}

/// How a server that was expected to refuse to start ended.
pub struct FailedStart {
    pub status: ExitStatus,
    pub output: String,
}

impl TestAppBuilder {
    /// Sets (or overrides) one environment variable of the server.
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.insert(key.to_owned(), Some(value.into()));
        self
    }

    /// Leaves one of the harness's default variables unset.
    pub fn without_env(mut self, key: &str) -> Self {
        self.env.insert(key.to_owned(), None);
        self
    }

    /// Sends mail to this URL, where the test may or may not run a provider.
    pub fn mail_api_url(mut self, url: String) -> Self {
        self.mail_api_url = Some(url);
        self
    }

    fn command(&mut self) -> (Command, FakeMailProvider, Arc<TempDir>) {
        let dir = self
            .dir
            .get_or_insert_with(|| Arc::new(TempDir::new()))
            .clone();
        let mail = self
            .mail
            .get_or_insert_with(FakeMailProvider::start)
            .clone();
        let mail_url = self.mail_api_url.clone().unwrap_or_else(|| mail.url());
        let db = dir.path().join("accounts.db");
        let mut env: BTreeMap<String, Option<String>> =
            std::iter::once(("ACCOUNTS_LISTEN".to_owned(), "127.0.0.1:0".to_owned()))
                .chain(harness_env(&db, mail_url))
                .map(|(k, v)| (k, Some(v)))
                .collect();
        env.extend(self.env.clone());

        let mut command = accounts_command();
        for (key, value) in &env {
            if let Some(value) = value {
                command.env(key, value);
            }
        }
        command
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        (command, mail, dir)
    }

    fn start(&mut self) -> (Child, ServerLog, FakeMailProvider, Arc<TempDir>) {
        let (mut command, mail, dir) = self.command();
        let mut child = command.spawn().expect("start the accounts binary");
        let log = ServerLog::default();
        log.drain(child.stderr.take().expect("piped stderr"));
        log.drain(child.stdout.take().expect("piped stdout"));
        (child, log, mail, dir)
    }

    /// Starts the server and waits for its `listening on` line.
    pub fn spawn(mut self) -> TestApp {
        let (mut child, log, mail, dir) = self.start();
        let start = Instant::now();
        let addr = loop {
            if let Some(addr) = log.lines().iter().find_map(|l| listening_address(l)) {
                break addr;
            }
            if log.closed() || start.elapsed() > STARTUP_DEADLINE {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "the server did not report `listening on` (exit: {status:?}); its output:\n{}",
                    log.text()
                );
            }
            thread::sleep(Duration::from_millis(10));
        };
        TestApp {
            address: format!("http://{addr}"),
            port: addr.port(),
            mail,
            log,
            dir,
            child: Some(child),
            agent: http_agent(),
            builder: self,
        }
    }

    /// Starts the server, expecting it to exit on its own, and returns how.
    pub fn spawn_expecting_failure(mut self) -> FailedStart {
        let (mut child, log, _mail, _dir) = self.start();
        let Some(status) = exit_within(&mut child, STARTUP_DEADLINE) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server kept running; its output:\n{}", log.text());
        };
        wait_until(
            "the server's output to close",
            Duration::from_secs(5),
            || log.closed().then_some(()),
        );
        FailedStart {
            status,
            output: log.text(),
        }
    }
}

/// The settings every test server and operator command gets: the database
/// at `db`, the test secret, bcrypt cost 4, Postmark at `mail_url`, no
/// throttling, info logs.
pub(super) fn harness_env(db: &Path, mail_url: String) -> Vec<(String, String)> {
    [
        ("ACCOUNTS_DB", db.to_string_lossy().into_owned()),
        ("ACCOUNTS_SECRET_KEY", TEST_SECRET.to_owned()),
        ("ACCOUNTS_BCRYPT_COST", "4".to_owned()),
        ("ACCOUNTS_MAIL_PROVIDER", "postmark".to_owned()),
        ("ACCOUNTS_MAIL_API_URL", mail_url),
        ("ACCOUNTS_MAIL_API_KEY", MAIL_API_KEY.to_owned()),
        ("ACCOUNTS_MAIL_FROM", MAIL_FROM.to_owned()),
        ("ACCOUNTS_PUBLIC_URL", PUBLIC_URL.to_owned()),
        ("ACCOUNTS_THROTTLE", "off".to_owned()),
        ("RUST_LOG", "info".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The `accounts` binary with none of the test runner's own `ACCOUNTS_*`,
/// `RUST_LOG` or systemd notification variables, so only what the test sets
/// reaches it.
pub(super) fn accounts_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accounts"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("ACCOUNTS_")
            || matches!(
                key.as_ref(),
                "RUST_LOG" | "NOTIFY_SOCKET" | "WATCHDOG_USEC" | "WATCHDOG_PID"
            )
        {
            command.env_remove(key.as_ref());
        }
    }
    command
}

/// Waits up to `deadline` for a child process to exit; `None` if it is
/// still running.
pub(super) fn exit_within(child: &mut Child, deadline: Duration) -> Option<ExitStatus> {
    poll_until(deadline, || {
        child.try_wait().expect("poll the child process")
    })
}

/// Parses `... listening on 127.0.0.1:41235` out of a log line, text or
/// JSON (`{"message":"listening on 127.0.0.1:41235",...}`).
fn listening_address(line: &str) -> Option<SocketAddr> {
    let message = serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned));
    let line = message.as_deref().unwrap_or(line);
    let rest = &line[line.find("listening on ")? + "listening on ".len()..];
    let word = rest.split_whitespace().next()?;
    word.trim_start_matches("http://")
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()
}

/// The HTTP client of the tests: never turns a status into an error, never
/// follows redirects, never uses a proxy from the environment.
fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}
