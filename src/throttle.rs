//! In-memory rate limits against brute force and abuse, and the list of
//! trusted reverse proxies that decides which client address they apply to.
//!
//! Windows are fixed from the first counted event of a key and live only in
//! memory: a restart forgets them, which costs an attacker nothing they could
//! not get by waiting, and keeps every request free of database writes.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::parse_duration;

/// `N/DURATION`: at most `count` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: u32,
    pub window: Duration,
}

impl FromStr for Limit {
    type Err = String;

    fn from_str(s: &str) -> Result<Limit, String> {
        let error = || format!("expected N/DURATION such as 10/15m, got {s:?}");
        let (count, window) = s.split_once('/').ok_or_else(error)?;
        let count: u32 = count.trim().parse().map_err(|_| error())?;
        let window = parse_duration(window.trim()).map_err(|_| error())?;
        if count == 0 || window == 0 {
            return Err(error());
        }
        Ok(Limit {
            count,
            window: Duration::from_secs(window),
        })
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.count, self.window.as_secs())
    }
}

/// A refused request: the caller may try again after `retry_after` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: u64,
}

/// Counts events per key (an account, a client address) within a window.
pub struct Throttle {
    limit: Option<Limit>,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// Above this many tracked keys, expired windows are swept on insert so a
/// flood of distinct keys cannot grow memory without bound.
const SWEEP_ABOVE: usize = 10_000;

impl Throttle {
    /// `None` disables the throttle: every check passes.
    pub fn new(limit: Option<Limit>) -> Throttle {
        Throttle {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Refuses when the key has used up its window, without counting.
    pub fn check(&self, key: &str) -> Result<(), Throttled> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let now = Instant::now();
        let windows = self.lock();
        match windows.get(key) {
            Some(w) if w.count >= limit.count && now < w.started + limit.window => Err(Throttled {
                retry_after: seconds_until(w.started + limit.window, now),
            }),
            _ => Ok(()),
        }
    }

    /// Counts one event for the key.
    pub fn record(&self, key: &str) {
        let Some(limit) = self.limit else { return };
        let now = Instant::now();
        let mut windows = self.lock();
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| now < w.started + limit.window);
        }
        let window = windows.entry(key.to_string()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now >= window.started + limit.window {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        window.count = window.count.saturating_add(1);
    }

    /// Checks, then counts: for limits on every attempt (registration, mail).
    pub fn hit(&self, key: &str) -> Result<(), Throttled> {
        self.check(key)?;
        self.record(key);
        Ok(())
    }

    /// Forgets the key: a successful login clears its failures.
    pub fn clear(&self, key: &str) {
        if self.limit.is_some() {
            self.lock().remove(key);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        // A panic while holding this lock cannot leave a window half-written,
        // so a poisoned map is still consistent.
        self.windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn seconds_until(deadline: Instant, now: Instant) -> u64 {
    let left = deadline.saturating_duration_since(now);
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

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

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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

impl FromStr for ProxyList {
    type Err = String;

    fn from_str(s: &str) -> Result<ProxyList, String> {
        let parse_one = |item: &str| -> Result<(IpAddr, u8), String> {
            let error =
                || format!("expected addresses or CIDR blocks such as 10.0.0.0/8, got {item:?}");
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
        };
        s.split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(parse_one)
            .collect::<Result<_, _>>()
            .map(ProxyList)
    }
}

impl fmt::Display for ProxyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(|(ip, p)| format!("{ip}/{p}")).collect();
        f.write_str(&items.join(","))
    }
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
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
    fn limits_parse_count_and_duration() {
        assert_eq!(
            "10/15m".parse::<Limit>(),
            Ok(Limit {
                count: 10,
                window: Duration::from_secs(900)
            })
        );
        for bad in ["", "10", "0/1m", "10/0", "x/1m", "10/1w"] {
            assert!(bad.parse::<Limit>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_key_is_refused_after_its_count_until_the_window_passes() {
        let t = Throttle::new(Some(Limit {
            count: 2,
            window: Duration::from_secs(60),
        }));
        assert!(t.hit("a").is_ok());
        assert!(t.hit("a").is_ok());
        let refused = t.hit("a").unwrap_err();
        assert!((59..=60).contains(&refused.retry_after));
        assert!(t.hit("b").is_ok(), "other keys are independent");
        t.clear("a");
        assert!(t.check("a").is_ok());
    }

    #[test]
    fn a_disabled_throttle_never_refuses() {
        let t = Throttle::new(None);
        for _ in 0..1000 {
            assert!(t.hit("a").is_ok());
        }
    }

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
        assert!("".parse::<ProxyList>().unwrap().is_empty());
    }
}
