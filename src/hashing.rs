//! The hashing lane: bcrypt runs on its own small pool of threads.
//!
//! A password hash costs hundreds of milliseconds of CPU by design. If the
//! request workers hashed themselves, a login flood would occupy every worker
//! and starve the cheap requests. Instead, hashing jobs go to a fixed number
//! of threads (one per core by default) through a bounded queue; when the
//! queue is full the request is refused at once (503 with `Retry-After`)
//! rather than piling up without end.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

use crate::domain::password::{self, Password, Verification};

type Job = Box<dyn FnOnce() + Send>;

/// Why a hashing job did not produce a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashError {
    /// Every hashing thread is busy and the queue is full.
    Busy,
    /// bcrypt failed, or the job panicked (a bug); the text is for the log.
    Failed(String),
}

/// Bcrypt on a bounded lane, at the configured cost.
pub struct PasswordHasher {
    jobs: SyncSender<Job>,
    cost: u32,
    dummy: Arc<OnceLock<String>>,
}

impl PasswordHasher {
    /// Starts `threads` hashing threads fed by a queue of `queue` jobs.
    pub fn start(threads: usize, queue: usize, cost: u32) -> PasswordHasher {
        let (jobs, receiver) = sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let spawned = thread::Builder::new()
                .name(format!("hash-{i}"))
                .spawn(move || run_jobs(&receiver));
            if let Err(e) = spawned {
                log::error!("could not start hashing thread {i}: {e}");
            }
        }
        let hasher = PasswordHasher {
            jobs,
            cost,
            dummy: Arc::new(OnceLock::new()),
        };
        hasher.prepare_dummy_in_background();
        hasher
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Hashes a new password.
    pub fn hash(&self, password: &Password) -> Result<String, HashError> {
        let password = password.clone();
        let cost = self.cost;
        self.run(move || {
            password::hash(&password, cost).map_err(|e| HashError::Failed(e.to_string()))
        })?
    }

    /// Checks a password against a user's hash, or against a dummy hash when
    /// there is no user, so both cost the same.
    pub fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<Verification, HashError> {
        let password = password.clone();
        let cost = self.cost;
        let dummy = Arc::clone(&self.dummy);
        let stored = stored.map(str::to_string);
        self.run(move || match stored {
            Some(hash) => Ok(password::verify(&password, &hash, cost)),
            None => {
                let hash = dummy_hash(&dummy, cost)?;
                password::verify(&password, hash, cost);
                Ok(Verification {
                    matches: false,
                    needs_rehash: false,
                })
            }
        })?
    }

    /// Runs `job` on the lane and waits for its result.
    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (reply, result) = sync_channel::<T>(1);
        let wrapped: Job = Box::new(move || {
            if let Ok(value) = catch_unwind(AssertUnwindSafe(job)) {
                let _ = reply.send(value);
            }
        });
        match self.jobs.try_send(wrapped) {
            Ok(()) => result
                .recv()
                .map_err(|_| HashError::Failed("a hashing job panicked".into())),
            Err(TrySendError::Full(_)) => Err(HashError::Busy),
            Err(TrySendError::Disconnected(_)) => {
                Err(HashError::Failed("no hashing thread is running".into()))
            }
        }
    }

    /// The dummy hash costs one full hash: make it off the start-up path.
    fn prepare_dummy_in_background(&self) {
        let dummy = Arc::clone(&self.dummy);
        let cost = self.cost;
        let _ = thread::Builder::new()
            .name("warm-up".into())
            .spawn(move || {
                password::warm_up();
                if let Err(HashError::Failed(e)) = dummy_hash(&dummy, cost) {
                    log::error!("could not prepare the dummy password hash: {e}");
                }
            });
    }
}

fn dummy_hash(cell: &OnceLock<String>, cost: u32) -> Result<&String, HashError> {
    if let Some(hash) = cell.get() {
        return Ok(hash);
    }
    let hash = password::dummy_hash(cost).map_err(|e| HashError::Failed(e.to_string()))?;
    Ok(cell.get_or_init(|| hash))
}

fn run_jobs(receiver: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let Ok(guard) = receiver.lock() else { return };
            match guard.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        job();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_verifies_on_the_lane() {
        let hasher = PasswordHasher::start(1, 2, 4);
        let pw = Password::parse("a long enough password").unwrap();
        let hash = hasher.hash(&pw).unwrap();
        assert!(hasher.verify(&pw, Some(&hash)).unwrap().matches);
        assert!(!hasher.verify(&pw, None).unwrap().matches);
    }

    #[test]
    fn a_full_lane_refuses_at_once() {
        let hasher = Arc::new(PasswordHasher::start(1, 0, 4));
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let hasher = Arc::clone(&hasher);
            thread::spawn(move || hasher.run(move || blocked.recv().is_ok()))
        };
        // The blocker may not hold the only thread yet: poll with a deadline.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while hasher.run(|| ()) != Err(HashError::Busy) {
            assert!(
                std::time::Instant::now() < deadline,
                "the lane never reported busy"
            );
            thread::yield_now();
        }
        release.send(()).unwrap();
        assert_eq!(blocker.join().unwrap(), Ok(true));
        assert_eq!(hasher.run(|| 7), Ok(7), "the lane serves again once free");
    }
}
