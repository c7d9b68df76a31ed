//! How many fields a body may carry: a few dozen at most, so a body packed
//! with thousands of names is refused before any per-field work, in form and
//! JSON bodies alike.

use serde_json::{Map, Value, json};

use crate::helpers::{PASSWORD, TestResponse, form_encode, spawn_app};

const EMAIL: &str = "alice@example.com";
/// The most fields a body may carry.
const MAX_FIELDS: usize = 32;

fn too_many_fields() -> Value {
    json!({"detail": format!("Too many fields in the request body (at most {MAX_FIELDS}).")})
}

/// `count` distinct three-character names (`aaa`, `aab`, ...).
fn distinct_names(count: usize) -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let n = ALPHABET.len();
    assert!(
        count <= n * n * n,
        "three characters name at most {} fields",
        n * n * n
    );
    (0..count)
        .map(|i| {
            [i / (n * n), (i / n) % n, i % n]
                .iter()
                .map(|&d| ALPHABET[d] as char)
                .collect()
        })
        .collect()
}

/// Login credentials plus `extra` junk fields (`x0`, `x1`, ...).
fn credentials_with_extra(extra: usize) -> Vec<(String, String)> {
    let mut fields = vec![
        ("email".to_owned(), EMAIL.to_owned()),
        ("password".to_owned(), PASSWORD.to_owned()),
    ];
    fields.extend((0..extra).map(|i| (format!("x{i}"), "1".to_owned())));
    fields
}

fn post_form_fields(app: &crate::helpers::TestApp, fields: &[(String, String)]) -> TestResponse {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form("/api/token/", &pairs)
}

fn post_json_fields(app: &crate::helpers::TestApp, fields: &[(String, String)]) -> TestResponse {
    let object: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    app.post_json("/api/token/", &Value::Object(object))
}

#[test]
fn a_64_kib_form_of_16k_distinct_names_is_refused_with_400() {
    let app = spawn_app();
    let names = distinct_names(16_384);
    let body = names.join("&");
    assert!(
        body.len() <= 64 * 1024,
        "under the body limit: {}",
        body.len()
    );

    let response = app.post_raw(
        "/api/token/",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );

    response.assert_json(400, too_many_fields());
}

#[test]
fn a_json_object_of_thousands_of_distinct_keys_is_refused_with_400() {
    let app = spawn_app();
    let object: Map<String, Value> = distinct_names(7_000)
        .into_iter()
        .map(|name| (name, Value::from(0)))
        .collect();
    let body = Value::Object(object).to_string();
    assert!(
        body.len() <= 64 * 1024,
        "under the body limit: {}",
        body.len()
    );

    app.post_raw("/api/token/", "application/json", body.as_bytes())
        .assert_json(400, too_many_fields());
}

#[test]
fn a_form_one_field_over_the_cap_is_refused() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    post_form_fields(&app, &credentials_with_extra(MAX_FIELDS - 1))
        .assert_json(400, too_many_fields());
}

#[test]
fn a_form_at_the_cap_is_not_refused_for_its_field_count() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    post_form_fields(&app, &credentials_with_extra(MAX_FIELDS - 2)).assert_status(200);
}

#[test]
fn a_json_object_one_field_over_the_cap_is_refused() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    post_json_fields(&app, &credentials_with_extra(MAX_FIELDS - 1))
        .assert_json(400, too_many_fields());
}

#[test]
fn a_json_object_at_the_cap_is_not_refused_for_its_field_count() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);

    post_json_fields(&app, &credentials_with_extra(MAX_FIELDS - 2)).assert_status(200);
}

#[test]
fn empty_pairs_in_a_form_do_not_count_as_fields() {
    let app = spawn_app();
    app.register(EMAIL, PASSWORD);
    let body = format!(
        "{}{}",
        "&".repeat(1000),
        form_encode(&[("email", EMAIL), ("password", PASSWORD)])
    );

    app.post_raw(
        "/api/token/",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    )
    .assert_status(200);
}
