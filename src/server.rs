//! Start-up and shutdown: the listening socket, the request workers, the
//! mail sender, the pruner, and signal handling.
//!
//! Each worker owns a database connection and takes requests from tiny_http's
//! queue. SIGTERM (or SIGINT) stops taking new requests, lets the ones in
//! flight finish, and exits 0; everything a client was told is already
//! committed. Any error from tiny_http's queue (its accept thread stops at an
//! error it cannot retry) ends the process non-zero so systemd restarts it.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use socket2::{Domain, Protocol, Socket, Type};

use crate::app::App;
use crate::config::Config;
use crate::domain::now;
use crate::keyfile;
use crate::mail::{MailWaker, Provider, run_sender};
use crate::secret::Secret;
use crate::store::Store;

/// How often expired sessions, refresh tokens and one-time tokens are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Runs the service until SIGTERM; `Err` is the one line to print.
pub fn run(config: Config) -> Result<(), String> {
    // Catch SIGTERM before anything else: from here on it means a clean stop.
    let signals =
        Signals::new([SIGTERM, SIGINT]).map_err(|e| format!("cannot watch signals: {e}"))?;
    let secret = signing_key(&config)?;
    if config.bcrypt_cost < 10 {
        log::warn!(
            "ACCOUNTS_BCRYPT_COST is {}: below 10 is only for tests",
            config.bcrypt_cost
        );
    }
    // Every other connection is opened from this one, so they all share
    // what it learns about whether the file can be written (`/health`).
    let mut first = open_store(&config)?;
    first.migrate().map_err(|e| e.to_string())?;
    let listener = bind(config.listen)
        .map_err(|e| format!("ACCOUNTS_LISTEN: cannot listen on {}: {e}", config.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let timeout = Some(Duration::from_secs(config.read_timeout.max(1)));
    let limits = tiny_http::ConnectionLimits {
        read_timeout: timeout,
        write_timeout: timeout,
        max_connections: Some(config.max_connections),
    };
    let server = Arc::new(
        tiny_http::Server::from_listener_with_limits(listener, None, limits)
            .map_err(|e| e.to_string())?,
    );
    log::info!("listening on {bound}");
    let shutdown = Arc::new(AtomicBool::new(false));
    let waker = MailWaker::default();
    start_mail_sender(&config, &first, waker.clone(), Arc::clone(&shutdown))?;
    start_pruner(&config, &first)?;
    let workers = config.workers;
    let app = Arc::new(App::new(config, &secret, waker.clone()));
    let failed = Arc::new(AtomicBool::new(false));
    let handles = (0..workers)
        .map(|i| start_worker(i, &app, &first, &server, &shutdown, &failed))
        .collect::<Result<Vec<_>, _>>()?;
    drop(first);
    watch_signals(
        signals,
        Arc::clone(&server),
        Arc::clone(&shutdown),
        workers,
        waker,
    )?;
    for handle in handles {
        let _ = handle.join();
    }
    if failed.load(Ordering::SeqCst) {
        return Err("the HTTP server stopped accepting connections".into());
    }
    log::info!("stopped");
    Ok(())
}

fn signing_key(config: &Config) -> Result<Secret, String> {
    match &config.secret_key {
        Some(key) => Ok(key.clone()),
        None => keyfile::load_or_create(&keyfile::path_for(&config.db_path)),
    }
}

fn open_store(config: &Config) -> Result<Store, String> {
    Store::open(&config.db_path)
        .map_err(|e| format!("ACCOUNTS_DB: {}: {e}", config.db_path.display()))
}

fn another_connection(config: &Config, first: &Store) -> Result<Store, String> {
    first
        .another_connection()
        .map_err(|e| format!("ACCOUNTS_DB: {}: {e}", config.db_path.display()))
}

/// A listening socket that can be bound again at once after a stop or a
/// kill (`SO_REUSEADDR`). Connection timeouts and the connection cap are set
/// by the (patched) tiny_http on each accepted connection: set on the
/// listener, Linux would apply the read timeout to `accept` itself.
fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

fn start_worker(
    index: usize,
    app: &Arc<App>,
    first: &Store,
    server: &Arc<tiny_http::Server>,
    shutdown: &Arc<AtomicBool>,
    failed: &Arc<AtomicBool>,
) -> Result<JoinHandle<()>, String> {
    let mut store = another_connection(&app.config, first)?;
    let (app, server, shutdown, failed) = (
        Arc::clone(app),
        Arc::clone(server),
        Arc::clone(shutdown),
        Arc::clone(failed),
    );
    let workers = app.config.workers;
    thread::Builder::new()
        .name(format!("worker-{index}"))
        .spawn(move || {
            loop {
                match server.recv() {
                    Ok(rq) => crate::http::handle(&app, &mut store, rq),
                    Err(_) if shutdown.load(Ordering::SeqCst) => break,
                    Err(e) => {
                        log::error!("the HTTP server failed: {e}; stopping so the supervisor restarts the service");
                        failed.store(true, Ordering::SeqCst);
                        shutdown.store(true, Ordering::SeqCst);
                        for _ in 0..workers {
                            server.unblock();
                        }
                        break;
                    }
                }
            }
        })
        .map_err(|e| format!("cannot start a worker thread: {e}"))
}

fn start_mail_sender(
    config: &Config,
    first: &Store,
    waker: MailWaker,
    shutdown: Arc<AtomicBool>,
) -> Result<(), String> {
    let store = another_connection(config, first)?;
    let provider = Provider::from_config(&config.mail);
    let from = config.mail.from.clone();
    thread::Builder::new()
        .name("mail-sender".into())
        .spawn(move || run_sender(store, provider, from, waker, shutdown))
        .map(drop)
        .map_err(|e| format!("cannot start the mail sender: {e}"))
}

/// Deletes what has expired. Sessions are kept one access lifetime longer
/// than their last token, so a revoked login's access tokens stay refused.
fn start_pruner(config: &Config, first: &Store) -> Result<(), String> {
    let mut store = another_connection(config, first)?;
    let grace = config.access_ttl;
    thread::Builder::new()
        .name("pruner".into())
        .spawn(move || {
            loop {
                match store.prune_expired(now().saturating_sub(grace)) {
                    Ok(0) => {}
                    Ok(n) => log::info!("pruned {n} expired tokens and sessions"),
                    Err(e) => log::error!("{e}"),
                }
                thread::sleep(PRUNE_EVERY);
            }
        })
        .map(drop)
        .map_err(|e| format!("cannot start the pruner: {e}"))
}

/// On SIGTERM or SIGINT: stop taking requests and let every worker finish.
fn watch_signals(
    mut signals: Signals,
    server: Arc<tiny_http::Server>,
    shutdown: Arc<AtomicBool>,
    workers: usize,
    waker: MailWaker,
) -> Result<(), String> {
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                log::info!("received signal {signal}: finishing requests in flight and stopping");
                shutdown.store(true, Ordering::SeqCst);
                for _ in 0..workers {
                    server.unblock();
                }
                waker.wake();
            }
        })
        .map(drop)
        .map_err(|e| format!("cannot start the signal thread: {e}"))
}
