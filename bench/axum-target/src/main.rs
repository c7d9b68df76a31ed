//! A comparison target for `bench/run`: the work of the service's
//! `GET /api/user/` and `GET /health`, served by axum on tokio's
//! multi-threaded runtime, so every run shows the service beside what the
//! usual async stack does with the same work on the same machine.
//!
//! The same work means: the Bearer token checked as the service checks an
//! access token (HS256 with `exp` required and no leeway, then its type, its
//! user and its login; `token.rs`), one read of the user's row and of the
//! login's state through rusqlite from the database file the service uses
//! (`db.rs`), and the same status, body and headers in the answer
//! (`reply.rs`), apart from the service's `X-Request-Id`.
//!
//! Settings come from the environment, named as the service's so `bench/run`
//! starts both alike: `ACCOUNTS_LISTEN` (default `127.0.0.1:0`),
//! `ACCOUNTS_DB`, `ACCOUNTS_SECRET_KEY`, and `BENCH_WORKER_THREADS`, the
//! runtime's worker threads (default: the CPUs this process may run on, so
//! one when it is pinned to one core). It prints `listening on ADDRESS` on
//! stderr once it accepts connections.

#![forbid(unsafe_code)]

mod db;
mod reply;
mod token;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;

use db::{Database, Standing};
use reply::Refusal;
use token::{AccessToken, TokenChecker};

/// What every request works with.
struct Shared {
    tokens: TokenChecker,
    database: Database,
}

/// The settings, read once at start-up.
struct Settings {
    listen: SocketAddr,
    db: PathBuf,
    secret: String,
    workers: usize,
}

impl Settings {
    fn from_env() -> Result<Settings, String> {
        let listen = env_or("ACCOUNTS_LISTEN", "127.0.0.1:0");
        let workers = match std::env::var("BENCH_WORKER_THREADS") {
            Ok(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or("BENCH_WORKER_THREADS must be a positive number")?,
            Err(_) => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        Ok(Settings {
            listen: listen
                .parse()
                .map_err(|e| format!("ACCOUNTS_LISTEN {listen:?}: {e}"))?,
            db: std::env::var_os("ACCOUNTS_DB")
                .ok_or("ACCOUNTS_DB must name the service's database file")?
                .into(),
            secret: std::env::var("ACCOUNTS_SECRET_KEY")
                .map_err(|_| "ACCOUNTS_SECRET_KEY must be set")?,
            workers,
        })
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("axum-target: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let settings = Settings::from_env()?;
    let shared = Arc::new(Shared {
        tokens: TokenChecker::hs256(settings.secret.as_bytes()),
        database: Database::new(settings.db).map_err(|e| format!("the database: {e}"))?,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.workers)
        .enable_io()
        .build()
        .map_err(|e| format!("the runtime: {e}"))?;
    runtime
        .block_on(serve(settings.listen, shared))
        .map_err(|e| format!("serving: {e}"))
}

async fn serve(listen: SocketAddr, shared: Arc<Shared>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    // As the service: small answers leave at once rather than wait for an ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = Router::new()
        .route("/health", get(health))
        .route("/api/user/", get(user))
        .with_state(shared);
    axum::serve(listener, app).await
}

async fn health(State(shared): State<Arc<Shared>>) -> Response {
    match shared.database.ping() {
        Ok(()) => reply::health(true),
        Err(e) => {
            eprintln!("health check failed: {e}");
            reply::health(false)
        }
    }
}

/// The user the request's access token acts for, as the service decides it.
async fn user(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Result<Response, Refusal> {
    let raw = bearer_token(&headers)?;
    let token: AccessToken = shared.tokens.check(raw)?;
    match shared.database.standing(&token)? {
        Standing::Stands(user) => Ok(reply::user(&user)),
        Standing::NoUser => Err(Refusal::UserNotFound),
        Standing::Inactive => Err(Refusal::UserInactive),
        Standing::Ended => Err(Refusal::TokenInvalid),
    }
}

/// The token of `Authorization: Bearer <token>`, by SimpleJWT's rules: any
/// other scheme counts as no credentials, `Bearer` without exactly one
/// token after it is refused. (The service also reads the `access_token`
/// cookie; the bench sends only the header.)
fn bearer_token(headers: &HeaderMap) -> Result<&str, Refusal> {
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Refusal::NoCredentials)?;
    let mut parts = header.split_ascii_whitespace();
    if parts.next() != Some("Bearer") {
        return Err(Refusal::NoCredentials);
    }
    match (parts.next(), parts.next()) {
        (Some(token), None) => Ok(token),
        _ => Err(Refusal::BadAuthorizationHeader),
    }
}
