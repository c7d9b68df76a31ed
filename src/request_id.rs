//! The id a request is known by: sent back in `X-Request-Id` and written on
//! every log line of that request, so one answer can be found in the log.
//!
//! A reverse proxy listed in `ACCOUNTS_TRUSTED_PROXIES` may name the request
//! itself (nginx's `$request_id`, a load balancer's trace id), so its log and
//! ours share one id; anyone else's header is ignored, and so is a proxy's
//! id that is too long or holds anything but a few safe characters, since it
//! ends up in a response header and in log lines. Otherwise the id is 32
//! hex characters, unique across the process's life and its restarts.
//!
//! The id is kept inline (no allocation) because every request makes one.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest id accepted from a proxy.
pub const MAX_LEN: usize = 128;

/// A request id: 1 to [`MAX_LEN`] characters from [`is_safe`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RequestId {
    bytes: [u8; MAX_LEN],
    len: u8,
}

/// Letters, digits and `-_.:+/=`: what UUIDs, hex, base64 and the usual
/// trace-id formats are made of, and nothing that could break a header, a
/// log line or a JSON string.
pub fn is_safe(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-_.:+/=".contains(&byte)
}

impl RequestId {
    /// A proxy's id, if it is usable as it is.
    pub fn parse(text: &str) -> Option<RequestId> {
        let raw = text.as_bytes();
        if raw.is_empty() || raw.len() > MAX_LEN || !raw.iter().all(|&b| is_safe(b)) {
            return None;
        }
        let mut bytes = [0u8; MAX_LEN];
        bytes[..raw.len()].copy_from_slice(raw);
        Some(RequestId {
            bytes,
            len: raw.len() as u8,
        })
    }

    /// A new id: 32 hex characters, 64 random bits drawn from the OS once
    /// per process followed by a 64-bit count of the ids it made. Unique
    /// across restarts like 128 random bits would be, without a system call
    /// per request. An id is a name to find a request by, not a secret.
    pub fn generate() -> RequestId {
        static PREFIX: OnceLock<u64> = OnceLock::new();
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let prefix = *PREFIX.get_or_init(|| {
            let mut random = [0u8; 8];
            // The OS generator does not fail once the system has booted;
            // should it ever, the time still tells two processes apart.
            match getrandom::fill(&mut random) {
                Ok(()) => u64::from_le_bytes(random),
                Err(_) => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64),
            }
        });
        let count = COUNT.fetch_add(1, Ordering::Relaxed);
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&prefix.to_be_bytes());
        raw[8..].copy_from_slice(&count.to_be_bytes());
        let mut bytes = [0u8; MAX_LEN];
        // 16 bytes always fit 32 hex characters.
        let _ = hex::encode_to_slice(raw, &mut bytes[..32]);
        RequestId { bytes, len: 32 }
    }

    /// The proxy's id when the peer is a trusted proxy and its id is usable,
    /// else a new one.
    pub fn from_proxy_or_new(sent_by_trusted_proxy: Option<&str>) -> RequestId {
        sent_by_trusted_proxy
            .and_then(RequestId::parse)
            .unwrap_or_else(RequestId::generate)
    }

    pub fn as_str(&self) -> &str {
        // Only safe ASCII bytes are ever stored.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("-")
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_32_hex_characters_and_differ() {
        let (a, b) = (RequestId::generate(), RequestId::generate());
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn usual_proxy_ids_are_kept() {
        for id in [
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "7d1a0f4e8c2b9a3d5e6f7a8b9c0d1e2f",
            "Root=1-5759e988-bd862e3fe1be46a994272793",
            "YWJj+ZGVm/Zw==",
            "a",
        ] {
            assert_eq!(
                RequestId::parse(id).map(|r| r.to_string()).as_deref(),
                Some(id)
            );
        }
    }

    #[test]
    fn unsafe_or_oversized_proxy_ids_are_refused() {
        let at_limit = "a".repeat(MAX_LEN);
        assert!(RequestId::parse(&at_limit).is_some(), "at the limit");
        for (what, id) in [
            ("empty", String::new()),
            ("one past the limit", "a".repeat(MAX_LEN + 1)),
            ("a space", "a b".into()),
            ("a quote", "a\"b".into()),
            ("a line break", "a\nb".into()),
            ("a semicolon", "a;b".into()),
            ("non-ASCII", "é".into()),
        ] {
            assert!(RequestId::parse(&id).is_none(), "{what}");
        }
    }

    #[test]
    fn a_refused_proxy_id_is_replaced_by_a_new_one() {
        let id = RequestId::from_proxy_or_new(Some("bad id"));
        assert_eq!(id.as_str().len(), 32);
        assert_eq!(
            RequestId::from_proxy_or_new(Some("abc")).as_str(),
            "abc",
            "a good one is kept"
        );
    }
}
