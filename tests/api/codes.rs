//! Codes beside links: confirm and reset with the address and the mailed
//! code, typed loosely; five wrong codes void the pending one; one answer
//! for every failure; the code is spent with the link.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, RESET_PREFIX, TestApp, spawn_app};

const NEW_PASSWORD: &str = "a-brand-new-Password-5";

fn invalid_code() -> Value {
    json!({"code": ["Invalid or expired code."]})
}

/// Registers `email` and returns the code of its confirmation mail.
fn registered_with_code(app: &TestApp, email: &str) -> String {
    app.register(email, PASSWORD);
    app.mail.wait_for_delivery_to(email).code()
}

/// Asks for a reset of `email` and returns the code of the reset mail.
fn reset_code(app: &TestApp, email: &str) -> String {
    app.request_reset_link(email);
    let mails = app.mail.deliveries_to(email);
    mails.last().expect("a reset mail").code()
}

fn confirm_by_code(app: &TestApp, email: &str, code: &str) -> crate::helpers::TestResponse {
    app.post_json(
        "/api/confirm-email/",
        &json!({"email": email, "code": code}),
    )
}

fn reset_by_code(app: &TestApp, email: &str, code: &str) -> crate::helpers::TestResponse {
    app.post_json(
        "/api/password-reset/confirm/",
        &json!({"email": email, "code": code, "new_password": NEW_PASSWORD}),
    )
}

fn is_confirmed(app: &TestApp, email: &str) -> bool {
    let (access, _) = app.login(email, PASSWORD);
    app.current_user(&access)["is_email_confirmed"] == json!(true)
}

#[test]
fn the_confirmation_mail_carries_a_grouped_code_that_confirms_the_address() {
    let app = spawn_app();
    let code = registered_with_code(&app, "alice@example.com");
    assert_eq!(code.len(), 9, "{code}");

    confirm_by_code(&app, "alice@example.com", &code)
        .assert_json(200, json!({"detail": "Email confirmed."}));

    assert!(is_confirmed(&app, "alice@example.com"));
}

#[test]
fn a_code_is_read_ignoring_case_spaces_and_dashes() {
    let app = spawn_app();
    let code = registered_with_code(&app, "alice@example.com");
    let typed = format!(" {} ", code.replace('-', " ").to_lowercase());

    confirm_by_code(&app, "Alice@Example.com", &typed).assert_status(200);
}

#[test]
fn a_reset_code_sets_the_password_and_ends_every_login() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let (access, _) = app.login("alice@example.com", PASSWORD);
    let code = reset_code(&app, "alice@example.com");

    reset_by_code(&app, "alice@example.com", &code)
        .assert_json(200, json!({"detail": "Password has been reset."}));

    assert!(app.password_logs_in("alice@example.com", NEW_PASSWORD));
    assert!(!app.password_logs_in("alice@example.com", PASSWORD));
    app.get_with_bearer("/api/user/", &access)
        .assert_status(401);
}

#[test]
fn a_weak_password_with_a_code_is_refused_and_leaves_the_code_usable() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let code = reset_code(&app, "alice@example.com");

    app.post_json(
        "/api/password-reset/confirm/",
        &json!({"email": "alice@example.com", "code": code, "new_password": "12345"}),
    )
    .assert_status(400);

    reset_by_code(&app, "alice@example.com", &code).assert_status(200);
}

#[test]
fn the_sixth_attempt_after_five_wrong_codes_fails_even_with_the_right_code() {
    let app = spawn_app();
    let code = registered_with_code(&app, "alice@example.com");
    let wrong = a_code_other_than(&code);
    for _ in 0..5 {
        confirm_by_code(&app, "alice@example.com", wrong).assert_json(400, invalid_code());
    }

    confirm_by_code(&app, "alice@example.com", &code).assert_json(400, invalid_code());
    assert!(!is_confirmed(&app, "alice@example.com"));
}

#[test]
fn four_wrong_codes_leave_the_right_one_working() {
    let app = spawn_app();
    let code = registered_with_code(&app, "alice@example.com");
    let wrong = a_code_other_than(&code);
    for _ in 0..4 {
        confirm_by_code(&app, "alice@example.com", wrong).assert_status(400);
    }

    confirm_by_code(&app, "alice@example.com", &code).assert_status(200);
}

#[test]
fn a_code_does_not_work_for_another_address() {
    let app = spawn_app();
    let alices = registered_with_code(&app, "alice@example.com");
    registered_with_code(&app, "bob@example.com");

    confirm_by_code(&app, "bob@example.com", &alices).assert_json(400, invalid_code());
    let bobs_reset = reset_code(&app, "bob@example.com");
    reset_by_code(&app, "alice@example.com", &bobs_reset).assert_json(400, invalid_code());
}

#[test]
fn every_failing_code_gets_the_same_answer() {
    let app = spawn_app();
    let code = registered_with_code(&app, "alice@example.com");
    confirm_by_code(&app, "alice@example.com", &code).assert_status(200);
    let cases = [
        ("alice@example.com", code.as_str(), "spent"),
        ("nobody@example.com", code.as_str(), "an unknown address"),
        ("not an address", code.as_str(), "not an address"),
        ("alice@example.com", "XYZ", "not a code"),
        ("alice@example.com", "ÜÜÜÜ-ÜÜÜÜ", "not a code"),
    ];
    for (email, typed, case) in cases {
        let response = confirm_by_code(&app, email, typed);
        assert_eq!(response.status, 400, "{case}");
        assert_eq!(response.json(), invalid_code(), "{case}");
        let reset = reset_by_code(&app, email, typed);
        assert_eq!(reset.json(), invalid_code(), "reset: {case}");
    }
}

#[test]
fn the_code_is_spent_with_the_link() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let code = reset_code(&app, "alice@example.com");
    let link = app
        .delivered_links("alice@example.com", RESET_PREFIX)
        .pop()
        .expect("a reset link");
    let token = link
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    app.post_json(
        "/api/password-reset/confirm/",
        &json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .assert_status(200);

    reset_by_code(&app, "alice@example.com", &code).assert_json(400, invalid_code());
}

#[test]
fn a_missing_code_or_address_is_a_required_field() {
    let app = spawn_app();
    app.post_json(
        "/api/confirm-email/",
        &json!({"email": "alice@example.com"}),
    )
    .assert_json(400, json!({"code": ["This field is required."]}));
    app.post_json(
        "/api/password-reset/confirm/",
        &json!({"code": "ABCD-EFGH"}),
    )
    .assert_json(
        400,
        json!({"email": ["This field is required."], "new_password": ["This field is required."]}),
    );
    app.post_json("/api/confirm-email/", &json!({}))
        .assert_json(400, json!({"token": ["This field is required."]}));
}

#[test]
fn code_attempts_are_throttled_per_client_address() {
    let app = TestApp::builder()
        .env("ACCOUNTS_THROTTLE", "on")
        .env("ACCOUNTS_THROTTLE_CODE_ADDRESS", "3/1h")
        .spawn();
    for _ in 0..3 {
        confirm_by_code(&app, "alice@example.com", "0000-0000").assert_status(400);
    }

    let throttled = confirm_by_code(&app, "alice@example.com", "0000-0000");
    throttled.assert_status(429);
    assert!(throttled.header("Retry-After").is_some());
    reset_by_code(&app, "alice@example.com", "0000-0000").assert_status(429);
}

/// A well-formed code that is not `code`.
fn a_code_other_than(code: &str) -> &'static str {
    if code == "0000-0000" {
        "1111-1111"
    } else {
        "0000-0000"
    }
}
