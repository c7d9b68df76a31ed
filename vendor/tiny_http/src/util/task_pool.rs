// Patched for `accounts` (see PATCHES.md, patch 1): one thread per task.
//
// The original pool grew and shrank threads with a counter of waiting
// threads that could go stale, leaving a connection's task queued with no
// thread to run it: keep-alive connections stalled for seconds whenever a
// new connection arrived during load.

use std::thread;

/// Runs each task on a thread of its own.
pub struct TaskPool;

impl TaskPool {
    pub fn new() -> TaskPool {
        TaskPool
    }

    /// Executes a function in a new thread.
    pub fn spawn(&self, mut code: Box<dyn FnMut() + Send>) {
        let spawned = thread::Builder::new()
            .name("http-connection".into())
            .spawn(move || code());
        if let Err(e) = spawned {
            log::error!("could not start a connection thread: {}", e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TaskPool;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Patch 1 (PATCHES.md): every task runs at once, on a thread of its
    /// own, however many others are still running.
    #[test]
    fn every_task_runs_at_once_while_the_others_are_still_running() {
        let pool = TaskPool::new();
        let (started, starts) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let released = std::sync::Arc::new(std::sync::Mutex::new(released));
        for i in 0..16 {
            let started = started.clone();
            let released = std::sync::Arc::clone(&released);
            pool.spawn(Box::new(move || {
                started.send(i).unwrap();
                // Held until the test lets go: the next task must not wait.
                let _ = released.lock().unwrap().recv();
            }));
        }
        for _ in 0..16 {
            starts
                .recv_timeout(Duration::from_secs(10))
                .expect("a task waited for another to finish");
        }
        drop(release);
    }
}
