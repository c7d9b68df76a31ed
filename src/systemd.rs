//! systemd's notification protocol, for `Type=notify` and `WatchdogSec=`:
//! `READY=1` once the service answers, `WATCHDOG=1` while it still does,
//! `STOPPING=1` on SIGTERM. Without `NOTIFY_SOCKET` (not started by
//! systemd, or another `Type=`) nothing is sent and no thread is started.
//!
//! "Answers" is checked the way a client would: `GET /health` over loopback
//! to the service's own port, through the accept loop, a request worker and
//! a read of the database. So `READY=1` is sent only once a request is
//! really answered, and the watchdog is petted only while one still is: a
//! server whose workers are all stuck, whose accept loop died or whose
//! database cannot be read stops petting, and systemd restarts it after
//! `WatchdogSec=`. The probes show as `health` requests in the log and the
//! metrics.
//!
//! The messages go through the `sd-notify` crate (a datagram to the socket
//! systemd names), so this module needs no `unsafe`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use sd_notify::NotifyState;

/// How often the start-up probe is retried until the first answer.
const READY_RETRY: Duration = Duration::from_millis(20);
/// How long the start-up probe waits for each answer.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether systemd expects notifications from this process.
pub fn supervised() -> bool {
    std::env::var_os("NOTIFY_SOCKET").is_some()
}

/// Starts the thread that sends `READY=1` once `GET /health` on `serving`
/// answers 200, then pets the watchdog at half of `WATCHDOG_USEC` while it
/// still does. Does nothing unless [`supervised`].
pub fn start(serving: SocketAddr, shutdown: Arc<AtomicBool>) -> std::io::Result<()> {
    if !supervised() {
        return Ok(());
    }
    let probe = Probe::new(serving);
    thread::Builder::new()
        .name("systemd".into())
        .spawn(move || {
            if !wait_until_ready(&probe, &shutdown) {
                return;
            }
            send(&[
                NotifyState::Ready,
                NotifyState::Status(&format!("serving on {serving}")),
            ]);
            if let Some(timeout) = sd_notify::watchdog_enabled() {
                pet_while_answering(&probe, &shutdown, timeout / 2);
            }
        })
        .map(drop)
}

/// Tells systemd the service is stopping (on SIGTERM or SIGINT).
pub fn stopping() {
    if supervised() {
        send(&[NotifyState::Stopping]);
    }
}

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        log::warn!("could not notify systemd: {e}");
    }
}

/// Probes until the first 200; false if the service stops first.
fn wait_until_ready(probe: &Probe, shutdown: &AtomicBool) -> bool {
    while !shutdown.load(Ordering::SeqCst) {
        if probe.answers(READY_TIMEOUT).is_ok() {
            return true;
        }
        thread::sleep(READY_RETRY);
    }
    false
}

/// Every `interval`, a probe; `WATCHDOG=1` only when it was answered 200
/// within half the interval.
fn pet_while_answering(probe: &Probe, shutdown: &AtomicBool, interval: Duration) {
    let timeout = (interval / 2).max(Duration::from_millis(50));
    log::info!("systemd watchdog: probing /health every {interval:?}");
    loop {
        let started = Instant::now();
        let answered = probe.answers(timeout);
        if shutdown.load(Ordering::SeqCst) {
            return;
        }
        match answered {
            Ok(()) => send(&[NotifyState::Watchdog]),
            Err(why) => log::warn!(
                "systemd watchdog: /health did not answer 200 within {timeout:?} ({why}); \
                 not petting the watchdog"
            ),
        }
        thread::sleep(interval.saturating_sub(started.elapsed()));
    }
}

/// `GET /health` on the service's own port, over loopback.
struct Probe {
    url: String,
    agent: ureq::Agent,
}

impl Probe {
    fn new(serving: SocketAddr) -> Probe {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build()
            .into();
        Probe {
            url: format!("http://{}/health", loopback(serving)),
            agent,
        }
    }

    fn answers(&self, timeout: Duration) -> Result<(), String> {
        let response = self
            .agent
            .get(&self.url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .call()
            .map_err(|e| e.to_string())?;
        match response.status().as_u16() {
            200 => Ok(()),
            other => Err(format!("status {other}")),
        }
    }
}

/// The address to reach a listener on from this host: a wildcard address
/// becomes the loopback address of its family.
fn loopback(serving: SocketAddr) -> SocketAddr {
    let ip = match serving.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, serving.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_listener_is_probed_on_loopback() {
        let at = |s: &str| loopback(s.parse().unwrap()).to_string();
        assert_eq!(at("0.0.0.0:8000"), "127.0.0.1:8000");
        assert_eq!(at("[::]:8000"), "[::1]:8000");
        assert_eq!(at("10.1.2.3:8000"), "10.1.2.3:8000");
    }
}
