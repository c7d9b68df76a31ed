//! The keys throttles count against: fixed-size forms of an account, a
//! name or a client address, so what a window costs does not depend on what
//! a request carried.

use std::net::{IpAddr, Ipv6Addr};

use sha2::{Digest, Sha256};

use crate::client_address::canonical;

/// What a window counts against, in a fixed size whatever the request
/// carried, so a flood of huge login values costs no more than small ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// An account that exists, by id: every way of naming it shares a window.
    Account(i64),
    /// The first 128 bits of the SHA-256 of a normalised name (a login value
    /// that names no account, a mail recipient). Finding two names that
    /// collide would take some 2^64 tries.
    Name([u8; 16]),
    /// A client: its IPv4 address, or the /64 network of its IPv6 address,
    /// since one subscriber is usually given a whole /64.
    Client(IpAddr),
}

impl Key {
    pub fn account(id: i64) -> Key {
        Key::Account(id)
    }

    /// `normalised` must already be in the form look-ups compare.
    pub fn name(normalised: &str) -> Key {
        let digest = Sha256::digest(normalised.as_bytes());
        let mut prefix = [0u8; 16];
        prefix.copy_from_slice(&digest[..16]);
        Key::Name(prefix)
    }

    pub fn client(ip: IpAddr) -> Key {
        match canonical(ip) {
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & !u128::from(u64::MAX);
                Key::Client(IpAddr::V6(Ipv6Addr::from(network)))
            }
            v4 => Key::Client(v4),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_ipv4_clients_by_address() {
        let client = |s: &str| Key::client(s.parse().unwrap());
        assert_eq!(
            client("2001:db8:1:2::1"),
            client("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_eq!(
            client("2001:db8:1:2::1"),
            Key::Client("2001:db8:1:2::".parse().unwrap())
        );
        assert_ne!(client("2001:db8:1:2::1"), client("2001:db8:1:3::1"));
        assert_ne!(client("192.0.2.1"), client("192.0.2.2"));
        assert_eq!(client("::ffff:192.0.2.1"), client("192.0.2.1"));
    }

    #[test]
    fn names_are_keyed_by_a_fixed_size_digest() {
        let long = "a".repeat(60_000);
        assert_eq!(Key::name(&long), Key::name(&long));
        assert_ne!(Key::name(&long), Key::name(&long[1..]));
        assert!(std::mem::size_of::<Key>() <= 24, "a key stays small");
    }
}
