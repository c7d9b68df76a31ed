//! Start-up and shutdown: the listening socket, the request workers, the
//! mail sender, the pruner, the key-ring watcher, the metrics listener,
//! systemd notifications and signal handling.
//!
//! Each worker owns a database connection and takes requests from tiny_http's
//! queue, first come first served, once it has a turn: only
//! `ACCOUNTS_RUNNING_WORKERS` (one per CPU) work at once (see
//! [`crate::admission`]), and a worker waiting for the hashing lane lets
//! another work meanwhile. SIGTERM (or SIGINT) stops taking new requests, lets the ones in
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

use crate::accounts::housekeeping;
use crate::accounts::keys::{self, KeyRingWatch};
use crate::admission::Admission;
use crate::app::App;
use crate::backups::{BackupDir, DatabaseLock, start_scheduled_backups};
use crate::config::Config;
use crate::http::{self, MetricsListener};
use crate::keyfile;
use crate::mail::templates::Templates;
use crate::mail::{MailWaker, Provider, run_sender};
use crate::secret::Secret;
use crate::store::Store;
use crate::systemd;

mod error;

pub use error::ServerError;

/// How often expired sessions, refresh tokens and one-time tokens are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// How often the key ring is looked at for a rotation or a key to retire.
const KEY_RING_CHECK_EVERY: Duration = Duration::from_secs(1);

/// Runs the service until SIGTERM.
pub fn run(config: Config) -> Result<(), ServerError> {
    // Catch SIGTERM before anything else: from here on it means a clean stop.
    let signals = Signals::new([SIGTERM, SIGINT]).map_err(ServerError::Signals)?;
    let secret = signing_key(&config)?;
    if config.bcrypt_cost < 10 {
        log::warn!(
            "ACCOUNTS_BCRYPT_COST is {}: below 10 is only for tests",
            config.bcrypt_cost
        );
    }
    // Held until `run` returns (or the process dies): `accounts restore`
    // refuses while any server holds it.
    let _lock = DatabaseLock::for_service(&config.db_path).map_err(ServerError::DatabaseLock)?;
    // The key ring is prepared under that lock too, so a restore never
    // overlaps a start that writes it.
    let (token_keys, key_ring) =
        keys::prepare_for_start(&config, &secret).map_err(ServerError::KeyRing)?;
    let backup_dir = backup_dir(&config)?;
    let provider = Provider::from_config(&config.mail).map_err(ServerError::Mail)?;
    let templates = Templates::load(&config.mail).map_err(ServerError::Templates)?;
    // Every other connection is opened from this one, so they all share
    // what it learns about whether the file can be written (`/health`).
    let mut first = open_store(&config)?;
    first.migrate().map_err(ServerError::Migrate)?;
    let listener = bind(config.listen).map_err(|source| ServerError::Listen {
        addr: config.listen,
        source,
    })?;
    let bound = listener.local_addr().map_err(ServerError::LocalAddress)?;
    let server = Arc::new(http::Server::start(listener, &config).map_err(ServerError::Http)?);
    log::info!("listening on {bound}");
    let metrics_listener = config.metrics_listen.map(bind_metrics).transpose()?;
    let shutdown = Arc::new(AtomicBool::new(false));
    let waker = MailWaker::default();
    let workers = config.workers;
    let app = Arc::new(App::new(config, token_keys, waker.clone(), templates));
    start_key_watcher(Arc::clone(&app), key_ring)?;
    start_mail_sender(&app, &first, provider, waker.clone(), Arc::clone(&shutdown))?;
    start_pruner(&app.config, &first)?;
    start_backups(&app.config, &first, backup_dir)?;
    if let Some(listener) = metrics_listener {
        start_metrics(&app, &first, listener)?;
    }
    let failed = Arc::new(AtomicBool::new(false));
    let turns = Admission::new(app.config.running_workers.min(workers));
    let handles = (0..workers)
        .map(|i| start_worker(i, &app, &first, &server, &turns, &shutdown, &failed))
        .collect::<Result<Vec<_>, _>>()?;
    drop(first);
    systemd::start(bound, Arc::clone(&shutdown)).map_err(|source| ServerError::Thread {
        what: "the systemd notifier",
        source,
    })?;
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
        return Err(ServerError::StoppedAccepting);
    }
    log::info!("stopped");
    Ok(())
}

fn signing_key(config: &Config) -> Result<Secret, ServerError> {
    match &config.secret_key {
        Some(key) => Ok(key.clone()),
        None => keyfile::load_or_create(&keyfile::path_for(&config.db_path))
            .map_err(ServerError::SigningKey),
    }
}

fn open_store(config: &Config) -> Result<Store, ServerError> {
    Store::open(&config.db_path).map_err(|source| ServerError::OpenDatabase {
        path: config.db_path.clone(),
        source,
    })
}

/// The backup directory, checked now so that a bad one stops start-up,
/// when scheduled backups are on.
fn backup_dir(config: &Config) -> Result<Option<BackupDir>, ServerError> {
    match (&config.backup.dir, config.backup.every) {
        (Some(dir), Some(_)) => BackupDir::open(dir)
            .map(Some)
            .map_err(ServerError::BackupDir),
        _ => Ok(None),
    }
}

fn start_backups(
    config: &Config,
    first: &Store,
    dir: Option<BackupDir>,
) -> Result<(), ServerError> {
    let (Some(dir), Some(every)) = (dir, config.backup.every) else {
        return Ok(());
    };
    let store = another_connection(config, first)?;
    start_scheduled_backups(store, dir, every, config.backup.keep).map_err(|source| {
        ServerError::Thread {
            what: "the backup thread",
            source,
        }
    })
}

/// Starts a named thread; `what` completes "cannot start ..." if it fails.
fn spawn(
    name: &str,
    what: &'static str,
    body: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle<()>, ServerError> {
    thread::Builder::new()
        .name(name.to_string())
        .spawn(body)
        .map_err(|source| ServerError::Thread { what, source })
}

fn another_connection(config: &Config, first: &Store) -> Result<Store, ServerError> {
    first
        .another_connection()
        .map_err(|source| ServerError::OpenDatabase {
            path: config.db_path.clone(),
            source,
        })
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

/// A worker: with a turn, it takes the next request and answers it, and
/// keeps the turn for the next (see [`crate::admission::Turn::wait_for_work`]).
fn start_worker(
    index: usize,
    app: &Arc<App>,
    first: &Store,
    server: &Arc<http::Server>,
    turns: &Arc<Admission>,
    shutdown: &Arc<AtomicBool>,
    failed: &Arc<AtomicBool>,
) -> Result<JoinHandle<()>, ServerError> {
    let mut store = another_connection(&app.config, first)?;
    let (app, server, turns, shutdown, failed) = (
        Arc::clone(app),
        Arc::clone(server),
        Arc::clone(turns),
        Arc::clone(shutdown),
        Arc::clone(failed),
    );
    let workers = app.config.workers;
    spawn(&format!("worker-{index}"), "a worker thread", move || {
        let turn = turns.enter();
        loop {
            match server.serve_next(&app, &mut store, &turn) {
                Ok(()) => {}
                Err(_) if shutdown.load(Ordering::SeqCst) => break,
                Err(e) => {
                    log::error!(
                        "the HTTP server failed: {e}; stopping so the supervisor restarts the service"
                    );
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
}

fn start_mail_sender(
    app: &App,
    first: &Store,
    provider: Provider,
    waker: MailWaker,
    shutdown: Arc<AtomicBool>,
) -> Result<(), ServerError> {
    let config = &app.config;
    let store = another_connection(config, first)?;
    let from = config.mail.from.clone();
    let deliveries = Arc::clone(&app.deliveries);
    spawn("mail-sender", "the mail sender", move || {
        run_sender(store, provider, from, waker, deliveries, shutdown)
    })
    .map(drop)
}

/// The metrics listener's socket, bound before anything starts so a taken
/// address stops start-up with a clear line.
fn bind_metrics(addr: SocketAddr) -> Result<MetricsListener, ServerError> {
    let listen_error = |source| ServerError::MetricsListen { addr, source };
    let listener = bind(addr).map_err(listen_error)?;
    let bound = listener.local_addr().map_err(ServerError::LocalAddress)?;
    let server = MetricsListener::start(listener).map_err(ServerError::Http)?;
    log::info!("serving metrics on http://{bound}/metrics");
    Ok(server)
}

/// Answers scrapes on a thread of its own, with its own connection.
fn start_metrics(
    app: &Arc<App>,
    first: &Store,
    listener: MetricsListener,
) -> Result<(), ServerError> {
    let store = another_connection(&app.config, first)?;
    let app = Arc::clone(app);
    spawn("metrics", "the metrics listener", move || {
        if let Some(metrics) = &app.metrics {
            listener.serve(&app, metrics, &store);
        }
    })
    .map(drop)
}

/// Deletes what has expired, every [`PRUNE_EVERY`].
fn start_pruner(config: &Config, first: &Store) -> Result<(), ServerError> {
    let mut store = another_connection(config, first)?;
    let access_ttl = config.access_ttl;
    spawn("pruner", "the pruner", move || {
        loop {
            match housekeeping::prune_expired(&mut store, access_ttl) {
                Ok(0) => {}
                Ok(n) => log::info!("pruned {n} expired tokens and sessions"),
                Err(e) => log::error!("{e}"),
            }
            thread::sleep(PRUNE_EVERY);
        }
    })
    .map(drop)
}

/// Follows the key ring: a rotation by the operator is served within a
/// second, and retired keys are erased. A failure is logged once, and the
/// keys in use stay as they were.
fn start_key_watcher(app: Arc<App>, mut watch: KeyRingWatch) -> Result<(), ServerError> {
    spawn("key-ring", "the key-ring watcher", move || {
        let mut last_error = String::new();
        loop {
            thread::sleep(KEY_RING_CHECK_EVERY);
            match watch.check(&app.keys) {
                Ok(()) => last_error.clear(),
                Err(e) if e.to_string() != last_error => {
                    last_error = e.to_string();
                    log::error!("{last_error}");
                }
                Err(_) => {}
            }
        }
    })
    .map(drop)
}

/// On SIGTERM or SIGINT: stop taking requests and let every worker finish.
fn watch_signals(
    mut signals: Signals,
    server: Arc<http::Server>,
    shutdown: Arc<AtomicBool>,
    workers: usize,
    waker: MailWaker,
) -> Result<(), ServerError> {
    spawn("signals", "the signal thread", move || {
        if let Some(signal) = signals.forever().next() {
            log::info!("received signal {signal}: finishing requests in flight and stopping");
            systemd::stopping();
            shutdown.store(true, Ordering::SeqCst);
            for _ in 0..workers {
                server.unblock();
            }
            waker.wake();
        }
    })
    .map(drop)
}
