//! The HTTP server's settings: where it listens and is reached, its
//! workers and connections, and whom it believes and answers across origins.
//!
//! Each is one entry of [`SETTINGS`](super::SETTINGS), which lists them in
//! the README's order.

use super::set;
use crate::config::setting::Fallback::{Computed, Text};
use crate::config::setting::Parse::Trimmed;
use crate::config::setting::Setting;
use crate::config::setting::Show::Value;
use crate::config::values::{
    available_cpus, base_url, count, deadline, duration, or_computed, origins, proxies,
    show_seconds, socket_address,
};

pub const LISTEN: Setting = Setting {
    name: "ACCOUNTS_LISTEN",
    default: Text("127.0.0.1:8000"),
    help: "Address and port to listen on. Keep it on loopback behind the reverse proxy.",
    parse: Trimmed(|c, v| set(&mut c.listen, socket_address(v))),
    show: Value(|c| c.listen.to_string()),
};

pub const PUBLIC_URL: Setting = Setting {
    name: "ACCOUNTS_PUBLIC_URL",
    default: Computed("`http://<ACCOUNTS_LISTEN>`"),
    help: "Base URL of the links in mails; an `https://` URL also makes the cookie \
           `Secure`. A trailing slash is dropped.",
    parse: Trimmed(|c, v| {
        let url = or_computed(v, || format!("http://{}", c.listen), base_url);
        set(&mut c.public_url, url)
    }),
    show: Value(|c| c.public_url.clone()),
};

pub const WORKERS: Setting = Setting {
    name: "ACCOUNTS_WORKERS",
    default: Text("32"),
    help: "Request worker threads, 1 to 1024: how many requests may be under way at once, \
           those waiting for the hashing lane included.",
    parse: Trimmed(|c, v| set(&mut c.workers, count(v, 1, 1024))),
    show: Value(|c| c.workers.to_string()),
};

pub const RUNNING_WORKERS: Setting = Setting {
    name: "ACCOUNTS_RUNNING_WORKERS",
    default: Computed("one per CPU"),
    help: "Of the workers, how many work at once, 1 to 1024 (at most `ACCOUNTS_WORKERS`); the \
           others wait their turn, and requests are answered in the order they came. A \
           worker waiting for the hashing lane gives its turn up meanwhile.",
    parse: Trimmed(|c, v| {
        let running = or_computed(v, available_cpus, |v| count(v, 1, 1024));
        set(&mut c.running_workers, running)
    }),
    show: Value(|c| c.running_workers.to_string()),
};

pub const READ_TIMEOUT: Setting = Setting {
    name: "ACCOUNTS_READ_TIMEOUT",
    default: Text("10"),
    help: "Read and write timeout of every client connection, in seconds (or a duration): \
           the longest wait for any one read or write. A connection that sends no request \
           within it is closed; a request that stalls this long gets 408 and its connection \
           is closed. It bounds each read, not a request: a client dripping bytes is cut \
           off by the next two.",
    parse: Trimmed(|c, v| set(&mut c.read_timeout, duration(v))),
    show: Value(|c| show_seconds(c.read_timeout)),
};

pub const HEADER_TIMEOUT: Setting = Setting {
    name: "ACCOUNTS_HEADER_TIMEOUT",
    default: Text("10s"),
    help: "Time a client has to send the head of a request (request line and headers), from \
           its first byte, however steadily it drips; past it, 408 and the connection is \
           closed. At least 1 s.",
    parse: Trimmed(|c, v| set(&mut c.header_timeout, deadline(v))),
    show: Value(|c| show_seconds(c.header_timeout)),
};

pub const BODY_TIMEOUT: Setting = Setting {
    name: "ACCOUNTS_BODY_TIMEOUT",
    default: Text("30s"),
    help: "Time a client has to send the body of a request, from the end of its head; past \
           it, 408 and the connection is closed. At least 1 s. Bodies are read by the \
           connection's own thread, so a slow body never holds a request worker.",
    parse: Trimmed(|c, v| set(&mut c.body_timeout, deadline(v))),
    show: Value(|c| show_seconds(c.body_timeout)),
};

pub const MAX_CONNECTIONS: Setting = Setting {
    name: "ACCOUNTS_MAX_CONNECTIONS",
    default: Text("1024"),
    help: "Client connections open at once; beyond it a new connection is closed at once. \
           Keep it under the unit's `LimitNOFILE` (65536).",
    parse: Trimmed(|c, v| set(&mut c.max_connections, count(v, 1, 1_000_000))),
    show: Value(|c| c.max_connections.to_string()),
};

pub const CORS_ORIGINS: Setting = Setting {
    name: "ACCOUNTS_CORS_ORIGINS",
    default: Text(""),
    help: "Comma-separated origins (`https://app.example.com`) allowed to call the API \
           from a browser with credentials.",
    parse: Trimmed(|c, v| set(&mut c.cors_origins, origins(v))),
    show: Value(|c| c.cors_origins.join(",")),
};

pub const TRUSTED_PROXIES: Setting = Setting {
    name: "ACCOUNTS_TRUSTED_PROXIES",
    default: Text(""),
    help: "Addresses or CIDR blocks (`127.0.0.1,::1`, `10.0.0.0/8`) of reverse proxies \
           whose `X-Forwarded-For` is believed, and whose `X-Request-Id` is kept (see \
           [Logs](#logs)).",
    parse: Trimmed(|c, v| set(&mut c.trusted_proxies, proxies(v))),
    show: Value(|c| c.trusted_proxies.to_string()),
};
