//! Prometheus metrics, kept only when `ACCOUNTS_METRICS_LISTEN` is set.
//!
//! Two kinds of numbers, kept apart for the sake of the request path:
//!
//! - What each request does ([`Metrics::record_request`]) is counted in
//!   plain atomics laid out at start-up, one slot per route name of the
//!   route table: finding the slot compares a few short names, and counting
//!   is three relaxed atomic additions. No lock, no allocation, no label
//!   built per request. Logins and registrations by outcome are read off
//!   the status their routes answered, in the same step.
//! - Everything else (the hashing lane, the throttles, the outbox, live
//!   sessions, the process) is read when Prometheus scrapes, by
//!   [`sample::Sample`], from counters those parts keep anyway, from the
//!   database and from `/proc`.
//!
//! [`exposition`] turns both into the Prometheus text format with the
//! `prometheus-client` crate. No label ever holds a client's data: route
//! labels are the table's names (never a path), the rest are fixed words.

pub mod exposition;
mod latency;
pub mod sample;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use latency::Latency;
pub use latency::LatencySnapshot;

/// The route name counted for a request whose name is not in the table the
/// metrics were built from (which a unit test rules out).
pub const OTHER_ROUTE: &str = "other";

/// Status classes, as labels: index `status / 100 - 1`.
pub const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The routes whose answers are logins, by route name.
pub const LOGIN_ROUTES: [&str; 2] = ["token", "login"];
/// The route whose answers are registrations.
pub const REGISTRATION_ROUTE: &str = "register";

/// What came of a login, from its status: 2xx `success`; 401 (token) or
/// 404 (cookie login) `failure` (wrong credentials, unknown or inactive
/// user); 429 `throttled`; 503 `busy` (hashing lane full); another 4xx
/// `invalid` (a malformed request); anything else `error`.
pub const LOGIN_OUTCOMES: [&str; 6] = [
    "success",
    "failure",
    "invalid",
    "throttled",
    "busy",
    "error",
];
/// What came of a registration: 2xx `created`; 429 `throttled`; 503 `busy`;
/// another 4xx `invalid` (a field refused, the address taken); else `error`.
pub const REGISTRATION_OUTCOMES: [&str; 5] = ["created", "invalid", "throttled", "busy", "error"];

/// Counts kept per request, and when the process started.
pub struct Metrics {
    /// One slot per route name, then [`OTHER_ROUTE`].
    routes: Box<[RouteStats]>,
    logins: Counts<6>,
    registrations: Counts<5>,
    started_at: f64,
}

/// The counts of one route name.
struct RouteStats {
    name: &'static str,
    by_class: Counts<5>,
    latency: Latency,
    family: Family,
}

/// Which outcome counter a route's answers also move.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Login,
    Registration,
    Neither,
}

/// `N` counters indexed by a fixed list of labels.
struct Counts<const N: usize>([AtomicU64; N]);

impl<const N: usize> Counts<N> {
    fn new() -> Counts<N> {
        Counts(std::array::from_fn(|_| AtomicU64::new(0)))
    }

    fn add(&self, index: usize) {
        if let Some(counter) = self.0.get(index) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn read(&self, labels: &[&'static str; N]) -> Vec<(&'static str, u64)> {
        labels
            .iter()
            .zip(&self.0)
            .map(|(label, n)| (*label, n.load(Ordering::Relaxed)))
            .collect()
    }
}

impl Metrics {
    /// Slots for these route names (those of the route table, and the HTTP
    /// layer's names for requests that match no route).
    pub fn new(route_names: impl IntoIterator<Item = &'static str>) -> Metrics {
        let routes = route_names
            .into_iter()
            .chain([OTHER_ROUTE])
            .map(|name| RouteStats {
                name,
                by_class: Counts::new(),
                latency: Latency::default(),
                family: if LOGIN_ROUTES.contains(&name) {
                    Family::Login
                } else if name == REGISTRATION_ROUTE {
                    Family::Registration
                } else {
                    Family::Neither
                },
            })
            .collect();
        let started_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Metrics {
            routes,
            logins: Counts::new(),
            registrations: Counts::new(),
            started_at,
        }
    }

    /// Counts one answered request.
    pub fn record_request(&self, route: &str, status: u16, elapsed: Duration) {
        let Some(stats) = self
            .routes
            .iter()
            .find(|r| r.name == route)
            .or(self.routes.last())
        else {
            return;
        };
        stats
            .by_class
            .add(usize::from(status / 100).saturating_sub(1));
        stats.latency.observe(elapsed);
        match stats.family {
            Family::Login => self.logins.add(login_outcome(status)),
            Family::Registration => self.registrations.add(registration_outcome(status)),
            Family::Neither => {}
        }
    }

    /// The route names counted, in order.
    pub fn route_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.routes.iter().map(|r| r.name)
    }

    /// `((route, status class), requests)` for every pair.
    pub fn requests(&self) -> Vec<((&'static str, &'static str), u64)> {
        self.routes
            .iter()
            .flat_map(|r| {
                r.by_class
                    .read(&STATUS_CLASSES)
                    .into_iter()
                    .map(move |(class, n)| ((r.name, class), n))
            })
            .collect()
    }

    /// `(route, latency)` for every route.
    pub fn latencies(&self) -> Vec<(&'static str, LatencySnapshot)> {
        self.routes
            .iter()
            .map(|r| (r.name, r.latency.snapshot()))
            .collect()
    }

    pub fn logins(&self) -> Vec<(&'static str, u64)> {
        self.logins.read(&LOGIN_OUTCOMES)
    }

    pub fn registrations(&self) -> Vec<(&'static str, u64)> {
        self.registrations.read(&REGISTRATION_OUTCOMES)
    }

    /// When the metrics were set up, in Unix seconds: the process's start,
    /// to within the milliseconds start-up takes.
    pub fn started_at(&self) -> f64 {
        self.started_at
    }
}

fn login_outcome(status: u16) -> usize {
    match status {
        200..=299 => 0,
        401 | 404 => 1,
        429 => 3,
        503 => 4,
        400..=499 => 2,
        _ => 5,
    }
}

fn registration_outcome(status: u16) -> usize {
    match status {
        200..=299 => 0,
        429 => 2,
        503 => 3,
        400..=499 => 1,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(pairs: &[(&'static str, u64)], label: &str) -> u64 {
        pairs.iter().find(|(l, _)| *l == label).map_or(0, |p| p.1)
    }

    #[test]
    fn requests_are_counted_by_route_and_status_class() {
        let m = Metrics::new(["health", "user"]);
        m.record_request("user", 200, Duration::from_millis(1));
        m.record_request("user", 401, Duration::from_millis(1));
        m.record_request("user", 401, Duration::from_millis(1));
        m.record_request("elsewhere", 500, Duration::from_millis(1));
        let requests = m.requests();
        let n = |route, class| {
            requests
                .iter()
                .find(|(key, _)| *key == (route, class))
                .map_or(0, |p| p.1)
        };
        assert_eq!((n("user", "2xx"), n("user", "4xx")), (1, 2));
        assert_eq!(n("health", "2xx"), 0);
        assert_eq!(n(OTHER_ROUTE, "5xx"), 1, "an unknown name counts as other");
    }

    #[test]
    fn login_and_registration_outcomes_follow_their_routes_statuses() {
        let m = Metrics::new(["token", "login", "register", "user"]);
        for (route, status) in [
            ("token", 200),
            ("token", 401),
            ("login", 404),
            ("login", 429),
            ("token", 503),
            ("token", 400),
            ("register", 201),
            ("register", 400),
            ("register", 429),
            ("user", 401),
        ] {
            m.record_request(route, status, Duration::ZERO);
        }
        let logins = m.logins();
        assert_eq!(count(&logins, "success"), 1);
        assert_eq!(
            count(&logins, "failure"),
            2,
            "401 and the cookie login's 404"
        );
        assert_eq!(count(&logins, "throttled"), 1);
        assert_eq!(count(&logins, "busy"), 1);
        assert_eq!(count(&logins, "invalid"), 1);
        let registrations = m.registrations();
        assert_eq!(
            [
                count(&registrations, "created"),
                count(&registrations, "invalid"),
                count(&registrations, "throttled")
            ],
            [1, 1, 1]
        );
    }
}
