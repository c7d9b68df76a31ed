//! `Authorization` header values: a token, no credentials, or a clean error.
#![no_main]

use accounts::http::request::bearer_token;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    if let Ok(Some(token)) = bearer_token(&header) {
        assert!(!token.is_empty() && !token.bytes().any(|b| b.is_ascii_whitespace()));
    }
});
