//! The confirmation link (`GET /api/confirm-email/{token}/`), its JSON variant
//! (`POST /api/confirm-email/`), the redirect setting and expiry.

use serde_json::json;

use crate::helpers::{
    CONFIRM_PREFIX, PASSWORD, PUBLIC_URL, TestApp, TestResponse, now_secs, spawn_app, token_of,
    wait_for_clock,
};

const INVALID_TOKEN: &str = "Invalid or expired token.";

/// The token inside a confirmation path.
fn confirmation_token(link: &str) -> String {
    token_of(link, CONFIRM_PREFIX)
}

/// A server whose confirmation links redirect to `target`.
fn redirecting_app(target: &str) -> TestApp {
    TestApp::builder()
        .env("ACCOUNTS_CONFIRM_REDIRECT", target)
        .spawn()
}

/// A server whose confirmation links redirect to `target`, where alice has
/// registered; returns it and the path of her confirmation link.
fn redirecting_app_with_a_link(target: &str) -> (TestApp, String) {
    let app = redirecting_app(target);
    app.register("alice@example.com", PASSWORD);
    let link = app.confirmation_link("alice@example.com");
    (app, link)
}

fn assert_redirects_to(response: &TestResponse, location: &str) {
    response.assert_status(302);
    assert_eq!(response.header("Location"), Some(location));
}

fn is_confirmed(app: &TestApp, email: &str) -> bool {
    let (access, _) = app.login(email, PASSWORD);
    app.current_user(&access)["is_email_confirmed"]
        .as_bool()
        .expect("a boolean is_email_confirmed")
}

#[test]
fn following_the_confirmation_link_confirms_the_address() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let link = app.confirmation_link("alice@example.com");

    let response = app.get(&link);

    response.assert_html(200);
    let page = response.body.to_lowercase();
    assert!(page.contains("confirmed"), "the page says so: {page}");
    assert!(
        !page.contains("already"),
        "a first confirmation is not 'already': {page}"
    );
    assert!(is_confirmed(&app, "alice@example.com"));
}

#[test]
fn the_confirmation_link_is_under_the_public_url_and_holds_at_least_128_random_bits() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let link = app
        .mail
        .wait_for_delivery_to("alice@example.com")
        .confirmation_link();

    let expected_prefix = format!("{PUBLIC_URL}{CONFIRM_PREFIX}");
    assert!(
        link.starts_with(&expected_prefix),
        "{link:?} starts with {expected_prefix:?}"
    );
    let token = confirmation_token(&link[PUBLIC_URL.len()..]);
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{token:?} is URL-safe"
    );
    // 22 base64url or 32 hex characters hold 128 bits.
    let hex = token.chars().all(|c| c.is_ascii_hexdigit());
    assert!(
        token.len() >= if hex { 32 } else { 22 },
        "{token:?} holds at least 128 bits"
    );
}

#[test]
fn each_registration_gets_its_own_token() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    app.register("bob@example.com", PASSWORD);
    assert_ne!(
        app.confirmation_link("alice@example.com"),
        app.confirmation_link("bob@example.com")
    );
}

#[test]
fn the_confirmation_link_works_without_its_trailing_slash() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let link = app.confirmation_link("alice@example.com");

    app.get(link.trim_end_matches('/')).assert_html(200);

    assert!(is_confirmed(&app, "alice@example.com"));
}

#[test]
fn a_confirmation_link_confirms_only_its_own_user() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    app.register("bob@example.com", PASSWORD);

    app.get(&app.confirmation_link("alice@example.com"))
        .assert_html(200);

    assert!(is_confirmed(&app, "alice@example.com"));
    assert!(!is_confirmed(&app, "bob@example.com"));
}

#[test]
fn a_repeated_get_of_a_used_link_answers_200_already_confirmed() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let link = app.confirmation_link("alice@example.com");
    app.get(&link).assert_html(200);

    let again = app.get(&link);

    again.assert_html(200);
    assert!(
        again.body.to_lowercase().contains("already confirmed"),
        "the page says 'already confirmed': {}",
        again.body
    );
}

#[test]
fn head_on_the_confirmation_link_does_not_consume_the_token() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let link = app.confirmation_link("alice@example.com");

    let head = app.head(&link);
    assert!(head.status < 500, "HEAD answered {}", head.status);
    assert!(
        !is_confirmed(&app, "alice@example.com"),
        "HEAD confirmed the address"
    );

    let get = app.get(&link);
    get.assert_html(200);
    assert!(
        !get.body.to_lowercase().contains("already"),
        "HEAD spent the token: {}",
        get.body
    );
    assert!(is_confirmed(&app, "alice@example.com"));
}

#[test]
fn get_with_an_unknown_token_answers_400_with_an_html_page() {
    let app = spawn_app();

    let response = app.get("/api/confirm-email/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/");

    response.assert_html(400);
    let page = response.body.to_lowercase();
    assert!(
        page.contains("invalid") || page.contains("expired"),
        "the page says so: {page}"
    );
}

#[test]
fn post_confirm_email_with_a_json_token_answers_200_and_confirms() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let token = confirmation_token(&app.confirmation_link("alice@example.com"));

    app.post_json("/api/confirm-email/", &json!({"token": token}))
        .assert_json(200, json!({"detail": "Email confirmed."}));

    assert!(is_confirmed(&app, "alice@example.com"));
}

#[test]
fn post_confirm_email_accepts_a_form_body() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);
    let token = confirmation_token(&app.confirmation_link("alice@example.com"));

    app.post_form("/api/confirm-email/", &[("token", &token)])
        .assert_json(200, json!({"detail": "Email confirmed."}));

    assert!(is_confirmed(&app, "alice@example.com"));
}

#[test]
fn post_confirm_email_with_an_unknown_token_answers_400() {
    let app = spawn_app();
    app.register("alice@example.com", PASSWORD);

    app.post_json(
        "/api/confirm-email/",
        &json!({"token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
    )
    .assert_json(400, json!({"token": [INVALID_TOKEN]}));

    assert!(!is_confirmed(&app, "alice@example.com"));
}

#[test]
fn post_confirm_email_without_a_token_answers_400_field_required() {
    let app = spawn_app();
    app.post_json("/api/confirm-email/", &json!({}))
        .assert_json(400, json!({"token": ["This field is required."]}));
}

#[test]
fn confirm_redirect_sends_a_302_with_confirmed_1_on_success() {
    let (app, link) = redirecting_app_with_a_link("https://app.example.com/welcome");

    let response = app.get(&link);

    assert_redirects_to(&response, "https://app.example.com/welcome?confirmed=1");
    assert!(is_confirmed(&app, "alice@example.com"));
}

#[test]
fn confirm_redirect_sends_a_302_with_confirmed_0_for_an_unknown_token() {
    let app = redirecting_app("https://app.example.com/welcome");

    let response = app.get("/api/confirm-email/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/");

    assert_redirects_to(&response, "https://app.example.com/welcome?confirmed=0");
}

#[test]
fn confirm_redirect_adds_confirmed_to_an_existing_query() {
    let (app, link) = redirecting_app_with_a_link("https://app.example.com/welcome?lang=en");

    let response = app.get(&link);

    assert_redirects_to(
        &response,
        "https://app.example.com/welcome?lang=en&confirmed=1",
    );
}

#[test]
fn confirm_redirect_treats_a_repeated_get_of_a_used_link_as_success() {
    let (app, link) = redirecting_app_with_a_link("https://app.example.com/welcome");
    app.get(&link).assert_status(302);

    let again = app.get(&link);

    assert_redirects_to(&again, "https://app.example.com/welcome?confirmed=1");
}

/// Registers with `ACCOUNTS_CONFIRM_TTL=1s` and waits until the link's
/// second has passed.
fn expired_link(app: &TestApp) -> String {
    app.register("alice@example.com", PASSWORD);
    let registered_at = now_secs();
    let link = app.confirmation_link("alice@example.com");
    wait_for_clock(registered_at + 2);
    link
}

#[test]
fn an_expired_confirmation_link_answers_400() {
    let app = TestApp::builder().env("ACCOUNTS_CONFIRM_TTL", "1s").spawn();
    let link = expired_link(&app);

    app.get(&link).assert_html(400);

    assert!(!is_confirmed(&app, "alice@example.com"));
}

#[test]
fn an_expired_token_is_refused_by_post_confirm_email() {
    let app = TestApp::builder().env("ACCOUNTS_CONFIRM_TTL", "1s").spawn();
    let token = confirmation_token(&expired_link(&app));

    app.post_json("/api/confirm-email/", &json!({"token": token}))
        .assert_json(400, json!({"token": [INVALID_TOKEN]}));

    assert!(!is_confirmed(&app, "alice@example.com"));
}
