//! Arbitrary text presented as a token: verification refuses it cleanly
//! (a forged signature cannot pass), and never panics.
#![no_main]

use accounts::domain::jwt::TokenKeys;
use accounts::secret::Secret;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static KEYS: OnceLock<TokenKeys> = OnceLock::new();
    let keys = KEYS.get_or_init(|| TokenKeys::new(&Secret::from("fuzzing-key-that-is-long-enough-for-hs256")));
    let text = String::from_utf8_lossy(data);
    let _ = keys.verify(&text, None);
});
