//! What is read when Prometheus scrapes: the hashing lane, the throttles,
//! the mail sender's deliveries, the outbox and live sessions (from the
//! database, on the metrics thread's own connection) and the process (from
//! `/proc`). A part that cannot be read is left out of that scrape and
//! logged, rather than failing the whole scrape.

use crate::accounts::session::logins;
use crate::accounts::{self, outbox};
use crate::app::App;
use crate::domain::now;
use crate::hashing::LaneLoad;
use crate::store::{OutboxStats, Store};

/// Everything but the per-request counts, at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub lane: LaneLoad,
    /// `(limit, requests refused)`, by throttle.
    pub throttled: Vec<(&'static str, u64)>,
    /// `(result, delivery attempts)`.
    pub deliveries: Vec<(&'static str, u64)>,
    pub outbox: Option<OutboxStats>,
    /// Seconds since the oldest pending message was written (0 when none).
    pub oldest_pending_age: Option<u64>,
    pub live_sessions: Option<u64>,
    pub resident_bytes: Option<u64>,
    pub open_fds: Option<u64>,
}

impl Sample {
    pub fn gather(app: &App, store: &Store) -> Sample {
        let now = now();
        let outbox = logged(outbox::stats(store));
        Sample {
            lane: app.hasher.load(),
            throttled: app
                .throttles
                .by_limit()
                .iter()
                .map(|(name, throttle)| (*name, throttle.refused()))
                .collect(),
            deliveries: app.deliveries.by_result().to_vec(),
            oldest_pending_age: outbox
                .map(|o| o.oldest_pending_since.map_or(0, |t| now.saturating_sub(t))),
            outbox,
            live_sessions: logged(logins::live_count(store)),
            resident_bytes: resident_bytes(),
            open_fds: open_fds(),
        }
    }
}

fn logged<T>(result: Result<T, accounts::Error>) -> Option<T> {
    result.map_err(|e| log::warn!("metrics: {e}")).ok()
}

/// `VmRSS` of `/proc/self/status`, which Linux gives in kB.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The entries of `/proc/self/fd` (the one used to list them included).
fn open_fds() -> Option<u64> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_reads_its_own_memory_and_descriptors() {
        assert!(resident_bytes().is_some_and(|b| b > 1024 * 1024));
        assert!(open_fds().is_some_and(|n| n >= 3), "stdin, stdout, stderr");
    }
}
