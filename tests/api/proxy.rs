//! The supported internet-facing deployment (issue 4, point 5): nginx with
//! the shipped `systemd/nginx-accounts-proxy.conf` in front of the real
//! binary stops the requests that tiny_http 0.12 cannot survive or should
//! not see, and the service keeps answering.
//!
//! nginx comes from Debian; `.ci/run` installs it. Without nginx these tests
//! say so and pass, unless `ACCOUNTS_TEST_REQUIRE_NGINX=1` (set by CI).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{TestApp, reserve_port, spawn_app, wait_until};

/// nginx running the shipped proxy configuration, killed on drop.
struct Nginx {
    child: Child,
    port: u16,
    _dir: PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn start_nginx(app: &TestApp) -> Option<Nginx> {
    let Some(binary) = nginx_binary() else {
        assert!(
            std::env::var("ACCOUNTS_TEST_REQUIRE_NGINX").is_err(),
            "nginx is required (install it from Debian: apt-get install nginx)"
        );
        eprintln!("nginx is not installed: skipping the reverse-proxy test");
        return None;
    };
    let dir = app.dir().join("nginx");
    std::fs::create_dir_all(&dir).unwrap();
    let port = reserve_port();
    let proxy_conf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/nginx-accounts-proxy.conf");
    let d = dir.display();
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
           fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
           upstream accounts_backend {{ server 127.0.0.1:{}; keepalive 4; }}\n\
           server {{\n    listen 127.0.0.1:{port};\n    include {};\n  }}\n}}\n",
        app.port,
        proxy_conf.display()
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new(binary)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let nginx = Nginx {
        child,
        port,
        _dir: dir.clone(),
    };
    wait_until("nginx to listen", Duration::from_secs(10), || {
        TcpStream::connect(("127.0.0.1", port)).ok().map(drop)
    });
    Some(nginx)
}

/// Sends raw bytes through nginx and returns the status of its answer (if any).
fn exchange(port: u16, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let _ = stream.write_all(request);
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let head = String::from_utf8_lossy(&buf);
    head.split_whitespace().nth(1)?.parse().ok()
}

fn health_through(port: u16) -> Option<u16> {
    exchange(
        port,
        b"GET /health HTTP/1.1\r\nHost: accounts\r\nConnection: close\r\n\r\n",
    )
}

#[test]
fn nginx_in_front_forwards_ordinary_requests() {
    let app = spawn_app();
    let Some(nginx) = start_nginx(&app) else {
        return;
    };
    assert_eq!(health_through(nginx.port), Some(200));
    let body = "email=proxied%40example.com&password=correct-horse-battery-staple";
    let request = format!(
        "POST /api/register/ HTTP/1.1\r\nHost: accounts\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(exchange(nginx.port, request.as_bytes()), Some(201));
}

#[test]
fn a_huge_declared_content_length_is_stopped_by_the_proxy() {
    let app = spawn_app();
    let Some(nginx) = start_nginx(&app) else {
        return;
    };
    let crashing =
        b"POST /api/token/ HTTP/1.1\r\nHost: accounts\r\nContent-Type: application/json\r\n\
        Content-Length: 1000000000000\r\nConnection: close\r\n\r\n{";
    assert_eq!(exchange(nginx.port, crashing), Some(413));
    assert_eq!(health_through(nginx.port), Some(200));
    app.assert_alive();
}

#[test]
fn an_oversized_header_is_stopped_by_the_proxy() {
    let app = spawn_app();
    let Some(nginx) = start_nginx(&app) else {
        return;
    };
    let request = format!(
        "GET /health HTTP/1.1\r\nHost: accounts\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let status = exchange(nginx.port, request.as_bytes()).expect("an answer from nginx");
    assert!(
        status == 400 || status == 431 || status == 494,
        "status {status}"
    );
    assert_eq!(health_through(nginx.port), Some(200));
    app.assert_alive();
}

#[test]
fn a_smuggling_attempt_is_refused_by_the_proxy() {
    let app = spawn_app();
    let Some(nginx) = start_nginx(&app) else {
        return;
    };
    // Content-Length and Transfer-Encoding together, hiding a second request.
    let smuggle = b"POST /api/token/ HTTP/1.1\r\nHost: accounts\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n\
        0\r\n\r\nGET /api/user/ HTTP/1.1\r\nHost: accounts\r\n\r\n";
    let status = exchange(nginx.port, smuggle).expect("an answer from nginx");
    assert_eq!(status, 400, "nginx refuses ambiguous framing");
    let obfuscated = b"POST /api/token/ HTTP/1.1\r\nHost: accounts\r\nTransfer-Encoding: xchunked\r\nConnection: close\r\n\r\n0\r\n\r\n";
    let status = exchange(nginx.port, obfuscated).expect("an answer from nginx");
    assert!(status == 400 || status == 501, "status {status}");
    assert_eq!(health_through(nginx.port), Some(200));
    app.assert_alive();
}

#[test]
fn the_proxy_overwrites_a_forged_forwarded_for() {
    let app = TestApp::builder()
        .env("ACCOUNTS_THROTTLE", "on")
        .env("ACCOUNTS_THROTTLE_REGISTER_ADDRESS", "1/1h")
        .env("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1")
        .spawn();
    let Some(nginx) = start_nginx(&app) else {
        return;
    };
    let register = |email: &str, forged: &str| {
        let body = format!("email={email}%40example.com&password=correct-horse-battery-staple");
        let request = format!(
            "POST /api/register/ HTTP/1.1\r\nHost: accounts\r\nX-Forwarded-For: {forged}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        exchange(nginx.port, request.as_bytes())
    };
    assert_eq!(register("first", "198.51.100.1"), Some(201));
    assert_eq!(
        register("second", "198.51.100.2"),
        Some(429),
        "a forged X-Forwarded-For must not buy a new limit"
    );
}

#[test]
fn nginx_names_each_request_and_the_service_answers_and_logs_with_that_id() {
    let app = crate::helpers::TestApp::builder()
        .env("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1")
        .env("RUST_LOG", "info,accounts::request=debug")
        .spawn();
    let Some(nginx) = start_nginx(&app) else {
        return;
    };
    let mut stream = TcpStream::connect(("127.0.0.1", nginx.port)).expect("connect to nginx");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    stream
        .write_all(
            b"GET /health HTTP/1.1\r\nHost: accounts\r\nX-Request-Id: chosen-by-client\r\n\
              Connection: close\r\n\r\n",
        )
        .expect("send the request");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);

    let id = answer
        .lines()
        .find_map(|l| l.strip_prefix("X-Request-Id: "))
        .unwrap_or_else(|| panic!("no X-Request-Id in {answer:?}"))
        .trim()
        .to_owned();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "nginx's $request_id, not the client's: {id:?}"
    );
    app.log
        .wait_for_line("the request's line", Duration::from_secs(10), |l| {
            l.contains("accounts::request") && l.contains(&format!("request_id={id}"))
        });
}
