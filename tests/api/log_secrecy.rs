//! What reaches the log: no password, token or key, even at trace level.

use std::time::Duration;

use crate::helpers::{TEST_SECRET, TestApp, claims, wait_until};

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
