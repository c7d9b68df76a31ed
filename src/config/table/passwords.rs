//! The settings of password hashing: its cost, its threads and its queue.
//!
//! Each is one entry of [`SETTINGS`](super::SETTINGS), which lists them in
//! the README's order.

use super::set;
use crate::config::setting::Fallback::{Computed, Text};
use crate::config::setting::Parse::Trimmed;
use crate::config::setting::Setting;
use crate::config::setting::Show::Value;
use crate::config::values::{available_cpus, count, or_computed};

pub const BCRYPT_COST: Setting = Setting {
    name: "ACCOUNTS_BCRYPT_COST",
    default: Text("12"),
    help: "bcrypt cost, 4 to 31. Start-up warns below 10 (the tests use 4). Hashes made \
           at another cost are rehashed on the next successful login.",
    parse: Trimmed(|c, v| set(&mut c.bcrypt_cost, count(v, 4, 31).map(|n| n as u32))),
    show: Value(|c| c.bcrypt_cost.to_string()),
};

pub const HASH_THREADS: Setting = Setting {
    name: "ACCOUNTS_HASH_THREADS",
    default: Computed("one per CPU"),
    help: "Password-hashing threads, 1 to 256.",
    parse: Trimmed(|c, v| {
        let threads = or_computed(v, available_cpus, |v| count(v, 1, 256));
        set(&mut c.hash_threads, threads)
    }),
    show: Value(|c| c.hash_threads.to_string()),
};

pub const HASH_QUEUE: Setting = Setting {
    name: "ACCOUNTS_HASH_QUEUE",
    default: Computed("4 × hash threads"),
    help: "Hashing jobs that may wait behind the running ones. When every place is \
           taken, a request waits up to 100 ms for one, then gets 503 with \
           `Retry-After: 1`.",
    parse: Trimmed(|c, v| {
        let queue = or_computed(v, || c.hash_threads * 4, |v| count(v, 0, 65536));
        set(&mut c.hash_queue, queue)
    }),
    show: Value(|c| c.hash_queue.to_string()),
};
