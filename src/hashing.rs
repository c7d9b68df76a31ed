//! The hashing lane: bcrypt (and the verification of imported Django
//! hashes, PBKDF2 at a million iterations included) runs on its own small
//! pool of threads.
//!
//! A password hash costs hundreds of milliseconds of CPU by design. If the
//! request workers hashed themselves, a login flood would occupy every worker
//! and starve the cheap requests. Instead, hashing jobs go to a fixed number
//! of threads (one per core by default, at a lower CPU priority than the
//! request workers) through a bounded queue. When the queue is full a job
//! waits briefly for room and is then refused (503 with `Retry-After`)
//! rather than piling up without end.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use crate::admission;
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

/// How long a job waits for room in a full lane before it is refused. Short
/// enough that a refused client hears so quickly; long enough that a flood
/// of refused requests cannot spin the CPU.
const ADMISSION_WAIT: Duration = Duration::from_millis(100);

/// Bcrypt on a bounded lane, at the configured cost.
pub struct PasswordHasher {
    jobs: Sender<Job>,
    slots: Arc<Slots>,
    cost: u32,
    dummy: Arc<OnceLock<String>>,
}

/// Counts jobs running or queued; at most `capacity` at once.
struct Slots {
    taken: Mutex<usize>,
    freed: Condvar,
    capacity: usize,
    /// Of the jobs taking a slot, those a thread is running.
    running: AtomicUsize,
    /// Jobs refused because every slot stayed taken (each a 503).
    refused: AtomicU64,
}

/// How busy the lane is, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneLoad {
    /// Jobs waiting for a hashing thread.
    pub queued: usize,
    /// Hashes being computed.
    pub running: usize,
    /// Jobs refused since start because the lane was full.
    pub refused: u64,
}

impl Slots {
    fn acquire(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        while *taken >= self.capacity {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            taken = self
                .freed
                .wait_timeout(taken, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *taken += 1;
        true
    }

    fn release(&self) {
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        *taken = taken.saturating_sub(1);
        self.freed.notify_one();
    }
}

impl PasswordHasher {
    /// Starts `threads` hashing threads fed by a queue of `queue` jobs.
    pub fn start(threads: usize, queue: usize, cost: u32) -> PasswordHasher {
        let threads = threads.max(1);
        let (jobs, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads {
            let receiver = Arc::clone(&receiver);
            let spawned = thread::Builder::new()
                .name(format!("hash-{i}"))
                .spawn(move || {
                    lower_priority();
                    run_jobs(&receiver)
                });
            if let Err(e) = spawned {
                log::error!("could not start hashing thread {i}: {e}");
            }
        }
        let slots = Arc::new(Slots {
            taken: Mutex::new(0),
            freed: Condvar::new(),
            capacity: threads + queue,
            running: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
        });
        let hasher = PasswordHasher {
            jobs,
            slots,
            cost,
            dummy: Arc::new(OnceLock::new()),
        };
        hasher.prepare_dummy_in_background();
        hasher
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Jobs queued and running now, and refusals since start.
    pub fn load(&self) -> LaneLoad {
        let taken = *self.slots.taken.lock().unwrap_or_else(|p| p.into_inner());
        let running = self.slots.running.load(Ordering::Relaxed);
        LaneLoad {
            queued: taken.saturating_sub(running),
            running: running.min(taken),
            refused: self.slots.refused.load(Ordering::Relaxed),
        }
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
    /// there is no user or the user has no usable password (an imported
    /// `!...`), so all of them cost the same.
    pub fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<Verification, HashError> {
        let password = password.clone();
        let cost = self.cost;
        let dummy = Arc::clone(&self.dummy);
        let stored = stored
            .filter(|hash| password::is_usable(hash))
            .map(str::to_string);
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

    /// Runs `job` on the lane and waits for its result. The worker gives up
    /// its turn meanwhile (see [`admission`]): waiting is not work.
    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        admission::step_aside(|| self.run_waiting(job))
    }

    fn run_waiting<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        if !self.slots.acquire(ADMISSION_WAIT) {
            self.slots.refused.fetch_add(1, Ordering::Relaxed);
            return Err(HashError::Busy);
        }
        let (reply, result) = sync_channel::<T>(1);
        let slots = Arc::clone(&self.slots);
        let wrapped: Job = Box::new(move || {
            slots.running.fetch_add(1, Ordering::Relaxed);
            let outcome = catch_unwind(AssertUnwindSafe(job));
            slots.running.fetch_sub(1, Ordering::Relaxed);
            slots.release();
            if let Ok(value) = outcome {
                let _ = reply.send(value);
            }
        });
        if self.jobs.send(wrapped).is_err() {
            self.slots.release();
            return Err(HashError::Failed("no hashing thread is running".into()));
        }
        result
            .recv()
            .map_err(|_| HashError::Failed("a hashing job panicked".into()))
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

/// Hashing yields the CPU to request workers (nice 10): under a login flood
/// the cheap requests still get the cores they need.
fn lower_priority() {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    // 22 on the crate's 0..=99 scale is nice 10 for the normal policies.
    let priority = ThreadPriorityValue::try_from(22u8).map(ThreadPriority::Crossplatform);
    let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
    if let Err(e) = priority.map_err(|e| format!("{e:?}")).and_then(|p| {
        set_thread_priority_and_policy(thread_native_id(), p, policy).map_err(|e| format!("{e:?}"))
    }) {
        log::warn!("could not lower the hashing threads' priority: {e}");
    }
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
        while hasher.load().running != 1 {
            assert!(
                std::time::Instant::now() < deadline,
                "the blocker never showed as running"
            );
            thread::yield_now();
        }
        assert_eq!(hasher.load().queued, 0);
        assert!(hasher.load().refused >= 1, "the refusals are counted");
        release.send(()).unwrap();
        assert_eq!(blocker.join().unwrap(), Ok(true));
        assert_eq!(hasher.run(|| 7), Ok(7), "the lane serves again once free");
    }
}
