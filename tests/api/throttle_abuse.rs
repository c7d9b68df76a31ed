//! Attacks on the throttles themselves, performed over HTTP: a flood of huge
//! login values that would grow the tables, probes that would tell a known
//! address from an unknown one, password checks that would bypass the login
//! limit, a burst of concurrent guesses that would overshoot it, and a flood
//! of mail to one inbox. IPv6 proxies and IPv6 clients are covered too.

use std::sync::Barrier;
use std::thread;

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestResponse, assert_throttled, throttled_app};

const WRONG: &str = "wrong-password-guess";

/// `POST /api/token/` with a form body and extra headers.
fn login_with(
    app: &TestApp,
    login: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    let body = crate::helpers::form_encode(&[("email", login), ("password", password)]);
    let mut all = vec![("Content-Type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    app.request("POST", "/api/token/", &all, Some(body.as_bytes()))
}

fn wrong_login(app: &TestApp, login: &str) -> u16 {
    login_with(app, login, WRONG, &[]).status
}

/// The body with every number replaced, so two answers given a moment
/// apart compare equal when only the seconds in them differ.
fn without_numbers(body: &str) -> String {
    body.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

// ---------------------------------------------------------------------------
// The tables are bounded whatever the requests carry

/// Resident memory of a process, from `/proc/<pid>/status`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("read the server's /proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

/// Failed logins with distinct 60,000-character login values, each from its
/// own forwarded address, on four connections at once.
fn flood_of_long_logins(app: &TestApp, from: usize, count: usize) {
    thread::scope(|scope| {
        for lane in 0..4 {
            scope.spawn(move || {
                for i in (from + lane..from + count).step_by(4) {
                    let login = format!("{i:06}{}", "a".repeat(59_994));
                    let forwarded = format!("198.51.{}.{}", i / 250, i % 250 + 1);
                    let response =
                        login_with(app, &login, WRONG, &[("X-Forwarded-For", &forwarded)]);
                    response.assert_status(401);
                }
            });
        }
    });
}

/// The README's bound for this flood: 600 windows per table of a few dozen
/// bytes each, plus allocator slack. Keyed on the values themselves, the
/// same flood held 36 MB of login values.
const FLOOD_GROWTH_BOUND_KIB: u64 = 8 * 1024;

#[test]
fn a_flood_of_huge_distinct_login_values_leaves_memory_bounded() {
    let app = throttled_app(&[
        ("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1"),
        ("ACCOUNTS_THROTTLE_LOGIN_ADDRESS", "1000/1h"),
    ]);
    // Warm up every worker and allocator arena with the same requests first.
    flood_of_long_logins(&app, 0, 64);
    let before = rss_kib(app.pid());
    flood_of_long_logins(&app, 64, 600);
    let after = rss_kib(app.pid());
    eprintln!("RSS {before} KiB before the flood, {after} KiB after");
    assert!(
        after.saturating_sub(before) < FLOOD_GROWTH_BOUND_KIB,
        "RSS grew from {before} KiB to {after} KiB over 600 failed logins"
    );
}

#[test]
fn ipv6_clients_in_one_64_share_their_address_limit() {
    let app = throttled_app(&[
        ("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1"),
        ("ACCOUNTS_THROTTLE_LOGIN_ADDRESS", "2/1h"),
    ]);
    let from =
        |client: &str| login_with(&app, "x@example.com", WRONG, &[("X-Forwarded-For", client)]);
    from("2001:db8:1:2::1").assert_status(401);
    from("2001:db8:1:2:abcd::9").assert_status(401);
    assert_throttled(&from("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    from("2001:db8:1:3::1").assert_status(401);
}

#[test]
fn an_ipv6_proxy_in_a_trusted_ipv6_block_is_believed() {
    let app = TestApp::builder()
        .env("ACCOUNTS_LISTEN", "[::1]:0")
        .env("ACCOUNTS_THROTTLE", "on")
        .env("ACCOUNTS_TRUSTED_PROXIES", "::/120")
        .env("ACCOUNTS_THROTTLE_LOGIN_ADDRESS", "1/1h")
        .spawn();
    assert!(app.address.contains("[::1]"), "served on {}", app.address);
    let from =
        |client: &str| login_with(&app, "x@example.com", WRONG, &[("X-Forwarded-For", client)]);
    from("198.51.100.1").assert_status(401);
    assert_throttled(&from("198.51.100.1"));
    from("198.51.100.2").assert_status(401);
}

// ---------------------------------------------------------------------------
// The throttle does not tell who has an account

#[test]
fn full_width_failures_lock_a_known_and_an_unknown_address_alike() {
    let app = throttled_app(&[
        ("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "3/1h"),
        ("ACCOUNTS_THROTTLE_LOGIN_ADDRESS", "1000/1h"),
    ]);
    app.register("known@example.com", PASSWORD);
    let answers = ["known", "unknown"].map(|name| {
        for _ in 0..3 {
            // The domain's `ｅ` is U+FF45, FULLWIDTH LATIN SMALL LETTER E.
            wrong_login(&app, &format!("{name}@\u{ff45}xample.com"));
        }
        login_with(&app, &format!("{name}@example.com"), WRONG, &[])
    });
    let [known, unknown] = answers;
    assert_eq!(
        known.status, unknown.status,
        "known: {}; unknown: {}",
        known.body, unknown.body
    );
    assert_eq!(without_numbers(&known.body), without_numbers(&unknown.body));
    assert_eq!(
        known.header("Retry-After").is_some(),
        unknown.header("Retry-After").is_some()
    );
}

// ---------------------------------------------------------------------------
// Every password check counts against the account's limit

const CHANGE: &str = "/api/user/change-password/";

fn wrong_change(app: &TestApp, access: &str) -> TestResponse {
    app.send_json_with_bearer(
        "PUT",
        CHANGE,
        access,
        &json!({"oldPassword": WRONG, "newPassword": "purple-monkey-dishwasher-42"}),
    )
}

fn wrong_delete(app: &TestApp, access: &str) -> TestResponse {
    app.send_json_with_bearer("DELETE", "/api/user/", access, &json!({"password": WRONG}))
}

fn locked_account_app() -> (TestApp, String) {
    let app = throttled_app(&[("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "3/1h")]);
    app.register("victim@example.com", PASSWORD);
    let (access, _) = app.login("victim@example.com", PASSWORD);
    (app, access)
}

#[test]
fn wrong_old_passwords_to_change_password_use_up_the_login_limit() {
    let (app, access) = locked_account_app();
    for _ in 0..3 {
        wrong_change(&app, &access).assert_status(400);
    }
    assert_throttled(&login_with(&app, "victim@example.com", PASSWORD, &[]));
}

#[test]
fn wrong_passwords_to_delete_the_account_use_up_the_login_limit() {
    let (app, access) = locked_account_app();
    for _ in 0..3 {
        wrong_delete(&app, &access).assert_status(400);
    }
    assert_throttled(&login_with(&app, "victim@example.com", PASSWORD, &[]));
}

#[test]
fn a_locked_account_refuses_change_password_and_delete_even_with_the_right_password() {
    let (app, access) = locked_account_app();
    for _ in 0..3 {
        assert_eq!(wrong_login(&app, "victim@example.com"), 401);
    }
    let change = app.send_json_with_bearer(
        "PUT",
        CHANGE,
        &access,
        &json!({"oldPassword": PASSWORD, "newPassword": "purple-monkey-dishwasher-42"}),
    );
    assert_throttled(&change);
    let delete = app.send_json_with_bearer(
        "DELETE",
        "/api/user/",
        &access,
        &json!({"password": PASSWORD}),
    );
    assert_throttled(&delete);
}

// ---------------------------------------------------------------------------
// Concurrent guesses cannot overshoot the limit

#[test]
fn twenty_concurrent_wrong_logins_against_a_limit_of_ten_get_ten_401s() {
    let app = throttled_app(&[
        ("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "10/1h"),
        ("ACCOUNTS_THROTTLE_LOGIN_ADDRESS", "1000/1h"),
        // A hash slow enough that all twenty are in flight together, and a
        // queue long enough that none is refused as busy.
        ("ACCOUNTS_BCRYPT_COST", "8"),
        ("ACCOUNTS_HASH_QUEUE", "64"),
    ]);
    app.register("victim@example.com", PASSWORD);
    let start = Barrier::new(20);
    let statuses: Vec<u16> = thread::scope(|scope| {
        let guesses: Vec<_> = (0..20)
            .map(|_| {
                let (app, start) = (&app, &start);
                scope.spawn(move || {
                    start.wait();
                    wrong_login(app, "victim@example.com")
                })
            })
            .collect();
        guesses
            .into_iter()
            .map(|g| g.join().expect("a guess"))
            .collect()
    });
    let count = |status| statuses.iter().filter(|&&s| s == status).count();
    assert_eq!((count(401), count(429)), (10, 10), "answers: {statuses:?}");
}

// ---------------------------------------------------------------------------
// Mail to one inbox is limited, silently

const VICTIM: &str = "victim@example.com";

/// Registers a new address and waits for its confirmation mail: the outbox
/// sends in order, so every mail queued before it has reached the provider.
fn drain_outbox(app: &TestApp) {
    let control = format!("control-{}@example.org", app.mail.requests().len());
    app.register(&control, PASSWORD);
    app.mail.wait_for_delivery_to(&control);
}

#[test]
fn forty_mail_requests_from_four_addresses_send_one_inbox_five_mails() {
    let app = throttled_app(&[("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1")]);
    app.register(VICTIM, PASSWORD);
    let mut bodies = Vec::new();
    for i in 0..40 {
        let path = if i % 2 == 0 {
            "/api/password-reset/"
        } else {
            "/api/resend-confirmation/"
        };
        let client = format!("198.51.100.{}", i % 4 + 1);
        let body = json!({"email": VICTIM}).to_string();
        let response = app.request(
            "POST",
            path,
            &[
                ("Content-Type", "application/json"),
                ("X-Forwarded-For", &client),
            ],
            Some(body.as_bytes()),
        );
        response.assert_status(200);
        bodies.push((path, response.body));
    }
    for (path, body) in &bodies {
        let first = &bodies
            .iter()
            .find(|(p, _)| p == path)
            .expect("a first answer")
            .1;
        assert_eq!(
            body, first,
            "every {path} answer is the same, mailed or not"
        );
    }
    drain_outbox(&app);
    assert_eq!(
        app.mail.deliveries_to(VICTIM).len(),
        5,
        "the confirmation mail and four requested ones"
    );
}

#[test]
fn the_registration_mail_counts_against_the_recipient_limit() {
    let app = throttled_app(&[("ACCOUNTS_THROTTLE_MAIL_RECIPIENT", "1/1h")]);
    app.register(VICTIM, PASSWORD);
    let resend = app.post_json("/api/resend-confirmation/", &json!({"email": VICTIM}));
    resend.assert_json(
        200,
        json!({"detail": "If the address is registered and not yet confirmed, a new link has been sent."}),
    );
    drain_outbox(&app);
    let to_victim: Vec<Value> = app
        .mail
        .deliveries_to(VICTIM)
        .iter()
        .map(|r| r.json())
        .collect();
    assert_eq!(
        to_victim.len(),
        1,
        "only the registration's mail: {to_victim:?}"
    );
}
