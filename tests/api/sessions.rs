//! A user's logins: listed with where and when they started
//! (`GET /api/sessions/`), ended one at a time (`DELETE /api/sessions/{id}/`)
//! or all but the current one (`DELETE /api/sessions/`), and the operator's
//! `accounts user sessions` and `accounts user end-session`.

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, TestResponse, assert_unauthorized, spawn_app, token_not_valid_body,
    token_pair, wait_past_issue_of,
};

const EMAIL: &str = "alice@example.com";
const PHONE: &str = "ChatApp/3.1 (iPhone; iOS 18.1)";
const LAPTOP: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const ALLOWED: &str = "https://app.example.com";

/// One login's tokens.
struct Login {
    access: String,
    refresh: String,
}

/// A server that believes `X-Forwarded-For` from loopback, as behind the
/// shipped proxy, with `EMAIL` registered.
fn behind_a_proxy() -> TestApp {
    let app = TestApp::builder()
        .env("ACCOUNTS_TRUSTED_PROXIES", "127.0.0.1")
        .spawn();
    app.register(EMAIL, PASSWORD);
    app
}

/// `POST /api/token/` for `email` with this `User-Agent` and, when given,
/// `X-Forwarded-For`.
fn log_in_as(app: &TestApp, email: &str, user_agent: &str, forwarded: Option<&str>) -> Login {
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("User-Agent", user_agent),
    ];
    if let Some(address) = forwarded {
        headers.push(("X-Forwarded-For", address));
    }
    let body = json!({"email": email, "password": PASSWORD}).to_string();
    let response = app.request("POST", "/api/token/", &headers, Some(body.as_bytes()));
    response.assert_status(200);
    let (access, refresh) = token_pair(&response.json());
    Login { access, refresh }
}

/// The logins `GET /api/sessions/` lists for this access token.
fn sessions(app: &TestApp, access: &str) -> Vec<Value> {
    let response = app.get_with_bearer("/api/sessions/", access);
    response.assert_status(200);
    response
        .json()
        .as_array()
        .unwrap_or_else(|| panic!("a JSON array: {}", response.body))
        .clone()
}

/// The id of the login that `access` belongs to, as the list shows it.
fn id_of(app: &TestApp, access: &str) -> String {
    sessions(app, access)
        .into_iter()
        .find(|s| s["current"] == true)
        .and_then(|s| s["id"].as_str().map(str::to_owned))
        .expect("the current login is listed")
}

fn delete_with_bearer(app: &TestApp, path: &str, access: &str) -> TestResponse {
    app.request(
        "DELETE",
        path,
        &[("Authorization", &format!("Bearer {access}"))],
        None,
    )
}

/// Whether the login's access token still authenticates.
fn access_works(app: &TestApp, access: &str) -> bool {
    app.get_with_bearer("/api/user/", access).status == 200
}

/// Two logins from two devices behind the proxy, the laptop's a second
/// after the phone's, so "newest first" has one answer.
fn phone_then_laptop(app: &TestApp) -> (Login, Login) {
    let phone = log_in_as(app, EMAIL, PHONE, Some("203.0.113.7"));
    wait_past_issue_of(&phone.access);
    let laptop = log_in_as(app, EMAIL, LAPTOP, Some("198.51.100.4"));
    (phone, laptop)
}

/// An RFC 3339 UTC instant to the second: `2026-12-03T10:00:00Z`.
fn is_utc_instant(value: &Value) -> bool {
    let Some(s) = value.as_str() else {
        return false;
    };
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    b.len() == 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && digits(14..16)
        && digits(17..19)
        && b[19] == b'Z'
}

#[test]
fn two_logins_are_listed_newest_first_with_their_user_agent_and_address() {
    let app = behind_a_proxy();
    let (_, laptop) = phone_then_laptop(&app);

    let listed = sessions(&app, &laptop.access);

    assert_eq!(listed.len(), 2, "{listed:?}");
    let shown: Vec<(Value, Value)> = listed
        .iter()
        .map(|s| (s["user_agent"].clone(), s["ip"].clone()))
        .collect();
    assert_eq!(
        shown,
        vec![
            (json!(LAPTOP), json!("198.51.100.4")),
            (json!(PHONE), json!("203.0.113.7")),
        ]
    );
}

#[test]
fn a_listed_login_has_an_id_its_start_and_its_last_use() {
    let app = behind_a_proxy();
    let login = log_in_as(&app, EMAIL, PHONE, None);

    let listed = sessions(&app, &login.access);

    let session = &listed[0];
    let mut keys: Vec<&str> = session
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["created", "current", "id", "ip", "last_used", "user_agent"]
    );
    let id = session["id"].as_str().expect("a string id");
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id:?}"
    );
    assert!(is_utc_instant(&session["created"]), "{session}");
    assert_eq!(
        session["last_used"], session["created"],
        "a new login was last used when it started"
    );
    assert_eq!(session["ip"], "127.0.0.1", "no forwarded address: the peer");
}

#[test]
fn current_marks_the_login_of_the_token_that_asks() {
    let app = behind_a_proxy();
    let (phone, laptop) = phone_then_laptop(&app);

    let current = |access: &str| -> Vec<Value> {
        sessions(&app, access)
            .iter()
            .map(|s| s["current"].clone())
            .collect()
    };

    assert_eq!(current(&laptop.access), [json!(true), json!(false)]);
    assert_eq!(current(&phone.access), [json!(false), json!(true)]);
}

#[test]
fn without_a_trusted_proxy_a_forwarded_address_is_not_believed() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let login = log_in_as(&app, EMAIL, PHONE, Some("203.0.113.7"));

    assert_eq!(sessions(&app, &login.access)[0]["ip"], "127.0.0.1");
}

#[test]
fn ending_a_login_from_another_refuses_its_refresh_and_access_token_at_once() {
    let app = behind_a_proxy();
    let (phone, laptop) = phone_then_laptop(&app);
    let phone_id = id_of(&app, &phone.access);

    delete_with_bearer(&app, &format!("/api/sessions/{phone_id}/"), &laptop.access)
        .assert_status(204);

    app.assert_refresh_refused(&phone.refresh);
    assert_unauthorized(
        &app.get_with_bearer("/api/user/", &phone.access),
        token_not_valid_body(),
    );
}

#[test]
fn ending_another_login_leaves_the_current_one_working() {
    let app = behind_a_proxy();
    let (phone, laptop) = phone_then_laptop(&app);
    let phone_id = id_of(&app, &phone.access);

    delete_with_bearer(&app, &format!("/api/sessions/{phone_id}"), &laptop.access)
        .assert_status(204);

    assert!(access_works(&app, &laptop.access));
    app.refresh(&laptop.refresh).assert_status(200);
    let listed = sessions(&app, &laptop.access);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["user_agent"], LAPTOP);
}

#[test]
fn ending_every_other_login_keeps_only_the_current_one() {
    let app = behind_a_proxy();
    let (phone, laptop) = phone_then_laptop(&app);
    let tablet = log_in_as(&app, EMAIL, "Tablet/1.0", None);

    delete_with_bearer(&app, "/api/sessions/", &laptop.access).assert_status(204);

    let listed = sessions(&app, &laptop.access);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["current"], true);
    for other in [&phone, &tablet] {
        app.assert_refresh_refused(&other.refresh);
        assert!(!access_works(&app, &other.access));
    }
    assert!(access_works(&app, &laptop.access));
}

#[test]
fn another_users_login_id_is_not_found_and_stays_alive() {
    let app = behind_a_proxy();
    app.register("mallory@example.com", PASSWORD);
    let alice = log_in_as(&app, EMAIL, PHONE, None);
    let mallory = log_in_as(&app, "mallory@example.com", LAPTOP, None);
    let alice_id = id_of(&app, &alice.access);

    let response = delete_with_bearer(&app, &format!("/api/sessions/{alice_id}/"), &mallory.access);

    response.assert_json(404, json!({"detail": "Not found."}));
    assert!(access_works(&app, &alice.access));
    app.refresh(&alice.refresh).assert_status(200);
}

#[test]
fn an_ended_or_unknown_login_id_is_not_found() {
    let app = behind_a_proxy();
    let (phone, laptop) = phone_then_laptop(&app);
    let phone_id = id_of(&app, &phone.access);
    let path = format!("/api/sessions/{phone_id}/");
    delete_with_bearer(&app, &path, &laptop.access).assert_status(204);

    delete_with_bearer(&app, &path, &laptop.access)
        .assert_json(404, json!({"detail": "Not found."}));
    delete_with_bearer(&app, "/api/sessions/0123456789abcdef/", &laptop.access)
        .assert_json(404, json!({"detail": "Not found."}));
}

#[test]
fn a_login_id_that_is_not_hex_or_too_long_is_not_found_never_a_500() {
    let app = behind_a_proxy();
    let login = log_in_as(&app, EMAIL, PHONE, None);
    let id = id_of(&app, &login.access);
    let long = "a".repeat(4_000);
    for bad in [
        "not-hex-at-all!!",
        "0123456789abcdeg",
        &id.to_uppercase(),
        &format!("{id}0"),
        &id[..15],
        "%30%31%32%33%34%35%36%37%38%39%61%62%63%64%65%66",
        "'%20OR%201=1%20--",
        &long,
    ] {
        let response = delete_with_bearer(&app, &format!("/api/sessions/{bad}/"), &login.access);
        assert_eq!(response.status, 404, "{bad:?}: {}", response.body);
        response.assert_json(404, json!({"detail": "Not found."}));
    }
    assert!(access_works(&app, &login.access), "nothing was ended");
}

#[test]
fn the_session_routes_need_authentication() {
    let app = spawn_app();
    let no_credentials = json!({"detail": "Authentication credentials were not provided."});
    for (method, path) in [
        ("GET", "/api/sessions/"),
        ("DELETE", "/api/sessions/"),
        ("DELETE", "/api/sessions/0123456789abcdef/"),
        ("DELETE", "/api/sessions/not-hex/"),
    ] {
        assert_unauthorized(
            &app.request(method, path, &[], None),
            no_credentials.clone(),
        );
    }
    assert_unauthorized(
        &app.get_with_bearer("/api/sessions/", "not-a-token"),
        token_not_valid_body(),
    );
}

#[test]
fn last_used_moves_on_refresh_and_not_on_an_authenticated_read() {
    let app = behind_a_proxy();
    let login = log_in_as(&app, EMAIL, PHONE, None);
    let started = sessions(&app, &login.access)[0]["last_used"].clone();
    wait_past_issue_of(&login.access);

    app.current_user(&login.access);
    assert_eq!(
        sessions(&app, &login.access)[0]["last_used"],
        started,
        "a read is not a use"
    );

    app.refresh(&login.refresh).assert_status(200);
    let refreshed = sessions(&app, &login.access)[0]["last_used"].clone();
    assert!(
        refreshed.as_str() > started.as_str(),
        "{refreshed} after {started}"
    );
}

#[test]
fn the_cookie_login_is_listed_and_a_cross_site_delete_with_the_cookie_is_refused() {
    let app = TestApp::builder()
        .env("ACCOUNTS_CORS_ORIGINS", ALLOWED)
        .spawn();
    app.register(EMAIL, PASSWORD);
    let other = log_in_as(&app, EMAIL, PHONE, None);
    let token = app.cookie_login(EMAIL, PASSWORD);
    let cookie = format!("access_token={token}");
    let listed = app.get_with_cookie("/api/sessions/", &cookie);
    listed.assert_status(200);
    assert_eq!(listed.json().as_array().map(Vec::len), Some(2));

    let refused = app.request(
        "DELETE",
        "/api/sessions/",
        &[("Cookie", &cookie), ("Origin", "https://evil.example.net")],
        None,
    );

    refused.assert_json(
        403,
        json!({"detail": "CSRF Failed: Origin checking failed."}),
    );
    assert!(access_works(&app, &other.access), "nothing was ended");
    app.request(
        "DELETE",
        "/api/sessions/",
        &[("Cookie", &cookie), ("Origin", ALLOWED)],
        None,
    )
    .assert_status(204);
    assert!(!access_works(&app, &other.access));
}

#[test]
fn the_session_routes_answer_options_405_cors_and_no_store_like_every_route() {
    let app = TestApp::builder()
        .env("ACCOUNTS_CORS_ORIGINS", ALLOWED)
        .spawn();
    app.register(EMAIL, PASSWORD);
    let login = log_in_as(&app, EMAIL, PHONE, None);

    for (path, allow) in [
        ("/api/sessions/", "GET, HEAD, DELETE, OPTIONS"),
        ("/api/sessions", "GET, HEAD, DELETE, OPTIONS"),
        ("/api/sessions/0123456789abcdef/", "DELETE, OPTIONS"),
        ("/api/sessions/anything", "DELETE, OPTIONS"),
    ] {
        let options = app.request("OPTIONS", path, &[("Origin", ALLOWED)], None);
        options.assert_status(204);
        assert_eq!(options.header("Allow"), Some(allow), "OPTIONS {path}");
        assert_eq!(
            options.header("Access-Control-Allow-Methods"),
            Some(allow),
            "{path}"
        );
        let wrong = app.request("PUT", path, &[], None);
        wrong.assert_json(405, json!({"detail": "Method \"PUT\" not allowed."}));
        assert_eq!(wrong.header("Allow"), Some(allow), "PUT {path}");
    }
    let listed = app.request(
        "GET",
        "/api/sessions",
        &[
            ("Authorization", &format!("Bearer {}", login.access)),
            ("Origin", ALLOWED),
        ],
        None,
    );
    listed.assert_status(200);
    assert_eq!(listed.header("Cache-Control"), Some("no-store"));
    assert_eq!(listed.header("Access-Control-Allow-Origin"), Some(ALLOWED));
}

#[test]
fn control_characters_in_a_user_agent_are_stored_as_spaces() {
    let app = behind_a_proxy();
    let body = json!({"email": EMAIL, "password": PASSWORD}).to_string();
    let request = format!(
        "POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: tool\x1b[31m/1\x01\x7f.0\tbeta\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let response = app.raw_exchange(request.into_bytes()).expect("an answer");
    assert_eq!(response.status, 200);
    let body: Value = serde_json::from_slice(&response.body).expect("JSON");
    let access = body["access"].as_str().expect("an access token");

    assert_eq!(
        sessions(&app, access)[0]["user_agent"],
        "tool [31m/1  .0 beta"
    );
}

#[test]
fn a_user_agent_that_is_not_utf8_is_refused_or_stored_cleaned_never_a_500() {
    let app = behind_a_proxy();
    let body = json!({"email": EMAIL, "password": PASSWORD}).to_string();
    let mut request =
        b"POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: app\xff\xfe\xc3(\r\n"
            .to_vec();
    request.extend_from_slice(
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );

    let status = app.raw_exchange(request).map(|r| r.status);

    let login = log_in_as(&app, EMAIL, PHONE, None);
    let agents: Vec<Value> = sessions(&app, &login.access)
        .iter()
        .map(|s| s["user_agent"].clone())
        .collect();
    match status {
        // tiny_http reads header values as ASCII: such a head is refused
        // before the service sees it, and no login starts.
        Some(400) | None => assert_eq!(agents, [json!(PHONE)]),
        Some(200) => {
            assert_eq!(agents.len(), 2, "{agents:?}");
            let raw = agents
                .iter()
                .filter_map(Value::as_str)
                .find(|a| *a != PHONE)
                .unwrap_or("");
            assert!(raw.starts_with("app") && !raw.contains('\u{0}'), "{raw:?}");
        }
        Some(other) => panic!("answered {other}"),
    }
}

#[test]
fn a_long_user_agent_is_cut_to_256_characters() {
    let app = behind_a_proxy();
    let long = format!("{}{}", "A".repeat(256), "B".repeat(300));
    let login = log_in_as(&app, EMAIL, &long, None);

    assert_eq!(
        sessions(&app, &login.access)[0]["user_agent"],
        "A".repeat(256)
    );
}

#[test]
fn the_operator_lists_a_users_logins() {
    let app = behind_a_proxy();
    let (phone, _) = phone_then_laptop(&app);
    let phone_id = id_of(&app, &phone.access);

    let output = app.cli().run(&["user", "sessions", "ALICE@example.com"]);

    let stdout = output.assert_success();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].contains(LAPTOP) && lines[0].contains("198.51.100.4"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with(&phone_id) && lines[1].contains(PHONE),
        "{stdout}"
    );
}

#[test]
fn the_operator_ends_one_login() {
    let app = behind_a_proxy();
    let (phone, laptop) = phone_then_laptop(&app);
    let phone_id = id_of(&app, &phone.access);

    let output = app.cli().run(&["user", "end-session", EMAIL, &phone_id]);

    output.assert_success();
    app.assert_refresh_refused(&phone.refresh);
    assert!(!access_works(&app, &phone.access));
    assert!(access_works(&app, &laptop.access));
}

#[test]
fn the_operator_is_told_when_a_login_id_names_no_live_login() {
    let app = behind_a_proxy();

    for id in ["0123456789abcdef", "not-an-id"] {
        let output = app.cli().run(&["user", "end-session", EMAIL, id]);
        let line = output.assert_failure_with_one_line();
        assert!(
            line.contains("no live login") && line.contains(id),
            "{line}"
        );
    }
}
