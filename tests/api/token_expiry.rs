//! A token is valid only before its `exp` (RFC 7519, SimpleJWT): in the very
//! second it expires, it is refused.

use serde_json::json;

use crate::helpers::{
    PASSWORD, assert_unauthorized, now_secs, refresh_not_valid_body, sign, simplejwt_claims,
    spawn_app, token_not_valid_body, wait_for_clock,
};

/// The current second, just after it began, so a request sent now reaches
/// the server within the same second.
fn a_fresh_second() -> u64 {
    wait_for_clock(now_secs() + 1);
    now_secs()
}

#[test]
fn an_access_token_whose_exp_is_now_is_refused() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);

    let now = a_fresh_second();
    let token = sign(&simplejwt_claims("access", json!(id), now - 60, now));
    let response = app.get_with_bearer("/api/user/", &token);

    assert_unauthorized(&response, token_not_valid_body());
}

#[test]
fn verify_refuses_a_token_whose_exp_is_now() {
    let app = spawn_app();
    let id = app.register_id("alice@example.com", PASSWORD);

    let now = a_fresh_second();
    let token = sign(&simplejwt_claims("refresh", json!(id), now - 60, now));
    let response = app.post_json("/api/token/verify/", &json!({"token": token}));

    response.assert_json(401, refresh_not_valid_body());
}
