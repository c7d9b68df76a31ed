//! In-memory rate limits against brute force and abuse. Which client
//! address a limit applies to is decided in `client_address`; the `N/DURATION`
//! syntax of a limit is read in `config`.
//!
//! Windows are fixed from the first counted event of a key and live only in
//! memory: a restart forgets them, which costs an attacker nothing they could
//! not get by waiting, and keeps every request free of database writes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `N/DURATION`: at most `count` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Events allowed per window; never 0.
    pub count: u32,
    /// Length of the window, from the first counted event; never zero.
    pub window: Duration,
}

/// A refused request: the caller may try again after `retry_after` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Whole seconds until the key's window ends, rounded up.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
