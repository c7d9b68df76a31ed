//! The raw bcrypt hash rate at a cost, on every core: the ceiling that the
//! `login` scenario of `bench/run` is compared with.
//!
//! Usage: `cargo run --release --example bcrypt_rate -- COST SECONDS`
//! Prints one line: `hashes_per_second=<float>`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let cost: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(12);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let threads = thread::available_parallelism().map_or(2, |n| n.get());
    let hash = bcrypt::hash("bench password", cost).expect("hashing works");
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (stop, done, hash) = (Arc::clone(&stop), Arc::clone(&done), hash.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    // The login path verifies (one bcrypt run) per request.
                    let _ = bcrypt::verify("wrong password", &hash);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!("hashes_per_second={rate:.2}");
}
