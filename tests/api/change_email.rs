//! Moving an account to a new address (`POST /api/user/change-email/`): a
//! link to the new address makes the change, the old address stays in force
//! until then and is told afterwards, and a link goes stale when its address
//! is registered meanwhile or a newer request replaces it.

use serde_json::{Value, json};

use crate::helpers::{
    CONFIRM_PREFIX, PASSWORD, RESET_PREFIX, TestApp, TestResponse, assert_unauthorized, spawn_app,
    token_not_valid_body, token_of,
};

const OLD: &str = "alice@example.com";
const NEW: &str = "nova@example.net";
const SENT: &str = "Confirmation link sent to the new address.";

fn invalid_token() -> Value {
    json!({"token": ["Invalid or expired token."]})
}

/// `POST /api/user/change-email/` with a JSON body, by Bearer token.
fn ask(app: &TestApp, access: &str, body: Value) -> TestResponse {
    app.send_json_with_bearer("POST", "/api/user/change-email/", access, &body)
}

/// A server where `OLD` is registered and logged in; returns both and the
/// access token.
fn logged_in() -> (TestApp, String) {
    let app = spawn_app();
    app.register(OLD, PASSWORD);
    let (access, _) = app.login(OLD, PASSWORD);
    (app, access)
}

/// Asks to move to `to` (asserting the answer) and waits for the link;
/// returns its path.
fn change_link(app: &TestApp, access: &str, to: &str) -> String {
    let before = app.delivered_links(to, CONFIRM_PREFIX).len();
    ask(app, access, json!({"password": PASSWORD, "new_email": to}))
        .assert_json(200, json!({"detail": SENT}));
    app.wait_for_links(to, CONFIRM_PREFIX, before + 1)
        .pop()
        .expect("a link")
}

#[test]
fn the_link_goes_to_the_new_address_and_the_old_one_stays_in_force_until_it_is_followed() {
    let (app, access) = logged_in();

    change_link(&app, &access, NEW);

    assert!(app.password_logs_in(OLD, PASSWORD));
    assert!(!app.password_logs_in(NEW, PASSWORD));
    assert_eq!(app.current_user(&access)["email"], OLD);
}

#[test]
fn following_the_link_moves_the_account_to_the_new_address_with_the_same_password() {
    let (app, access) = logged_in();
    let link = change_link(&app, &access, NEW);

    app.get(&link).assert_html(200);

    assert!(app.password_logs_in(NEW, PASSWORD));
    assert!(!app.password_logs_in(OLD, PASSWORD));
    let (fresh, _) = app.login(NEW, PASSWORD);
    let user = app.current_user(&fresh);
    assert_eq!(user["email"], NEW);
    assert_eq!(user["is_email_confirmed"], true);
}

#[test]
fn the_old_address_is_told_with_the_new_one_masked() {
    let (app, access) = logged_in();
    let link = change_link(&app, &access, NEW);

    app.get(&link).assert_html(200);

    let notice = crate::helpers::wait_until("the notice", crate::helpers::MAIL_DEADLINE, || {
        app.mail.deliveries_to(OLD).into_iter().find(|m| {
            m.json()["Subject"]
                .as_str()
                .is_some_and(|s| s.contains("email address was changed"))
        })
    });
    let text = notice.json()["TextBody"].as_str().unwrap_or("").to_owned();
    assert!(
        text.contains("n\u{2022}\u{2022}\u{2022}@example.net"),
        "{text}"
    );
    assert!(!text.contains(NEW), "the new address is masked: {text}");
    assert!(text.contains("If you did not make this change"), "{text}");
}

#[test]
fn the_json_route_follows_a_change_link_too() {
    let (app, access) = logged_in();
    let link = change_link(&app, &access, NEW);

    app.post_json(
        "/api/confirm-email/",
        &json!({"token": token_of(&link, CONFIRM_PREFIX)}),
    )
    .assert_json(200, json!({"detail": "Email confirmed."}));

    assert!(app.password_logs_in(NEW, PASSWORD));
}

#[test]
fn looking_at_the_link_with_head_changes_nothing() {
    let (app, access) = logged_in();
    let link = change_link(&app, &access, NEW);

    app.head(&link).assert_status(200);

    assert!(app.password_logs_in(OLD, PASSWORD));
    app.get(&link).assert_html(200);
    assert!(app.password_logs_in(NEW, PASSWORD));
}

#[test]
fn following_the_link_again_says_already_confirmed_and_changes_nothing_more() {
    let (app, access) = logged_in();
    let link = change_link(&app, &access, NEW);
    app.get(&link).assert_html(200);

    let again = app.get(&link);

    again.assert_html(200);
    assert!(
        again.body.to_lowercase().contains("already"),
        "{}",
        again.body
    );
    assert!(app.password_logs_in(NEW, PASSWORD));
}

#[test]
fn the_link_is_refused_once_someone_registered_the_new_address_meanwhile() {
    let (app, access) = logged_in();
    let link = change_link(&app, &access, NEW);
    app.register("NOVA@example.net", "someone-elses-password-9");

    app.post_json(
        "/api/confirm-email/",
        &json!({"token": token_of(&link, CONFIRM_PREFIX)}),
    )
    .assert_json(400, invalid_token());
    app.get(&link).assert_html(400);

    assert!(app.password_logs_in(OLD, PASSWORD));
    assert_eq!(app.current_user(&access)["email"], OLD);
}

#[test]
fn a_second_request_voids_the_first_link() {
    let (app, access) = logged_in();
    let first = change_link(&app, &access, NEW);
    let second = change_link(&app, &access, "other@example.org");

    app.get(&first).assert_html(400);
    assert!(app.password_logs_in(OLD, PASSWORD));

    app.get(&second).assert_html(200);
    assert!(app.password_logs_in("other@example.org", PASSWORD));
}

#[test]
fn the_change_ends_every_login_and_the_reset_links_mailed_to_the_old_address() {
    let (app, access) = logged_in();
    let reset = app.request_reset_link(OLD);
    let link = change_link(&app, &access, NEW);
    crate::helpers::wait_past_issue_of(&access);

    app.get(&link).assert_html(200);

    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        token_not_valid_body(),
    );
    app.post_json(
        "/api/password-reset/confirm/",
        &json!({"token": token_of(&reset, RESET_PREFIX), "new_password": "violet-walrus-teaspoon-17"}),
    )
    .assert_json(400, invalid_token());
}

#[test]
fn a_wrong_password_is_refused_and_nothing_is_sent() {
    let (app, access) = logged_in();

    ask(
        &app,
        &access,
        json!({"password": "not-my-password-1", "new_email": NEW}),
    )
    .assert_json(400, json!({"password": ["Password is incorrect."]}));

    // A later request's mail arrives; the refused one's never was queued.
    change_link(&app, &access, "later@example.org");
    assert!(app.mail.attempts_to(NEW).is_empty());
}

#[test]
fn a_bad_or_taken_new_address_gets_the_registrations_errors() {
    let (app, access) = logged_in();
    app.register("bob@example.com", PASSWORD);
    let cases = [
        (
            "not an address",
            json!({"password": PASSWORD, "new_email": "not-an-address"}),
            json!({"new_email": ["Enter a valid email address."]}),
        ),
        (
            "blank",
            json!({"password": PASSWORD, "new_email": "  "}),
            json!({"new_email": ["This field may not be blank."]}),
        ),
        (
            "another user's, in another case",
            json!({"password": PASSWORD, "new_email": "BOB@Example.com"}),
            json!({"new_email": ["user with this email already exists."]}),
        ),
        (
            "the user's own",
            json!({"password": PASSWORD, "new_email": OLD}),
            json!({"new_email": ["user with this email already exists."]}),
        ),
        (
            "nothing",
            json!({}),
            json!({"password": ["This field is required."], "new_email": ["This field is required."]}),
        ),
        (
            "not strings",
            json!({"password": 5, "new_email": ["a@example.com"]}),
            json!({"password": ["Not a valid string."], "new_email": ["Not a valid string."]}),
        ),
    ];
    for (what, body, expected) in cases {
        let response = ask(&app, &access, body);
        assert_eq!(response.status, 400, "{what}: {}", response.body);
        assert_eq!(response.json(), expected, "{what}");
    }
}

#[test]
fn a_form_body_is_accepted() {
    let (app, access) = logged_in();

    let response = app.request(
        "POST",
        "/api/user/change-email",
        &[
            ("Authorization", &format!("Bearer {access}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(crate::helpers::form_encode(&[("password", PASSWORD), ("new_email", NEW)]).as_bytes()),
    );

    response.assert_json(200, json!({"detail": SENT}));
    app.mail.wait_for_delivery_to(NEW);
}

#[test]
fn a_change_request_needs_authentication_and_a_trusted_origin_with_the_cookie() {
    let app = TestApp::builder()
        .env("ACCOUNTS_CORS_ORIGINS", "https://app.example.com")
        .spawn();
    app.register(OLD, PASSWORD);
    let body = json!({"password": PASSWORD, "new_email": NEW}).to_string();
    assert_unauthorized(
        &app.post_json(
            "/api/user/change-email/",
            &json!({"password": PASSWORD, "new_email": NEW}),
        ),
        json!({"detail": "Authentication credentials were not provided."}),
    );
    let cookie = format!("access_token={}", app.cookie_login(OLD, PASSWORD));

    let refused = app.request(
        "POST",
        "/api/user/change-email/",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/json"),
            ("Origin", "https://evil.example.net"),
        ],
        Some(body.as_bytes()),
    );

    refused.assert_json(
        403,
        json!({"detail": "CSRF Failed: Origin checking failed."}),
    );
    let allowed = app.request(
        "POST",
        "/api/user/change-email/",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/json"),
            ("Origin", "https://app.example.com"),
        ],
        Some(body.as_bytes()),
    );
    allowed.assert_json(200, json!({"detail": SENT}));
}

#[test]
fn change_requests_count_against_the_mail_limit_of_the_client_address() {
    let app = TestApp::builder()
        .env("ACCOUNTS_THROTTLE", "on")
        .env("ACCOUNTS_THROTTLE_MAIL_ADDRESS", "2/1h")
        .spawn();
    app.register(OLD, PASSWORD);
    let (access, _) = app.login(OLD, PASSWORD);
    let body = || json!({"password": PASSWORD, "new_email": NEW});
    ask(&app, &access, body()).assert_status(200);
    ask(
        &app,
        &access,
        json!({"password": "wrong-password-1", "new_email": NEW}),
    )
    .assert_status(400);

    let refused = ask(&app, &access, body());

    refused.assert_status(429);
    assert!(refused.header("Retry-After").is_some());
}

#[test]
fn change_requests_count_against_the_mail_limit_of_the_recipient() {
    let app = TestApp::builder()
        .env("ACCOUNTS_THROTTLE", "on")
        .env("ACCOUNTS_THROTTLE_MAIL_RECIPIENT", "1/1h")
        .spawn();
    app.register(OLD, PASSWORD);
    let (access, _) = app.login(OLD, PASSWORD);
    change_link(&app, &access, NEW);

    // Answered alike, but withheld: the answer tells nothing about the inbox.
    ask(
        &app,
        &access,
        json!({"password": PASSWORD, "new_email": NEW}),
    )
    .assert_json(200, json!({"detail": SENT}));
    change_link(&app, &access, "later@example.org");

    assert_eq!(app.mail.attempts_to(NEW).len(), 1);
}

#[test]
fn the_route_answers_options_and_405_with_and_without_its_slash() {
    let app = spawn_app();
    for path in ["/api/user/change-email/", "/api/user/change-email"] {
        let options = app.request("OPTIONS", path, &[], None);
        options.assert_status(204);
        assert_eq!(options.header("Allow"), Some("POST, OPTIONS"), "{path}");
        app.get(path)
            .assert_json(405, json!({"detail": "Method \"GET\" not allowed."}));
    }
}
