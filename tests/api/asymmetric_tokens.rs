//! The token endpoints with EdDSA and ES256: the same claims and answers as
//! with HS256, a `kid` in the header, and revocation exactly as before, even
//! for a token whose signature the service has already checked (and
//! remembers).

use serde_json::json;

use crate::helpers::{
    ASYMMETRIC, PASSWORD, TestApp, assert_unauthorized, claims_of, header_of, keys_of,
    refresh_not_valid_body, spawn_with_algorithm, token_not_valid_body, token_pair, wait_for_clock,
};

/// Waits until the clock is past the second `token` was issued in (a
/// revocation in that same second would spare it, by design).
fn wait_past_issue_of(token: &str) {
    wait_for_clock(claims_of(token)["iat"].as_u64().expect("an integer iat") + 1);
}

#[test]
fn login_issues_simplejwt_claims_with_a_kid_in_the_header() {
    for alg in ASYMMETRIC {
        let app = spawn_with_algorithm(alg);
        let (id, access, refresh) = app.user_with_tokens("claims@example.com");
        for (token, token_type) in [(&access, "access"), (&refresh, "refresh")] {
            let header = header_of(token);
            assert_eq!(keys_of(&header), ["alg", "kid", "typ"], "{alg}");
            assert_eq!(header["alg"], alg);
            let claims = claims_of(token);
            assert_eq!(
                keys_of(&claims),
                ["exp", "iat", "jti", "token_type", "user_id"],
                "{alg}"
            );
            assert_eq!(
                (&claims["token_type"], &claims["user_id"]),
                (&json!(token_type), &json!(id))
            );
        }
    }
}

#[test]
fn every_token_endpoint_accepts_the_services_asymmetric_tokens() {
    for alg in ASYMMETRIC {
        let app = spawn_with_algorithm(alg);
        let (_, access, refresh) = app.user_with_tokens("endpoints@example.com");
        app.current_user(&access);
        let refreshed = app.refresh(&refresh);
        refreshed.assert_status(200);
        let new_access = refreshed.json()["access"].as_str().unwrap().to_owned();
        assert_eq!(header_of(&new_access)["alg"], alg);
        app.current_user(&new_access);
        for token in [&access, &refresh, &new_access] {
            app.post_json("/api/token/verify/", &json!({"token": token}))
                .assert_json(200, json!({}));
        }
        let cookie = app.cookie_login("endpoints@example.com", PASSWORD);
        assert_eq!(header_of(&cookie)["alg"], alg);
        app.get_with_cookie("/api/user/", &format!("access_token={cookie}"))
            .assert_status(200);
    }
}

/// Uses the token once (so its signature is remembered), ends its login
/// with `end`, and expects the token refused from then on.
fn assert_revoked_after(alg: &str, end: impl Fn(&TestApp, &str, &str)) {
    let app = spawn_with_algorithm(alg);
    let (_, access, refresh) = app.user_with_tokens("revoked@example.com");
    app.current_user(&access);
    app.current_user(&access);
    wait_past_issue_of(&access);
    end(&app, &access, &refresh);
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        token_not_valid_body(),
    );
    app.post_json("/api/token/verify/", &json!({"token": access}))
        .assert_json(401, refresh_not_valid_body());
    app.refresh(&refresh)
        .assert_json(401, refresh_not_valid_body());
}

#[test]
fn a_remembered_token_is_refused_after_logout() {
    for alg in ASYMMETRIC {
        assert_revoked_after(alg, |app, _, refresh| app.log_out(refresh));
    }
}

#[test]
fn a_remembered_token_is_refused_after_a_password_change() {
    assert_revoked_after("EdDSA", |app, access, _| {
        let changed = app.send_json_with_bearer(
            "PUT",
            "/api/user/change-password/",
            access,
            &json!({"oldPassword": PASSWORD, "newPassword": "another-Password-9"}),
        );
        changed.assert_status(200);
        let (new_access, _) = token_pair(&changed.json());
        app.current_user(&new_access);
    });
}

#[test]
fn a_remembered_token_is_refused_once_its_user_is_deactivated() {
    let app = spawn_with_algorithm("ES256");
    let (_, access, _) = app.user_with_tokens("inactive@example.com");
    app.current_user(&access);
    app.cli()
        .env("ACCOUNTS_JWT_ALGORITHM", "ES256")
        .run(&["user", "deactivate", "inactive@example.com"])
        .assert_success();
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &access),
        json!({"detail": "User is inactive", "code": "user_inactive"}),
    );
}

#[test]
fn logout_all_ends_every_asymmetric_token() {
    let app = spawn_with_algorithm("EdDSA");
    let (_, first, _) = app.user_with_tokens("all@example.com");
    let (second, _) = app.login("all@example.com", PASSWORD);
    app.current_user(&first);
    wait_past_issue_of(&second);
    app.post_with_bearer("/api/logout/all/", &second)
        .assert_status(200);
    for token in [&first, &second] {
        assert_unauthorized(
            &app.get_with_bearer("/api/user/", token),
            token_not_valid_body(),
        );
    }
}
