//! Switching `ACCOUNTS_JWT_ALGORITHM` on a live deployment: tokens issued
//! before the switch (the Django service's HS256 ones included) keep
//! working until they expire, the old key only verifies, and once the
//! longest lifetime has passed it is refused.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{
    PASSWORD, TestApp, assert_unauthorized, django_refresh_token, header_of, kid_of, now_secs,
    sign, simplejwt_claims, spawn_app, spawn_with_algorithm, token_not_valid_body, wait_until,
};

/// Stops `app` and starts it again on the same database with `alg`.
fn restart_with(app: TestApp, alg: &str) -> TestApp {
    let builder = app.restart_builder().algorithm(alg);
    drop(app);
    builder.spawn()
}

#[test]
fn tokens_issued_with_hs256_keep_working_after_a_switch_to_eddsa() {
    let app = spawn_app();
    let (_, access, refresh) = app.user_with_tokens("switch@example.com");
    assert_eq!(header_of(&access), json!({"typ": "JWT", "alg": "HS256"}));
    let app = restart_with(app, "EdDSA");
    app.current_user(&access);
    let refreshed = app.refresh(&refresh);
    refreshed.assert_status(200);
    let new_access = refreshed.json()["access"].as_str().unwrap().to_owned();
    assert_eq!(header_of(&new_access)["alg"], "EdDSA");
    app.current_user(&new_access);
    let (fresh, _) = app.login("switch@example.com", PASSWORD);
    assert_eq!(kid_of(&fresh), app.published_kids()[0]);
}

#[test]
fn django_tokens_keep_working_after_a_switch() {
    let app = spawn_with_algorithm("ES256");
    let (id, _, _) = app.user_with_tokens("django@example.com");
    let now = now_secs();
    let django_access = sign(&simplejwt_claims(
        "access",
        json!(id.to_string()),
        now,
        now + 300,
    ));
    app.current_user(&django_access);
    let refreshed = app.refresh(&django_refresh_token(id));
    refreshed.assert_status(200);
    let access = refreshed.json()["access"].as_str().unwrap().to_owned();
    assert_eq!(header_of(&access)["alg"], "ES256");
}

#[test]
fn hs256_tokens_are_refused_once_the_refresh_lifetime_has_passed_since_the_switch() {
    let app = spawn_app();
    let (id, _, _) = app.user_with_tokens("expiry@example.com");
    let builder = app
        .restart_builder()
        .algorithm("EdDSA")
        .env("ACCOUNTS_ACCESS_TTL", "5s")
        .env("ACCOUNTS_REFRESH_TTL", "6s");
    drop(app);
    let app = builder.spawn();
    // Signed with the shared secret and valid for an hour: only the
    // retirement of the HS256 key can refuse it.
    let now = now_secs();
    let long_lived = sign(&simplejwt_claims("access", json!(id), now, now + 3600));
    app.current_user(&long_lived);
    wait_until("the HS256 key to retire", Duration::from_secs(60), || {
        (app.get_with_bearer("/api/user/", &long_lived).status == 401).then_some(())
    });
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &long_lived),
        token_not_valid_body(),
    );
    let (fresh, _) = app.login("expiry@example.com", PASSWORD);
    app.current_user(&fresh);
}

#[test]
fn switching_back_to_hs256_keeps_eddsa_tokens_valid_and_published() {
    let app = spawn_with_algorithm("EdDSA");
    let (_, access, refresh) = app.user_with_tokens("back@example.com");
    let kid = kid_of(&access);
    let app = restart_with(app, "HS256");
    app.current_user(&access);
    app.refresh(&refresh).assert_status(200);
    assert_eq!(app.published_kids(), [kid]);
    let (fresh, _) = app.login("back@example.com", PASSWORD);
    assert_eq!(header_of(&fresh), json!({"typ": "JWT", "alg": "HS256"}));
}
