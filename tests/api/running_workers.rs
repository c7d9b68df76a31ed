//! Workers take turns (`ACCOUNTS_RUNNING_WORKERS`): only a few work at once,
//! but one waiting for the hashing lane gives its turn up, so a slow
//! password hash never holds up cheap requests.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, wait_until};
use crate::metrics::{metrics_address, scrape};

const DEADLINE: Duration = Duration::from_secs(20);

#[test]
fn a_request_waiting_for_a_password_hash_does_not_hold_up_others_with_one_running_worker() {
    // bcrypt cost 14 takes about a second: the health checks below are
    // answered long before it ends, unless they wait for it.
    let app = TestApp::builder()
        .env("ACCOUNTS_RUNNING_WORKERS", "1")
        .env("ACCOUNTS_WORKERS", "4")
        .env("ACCOUNTS_HASH_THREADS", "1")
        .env("ACCOUNTS_BCRYPT_COST", "14")
        .env("ACCOUNTS_METRICS_LISTEN", "127.0.0.1:0")
        .spawn();
    let metrics = metrics_address(&app);
    app.get("/health").assert_status(200);
    let registered = AtomicBool::new(false);

    thread::scope(|s| {
        s.spawn(|| {
            app.post_json(
                "/api/register/",
                &json!({"email": "slow@example.com", "password": PASSWORD}),
            )
            .assert_status(201);
            registered.store(true, Ordering::SeqCst);
        });
        wait_until("the registration's hash to start", DEADLINE, || {
            scrape(&metrics)
                .lines()
                .any(|l| l == "accounts_hash_running 1")
                .then_some(())
        });
        for _ in 0..3 {
            app.get("/health").assert_status(200);
        }
        assert!(
            !registered.load(Ordering::SeqCst),
            "the health checks were answered only after the registration"
        );
    });
}

#[test]
fn a_single_worker_answers_requests_one_after_another() {
    let app = TestApp::builder()
        .env("ACCOUNTS_RUNNING_WORKERS", "1")
        .env("ACCOUNTS_WORKERS", "1")
        .spawn();

    thread::scope(|s| {
        let answers: Vec<_> = (0..8)
            .map(|_| s.spawn(|| app.get("/health").status))
            .collect();
        for answer in answers {
            assert_eq!(answer.join().expect("a client thread"), 200);
        }
    });
}
