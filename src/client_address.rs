//! Which address a request comes from, for the per-address throttles: the
//! connecting peer, or, behind a trusted reverse proxy, the client that the
//! proxy names in `X-Forwarded-For`.
//!
//! The header is believed only from peers in `ACCOUNTS_TRUSTED_PROXIES`:
//! anyone else could write any address into it and dodge every limit.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Addresses and CIDR blocks of reverse proxies whose `X-Forwarded-For` is
/// believed (`ACCOUNTS_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyList(Vec<(IpAddr, u8)>);

impl ProxyList {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|&(net, prefix)| in_block(ip, net, prefix))
    }

    /// The client behind a trusted proxy: the right-most `X-Forwarded-For`
    /// entry that is not itself a trusted proxy. The header is ignored unless
    /// the connecting peer is trusted, since anyone can send it.
    pub fn client_address(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        let peer = canonical(peer);
        let Some(header) = forwarded_for.filter(|_| self.contains(peer)) else {
            return peer;
        };
        let mut client = peer;
        for entry in header.rsplit(',') {
            match entry.trim().parse::<IpAddr>() {
                Ok(ip) if self.contains(ip) => client = canonical(ip),
                Ok(ip) => return canonical(ip),
                // A malformed hop means the rest of the chain is untrustworthy.
                Err(_) => return client,
            }
        }
        client
    }
}

/// An item of a proxy list that is neither an address nor a CIDR block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidProxy {
    /// The item as written.
    pub item: String,
}

impl fmt::Display for InvalidProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected addresses or CIDR blocks such as 10.0.0.0/8, got {:?}",
            self.item
        )
    }
}

impl std::error::Error for InvalidProxy {}

impl FromStr for ProxyList {
    type Err = InvalidProxy;

    /// Comma-separated addresses or blocks; empty items are skipped.
    fn from_str(s: &str) -> Result<ProxyList, InvalidProxy> {
        s.split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(parse_block)
            .collect::<Result<_, _>>()
            .map(ProxyList)
    }
}

/// `10.0.0.0/8`, or a single address (a block of one).
fn parse_block(item: &str) -> Result<(IpAddr, u8), InvalidProxy> {
    let error = || InvalidProxy {
        item: item.to_string(),
    };
    let (addr, prefix) = match item.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (item, None),
    };
    let ip = canonical(addr.parse::<IpAddr>().map_err(|_| error())?);
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|&p| p <= max)
            .ok_or_else(error)?,
        None => max,
    };
    Ok((ip, prefix))
}

impl fmt::Display for ProxyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(|(ip, p)| format!("{ip}/{p}")).collect();
        f.write_str(&items.join(","))
    }
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_block(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    let mask_bits = |bits: u32, width: u32| -> u128 {
        if bits == 0 {
            0
        } else {
            (!0u128) << (width - bits)
        }
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = mask_bits(prefix.into(), 32) as u32;
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = mask_bits(prefix.into(), 128);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_used_only_from_a_trusted_peer() {
        let proxies: ProxyList = "10.0.0.0/8, ::1".parse().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            proxies.client_address(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client_address(ip("10.1.2.3"), Some("1.2.3.4, 198.51.100.7")),
            ip("198.51.100.7")
        );
        assert_eq!(
            proxies.client_address(ip("10.1.2.3"), Some("1.2.3.4, 10.9.9.9")),
            ip("1.2.3.4")
        );
        assert_eq!(proxies.client_address(ip("::1"), Some("junk")), ip("::1"));
        assert_eq!(
            proxies.client_address(ip("::ffff:10.0.0.1"), Some("5.6.7.8")),
            ip("5.6.7.8")
        );
    }

    #[test]
    fn proxy_lists_reject_bad_blocks() {
        assert!("10.0.0.0/33".parse::<ProxyList>().is_err());
        assert!("example.com".parse::<ProxyList>().is_err());
        assert_eq!("".parse::<ProxyList>(), Ok(ProxyList::default()));
        assert_ne!("::1".parse::<ProxyList>(), Ok(ProxyList::default()));
    }

    #[test]
    fn cidr_blocks_match_by_their_prefix_in_both_families() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases = [
            ("2001:db8::", 32, "2001:db8:ffff:ffff::1", true),
            ("2001:db8::", 32, "2001:db9::1", false),
            ("::", 120, "::1", true),
            ("::", 120, "::1:0", false),
            ("::1", 128, "::1", true),
            ("::1", 128, "::2", false),
            ("::", 0, "ffff::1", true),
            ("10.0.0.0", 8, "10.255.255.255", true),
            ("10.0.0.0", 8, "11.0.0.0", false),
            ("192.0.2.7", 32, "192.0.2.8", false),
            ("0.0.0.0", 0, "203.0.113.1", true),
            ("::", 0, "203.0.113.1", false),
        ];
        for (net, prefix, addr, inside) in cases {
            assert_eq!(
                in_block(ip(addr), ip(net), prefix),
                inside,
                "{addr} in {net}/{prefix}"
            );
        }
    }

    #[test]
    fn an_ipv6_proxy_list_trusts_its_blocks_and_nothing_else() {
        let proxies: ProxyList = "fd00::/8, 2001:db8::7".parse().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(proxies.contains(ip("fd12:3456::1")));
        assert!(proxies.contains(ip("2001:db8::7")));
        assert!(!proxies.contains(ip("2001:db8::8")));
        assert!(!proxies.contains(ip("fe00::1")));
        assert_eq!(
            proxies.client_address(ip("fd00::1"), Some("198.51.100.7, fd00::2")),
            ip("198.51.100.7")
        );
        assert_eq!(proxies.to_string(), "fd00::/8,2001:db8::7/128");
    }
}
