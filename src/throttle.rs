//! In-memory rate limits against brute force and abuse. Which client
//! address a limit applies to is decided in `client_address`; the `N/DURATION`
//! syntax of a limit is read in `config`.
//!
//! Windows are fixed from the first counted event of a key and live only in
//! memory: a restart forgets them, which costs an attacker nothing they could
//! not get by waiting, and keeps every request free of database writes.
//!
//! Memory is bounded whatever clients send: a key is a fixed-size [`Key`]
//! (an account id, a hash of a normalised name, a client address or IPv6
//! /64), and a table holds at most [`TABLE_CAPACITY`] windows, the oldest
//! giving way first. Attempts are reserved before the work they limit (a
//! password hash), so concurrent requests cannot overshoot a limit.

mod key;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use key::Key;

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

/// The most windows one throttle keeps. Each costs under 50 bytes of table
/// (a 24-byte key, a 24-byte window and a control byte), in a table that
/// tops out at 65,536 slots: about 3 MiB per throttle at worst.
pub const TABLE_CAPACITY: usize = 50_000;

/// Counts events per key (an account, a client address) within a window.
pub struct Throttle {
    limit: Option<Limit>,
    capacity: usize,
    windows: Mutex<HashMap<Key, Window>>,
    /// Requests refused since start, for the metrics.
    refused: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

impl Window {
    fn has_expired(&self, length: Duration, now: Instant) -> bool {
        now >= self.started + length
    }
}

impl Throttle {
    /// `None` disables the throttle: every check passes.
    pub fn new(limit: Option<Limit>) -> Throttle {
        Throttle::with_capacity(limit, TABLE_CAPACITY)
    }

    fn with_capacity(limit: Option<Limit>, capacity: usize) -> Throttle {
        Throttle {
            limit,
            capacity,
            windows: Mutex::new(HashMap::new()),
            refused: AtomicU64::new(0),
        }
    }

    /// Counts one attempt for the key before the work it limits is done,
    /// refusing when the key's window is used up, so concurrent attempts
    /// can never overshoot the limit. See [`Reservation`] for how it ends.
    pub fn reserve(&self, key: Key) -> Result<Reservation<'_>, Throttled> {
        self.reserve_at(key, Instant::now())
    }

    /// Counts one event, refusing when used up: for limits on every request
    /// (registration, mail).
    pub fn hit(&self, key: Key) -> Result<(), Throttled> {
        self.reserve(key).map(Reservation::keep)
    }

    /// Forgets the key: a successful login clears its failures.
    pub fn clear(&self, key: Key) {
        if self.limit.is_some() {
            self.lock().remove(&key);
        }
    }

    /// Requests this throttle refused since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    fn reserve_at(&self, key: Key, now: Instant) -> Result<Reservation<'_>, Throttled> {
        let Some(limit) = self.limit else {
            return Ok(Reservation { held: None });
        };
        let mut windows = self.lock();
        if !windows.contains_key(&key) {
            make_room(&mut windows, self.capacity, limit.window, now);
        }
        let fresh = Window {
            started: now,
            count: 0,
        };
        let window = windows.entry(key).or_insert(fresh);
        if window.has_expired(limit.window, now) {
            *window = fresh;
        }
        if window.count >= limit.count {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(Throttled {
                retry_after: seconds_until(window.started + limit.window, now),
            });
        }
        window.count += 1;
        Ok(Reservation {
            held: Some((self, key, window.started)),
        })
    }

    /// Gives back one attempt reserved in the window that began at `started`
    /// (a window cleared or restarted since owes nothing back); a window left
    /// empty is dropped.
    fn release(&self, key: Key, started: Instant) {
        let mut windows = self.lock();
        if let Some(window) = windows.get_mut(&key)
            && window.started == started
        {
            window.count = window.count.saturating_sub(1);
            if window.count == 0 {
                windows.remove(&key);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Window>> {
        // A panic while holding this lock cannot leave a window half-written,
        // so a poisoned map is still consistent.
        self.windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Makes room for one more window in a full table: expired windows go first,
/// then the oldest, down to a sixteenth below capacity, so a flood of new
/// keys pays for a sweep once per batch rather than on every insert.
fn make_room(windows: &mut HashMap<Key, Window>, capacity: usize, length: Duration, now: Instant) {
    if windows.len() < capacity {
        return;
    }
    windows.retain(|_, w| !w.has_expired(length, now));
    let target = capacity - (capacity / 16).max(1);
    if windows.len() > target {
        evict_oldest(windows, windows.len() - target);
    }
}

/// Removes at least `count` (more than zero) of the oldest windows.
fn evict_oldest(windows: &mut HashMap<Key, Window>, count: usize) {
    let mut starts: Vec<Instant> = windows.values().map(|w| w.started).collect();
    let (_, cutoff, _) = starts.select_nth_unstable(count - 1);
    let cutoff = *cutoff;
    windows.retain(|_, w| w.started > cutoff);
}

/// One attempt counted ahead of its outcome. [`keep`](Reservation::keep) it
/// when the attempt failed, [`clear`](Reservation::clear) the key when it
/// succeeded; dropped without either (the work could not be done, another
/// limit refused), the attempt is given back.
#[must_use = "a reservation dropped at once is given back"]
pub struct Reservation<'a> {
    held: Option<(&'a Throttle, Key, Instant)>,
}

impl Reservation<'_> {
    /// The attempt stays counted.
    pub fn keep(mut self) {
        self.held = None;
    }

    /// The attempt succeeded: the key's window is forgotten.
    pub fn clear(mut self) {
        if let Some((throttle, key, _)) = self.held.take() {
            throttle.clear(key);
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if let Some((throttle, key, started)) = self.held.take() {
            throttle.release(key, started);
        }
    }
}

/// Whole seconds until `deadline`, rounded up: a client told to come back
/// after that many seconds finds the window passed.
fn seconds_until(deadline: Instant, now: Instant) -> u64 {
    let left = deadline.saturating_duration_since(now);
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}
