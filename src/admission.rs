//! How many request workers work at once: one per CPU by default
//! (`ACCOUNTS_RUNNING_WORKERS`), the others waiting for a turn in the order
//! they asked.
//!
//! There are many workers (`ACCOUNTS_WORKERS`, 32) so that requests waiting
//! for the hashing lane cannot take every one. But with all of them running
//! at once, the kernel's scheduler picks among dozens of runnable threads: a
//! worker preempted while it holds a lock (the allocator's, SQLite's, a
//! throttle table's) stalls the others, and requests are no longer answered
//! in the order they came, which is what made a long tail of slow answers
//! (p99 17 times the median at 64 connections). With a few workers at once,
//! taking requests from tiny_http's queue first come first served, a
//! request waits about as long as the queue in front of it, and a busy
//! worker goes from one request to the next without sleeping.
//!
//! A worker that waits for something slow that is not work of its own (the
//! hashing lane) steps aside ([`step_aside`]): its turn goes to the next
//! worker meanwhile, and it asks for one again afterwards.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Thread};

/// The turns workers work in, and the workers waiting for one.
pub struct Admission {
    state: Mutex<State>,
}

struct State {
    free: usize,
    /// Turns held by workers waiting for their next request: a worker back
    /// from waiting takes one of them rather than wait for a busy one.
    lendable: usize,
    /// Workers back from waiting, in the middle of a request: served first.
    returning: VecDeque<Arc<Waiter>>,
    /// Workers with no request yet.
    idle: VecDeque<Arc<Waiter>>,
}

/// A thread waiting for a turn; a turn is handed to it directly, so a
/// worker asking later cannot take it first.
struct Waiter {
    granted: AtomicBool,
    thread: Thread,
}

/// A turn held by the current thread, given back when dropped.
pub struct Turn {
    admission: Arc<Admission>,
}

thread_local! {
    /// The admission whose turn this thread holds, if any, so that
    /// [`step_aside`] can give it back while the thread waits.
    static HELD: RefCell<Option<Arc<Admission>>> = const { RefCell::new(None) };
}

impl Admission {
    pub fn new(turns: usize) -> Arc<Admission> {
        Arc::new(Admission {
            state: Mutex::new(State {
                free: turns.max(1),
                lendable: 0,
                returning: VecDeque::new(),
                idle: VecDeque::new(),
            }),
        })
    }

    /// Waits for a turn, behind every worker that asked before. The turn is
    /// kept from one request to the next (see [`Turn::wait_for_work`]).
    pub fn enter(self: &Arc<Self>) -> Turn {
        self.acquire(Queue::Idle);
        HELD.with(|held| *held.borrow_mut() = Some(Arc::clone(self)));
        Turn {
            admission: Arc::clone(self),
        }
    }

    fn acquire(&self, queue: Queue) {
        let waiter = {
            let mut state = self.lock();
            if state.free > 0 {
                state.free -= 1;
                return;
            }
            if state.lendable > 0 && queue == Queue::Returning {
                state.lendable -= 1;
                return;
            }
            let waiter = Arc::new(Waiter {
                granted: AtomicBool::new(false),
                thread: thread::current(),
            });
            match queue {
                Queue::Idle => state.idle.push_back(Arc::clone(&waiter)),
                Queue::Returning => state.returning.push_back(Arc::clone(&waiter)),
            }
            waiter
        };
        // `park` may return early; only a grant ends the wait.
        while !waiter.granted.load(Ordering::Acquire) {
            thread::park();
        }
    }

    /// Hands the turn to a returning worker, else an idle one, else frees it.
    fn release(&self) {
        let mut state = self.lock();
        let next = match state.returning.pop_front() {
            Some(next) => Some(next),
            None => state.idle.pop_front(),
        };
        match next {
            Some(next) => grant(&next),
            None => state.free += 1,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Every change under the lock is whole, so a poisoned one is usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn grant(waiter: &Waiter) {
    waiter.granted.store(true, Ordering::Release);
    waiter.thread.unpark();
}

impl Turn {
    /// Runs `next_request` (which waits for the next request) keeping the
    /// turn, so a busy worker goes from one request to the next without
    /// sleeping. Meanwhile a worker back from waiting with a request to
    /// finish may take the turn; then this one waits for another once it
    /// has its request. Before waiting, the turn goes to such a worker
    /// already queued, if any, and this one waits for a turn first.
    pub fn wait_for_work<T>(&self, next_request: impl FnOnce() -> T) -> T {
        let admission = &self.admission;
        let returning = {
            let mut state = admission.lock();
            let returning = state.returning.pop_front();
            if returning.is_none() {
                state.lendable += 1;
            }
            returning
        };
        if let Some(returning) = returning {
            grant(&returning);
            admission.acquire(Queue::Idle);
            admission.lock().lendable += 1;
        }
        let request = next_request();
        let mut state = admission.lock();
        if state.lendable > 0 {
            state.lendable -= 1;
        } else {
            drop(state);
            admission.acquire(Queue::Returning);
        }
        request
    }
}

/// Where a worker waits for a turn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Queue {
    /// With no request yet.
    Idle,
    /// With a request to finish: served first.
    Returning,
}

impl Drop for Turn {
    fn drop(&mut self) {
        HELD.with(|held| held.borrow_mut().take());
        self.admission.release();
    }
}

/// Runs `wait` without this thread's turn, if it holds one: the turn goes
/// to another worker meanwhile, and this one asks for a turn again once
/// `wait` returns, ahead of the workers with no request yet.
pub fn step_aside<T>(wait: impl FnOnce() -> T) -> T {
    let Some(admission) = HELD.with(|held| held.borrow().clone()) else {
        return wait();
    };
    admission.release();
    let result = wait();
    admission.acquire(Queue::Returning);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn workers_beyond_the_turns_wait_until_one_is_given_back() {
        let admission = Admission::new(1);
        let first = admission.enter();
        let (admitted, admissions) = mpsc::channel();
        let second = {
            let admission = Arc::clone(&admission);
            thread::spawn(move || {
                let _turn = admission.enter();
                admitted.send(()).expect("send");
            })
        };
        assert!(admissions.recv_timeout(Duration::from_millis(200)).is_err());
        drop(first);
        admissions
            .recv_timeout(Duration::from_secs(10))
            .expect("the waiting worker got its turn");
        second.join().expect("join");
    }

    #[test]
    fn waiting_workers_get_their_turn_in_the_order_they_asked() {
        let admission = Admission::new(1);
        let held = admission.enter();
        let (order, admitted) = mpsc::channel();
        let mut threads = Vec::new();
        for i in 0..5 {
            let queued = Arc::clone(&admission);
            let order = order.clone();
            threads.push(thread::spawn(move || {
                let _turn = queued.enter();
                order.send(i).expect("send");
            }));
            // The next one asks only once this one is queued.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while admission.lock().idle.len() < i + 1 {
                assert!(std::time::Instant::now() < deadline, "{i} never queued");
                thread::yield_now();
            }
        }
        drop(held);
        let seen: Vec<usize> = (0..5)
            .map(|_| {
                admitted
                    .recv_timeout(Duration::from_secs(10))
                    .expect("admitted")
            })
            .collect();
        assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        for t in threads {
            t.join().expect("join");
        }
    }

    #[test]
    fn a_worker_stepping_aside_lets_the_next_one_work() {
        let admission = Admission::new(1);
        let _turn = admission.enter();
        let other = Arc::clone(&admission);
        let let_in = step_aside(move || thread::spawn(move || drop(other.enter())).join().is_ok());
        assert!(let_in);
        // And the turn is this thread's again: nobody else gets one.
        assert_eq!(admission.lock().free, 0);
    }

    #[test]
    fn a_worker_back_from_waiting_takes_the_turn_of_one_waiting_for_a_request() {
        let admission = Admission::new(1);
        let (go, gone) = mpsc::channel::<()>();
        let (aside, asides) = mpsc::channel();
        let (finished, finishes) = mpsc::channel();
        let returning = {
            let admission = Arc::clone(&admission);
            thread::spawn(move || {
                let _turn = admission.enter();
                step_aside(|| {
                    aside.send(()).expect("send");
                    gone.recv().expect("go")
                });
                finished.send(()).expect("send");
            })
        };
        asides
            .recv_timeout(Duration::from_secs(10))
            .expect("the other worker stepped aside");
        let (request, requests) = mpsc::channel::<()>();
        let (waiting, waits) = mpsc::channel();
        let idle = {
            let admission = Arc::clone(&admission);
            thread::spawn(move || {
                let turn = admission.enter();
                turn.wait_for_work(|| {
                    waiting.send(()).expect("send");
                    requests.recv().expect("a request")
                });
            })
        };
        waits
            .recv_timeout(Duration::from_secs(10))
            .expect("the idle worker waits for a request");

        go.send(()).expect("send");

        finishes
            .recv_timeout(Duration::from_secs(10))
            .expect("the returning worker finished its request");
        request.send(()).expect("send");
        returning.join().expect("join");
        idle.join()
            .expect("the idle worker got a turn back for its request");
    }

    #[test]
    fn stepping_aside_without_a_turn_just_waits() {
        assert_eq!(step_aside(|| 7), 7);
    }
}
