//! Helpers for the account life cycle: authenticated requests with a body,
//! refresh, logout and password checks, the cookie login, mailed
//! password-reset links, clock seconds, and the binary's operator CLI run
//! against a test server's database.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::{Value, json};

use super::app::TestApp;
use super::http::TestResponse;
use super::server::{accounts_command, exit_within, harness_env};
use super::{MAIL_DEADLINE, PASSWORD, claims, wait_for_clock, wait_until};

/// The path prefix of password-reset links.
pub const RESET_PREFIX: &str = "/api/password-reset/";
/// How long an operator command may take before the test gives up on it.
pub const CLI_DEADLINE: Duration = Duration::from_secs(30);

/// The 401 body of `/api/token/refresh/`, `/api/token/verify/` and a
/// refused logout: SimpleJWT's `token_not_valid` without `messages`.
pub fn refresh_not_valid_body() -> Value {
    json!({"detail": "Token is invalid or expired", "code": "token_not_valid"})
}

/// The 401 body of `/api/token/` for wrong credentials or an inactive user.
pub fn no_active_account_body() -> Value {
    json!({"detail": "No active account found with the given credentials"})
}

/// The password of the user that [`TestApp::register_a_username_equal_to_another_address`]
/// names after alice's address.
pub const SHADOWING_PASSWORD: &str = "mallory-own-password-7";

/// The keys of a JSON object, sorted.
pub fn keys_of(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("{value} is not an object"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// The token inside a link path such as `/api/password-reset/<token>/`.
pub fn token_of(path: &str, prefix: &str) -> String {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("{path:?} is not {prefix}<token>/"))
        .to_owned()
}

/// Waits until the clock is past the second `token` was issued in, so that
/// an event from now on happens strictly after it (tokens issued in the same
/// second as a password change are accepted by design).
pub fn wait_past_issue_of(token: &str) {
    let iat = claims(token)["iat"].as_u64().expect("an integer iat");
    wait_for_clock(iat + 1);
}

/// The full links with `prefix` in a mail's `TextBody`, in order.
fn links_in(text: &str, prefix: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '(' | ')'))
        .filter(|word| word.contains(prefix))
        .map(str::to_owned)
        .collect()
}

impl TestApp {
    /// The server's SQLite file where the harness puts it (a test that sets
    /// `ACCOUNTS_DB` itself knows its own path).
    pub fn db_path(&self) -> PathBuf {
        self.dir().join("accounts.db")
    }

    /// A request with `Authorization: Bearer <token>` and a JSON body.
    pub fn send_json_with_bearer(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: &Value,
    ) -> TestResponse {
        self.request(
            method,
            path,
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "application/json"),
            ],
            Some(body.to_string().as_bytes()),
        )
    }

    /// `POST` with `Authorization: Bearer <token>` and no body.
    pub fn post_with_bearer(&self, path: &str, token: &str) -> TestResponse {
        self.request(
            "POST",
            path,
            &[("Authorization", &format!("Bearer {token}"))],
            None,
        )
    }

    /// `POST /api/token/refresh/` with `refresh`.
    pub fn refresh(&self, refresh: &str) -> TestResponse {
        self.post_json("/api/token/refresh/", &json!({"refresh": refresh}))
    }

    /// Asserts that `POST /api/token/refresh/` refuses `refresh`: 401 with
    /// SimpleJWT's `token_not_valid`.
    pub fn assert_refresh_refused(&self, refresh: &str) {
        self.refresh(refresh)
            .assert_json(401, refresh_not_valid_body());
    }

    /// `POST /api/logout/` with `refresh`, asserting 200.
    pub fn log_out(&self, refresh: &str) {
        self.post_json("/api/logout/", &json!({"refresh": refresh}))
            .assert_status(200);
    }

    /// Whether `POST /api/token/` accepts `email` with `password` (200) or
    /// refuses it (401); any other answer fails the test.
    pub fn password_logs_in(&self, email: &str, password: &str) -> bool {
        let response = self.post_json(
            "/api/token/",
            &json!({"email": email, "password": password}),
        );
        match response.status {
            200 => true,
            401 => false,
            other => panic!("/api/token/ answered {other}: {}", response.body),
        }
    }

    /// Registers alice@example.com with `PASSWORD`, then mallory with alice's
    /// address as her username and [`SHADOWING_PASSWORD`]; returns alice's id.
    pub fn register_a_username_equal_to_another_address(&self) -> i64 {
        let owner = self.register_id("alice@example.com", PASSWORD);
        self.register_with_username(
            "mallory@example.com",
            "alice@example.com",
            SHADOWING_PASSWORD,
        );
        owner
    }

    /// `POST /api/login/` (the cookie login), asserting 200; returns the
    /// access token of its `access_token` cookie.
    pub fn cookie_login(&self, login: &str, password: &str) -> String {
        let response = self.post_json(
            "/api/login/",
            &json!({"username": login, "password": password}),
        );
        response.assert_status(200);
        let cookie = response
            .header("Set-Cookie")
            .unwrap_or_else(|| panic!("no Set-Cookie from /api/login/: {:?}", response.headers));
        cookie
            .strip_prefix("access_token=")
            .and_then(|rest| rest.split(';').next())
            .filter(|token| !token.is_empty())
            .unwrap_or_else(|| panic!("no access token in {cookie:?}"))
            .to_owned()
    }

    /// Every full link with `prefix` delivered to `email`, oldest first.
    pub fn delivered_full_links(&self, email: &str, prefix: &str) -> Vec<String> {
        self.mail
            .deliveries_to(email)
            .iter()
            .flat_map(|mail| links_in(mail.json()["TextBody"].as_str().unwrap_or(""), prefix))
            .collect()
    }

    /// The paths (`/api/...`) of every delivered link with `prefix` to
    /// `email`, oldest first.
    pub fn delivered_links(&self, email: &str, prefix: &str) -> Vec<String> {
        self.delivered_full_links(email, prefix)
            .into_iter()
            .map(|link| {
                let start = link.find(prefix).expect("the prefix is in the link");
                link[start..].to_owned()
            })
            .collect()
    }

    /// Waits until `count` links with `prefix` were delivered to `email`
    /// and returns their paths, oldest first.
    pub fn wait_for_links(&self, email: &str, prefix: &str, count: usize) -> Vec<String> {
        wait_until(
            &format!("{count} mailed {prefix} links to {email}"),
            MAIL_DEADLINE,
            || {
                let links = self.delivered_links(email, prefix);
                (links.len() >= count).then_some(links)
            },
        )
    }

    /// `POST /api/password-reset/` for `email`, asserting 200, and waits for
    /// the new reset link; returns its path.
    pub fn request_reset_link(&self, email: &str) -> String {
        let before = self.delivered_links(email, RESET_PREFIX).len();
        self.post_json("/api/password-reset/", &json!({"email": email}))
            .assert_status(200);
        self.wait_for_links(email, RESET_PREFIX, before + 1)
            .pop()
            .expect("a reset link")
    }

    /// The operator CLI with this server's settings and database.
    pub fn cli(&self) -> Cli {
        Cli::for_db(&self.db_path()).env("ACCOUNTS_MAIL_API_URL", self.mail.url())
    }
}

// ---------------------------------------------------------------------------
// The operator CLI

/// `accounts <args>` with the harness's settings, run to completion.
#[derive(Clone)]
pub struct Cli {
    env: Vec<(String, String)>,
    dir: PathBuf,
}

/// How an operator command ended.
#[derive(Debug)]
pub struct CliOutput {
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Cli {
    /// The settings every test server gets (see `server.rs`), with
    /// `ACCOUNTS_DB` set to `db`.
    pub fn for_db(db: &Path) -> Cli {
        // Port 9 (discard): nothing answers, so no command reaches a provider
        // unless the test points it at one.
        let env = harness_env(db, "http://127.0.0.1:9/email".to_owned());
        let dir = db
            .parent()
            .map_or_else(std::env::temp_dir, Path::to_path_buf);
        Cli { env, dir }
    }

    /// Sets (or overrides) one environment variable.
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Cli {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.into()));
        self
    }

    /// Leaves one of the harness's variables unset.
    pub fn without_env(mut self, key: &str) -> Cli {
        self.env.retain(|(k, _)| k != key);
        self
    }

    /// Runs with an empty stdin.
    pub fn run(&self, args: &[&str]) -> CliOutput {
        self.run_with_stdin(args, "")
    }

    /// Runs with `stdin` as the whole of standard input (a pipe, not a
    /// terminal, so a password is read as one line).
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> CliOutput {
        let command = format!("accounts {}", args.join(" "));
        let mut child = self.command(args).spawn().expect("start the accounts CLI");
        let stdout = drain(child.stdout.take().expect("piped stdout"));
        let stderr = drain(child.stderr.take().expect("piped stderr"));
        if let Some(mut pipe) = child.stdin.take() {
            // The command may exit without reading; a broken pipe is fine.
            let _ = pipe.write_all(stdin.as_bytes());
        }
        let status = wait_for(&mut child, &command);
        CliOutput {
            command,
            status,
            stdout: stdout.join().expect("the stdout reader"),
            stderr: stderr.join().expect("the stderr reader"),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = accounts_command();
        command
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }
}

fn drain(mut stream: impl Read + Send + 'static) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn wait_for(child: &mut Child, command: &str) -> ExitStatus {
    exit_within(child, CLI_DEADLINE).unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("`{command}` did not exit within {CLI_DEADLINE:?}");
    })
}

impl CliOutput {
    /// Asserts exit status 0 and returns stdout.
    pub fn assert_success(&self) -> &str {
        assert!(
            self.status.success(),
            "`{}` failed ({}); stdout: {:?}; stderr: {:?}",
            self.command,
            self.status,
            self.stdout,
            self.stderr
        );
        &self.stdout
    }

    /// Asserts a non-zero exit with exactly one line on stderr, and returns
    /// that line.
    pub fn assert_failure_with_one_line(&self) -> &str {
        assert!(
            !self.status.success(),
            "`{}` succeeded but should have failed; stdout: {:?}",
            self.command,
            self.stdout
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert!(
            lines.len() == 1 && self.stderr.ends_with('\n') && !lines[0].trim().is_empty(),
            "`{}` printed {} lines on stderr, expected one: {:?}",
            self.command,
            lines.len(),
            self.stderr
        );
        lines[0]
    }
}
