//! The fake mail provider: a Postmark stand-in that records every request,
//! and a listener that hangs up on every connection.

use std::collections::VecDeque;
use std::net::{Shutdown, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::Value;

use super::http::find_header;
use super::{CONFIRM_PREFIX, MAIL_DEADLINE, wait_until};

/// One request the fake provider received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status the fake answered.
    pub answered: u16,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The JSON body (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// True when the message's `To` holds this address (case-insensitive).
    pub fn is_to(&self, email: &str) -> bool {
        self.json()["To"]
            .as_str()
            .is_some_and(|to| to.to_lowercase().contains(&email.to_lowercase()))
    }

    /// The `ABCD-EFGH` code in the `TextBody`.
    pub fn code(&self) -> String {
        let json = self.json();
        let text = json["TextBody"].as_str().expect("a TextBody");
        find_code(text).unwrap_or_else(|| panic!("no code in the mail: {text:?}"))
    }

    /// The `HtmlBody`.
    pub fn html(&self) -> String {
        self.json()["HtmlBody"]
            .as_str()
            .expect("an HtmlBody")
            .to_owned()
    }

    /// The full confirmation link in the `TextBody`.
    pub fn confirmation_link(&self) -> String {
        let json = self.json();
        let text = json["TextBody"].as_str().expect("a TextBody");
        let path_start = text
            .find(CONFIRM_PREFIX)
            .unwrap_or_else(|| panic!("no confirmation link in the mail: {text:?}"));
        let start = text[..path_start]
            .rfind(|c: char| c.is_whitespace() || c == '<' || c == '"' || c == '(')
            .map_or(0, |i| i + 1);
        let end = text[path_start..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '"' || c == ')')
            .map_or(text.len(), |i| path_start + i);
        text[start..end].to_owned()
    }
}

/// The first `XXXX-XXXX` of code characters (Crockford's base32) in `text`.
pub fn find_code(text: &str) -> Option<String> {
    let is_code_char =
        |b: u8| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b));
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(8)).find_map(|i| {
        let window = &bytes[i..i + 9];
        let fits = window[4] == b'-'
            && window[..4]
                .iter()
                .chain(&window[5..])
                .all(|&b| is_code_char(b))
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && bytes.get(i + 9).is_none_or(|b| !b.is_ascii_alphanumeric());
        fits.then(|| text[i..i + 9].to_owned())
    })
}

#[derive(Default)]
struct MailState {
    requests: Vec<RecordedRequest>,
    /// Answers to give before going back to 200.
    scripted: VecDeque<(u16, String)>,
    /// When set, every request gets this answer.
    failing: Option<u16>,
    delay: Duration,
}

struct MailInner {
    port: u16,
    state: Arc<Mutex<MailState>>,
    server: Arc<tiny_http::Server>,
}

impl Drop for MailInner {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// A Postmark stand-in: records every request and answers
/// `200 {"ErrorCode":0,"Message":"OK"}` unless told otherwise.
#[derive(Clone)]
pub struct FakeMailProvider {
    inner: Arc<MailInner>,
}

impl FakeMailProvider {
    /// On a free port.
    pub fn start() -> FakeMailProvider {
        FakeMailProvider::start_on(0)
    }

    /// On a given port (one that `reserve_port` handed out).
    pub fn start_on(port: u16) -> FakeMailProvider {
        let server = Arc::new(
            tiny_http::Server::http(("127.0.0.1", port))
                .unwrap_or_else(|e| panic!("start the fake provider: {e}")),
        );
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let state = Arc::new(Mutex::new(MailState::default()));
        {
            let server = server.clone();
            let state = state.clone();
            thread::spawn(move || serve_mail(&server, &state));
        }
        FakeMailProvider {
            inner: Arc::new(MailInner {
                port,
                state,
                server,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, MailState> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value for `ACCOUNTS_MAIL_API_URL`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/email", self.inner.port)
    }

    /// `http://127.0.0.1:PORT`: an `ACCOUNTS_MAIL_API_URL` without a path,
    /// with which each provider posts to its own documented path.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.inner.port)
    }

    /// Waits until at least `count` requests arrived, whatever their shape,
    /// and returns them all.
    pub fn wait_for_requests(&self, count: usize) -> Vec<RecordedRequest> {
        wait_until(&format!("{count} provider requests"), MAIL_DEADLINE, || {
            let requests = self.requests();
            (requests.len() >= count).then_some(requests)
        })
    }

    /// The next `count` requests get `status` and `body`, then 200 again.
    pub fn answer_next(&self, count: usize, status: u16, body: &str) {
        let mut state = self.lock();
        for _ in 0..count {
            state.scripted.push_back((status, body.to_owned()));
        }
    }

    /// Every request gets `status` until `recover` is called.
    pub fn fail_all(&self, status: u16) {
        self.lock().failing = Some(status);
    }

    pub fn recover(&self) {
        self.lock().failing = None;
    }

    /// Makes every answer wait this long.
    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Requests (answered or refused) for this address.
    pub fn attempts_to(&self, email: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.is_to(email))
            .collect()
    }

    /// Requests for this address that the fake answered with 2xx.
    pub fn deliveries_to(&self, email: &str) -> Vec<RecordedRequest> {
        self.attempts_to(email)
            .into_iter()
            .filter(|r| (200..300).contains(&r.answered))
            .collect()
    }

    /// Waits for a delivered mail to this address and returns it.
    pub fn wait_for_delivery_to(&self, email: &str) -> RecordedRequest {
        wait_until(&format!("a mail to {email}"), MAIL_DEADLINE, || {
            self.deliveries_to(email).pop()
        })
    }

    /// Waits until at least `count` requests for this address arrived.
    pub fn wait_for_attempts_to(&self, email: &str, count: usize) {
        wait_until(
            &format!("{count} delivery attempts to {email}"),
            MAIL_DEADLINE,
            || (self.attempts_to(email).len() >= count).then_some(()),
        );
    }
}

fn serve_mail(server: &tiny_http::Server, state: &Mutex<MailState>) {
    for mut request in server.incoming_requests() {
        let mut body = String::new();
        let _ = request.as_reader().read_to_string(&mut body);
        let headers = request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_owned(),
                    h.value.as_str().to_owned(),
                )
            })
            .collect();
        let (status, answer, delay) = {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            let (status, answer) = match (state.failing, state.scripted.pop_front()) {
                (Some(status), _) => (status, r#"{"ErrorCode":500,"Message":"down"}"#.to_owned()),
                (None, Some(scripted)) => scripted,
                (None, None) => (200, r#"{"ErrorCode":0,"Message":"OK"}"#.to_owned()),
            };
            state.requests.push(RecordedRequest {
                method: request.method().as_str().to_owned(),
                path: request.url().to_owned(),
                headers,
                body,
                answered: status,
            });
            (status, answer, state.delay)
        };
        if !delay.is_zero() {
            thread::sleep(delay);
        }
        let content_type = tiny_http::Header::from_bytes("Content-Type", "application/json")
            .expect("a valid header");
        let _ = request.respond(
            tiny_http::Response::from_string(answer)
                .with_status_code(status)
                .with_header(content_type),
        );
    }
}

/// A listener that accepts connections and drops them unanswered, counting
/// them: a provider that is "there but broken", observable by the test.
pub struct Refuser {
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Refuser {
    pub fn start_on(port: u16) -> Refuser {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the refuser");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let accepted = accepted.clone();
            let stop = stop.clone();
            thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                            let _ = stream.shutdown(Shutdown::Both);
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Refuser {
            accepted,
            stop,
            thread: Some(thread),
        }
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Stops listening; the port is free when this returns.
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Refuser {
    fn drop(&mut self) {
        self.stop_now();
    }
}
