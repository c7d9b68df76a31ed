//! What the throttle tests share: a server with the throttles on (the other
//! tests run with them off) and the one shape of a refusal.

use serde_json::json;

use super::{TestApp, TestResponse};

/// A server with `ACCOUNTS_THROTTLE=on` and these limits set.
pub fn throttled_app(limits: &[(&str, &str)]) -> TestApp {
    let mut builder = TestApp::builder().env("ACCOUNTS_THROTTLE", "on");
    for (name, value) in limits {
        builder = builder.env(name, *value);
    }
    builder.spawn()
}

/// A 429 with a `Retry-After` of at least a second and the body that names it.
pub fn assert_throttled(response: &TestResponse) {
    response.assert_status(429);
    let retry: u64 = response
        .header("Retry-After")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After is a number of seconds");
    assert!(retry >= 1, "Retry-After {retry}");
    assert_eq!(
        response.json(),
        json!({"detail": format!("Request was throttled. Expected available in {retry} seconds.")})
    );
}
