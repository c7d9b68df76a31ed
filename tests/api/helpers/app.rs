//! A running server and the typed client helpers the tests use.

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

use super::http::{RawResponse, TestResponse, form_encode, read_response};
use super::mail::FakeMailProvider;
use super::server::{ServerLog, TempDir, TestAppBuilder, exit_within};
use super::{CONFIRM_PREFIX, token_pair};

/// A running `accounts` server, killed on drop.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub port: u16,
    pub mail: FakeMailProvider,
    pub log: ServerLog,
    pub(super) dir: Arc<TempDir>,
    pub(super) child: Option<Child>,
    pub(super) agent: ureq::Agent,
    pub(super) builder: TestAppBuilder,
}

/// A server with the harness's defaults and a fresh fake mail provider.
pub fn spawn_app() -> TestApp {
    TestApp::builder().spawn()
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// A builder for the same database directory, settings and mail provider
    /// (on a new port unless the test sets `ACCOUNTS_LISTEN`).
    pub fn restart_builder(&self) -> TestAppBuilder {
        self.builder.clone()
    }

    /// The directory holding the database.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server is running").id()
    }

    /// Sends a signal by name (`TERM`, `KILL`, ...) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill(1)");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the server to exit and returns its status.
    pub fn wait_for_exit(&mut self, deadline: Duration) -> ExitStatus {
        let child = self.child.as_mut().expect("the server is running");
        let Some(status) = exit_within(child, deadline) else {
            panic!(
                "the server did not exit within {deadline:?}; log:\n{}",
                self.log.text()
            );
        };
        self.child = None;
        status
    }

    /// SIGKILL, and reap the process.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL the server");
            child.wait().expect("reap the server");
        }
    }

    /// SIGTERM, and wait up to `deadline` for the exit.
    pub fn terminate(&mut self, deadline: Duration) -> ExitStatus {
        self.signal("TERM");
        self.wait_for_exit(deadline)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Any request. Header names are sent as given. `body: None` sends no
    /// body (`Content-Length: 0` for POST, PUT and PATCH).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> TestResponse {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        // Without a body, ureq sends POST, PUT and PATCH as an empty chunked
        // body; send `Content-Length: 0` instead, as Python's requests does.
        let body = match body {
            None if matches!(method, "POST" | "PUT" | "PATCH") => Some(&b""[..]),
            other => other,
        };
        let result = match body {
            Some(body) => self
                .agent
                .run(request.body(body.to_vec()).expect("a valid request")),
            None => self.agent.run(request.body(()).expect("a valid request")),
        };
        let mut response = result.unwrap_or_else(|e| {
            panic!(
                "{method} {path} failed: {e}; server log:\n{}",
                self.log.text()
            )
        });
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .unwrap_or_else(|e| panic!("read the body of {method} {path}: {e}"));
        TestResponse {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> TestResponse {
        self.request("GET", path, &[], None)
    }

    pub fn head(&self, path: &str) -> TestResponse {
        self.request("HEAD", path, &[], None)
    }

    pub fn get_with_bearer(&self, path: &str, token: &str) -> TestResponse {
        self.request(
            "GET",
            path,
            &[("Authorization", &format!("Bearer {token}"))],
            None,
        )
    }

    pub fn get_with_authorization(&self, path: &str, authorization: &str) -> TestResponse {
        self.request("GET", path, &[("Authorization", authorization)], None)
    }

    pub fn get_with_cookie(&self, path: &str, cookie: &str) -> TestResponse {
        self.request("GET", path, &[("Cookie", cookie)], None)
    }

    pub fn post_json(&self, path: &str, body: &Value) -> TestResponse {
        self.post_raw(path, "application/json", body.to_string().as_bytes())
    }

    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.post_raw(
            path,
            "application/x-www-form-urlencoded",
            form_encode(fields).as_bytes(),
        )
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: &[u8]) -> TestResponse {
        self.request("POST", path, &[("Content-Type", content_type)], Some(body))
    }

    /// `POST /api/register/`, asserting 201; returns the body.
    pub fn register(&self, email: &str, password: &str) -> Value {
        let response = self.post_json(
            "/api/register/",
            &json!({"email": email, "password": password}),
        );
        response.assert_status(201);
        response.json()
    }

    /// `POST /api/register/` with a username, asserting 201; returns the body.
    pub fn register_with_username(&self, email: &str, username: &str, password: &str) -> Value {
        let response = self.post_json(
            "/api/register/",
            &json!({"email": email, "username": username, "password": password}),
        );
        response.assert_status(201);
        response.json()
    }

    /// Registers and returns the new user's id.
    pub fn register_id(&self, email: &str, password: &str) -> i64 {
        self.register(email, password)["id"]
            .as_i64()
            .expect("an integer id")
    }

    /// `POST /api/token/` with `email` and `password`, asserting 200;
    /// returns `(access, refresh)`.
    pub fn login(&self, email: &str, password: &str) -> (String, String) {
        let response = self.post_json(
            "/api/token/",
            &json!({"email": email, "password": password}),
        );
        response.assert_status(200);
        token_pair(&response.json())
    }

    /// `GET /api/user/` with the token, asserting 200; returns the body.
    pub fn current_user(&self, access: &str) -> Value {
        let response = self.get_with_bearer("/api/user/", access);
        response.assert_status(200);
        response.json()
    }

    /// Waits for a delivered mail to `email` and returns the path of the
    /// confirmation link in it (`/api/confirm-email/<token>/`).
    pub fn confirmation_link(&self, email: &str) -> String {
        let link = self.mail.wait_for_delivery_to(email).confirmation_link();
        let start = link.find(CONFIRM_PREFIX).expect("a confirmation path");
        link[start..].to_owned()
    }

    /// Connects a raw TCP stream to the server.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the server");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set a read timeout");
        stream
    }

    /// Writes `request` on a new connection (from another thread, so an early
    /// answer is read while the request is still being sent) and reads one
    /// response. `None` when the server closed without answering.
    pub fn raw_exchange(&self, request: Vec<u8>) -> Option<RawResponse> {
        let stream = self.connect();
        let mut writer = stream.try_clone().expect("clone the stream");
        let sender = thread::spawn(move || {
            let _ = writer.write_all(&request);
            let _ = writer.flush();
        });
        let response = read_response(stream);
        let _ = sender.join();
        response
    }

    /// Asserts that the server still answers `/health`.
    pub fn assert_alive(&self) {
        let response = self.get("/health");
        response.assert_status(200);
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.kill();
        if thread::panicking() {
            eprintln!(
                "---- server log ({}) ----\n{}",
                self.address,
                self.log.text()
            );
        }
    }
}
