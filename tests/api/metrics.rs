//! Prometheus metrics on `ACCOUNTS_METRICS_LISTEN`: scraped over HTTP after
//! a scripted flow, every counter moved by exactly what the flow did, and
//! the exposition is read by a real Prometheus parser (the official Python
//! client's, which `.ci/run` installs into `.ci/tools/venv`).

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{MAIL_DEADLINE, PASSWORD, TestApp, wait_until};

/// A server with metrics on a free port, and throttling on with one failed
/// login allowed per account.
fn app_with_metrics() -> (TestApp, String) {
    let app = TestApp::builder()
        .env("ACCOUNTS_METRICS_LISTEN", "127.0.0.1:0")
        .env("ACCOUNTS_THROTTLE", "on")
        .env("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "1/1h")
        .spawn();
    let address = metrics_address(&app);
    (app, address)
}

/// `127.0.0.1:PORT` from `serving metrics on http://127.0.0.1:PORT/metrics`.
pub(crate) fn metrics_address(app: &TestApp) -> String {
    let line = app
        .log
        .wait_for_line("serving metrics on", Duration::from_secs(10), |l| {
            l.contains("serving metrics on http://")
        });
    line.split("serving metrics on http://")
        .nth(1)
        .and_then(|rest| rest.split("/metrics").next())
        .expect("an address in the line")
        .to_string()
}

/// `(status, Allow, Content-Type, body)` of one request to the listener,
/// by a real HTTP client (the exposition may come chunked).
fn request(
    address: &str,
    method: &str,
    path: &str,
) -> (u16, Option<String>, Option<String>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("http://{address}{path}"))
        .body(())
        .expect("a request");
    let mut response = agent
        .run(request)
        .expect("an answer from the metrics listener");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (allow, content_type) = (header("Allow"), header("Content-Type"));
    let body = response.body_mut().read_to_string().expect("a UTF-8 body");
    (response.status().as_u16(), allow, content_type, body)
}

pub(crate) fn scrape(address: &str) -> String {
    let (status, _, content_type, body) = request(address, "GET", "/metrics");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        content_type.as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    body
}

/// The value of one series (`name{labels}` exactly as exposed), if present.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

fn counted(text: &str, series: &str) -> f64 {
    value(text, series).unwrap_or_else(|| panic!("no series {series} in:\n{text}"))
}

/// Registers, logs in well, fails a login, is throttled, reads the user,
/// and waits until the confirmation mail is delivered and counted.
fn scripted_flow(app: &TestApp, address: &str) -> String {
    app.register("flow@example.com", PASSWORD);
    let (access, _) = app.login("flow@example.com", PASSWORD);
    app.post_form(
        "/api/token/",
        &[
            ("email", "flow@example.com"),
            ("password", "a-wrong-password"),
        ],
    )
    .assert_status(401);
    app.post_form(
        "/api/token/",
        &[("email", "flow@example.com"), ("password", PASSWORD)],
    )
    .assert_status(429);
    app.get_with_bearer("/api/user/", &access)
        .assert_status(200);
    app.mail.wait_for_delivery_to("flow@example.com");
    wait_until("the delivery to be counted", MAIL_DEADLINE, || {
        let text = scrape(address);
        (value(&text, "accounts_mail_deliveries_total{result=\"sent\"}") == Some(1.0))
            .then_some(text)
    })
}

#[test]
fn each_counter_moves_by_exactly_what_a_scripted_flow_did() {
    let (app, address) = app_with_metrics();

    let text = scripted_flow(&app, &address);

    for (series, expected) in [
        (
            "accounts_http_requests_total{route=\"register\",status_class=\"2xx\"}",
            1.0,
        ),
        (
            "accounts_http_requests_total{route=\"token\",status_class=\"2xx\"}",
            1.0,
        ),
        (
            "accounts_http_requests_total{route=\"token\",status_class=\"4xx\"}",
            2.0,
        ),
        (
            "accounts_http_requests_total{route=\"user\",status_class=\"2xx\"}",
            1.0,
        ),
        (
            "accounts_http_requests_total{route=\"health\",status_class=\"2xx\"}",
            0.0,
        ),
        (
            "accounts_http_request_duration_seconds_count{route=\"token\"}",
            3.0,
        ),
        (
            "accounts_http_request_duration_seconds_bucket{route=\"token\",le=\"+Inf\"}",
            3.0,
        ),
        ("accounts_registrations_total{outcome=\"created\"}", 1.0),
        ("accounts_registrations_total{outcome=\"invalid\"}", 0.0),
        ("accounts_logins_total{outcome=\"success\"}", 1.0),
        ("accounts_logins_total{outcome=\"failure\"}", 1.0),
        ("accounts_logins_total{outcome=\"throttled\"}", 1.0),
        ("accounts_logins_total{outcome=\"busy\"}", 0.0),
        (
            "accounts_throttled_requests_total{limit=\"login_account\"}",
            1.0,
        ),
        (
            "accounts_throttled_requests_total{limit=\"login_address\"}",
            0.0,
        ),
        (
            "accounts_throttled_requests_total{limit=\"register_address\"}",
            0.0,
        ),
        ("accounts_mail_deliveries_total{result=\"sent\"}", 1.0),
        ("accounts_mail_deliveries_total{result=\"retry\"}", 0.0),
        ("accounts_mail_deliveries_total{result=\"failed\"}", 0.0),
        ("accounts_mail_outbox_pending", 0.0),
        ("accounts_mail_outbox_failed", 0.0),
        ("accounts_mail_outbox_oldest_pending_age_seconds", 0.0),
        ("accounts_live_sessions", 1.0),
        ("accounts_hash_refused_total", 0.0),
        ("accounts_hash_running", 0.0),
        ("accounts_hash_queue_depth", 0.0),
    ] {
        assert_eq!(counted(&text, series), expected, "{series} in:\n{text}");
    }
}

#[test]
fn the_process_reports_its_start_time_memory_and_descriptors() {
    let (_app, address) = app_with_metrics();

    let text = scrape(&address);

    let now = crate::helpers::now_secs() as f64;
    let started = counted(&text, "accounts_process_start_time_seconds");
    assert!(
        (now - 120.0..=now + 1.0).contains(&started),
        "started at {started}, now {now}"
    );
    assert!(counted(&text, "accounts_process_resident_memory_bytes") > 1e6);
    assert!(counted(&text, "accounts_process_open_fds") >= 3.0);
}

#[test]
fn a_mail_the_provider_refuses_stays_pending_and_its_retries_are_counted() {
    let (app, address) = app_with_metrics();
    app.mail.fail_all(503);

    app.register("later@example.com", PASSWORD);

    let text = wait_until("a retry to be counted", MAIL_DEADLINE, || {
        let text = scrape(&address);
        (value(&text, "accounts_mail_deliveries_total{result=\"retry\"}")? >= 1.0).then_some(text)
    });
    assert_eq!(counted(&text, "accounts_mail_outbox_pending"), 1.0);
    assert_eq!(
        counted(&text, "accounts_mail_deliveries_total{result=\"sent\"}"),
        0.0
    );
    assert!(counted(&text, "accounts_mail_outbox_oldest_pending_age_seconds") >= 0.0);
}

#[test]
fn no_label_holds_an_address_a_token_or_a_path() {
    let (app, address) = app_with_metrics();
    app.register("labels@example.com", PASSWORD);
    let link = app.confirmation_link("labels@example.com");
    app.get(&link).assert_status(200);
    app.get("/api/no-such-route-xyzzy/").assert_status(404);

    let text = scrape(&address);

    let token = link
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .expect("a token");
    for private in ["labels@example.com", "labels", token, "xyzzy", "/api/"] {
        assert!(
            !text.contains(private),
            "{private:?} is in the metrics:\n{text}"
        );
    }
    assert_eq!(
        counted(
            &text,
            "accounts_http_requests_total{route=\"confirm-email-link\",status_class=\"2xx\"}"
        ),
        1.0
    );
    assert_eq!(
        counted(
            &text,
            "accounts_http_requests_total{route=\"not-found\",status_class=\"4xx\"}"
        ),
        1.0
    );
}

#[test]
fn the_metrics_listener_answers_only_get_metrics() {
    let (_app, address) = app_with_metrics();

    assert_eq!(request(&address, "GET", "/").0, 404);
    assert_eq!(request(&address, "GET", "/api/user/").0, 404);
    let (status, allow, _, _) = request(&address, "POST", "/metrics");
    assert_eq!(status, 405);
    assert_eq!(allow.as_deref(), Some("GET, HEAD"));
}

#[test]
fn a_taken_metrics_address_stops_start_up_naming_the_variable() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let address = taken.local_addr().expect("its address").to_string();

    let failed = TestApp::builder()
        .env("ACCOUNTS_METRICS_LISTEN", address)
        .spawn_expecting_failure();

    assert!(!failed.status.success());
    assert!(
        failed
            .output
            .contains("ACCOUNTS_METRICS_LISTEN: cannot listen on"),
        "{}",
        failed.output
    );
}

// ---------------------------------------------------------------------------
// A real parser: prometheus_client.parser (PyPI)

/// A Python with the parser: `$ACCOUNTS_TEST_PROM_PYTHON`, `.ci/tools/venv`
/// (where `.ci/run` installs it), or the `python3` on the PATH, whichever
/// imports it.
fn python_with_the_parser() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("ACCOUNTS_TEST_PROM_PYTHON").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/tools/venv/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import prometheus_client.parser"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
}

/// Families as `prometheus_client.parser` reads them: `(name, type,
/// samples)`. `None` when the parser is not installed (the test then skips,
/// saying so, unless `ACCOUNTS_TEST_REQUIRE_PROM_PARSER=1`, which CI sets).
fn parse_with_prometheus_client(text: &str) -> Option<Vec<(String, String, usize)>> {
    const PROGRAM: &str = "\
import json, sys
from prometheus_client.parser import text_string_to_metric_families
families = text_string_to_metric_families(sys.stdin.read())
print(json.dumps([[f.name, f.type, len(f.samples)] for f in families]))
";
    let Some(python) = python_with_the_parser() else {
        assert!(
            std::env::var("ACCOUNTS_TEST_REQUIRE_PROM_PARSER").as_deref() != Ok("1"),
            "ACCOUNTS_TEST_REQUIRE_PROM_PARSER=1 but no Python has prometheus_client"
        );
        eprintln!(
            "SKIPPED: no Python with prometheus_client (pip install prometheus-client, or set \
             ACCOUNTS_TEST_PROM_PYTHON to a Python that has it)"
        );
        return None;
    };
    let mut child = Command::new(&python)
        .args(["-c", PROGRAM])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the parser");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(text.as_bytes())
        .expect("feed the exposition to the parser");
    let output = child.wait_with_output().expect("the parser's output");
    assert!(
        output.status.success(),
        "prometheus_client.parser refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("the parser's JSON"))
}

#[test]
fn the_exposition_is_read_by_prometheus_clients_own_parser() {
    let (app, address) = app_with_metrics();
    let text = scripted_flow(&app, &address);

    let Some(families) = parse_with_prometheus_client(&text) else {
        return;
    };

    let type_of = |name: &str| {
        families
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, t, _)| t.as_str())
            .unwrap_or_else(|| panic!("no family {name} in {families:?}"))
    };
    for (name, kind) in [
        ("accounts_http_requests", "counter"),
        ("accounts_http_request_duration_seconds", "histogram"),
        ("accounts_logins", "counter"),
        ("accounts_registrations", "counter"),
        ("accounts_throttled_requests", "counter"),
        ("accounts_hash_queue_depth", "gauge"),
        ("accounts_hash_running", "gauge"),
        ("accounts_hash_refused", "counter"),
        ("accounts_mail_deliveries", "counter"),
        ("accounts_mail_outbox_pending", "gauge"),
        ("accounts_mail_outbox_failed", "gauge"),
        ("accounts_mail_outbox_oldest_pending_age_seconds", "gauge"),
        ("accounts_live_sessions", "gauge"),
        ("accounts_process_start_time_seconds", "gauge"),
        ("accounts_process_resident_memory_bytes", "gauge"),
        ("accounts_process_open_fds", "gauge"),
    ] {
        assert_eq!(type_of(name), kind, "{name}");
    }
    assert!(
        families
            .iter()
            .all(|(name, _, _)| name.starts_with("accounts_")),
        "{families:?}"
    );
}
