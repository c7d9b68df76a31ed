//! `Cookie` header values: finding `access_token` never panics, and what is
//! found is part of the header.
#![no_main]

use accounts::http::request::cookie_value;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    if let Some(value) = cookie_value(&header, "access_token") {
        assert!(header.contains(value));
    }
});
