//! A single-page app on another loopback origin (another port: the same
//! site, so the `SameSite=Lax` cookie travels) logs in through
//! `/api/login/` with `credentials: "include"` and reads `/api/user/`
//! through the cookie when its origin is in `ACCOUNTS_CORS_ORIGINS`; when it
//! is not, the browser blocks it. Run in Debian's headless Chromium.

use std::sync::Arc;
use std::thread;

use serde_json::{Value, json};

use crate::helpers::{Browser, PASSWORD, TestApp};

/// The app: its script reads the API's address and the credentials from
/// its query string, and reports what happened into `#result`.
const SPA: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Example app</title></head>
<body><h1>Example app</h1><pre id="result"></pre>
<script>
async function run() {
  const q = new URLSearchParams(location.search);
  const api = q.get("api");
  const out = {};
  try {
    const login = await fetch(api + "/api/login/", {
      method: "POST",
      credentials: "include",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({username: q.get("email"), password: q.get("password")}),
    });
    out.login_status = login.status;
    const user = await fetch(api + "/api/user/", {credentials: "include"});
    out.user_status = user.status;
    out.user = await user.json();
  } catch (e) {
    out.error = String(e);
  }
  const result = document.getElementById("result");
  result.textContent = JSON.stringify(out);
  result.setAttribute("data-done", "1");
}
run();
</script></body></html>
"#;

/// Serves [`SPA`] on a port of its own; returns its origin.
fn serve_spa() -> String {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind the app's port"));
    let port = server.server_addr().to_ip().expect("an IP address").port();
    thread::spawn(move || {
        for request in server.incoming_requests() {
            let html = tiny_http::Header::from_bytes("Content-Type", "text/html; charset=utf-8")
                .expect("a valid header");
            let _ = request.respond(tiny_http::Response::from_string(SPA).with_header(html));
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// Registers a user on `app`, opens the app at `spa`, returns its report.
fn run_spa(browser: &Browser, app: &TestApp, spa: &str) -> Value {
    app.register("spa@example.com", PASSWORD);
    let url = format!(
        "{spa}/?api={}&email=spa%40example.com&password={PASSWORD}",
        app.address
    );
    let shot = app.dir().join("spa.png");
    browser.run("spa", json!({"url": url, "screenshot": shot}), app.dir())["app"].clone()
}

#[test]
fn an_app_on_an_allowed_origin_logs_in_and_reads_the_user_through_the_cookie() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let spa = serve_spa();
    let app = TestApp::builder()
        .env("ACCOUNTS_CORS_ORIGINS", spa.as_str())
        .spawn();

    let report = run_spa(&browser, &app, &spa);

    assert_eq!(report["login_status"], 200, "{report:#}");
    assert_eq!(report["user_status"], 200, "{report:#}");
    assert_eq!(report["user"]["email"], "spa@example.com", "{report:#}");
}

#[test]
fn an_app_on_an_origin_not_allowed_is_blocked_by_the_browser() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let spa = serve_spa();
    let app = TestApp::builder()
        .env("ACCOUNTS_CORS_ORIGINS", "https://app.example.com")
        .spawn();

    let report = run_spa(&browser, &app, &spa);

    assert!(
        report["error"]
            .as_str()
            .is_some_and(|e| e.contains("Failed to fetch")),
        "the browser refused the answer: {report:#}"
    );
    assert_eq!(report.get("user_status"), None, "{report:#}");
}
