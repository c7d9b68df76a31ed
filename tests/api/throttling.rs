//! Brute force and abuse (issue 4, point 1): each limit is performed for
//! real until the server refuses, and forged `X-Forwarded-For` headers are
//! shown not to help.

use crate::helpers::{PASSWORD, TestApp, assert_throttled, throttled_app};

fn wrong_login(app: &TestApp, email: &str, headers: &[(&str, &str)]) -> u16 {
    let body = format!(
        "email={}&password=wrong-password-guess",
        email.replace('@', "%40")
    );
    let mut all = vec![("Content-Type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    app.request("POST", "/api/token/", &all, Some(body.as_bytes()))
        .status
}

#[test]
fn an_account_locks_after_its_failed_logins_and_refuses_even_the_right_password() {
    let app = throttled_app(&[("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "3/1h")]);
    app.register("victim@example.com", PASSWORD);
    for _ in 0..3 {
        assert_eq!(wrong_login(&app, "victim@example.com", &[]), 401);
    }
    let right = app.post_form(
        "/api/token/",
        &[("email", "victim@example.com"), ("password", PASSWORD)],
    );
    assert_throttled(&right);
}

#[test]
fn the_account_lock_covers_every_way_of_naming_the_account() {
    let app = throttled_app(&[("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "2/1h")]);
    app.register_with_username("named@example.com", "named", PASSWORD);
    assert_eq!(wrong_login(&app, "named@example.com", &[]), 401);
    assert_eq!(wrong_login(&app, "NAMED@example.com", &[]), 401);
    let by_username = app.post_form(
        "/api/login/",
        &[("username", "named"), ("password", PASSWORD)],
    );
    assert_throttled(&by_username);
}

#[test]
fn other_accounts_are_not_locked_by_one_accounts_failures() {
    let app = throttled_app(&[("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "2/1h")]);
    app.register("a@example.com", PASSWORD);
    app.register("b@example.com", PASSWORD);
    for _ in 0..3 {
        wrong_login(&app, "a@example.com", &[]);
    }
    app.login("b@example.com", PASSWORD);
}

#[test]
fn a_client_address_is_throttled_after_its_failed_logins_across_accounts() {
    let app = throttled_app(&[("ACCOUNTS_THROTTLE_LOGIN_ADDRESS", "3/1h")]);
    for i in 0..3 {
        assert_eq!(
            wrong_login(&app, &format!("nobody{i}@example.com"), &[]),
            401
        );
    }
    let next = app.post_form(
        "/api/token/",
        &[
            ("email", "someone-else@example.com"),
            ("password", "whatever-it-is"),
        ],
    );
    assert_throttled(&next);
}

#[test]
fn a_forged_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = throttled_app(&[("ACCOUNTS_THROTTLE_LOGIN_ADDRESS", "3/1h")]);
    for i in 0..3 {
        let forged = format!("198.51.100.{i}");
        wrong_login(&app, "x@example.com", &[("X-Forwarded-For", &forged)]);
    }
    let body = "email=y%40example.com&password=whatever-it-is";
    let response = app.request(
        "POST",
        "/api/token/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Forwarded-For", "203.0.113.77"),
        ],
        Some(body.as_bytes()),
    );
    assert_throttled(&response);
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = throttled_app(&[
        ("ACCOUNTS_THROTTLE_LOGIN_ADDRESS", "2/1h"),
        ("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1/32"),
    ]);
    for _ in 0..2 {
        wrong_login(
            &app,
            "x@example.com",
            &[("X-Forwarded-For", "198.51.100.1")],
        );
    }
    assert_eq!(
        wrong_login(
            &app,
            "x@example.com",
            &[("X-Forwarded-For", "198.51.100.1")]
        ),
        429
    );
    assert_eq!(
        wrong_login(
            &app,
            "x@example.com",
            &[("X-Forwarded-For", "198.51.100.2")]
        ),
        401,
        "another client behind the proxy is not throttled"
    );
}

#[test]
fn registrations_are_throttled_per_client_address() {
    let app = throttled_app(&[("ACCOUNTS_THROTTLE_REGISTER_ADDRESS", "2/1h")]);
    app.register("one@example.com", PASSWORD);
    app.register("two@example.com", PASSWORD);
    let third = app.post_form(
        "/api/register/",
        &[("email", "three@example.com"), ("password", PASSWORD)],
    );
    assert_throttled(&third);
}

#[test]
fn mail_sending_endpoints_are_throttled_per_client_address() {
    let app = throttled_app(&[("ACCOUNTS_THROTTLE_MAIL_ADDRESS", "2/1h")]);
    let ask = |path: &str| app.post_form(path, &[("email", "someone@example.com")]);
    ask("/api/password-reset/").assert_status(200);
    ask("/api/resend-confirmation/").assert_status(200);
    assert_throttled(&ask("/api/password-reset/"));
    assert_throttled(&ask("/api/resend-confirmation/"));
}

#[test]
fn throttle_off_never_refuses() {
    let app = TestApp::builder()
        .env("ACCOUNTS_THROTTLE", "off")
        .env("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "1/1h")
        .spawn();
    app.register("free@example.com", PASSWORD);
    for _ in 0..3 {
        assert_eq!(wrong_login(&app, "free@example.com", &[]), 401);
    }
    app.login("free@example.com", PASSWORD);
}

#[test]
fn a_throttled_login_costs_no_password_hash() {
    // One hashing thread, no queue, a slow cost: while another login hashes,
    // any request that needed a hash would be refused with 503.
    let app = throttled_app(&[
        ("ACCOUNTS_THROTTLE_LOGIN_ACCOUNT", "1/1h"),
        ("ACCOUNTS_HASH_THREADS", "1"),
        ("ACCOUNTS_HASH_QUEUE", "0"),
        ("ACCOUNTS_BCRYPT_COST", "12"),
    ]);
    app.register("locked@example.com", PASSWORD);
    assert_eq!(wrong_login(&app, "locked@example.com", &[]), 401);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Keep the one hashing thread busy with logins of unknown users.
        for worker in 0..2 {
            let (app, stop) = (&app, &stop);
            scope.spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    wrong_login(app, &format!("busy{worker}-{n}@example.com"), &[]);
                }
            });
        }
        // Each probe names a new account, so none is locked by its failure.
        let mut probe = 0;
        crate::helpers::wait_until(
            "the hashing lane to be busy",
            std::time::Duration::from_secs(20),
            || {
                probe += 1;
                (wrong_login(&app, &format!("probe{probe}@example.com"), &[]) == 503).then_some(())
            },
        );
        let right = app.post_form(
            "/api/token/",
            &[("email", "locked@example.com"), ("password", PASSWORD)],
        );
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert_throttled(&right);
    });
}
