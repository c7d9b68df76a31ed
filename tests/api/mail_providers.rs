//! Each HTTP provider against a fake that checks the provider's documented
//! request (path, authentication, body) and answers as the provider does.

use base64::Engine;
use serde_json::json;

use crate::helpers::{
    CONFIRM_PREFIX, FakeMailProvider, MAIL_API_KEY, MAIL_DEADLINE, PASSWORD, RecordedRequest,
    TestApp,
};

/// Registers alice and returns the one request the provider received.
fn registration_request(app: &TestApp, fake: &FakeMailProvider) -> RecordedRequest {
    app.register("alice@example.com", PASSWORD);
    fake.wait_for_requests(1).remove(0)
}

/// A server whose provider is `provider` at a fake answering `status` and
/// `body`, as that provider does when it accepts a message.
fn spawn(
    provider: &str,
    extra: &[(&str, &str)],
    status: u16,
    body: &str,
) -> (TestApp, FakeMailProvider) {
    let fake = FakeMailProvider::start();
    fake.answer_next(1, status, body);
    let mut builder = TestApp::builder()
        .mail_api_url(fake.origin())
        .env("ACCOUNTS_MAIL_PROVIDER", provider)
        .env("ACCOUNTS_MAIL_FROM", "Chat <noreply@chat.example>");
    for (key, value) in extra {
        builder = builder.env(key, *value);
    }
    (builder.spawn(), fake)
}

/// The path of the confirmation link in `text`.
fn link_path(text: &str) -> String {
    let start = text.find(CONFIRM_PREFIX).expect("a confirmation link");
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn resend_gets_its_documented_request_and_its_answer_counts_as_sent() {
    let (app, fake) = spawn(
        "resend",
        &[],
        200,
        r#"{"id":"4ef9a417-02e9-4d39-ad75-9611e0fcc33c"}"#,
    );
    let request = registration_request(&app, &fake);

    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/emails")
    );
    assert_eq!(
        request.header("Authorization"),
        Some(format!("Bearer {MAIL_API_KEY}").as_str())
    );
    assert!(
        request
            .header("Content-Type")
            .unwrap_or("")
            .starts_with("application/json")
    );
    let json = request.json();
    assert_eq!(json["from"], "Chat <noreply@chat.example>");
    assert_eq!(json["to"], json!(["alice@example.com"]));
    assert!(!json["subject"].as_str().unwrap_or("").is_empty());
    let text = json["text"].as_str().expect("a text part");
    assert!(
        json["html"]
            .as_str()
            .is_some_and(|h| h.contains(&link_path(text))),
        "the HTML part holds the same link: {json}"
    );
    app.get(&link_path(text)).assert_html(200);
}

#[test]
fn sendgrid_gets_its_documented_request_and_202_counts_as_sent() {
    let (app, fake) = spawn("sendgrid", &[], 202, "");
    let request = registration_request(&app, &fake);

    assert_eq!(request.path, "/v3/mail/send");
    assert_eq!(
        request.header("Authorization"),
        Some(format!("Bearer {MAIL_API_KEY}").as_str())
    );
    let json = request.json();
    assert_eq!(
        json["personalizations"],
        json!([{"to": [{"email": "alice@example.com"}]}])
    );
    assert_eq!(
        json["from"],
        json!({"email": "noreply@chat.example", "name": "Chat"})
    );
    assert_eq!(json["content"][0]["type"], "text/plain");
    assert_eq!(json["content"][1]["type"], "text/html");
    // Accepted once: a later message goes out without the first again.
    app.register("bob@example.com", PASSWORD);
    let requests = fake.wait_for_requests(2);
    assert_eq!(requests.len(), 2, "the accepted message was not sent again");
}

#[test]
fn mailgun_gets_a_form_with_basic_authentication_on_the_domains_path() {
    let (app, fake) = spawn(
        "mailgun",
        &[("ACCOUNTS_MAILGUN_DOMAIN", "mg.chat.example")],
        200,
        r#"{"id":"<20260101.1@mg.chat.example>","message":"Queued. Thank you."}"#,
    );
    let request = registration_request(&app, &fake);

    assert_eq!(request.path, "/v3/mg.chat.example/messages");
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("api:{MAIL_API_KEY}"));
    assert_eq!(
        request.header("Authorization"),
        Some(format!("Basic {credentials}").as_str())
    );
    assert_eq!(
        request.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    let fields: Vec<(String, String)> = url_decode(&request.body);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} field in {fields:?}"))
    };
    assert_eq!(field("from"), "Chat <noreply@chat.example>");
    assert_eq!(field("to"), "alice@example.com");
    assert!(!field("subject").is_empty());
    assert!(field("html").contains(&link_path(field("text"))));
    app.get(&link_path(field("text"))).assert_html(200);
}

#[test]
fn an_http_provider_answering_429_is_tried_again() {
    let (app, fake) = spawn("resend", &[], 429, r#"{"name":"rate_limit_exceeded"}"#);
    app.register("alice@example.com", PASSWORD);
    let requests = fake.wait_for_requests(2);
    assert_eq!(requests[0].answered, 429);
    assert_eq!(requests[1].answered, 200);
}

#[test]
fn a_refusal_is_final_and_logged_with_the_answer_but_never_the_key() {
    let (app, fake) = spawn(
        "sendgrid",
        &[("ACCOUNTS_MAIL_API_KEY", "SG.very-secret-key")],
        401,
        r#"{"errors":[{"message":"The provided authorization grant is invalid"}]}"#,
    );
    app.register("alice@example.com", PASSWORD);
    fake.wait_for_requests(1);
    app.log
        .wait_for_line("the provider's answer", MAIL_DEADLINE, |line| {
            line.contains("authorization grant is invalid")
        });
    // A later message goes out; the refused one is not tried again.
    app.register("bob@example.com", PASSWORD);
    let requests = fake.wait_for_requests(2);
    assert_eq!(requests[1].answered, 200);
    assert!(requests[1].body.contains("bob@example.com"));
    assert_eq!(fake.requests().len(), 2);
    assert!(
        !app.log.text().contains("very-secret-key"),
        "the key was logged"
    );
}

/// `application/x-www-form-urlencoded` pairs, decoded.
fn url_decode(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
