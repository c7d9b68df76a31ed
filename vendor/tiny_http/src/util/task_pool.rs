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
