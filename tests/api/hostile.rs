//! Hostile input and attacks on tokens, passwords and resources (issue 4):
//! each test performs the attack over HTTP against the real binary.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TEST_SECRET, TestApp, claims, now_secs, sign_with, spawn_app, token_not_valid_body,
    wait_until,
};

fn token_invalid() -> Value {
    json!({"detail": "Token is invalid or expired", "code": "token_not_valid"})
}

// ---- Passwords ------------------------------------------------------------

#[test]
fn a_128_character_password_registers_and_logs_in() {
    let app = spawn_app();
    let long = "Long passphrase, ".repeat(8);
    assert_eq!(long.chars().count(), 136);
    app.register("long@example.com", &long);
    app.login("long@example.com", &long);
}

#[test]
fn a_password_sharing_the_first_72_bytes_with_the_real_one_fails() {
    let app = spawn_app();
    let real = format!("{}-real-ending", "x".repeat(72));
    let impostor = format!("{}-other-ending", "x".repeat(72));
    app.register("prefix@example.com", &real);
    let response = app.post_form(
        "/api/token/",
        &[("email", "prefix@example.com"), ("password", &impostor)],
    );
    response.assert_json(
        401,
        json!({"detail": "No active account found with the given credentials"}),
    );
}

#[test]
fn a_nul_byte_does_not_truncate_a_password() {
    let app = spawn_app();
    app.register("nul@example.com", "abc\u{0}defghijklmnop");
    let response = app.post_json(
        "/api/token/",
        &json!({"email": "nul@example.com", "password": "abc\u{0}zzzzzzzzzzzzz"}),
    );
    response.assert_status(401);
    app.login("nul@example.com", "abc\u{0}defghijklmnop");
}

#[test]
fn composed_and_decomposed_accents_are_the_same_password() {
    let app = spawn_app();
    app.register("accent@example.com", "caf\u{e9} au lait tous les jours");
    app.login("accent@example.com", "cafe\u{301} au lait tous les jours");
}

#[test]
fn a_hash_made_at_another_cost_is_rehashed_on_the_next_login() {
    let app = TestApp::builder().env("ACCOUNTS_BCRYPT_COST", "4").spawn();
    app.register("rehash@example.com", PASSWORD);
    let db = app.dir().join("accounts.db");
    let stored = || -> String {
        let conn = rusqlite::Connection::open(&db).expect("open the database");
        conn.query_row(
            "SELECT password_hash FROM users WHERE email_key = 'rehash@example.com'",
            [],
            |r| r.get(0),
        )
        .expect("the user's hash")
    };
    assert!(
        stored().starts_with("bcrypt_sha256$$2b$04$"),
        "{}",
        stored()
    );
    let restart = app.restart_builder();
    drop(app);
    let app = restart.env("ACCOUNTS_BCRYPT_COST", "5").spawn();
    app.login("rehash@example.com", PASSWORD);
    wait_until(
        "the hash to be rewritten at cost 5",
        Duration::from_secs(10),
        || stored().starts_with("bcrypt_sha256$$2b$05$").then_some(()),
    );
    app.login("rehash@example.com", PASSWORD);
}

// ---- Timing ---------------------------------------------------------------

fn login_time(app: &TestApp, email: &str) -> Duration {
    let started = Instant::now();
    let response = app.post_form(
        "/api/token/",
        &[("email", email), ("password", "not-the-password")],
    );
    response.assert_status(401);
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[test]
fn an_unknown_user_costs_the_same_hash_work_as_a_wrong_password() {
    // A cost where one hash (~30 ms) dwarfs the HTTP round trip, so the
    // ratio of medians measures the hashing, not the noise; the two kinds
    // alternate so a busy machine slows both alike.
    let app = TestApp::builder().env("ACCOUNTS_BCRYPT_COST", "9").spawn();
    app.register("known@example.com", PASSWORD);
    login_time(&app, "unknown@example.com"); // warm-up: the dummy hash is ready
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        known.push(login_time(&app, "known@example.com"));
        unknown.push(login_time(&app, "unknown@example.com"));
    }
    let (known, unknown) = (median(known), median(unknown));
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    assert!(
        (0.8..=1.25).contains(&ratio),
        "unknown {unknown:?} vs wrong password {known:?}: ratio {ratio:.2}"
    );
}

// ---- Tokens (RFC 8725) ------------------------------------------------------

fn valid_claims(user_id: i64, token_type: &str) -> Value {
    json!({
        "token_type": token_type,
        "exp": now_secs() + 600,
        "iat": now_secs(),
        "jti": "0123456789abcdef0123456789abcdef",
        "user_id": user_id,
    })
}

fn forged_tokens(user_id: i64, token_type: &str) -> Vec<(&'static str, String)> {
    let key = TEST_SECRET.as_bytes();
    let good = valid_claims(user_id, token_type);
    let mut without_type = good.clone();
    without_type.as_object_mut().unwrap().remove("token_type");
    let mut wrong_type = good.clone();
    wrong_type["token_type"] = json!("id");
    let mut without_exp = good.clone();
    without_exp.as_object_mut().unwrap().remove("exp");
    let mut expired = good.clone();
    expired["exp"] = json!(now_secs() - 1);
    let signed = sign_with(jsonwebtoken::Algorithm::HS256, key, &good);
    let mut parts: Vec<String> = signed.split('.').map(str::to_string).collect();
    let mut other_user = good.clone();
    other_user["user_id"] = json!(user_id + 1);
    parts[1] = crate::helpers::base64url(other_user.to_string().as_bytes());
    let tampered = parts.join(".");
    vec![
        ("alg none", crate::helpers::unsigned_token(&good)),
        (
            "HS512",
            sign_with(jsonwebtoken::Algorithm::HS512, key, &good),
        ),
        (
            "HS384",
            sign_with(jsonwebtoken::Algorithm::HS384, key, &good),
        ),
        (
            "no token_type",
            sign_with(jsonwebtoken::Algorithm::HS256, key, &without_type),
        ),
        (
            "wrong token_type",
            sign_with(jsonwebtoken::Algorithm::HS256, key, &wrong_type),
        ),
        (
            "no exp",
            sign_with(jsonwebtoken::Algorithm::HS256, key, &without_exp),
        ),
        (
            "expired",
            sign_with(jsonwebtoken::Algorithm::HS256, key, &expired),
        ),
        ("tampered payload", tampered),
        (
            "another key",
            sign_with(
                jsonwebtoken::Algorithm::HS256,
                b"another-key-of-enough-length-for-hs256!!",
                &good,
            ),
        ),
    ]
}

#[test]
fn forged_access_tokens_are_refused_with_the_contract_body() {
    let app = spawn_app();
    let id = app.register_id("forge@example.com", PASSWORD);
    let control = sign_with(
        jsonwebtoken::Algorithm::HS256,
        TEST_SECRET.as_bytes(),
        &valid_claims(id, "access"),
    );
    app.get_with_bearer("/api/user/", &control)
        .assert_status(200);
    for (attack, token) in forged_tokens(id, "access") {
        let response = app.get_with_bearer("/api/user/", &token);
        assert_eq!(response.status, 401, "{attack}: {}", response.body);
        assert_eq!(response.json(), token_not_valid_body(), "{attack}");
    }
}

#[test]
fn forged_refresh_tokens_are_refused_with_the_contract_body() {
    let app = spawn_app();
    let id = app.register_id("forge-refresh@example.com", PASSWORD);
    for (attack, token) in forged_tokens(id, "refresh") {
        let response = app.post_form("/api/token/refresh/", &[("refresh", &token)]);
        assert_eq!(response.status, 401, "{attack}: {}", response.body);
        assert_eq!(response.json(), token_invalid(), "{attack}");
        let verify = app.post_form("/api/token/verify/", &[("token", &token)]);
        assert_eq!(verify.status, 401, "verify {attack}: {}", verify.body);
    }
}

#[test]
fn a_secret_key_shorter_than_32_bytes_stops_start_up_without_echoing_it() {
    let failed = TestApp::builder()
        .env("ACCOUNTS_SECRET_KEY", "short-secret-value-xyz")
        .spawn_expecting_failure();
    assert!(!failed.status.success());
    assert!(
        failed.output.contains("ACCOUNTS_SECRET_KEY"),
        "{}",
        failed.output
    );
    assert!(
        !failed.output.contains("short-secret-value-xyz"),
        "{}",
        failed.output
    );
}

#[test]
fn the_generated_key_file_is_private_and_a_readable_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::builder()
        .without_env("ACCOUNTS_SECRET_KEY")
        .spawn();
    let key_file = app.dir().join("accounts.db.key");
    let mode = std::fs::metadata(&key_file)
        .expect("the key file exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let restart = app.restart_builder();
    drop(app);
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let failed = restart.spawn_expecting_failure();
    assert!(!failed.status.success());
    assert!(failed.output.contains("chmod 600"), "{}", failed.output);
}

// ---- Resource limits --------------------------------------------------------

#[test]
fn idle_and_dripping_connections_are_closed_while_others_are_served() {
    let app = TestApp::builder().env("ACCOUNTS_READ_TIMEOUT", "4").spawn();
    let started = Instant::now();
    let idle: Vec<TcpStream> = (0..100).map(|_| app.connect()).collect();
    // More drips than request workers (32): a body of up to 64 KiB is read
    // by the connection's own thread, so the drips hold no worker.
    let mut drips: Vec<TcpStream> = (0..64).map(|_| app.connect()).collect();
    for stream in &mut drips {
        stream
            .write_all(b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{")
            .unwrap();
    }
    // Meanwhile, ordinary requests are answered...
    for _ in 0..20 {
        app.assert_alive();
    }
    // ...while every drip is still held: none was answered or closed yet, so
    // the ordinary requests did not wait for the slow ones to time out.
    for stream in &drips {
        stream.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 1];
        let still_open = matches!(
            stream.peek(&mut buf),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
        );
        assert!(
            still_open,
            "a drip was answered before the ordinary requests were"
        );
        stream.set_nonblocking(false).unwrap();
    }
    // Every slow connection is closed by the server after the timeout (4 s),
    // well before this test's own deadline.
    let deadline = started + Duration::from_secs(20);
    for mut stream in idle.into_iter().chain(drips) {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        stream.set_read_timeout(Some(left)).unwrap();
        let mut buf = [0u8; 4096];
        let closed = loop {
            match std::io::Read::read(&mut stream, &mut buf) {
                Ok(0) => break true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
                Err(_) => break false,
            }
        };
        assert!(
            closed,
            "a slow connection was still open after {:?}",
            started.elapsed()
        );
    }
    app.assert_alive();
}

#[test]
fn a_64_kib_url_gets_414() {
    let app = spawn_app();
    let path = format!("/api/user/?q={}", "a".repeat(64 * 1024));
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let response = app.raw_exchange(request.into_bytes()).expect("an answer");
    assert_eq!(response.status, 414);
    app.assert_alive();
}

#[test]
fn a_body_over_64_kib_gets_413_whether_declared_or_chunked() {
    let app = spawn_app();
    let big = format!("{{\"email\": \"{}\"}}", "a".repeat(70 * 1024));
    app.post_raw("/api/register/", "application/json", big.as_bytes())
        .assert_status(413);
    let mut chunked = b"POST /api/register/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..70 {
        chunked.extend_from_slice(format!("400\r\n{}\r\n", "a".repeat(1024)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let response = app.raw_exchange(chunked).expect("an answer");
    assert_eq!(response.status, 413);
    app.assert_alive();
}

// ---- Headers ----------------------------------------------------------------

#[test]
fn every_response_carries_nosniff_and_no_referrer() {
    let app = spawn_app();
    let (access, _) = {
        app.register("headers@example.com", PASSWORD);
        app.login("headers@example.com", PASSWORD)
    };
    let responses = [
        app.get("/health"),
        app.get("/nowhere"),
        app.get_with_bearer("/api/user/", &access),
        app.post_form(
            "/api/token/",
            &[("email", "headers@example.com"), ("password", PASSWORD)],
        ),
        app.get("/api/confirm-email/0000/"),
        app.request("OPTIONS", "/api/user/", &[], None),
        app.request("PATCH", "/api/user/", &[], None),
    ];
    for r in &responses {
        assert_eq!(
            r.header("X-Content-Type-Options"),
            Some("nosniff"),
            "{} {}",
            r.method,
            r.path
        );
        assert_eq!(
            r.header("Referrer-Policy"),
            Some("no-referrer"),
            "{} {}",
            r.method,
            r.path
        );
    }
    assert_eq!(responses[2].header("Cache-Control"), Some("no-store"));
    assert_eq!(responses[3].header("Cache-Control"), Some("no-store"));
}

#[test]
fn html_pages_carry_a_strict_csp_and_deny_framing() {
    let app = spawn_app();
    let page = app.get("/api/confirm-email/0000/");
    page.assert_html(400);
    let csp = page.header("Content-Security-Policy").expect("a CSP");
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(page.header("X-Frame-Options"), Some("DENY"));
    assert!(!page.body.contains("<script"), "no script on the page");
}

// ---- Browsers (CORS, cookie) ------------------------------------------------

#[test]
fn a_preflight_from_a_listed_origin_is_allowed_with_credentials() {
    let app = TestApp::builder()
        .env(
            "ACCOUNTS_CORS_ORIGINS",
            "https://app.example.com, https://admin.example.com",
        )
        .spawn();
    let response = app.request(
        "OPTIONS",
        "/api/token/",
        &[
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        None,
    );
    response.assert_status(204);
    assert_eq!(
        response.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        response.header("Access-Control-Allow-Credentials"),
        Some("true")
    );
    assert!(
        response
            .header("Access-Control-Allow-Methods")
            .unwrap_or("")
            .contains("POST")
    );
    assert!(
        response
            .header("Access-Control-Allow-Headers")
            .unwrap_or("")
            .to_ascii_lowercase()
            .contains("content-type")
    );
    let actual = app.request(
        "GET",
        "/health",
        &[("Origin", "https://app.example.com")],
        None,
    );
    assert_eq!(
        actual.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );
}

#[test]
fn other_origins_get_no_cors_header_at_all() {
    let app = TestApp::builder()
        .env("ACCOUNTS_CORS_ORIGINS", "https://app.example.com")
        .spawn();
    for origin in [
        "https://evil.example.com",
        "null",
        "https://app.example.com.evil.net",
    ] {
        let response = app.request(
            "OPTIONS",
            "/api/token/",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
            ],
            None,
        );
        let cors: Vec<_> = response
            .headers
            .iter()
            .filter(|(n, _)| n.to_ascii_lowercase().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{origin}: {cors:?}");
    }
}

#[test]
fn the_cookie_attributes_follow_the_settings() {
    let app = TestApp::builder()
        .env("ACCOUNTS_COOKIE_SAMESITE", "None")
        .env("ACCOUNTS_COOKIE_SECURE", "false")
        .spawn();
    app.register_with_username("cookie@example.com", "cookie", PASSWORD);
    let response = app.post_form(
        "/api/login/",
        &[("username", "cookie"), ("password", PASSWORD)],
    );
    let cookie = response.header("Set-Cookie").expect("a cookie");
    assert!(cookie.contains("SameSite=None"), "{cookie}");
    assert!(
        cookie.ends_with("; Secure"),
        "SameSite=None forces Secure: {cookie}"
    );
    let strict = TestApp::builder()
        .env("ACCOUNTS_COOKIE_SAMESITE", "Strict")
        .spawn();
    strict.register_with_username("c2@example.com", "c2", PASSWORD);
    let response = strict.post_form("/api/login/", &[("username", "c2"), ("password", PASSWORD)]);
    let cookie = response.header("Set-Cookie").expect("a cookie");
    assert!(
        cookie.contains("SameSite=Strict") && !cookie.contains("Secure"),
        "{cookie}"
    );
}

// ---- Input --------------------------------------------------------------------

fn assert_nothing_stored(app: &TestApp) {
    let conn = rusqlite::Connection::open(app.dir().join("accounts.db")).unwrap();
    let users: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, 0, "no user may be stored");
}

#[test]
fn malformed_bodies_get_a_clean_400_and_store_nothing() {
    let app = spawn_app();
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "invalid UTF-8 in JSON",
            "application/json",
            b"{\"email\": \"a\xff@example.com\", \"password\": \"x\"}".to_vec(),
        ),
        (
            "invalid UTF-8 in a form",
            "application/x-www-form-urlencoded",
            b"email=a%FF%40example.com&password=long-enough-1".to_vec(),
        ),
        (
            "bad percent-encoding",
            "application/x-www-form-urlencoded",
            b"email=a%ZZ&password=long-enough-1".to_vec(),
        ),
        (
            "duplicate JSON field",
            "application/json",
            br#"{"email": "a@example.com", "email": "b@example.com", "password": "long-enough-1"}"#
                .to_vec(),
        ),
        (
            "duplicate form field",
            "application/x-www-form-urlencoded",
            b"email=a%40example.com&email=b%40example.com&password=long-enough-1".to_vec(),
        ),
        (
            "deeply nested JSON",
            "application/json",
            format!(
                "{{\"email\": {}{}}}",
                "[".repeat(30_000),
                "]".repeat(30_000)
            )
            .into_bytes(),
        ),
        (
            "a list",
            "application/json",
            b"[\"a@example.com\"]".to_vec(),
        ),
        (
            "truncated JSON",
            "application/json",
            b"{\"email\": \"a@example.com\"".to_vec(),
        ),
    ];
    for (what, content_type, body) in cases {
        let response = app.post_raw("/api/register/", content_type, &body);
        assert_eq!(response.status, 400, "{what}: {}", response.body);
        response.assert_json_content_type();
    }
    assert_nothing_stored(&app);
}

#[test]
fn sql_metacharacters_are_refused_as_invalid_and_store_nothing() {
    let app = spawn_app();
    for email in [
        "a@example.com' OR '1'='1",
        "x'); DROP TABLE users; --@example.com",
        "\"; --@example.com",
    ] {
        let response = app.post_form(
            "/api/register/",
            &[("email", email), ("password", PASSWORD)],
        );
        response.assert_json(400, json!({"email": ["Enter a valid email address."]}));
    }
    let response = app.post_form(
        "/api/token/",
        &[("username", "' OR 1=1 --"), ("password", "' OR 1=1 --")],
    );
    response.assert_status(401);
    assert_nothing_stored(&app);
}

#[test]
fn a_non_string_value_is_refused_under_its_field() {
    let app = spawn_app();
    for value in [
        json!(12345),
        json!(true),
        json!(["a@example.com"]),
        json!({"a": 1}),
    ] {
        let response = app.post_json(
            "/api/register/",
            &json!({"email": value, "password": PASSWORD}),
        );
        response.assert_json(400, json!({"email": ["Not a valid string."]}));
    }
    assert_nothing_stored(&app);
}

#[test]
fn an_email_over_254_characters_is_refused() {
    let app = spawn_app();
    let email = format!("a@{}.com", "b".repeat(252));
    let response = app.post_form(
        "/api/register/",
        &[("email", &email), ("password", PASSWORD)],
    );
    response.assert_status(400);
    assert!(response.json()["email"].is_array());
}

#[test]
fn look_alike_usernames_cannot_impersonate_an_existing_user() {
    let app = spawn_app();
    app.register_with_username("real@example.com", "admin", PASSWORD);
    for lookalike in ["ADMIN", "\u{ff41}\u{ff44}\u{ff4d}\u{ff49}\u{ff4e}", "Admin"] {
        let response = app.post_form(
            "/api/register/",
            &[
                ("email", "fake@example.com"),
                ("password", PASSWORD),
                ("username", lookalike),
            ],
        );
        response.assert_json(
            400,
            json!({"username": ["user with this username already exists."]}),
        );
    }
}

// ---- Logs ----------------------------------------------------------------------

#[test]
fn no_secret_reaches_the_log_even_at_trace_level() {
    let app = TestApp::builder().env("RUST_LOG", "trace").spawn();
    let password = "a-very-particular-password-123";
    app.register_with_username("logs@example.com", "logs", password);
    let link = app.confirmation_link("logs@example.com");
    app.get(&link).assert_status(200);
    let (access, refresh) = app.login("logs@example.com", password);
    app.get_with_bearer("/api/user/", &access)
        .assert_status(200);
    app.post_form("/api/token/refresh/", &[("refresh", &refresh)])
        .assert_status(200);
    app.post_form("/api/password-reset/", &[("email", "logs@example.com")])
        .assert_status(200);
    let reset = wait_until("the reset mail", Duration::from_secs(30), || {
        app.mail
            .deliveries_to("logs@example.com")
            .into_iter()
            .map(|m| m.json()["TextBody"].as_str().unwrap_or("").to_string())
            .find(|body| body.contains("/api/password-reset/"))
    });
    let reset_token = reset
        .split("/api/password-reset/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a reset token")
        .to_string();
    let new_password = "another-particular-password-456";
    app.post_form(
        "/api/password-reset/confirm/",
        &[("token", &reset_token), ("new_password", new_password)],
    )
    .assert_status(200);
    app.post_form(
        "/api/token/",
        &[
            ("email", "logs@example.com"),
            ("password", "wrong-guess-789"),
        ],
    )
    .assert_status(401);
    let confirm_token = link
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let log = app.log.text();
    assert!(
        log.lines().count() > 10,
        "the trace log should not be empty:\n{log}"
    );
    for (what, secret) in [
        ("password", password),
        ("new password", new_password),
        ("wrong password", "wrong-guess-789"),
        ("access token", access.as_str()),
        ("refresh token", refresh.as_str()),
        ("access token signature", access.rsplit('.').next().unwrap()),
        ("confirmation token", confirm_token.as_str()),
        ("reset token", reset_token.as_str()),
        ("secret key", TEST_SECRET),
        ("mail API key", crate::helpers::MAIL_API_KEY),
    ] {
        assert!(!log.contains(secret), "the {what} reached the log");
    }
    let _ = claims(&access);
}

// ---- The HTTP layer's own defences (patched tiny_http) ---------------------

/// Sends raw bytes on a fresh connection and reads until the server closes
/// it; returns everything it answered.
fn raw_until_closed(app: &TestApp, request: &[u8]) -> String {
    let mut stream = app.connect();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = std::io::Read::read_to_end(&mut stream, &mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn a_huge_declared_content_length_does_not_crash_the_service() {
    // On a kept-alive connection the server lets go only after it has dealt
    // with the unread body (upstream tiny_http aborts the process right
    // there), so once the connection closes the check below sees the outcome.
    let app = TestApp::builder().env("ACCOUNTS_READ_TIMEOUT", "1").spawn();
    let answer = raw_until_closed(
        &app,
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 1000000000000\r\n\r\n{\"a\"",
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    app.assert_alive();
}

#[test]
fn ambiguous_framing_is_refused_and_nothing_is_smuggled() {
    let app = spawn_app();
    let attempts: [&[u8]; 4] = [
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/user/ HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /api/user/ HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\n{}{}{GET /api/user/ HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}GET /api/user/ HTTP/1.1\r\nHost: x\r\n\r\n",
    ];
    for request in attempts {
        let answer = raw_until_closed(&app, request);
        assert!(
            !answer.contains("Authentication credentials were not provided"),
            "a smuggled request was answered: {answer}"
        );
        assert!(
            !answer.contains("HTTP/1.1 2"),
            "an ambiguous request was served: {answer}"
        );
    }
    app.assert_alive();
}

#[test]
fn an_oversized_header_line_closes_the_connection() {
    let app = spawn_app();
    let request = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let answer = raw_until_closed(&app, request.as_bytes());
    assert!(!answer.contains("HTTP/1.1 200"), "{answer}");
    app.assert_alive();
}

#[test]
fn connections_beyond_the_cap_are_closed_at_once_and_served_again_once_freed() {
    let app = TestApp::builder()
        .env("ACCOUNTS_MAX_CONNECTIONS", "10")
        .spawn();
    let held: Vec<TcpStream> = (0..10).map(|_| app.connect()).collect();
    // The accept thread counts connections as it takes them: wait until the
    // eleventh is refused, which it must be while ten are held.
    wait_until(
        "an eleventh connection to be refused",
        Duration::from_secs(10),
        || {
            let mut extra = app.connect();
            extra
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let _ = extra.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            let mut buf = [0u8; 64];
            match std::io::Read::read(&mut extra, &mut buf) {
                Ok(0) | Err(_) => Some(()),
                Ok(_) => None,
            }
        },
    );
    drop(held);
    wait_until(
        "the service to accept again",
        Duration::from_secs(10),
        || {
            let mut stream = app.connect();
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .ok()?;
            let mut answer = Vec::new();
            std::io::Read::read_to_end(&mut stream, &mut answer).ok()?;
            answer.starts_with(b"HTTP/1.1 200").then_some(())
        },
    );
}

#[test]
fn the_bcrypt_cost_must_be_4_to_31_and_below_10_warns() {
    for bad in ["3", "32", "twelve"] {
        let failed = TestApp::builder()
            .env("ACCOUNTS_BCRYPT_COST", bad)
            .spawn_expecting_failure();
        assert!(!failed.status.success(), "cost {bad} was accepted");
        assert!(
            failed.output.contains("ACCOUNTS_BCRYPT_COST"),
            "{}",
            failed.output
        );
    }
    let app = spawn_app();
    assert!(
        app.log
            .text()
            .contains("ACCOUNTS_BCRYPT_COST is 4: below 10 is only for tests"),
        "{}",
        app.log.text()
    );
}
