//! Request bodies as JSON or form, under every content type: parsing must
//! return fields or a clean error, never panic or recurse without bound.
#![no_main]

use accounts::http::body::parse;
use libfuzzer_sys::fuzz_target;

const TYPES: &[Option<&str>] = &[
    Some("application/json"),
    Some("application/x-www-form-urlencoded"),
    Some("application/json; charset=utf-8"),
    Some("text/plain"),
    None,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let content_type = TYPES[selector as usize % TYPES.len()];
    if let Ok(fields) = parse(content_type, body) {
        for name in ["email", "password", "username", "token", "refresh"] {
            if let Err(errors) = fields.text(name) {
                let _ = serde_json::to_string(&errors);
            }
        }
    }
});
