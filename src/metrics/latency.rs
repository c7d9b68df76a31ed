//! A latency histogram in atomics: one counter per bucket and a running
//! sum, so observing is a search of a short sorted array and two relaxed
//! additions, without the lock a general-purpose histogram takes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the buckets, in microseconds: from 100 µs (a cached read
/// answers in well under a millisecond) to 10 s (a login queued behind a
/// full hashing lane); slower requests land in `+Inf`.
const BOUNDS_MICROS: [u64; 16] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

/// Observations by bucket (the last one is `+Inf`), and their sum.
#[derive(Debug, Default)]
pub struct Latency {
    buckets: [AtomicU64; BOUNDS_MICROS.len() + 1],
    sum_micros: AtomicU64,
}

/// A latency histogram as read at one moment, for the exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencySnapshot {
    /// `(upper bound in seconds, observations in that bucket alone)`, the
    /// last bound infinite.
    pub buckets: Vec<(f64, u64)>,
    pub count: u64,
    pub sum_seconds: f64,
}

impl Latency {
    pub fn observe(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = BOUNDS_MICROS.partition_point(|&bound| bound < micros);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The count is the sum of the buckets read, so the two always agree.
    pub fn snapshot(&self) -> LatencySnapshot {
        let bounds = BOUNDS_MICROS
            .iter()
            .map(|&b| b as f64 / 1e6)
            .chain([f64::INFINITY]);
        let buckets: Vec<(f64, u64)> = bounds
            .zip(&self.buckets)
            .map(|(bound, n)| (bound, n.load(Ordering::Relaxed)))
            .collect();
        LatencySnapshot {
            count: buckets.iter().map(|(_, n)| n).sum(),
            buckets,
            sum_seconds: self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_bucket(snapshot: &LatencySnapshot, bound: f64) -> u64 {
        snapshot
            .buckets
            .iter()
            .find(|(b, _)| *b == bound)
            .map_or(0, |(_, n)| *n)
    }

    #[test]
    fn an_observation_lands_in_the_first_bucket_at_or_above_it() {
        let latency = Latency::default();
        latency.observe(Duration::from_micros(100));
        latency.observe(Duration::from_micros(101));
        latency.observe(Duration::from_micros(0));
        latency.observe(Duration::from_secs(60));
        let s = latency.snapshot();
        assert_eq!(in_bucket(&s, 0.0001), 2, "0 and exactly 100 µs");
        assert_eq!(in_bucket(&s, 0.00025), 1);
        assert_eq!(in_bucket(&s, f64::INFINITY), 1);
        assert_eq!(s.count, 4);
        assert!((s.sum_seconds - 60.000201).abs() < 1e-9);
    }
}
