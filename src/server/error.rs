//! Why the service could not start, or stopped on its own: one line for
//! `main` to print, with the cause behind it.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::backups::{BackupDirError, LockError};
use crate::keyfile::KeyFileError;
use crate::keyring::KeyRingError;
use crate::mail::MailSetupError;
use crate::mail::templates::TemplateError;
use crate::store::StoreError;

/// Why the service could not start, or stopped on its own.
#[derive(Debug)]
pub enum ServerError {
    /// SIGTERM and SIGINT could not be watched.
    Signals(io::Error),
    /// The key file beside the database could not be used.
    SigningKey(KeyFileError),
    /// `<ACCOUNTS_DB>.lock` is held by a restore, or cannot be taken.
    DatabaseLock(LockError),
    /// `ACCOUNTS_BACKUP_DIR` cannot hold backups.
    BackupDir(BackupDirError),
    /// The key ring beside the database could not be used.
    KeyRing(KeyRingError),
    /// The database file could not be opened (`ACCOUNTS_DB`).
    OpenDatabase { path: PathBuf, source: StoreError },
    /// The schema could not be brought up to date.
    Migrate(StoreError),
    /// The listening socket could not be made (`ACCOUNTS_LISTEN`).
    Listen { addr: SocketAddr, source: io::Error },
    /// The metrics listener could not be made (`ACCOUNTS_METRICS_LISTEN`).
    MetricsListen { addr: SocketAddr, source: io::Error },
    /// The bound socket's own address could not be read.
    LocalAddress(io::Error),
    /// tiny_http refused the listening socket.
    Http(Box<dyn std::error::Error + Send + Sync>),
    /// A thread could not be started; `what` says which.
    Thread {
        what: &'static str,
        source: io::Error,
    },
    /// tiny_http's accept loop failed for good; the supervisor restarts us.
    StoppedAccepting,
    /// The mail settings do not make a working provider.
    Mail(MailSetupError),
    /// A template in `ACCOUNTS_MAIL_TEMPLATES` cannot be used.
    Templates(TemplateError),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Signals(e) => write!(f, "cannot watch signals: {e}"),
            ServerError::SigningKey(e) => e.fmt(f),
            ServerError::DatabaseLock(e) => e.fmt(f),
            ServerError::BackupDir(e) => e.fmt(f),
            ServerError::KeyRing(e) => e.fmt(f),
            ServerError::OpenDatabase { path, source } => {
                write!(f, "ACCOUNTS_DB: {}: {source}", path.display())
            }
            ServerError::Migrate(e) => e.fmt(f),
            ServerError::Listen { addr, source } => {
                write!(f, "ACCOUNTS_LISTEN: cannot listen on {addr}: {source}")
            }
            ServerError::MetricsListen { addr, source } => {
                write!(
                    f,
                    "ACCOUNTS_METRICS_LISTEN: cannot listen on {addr}: {source}"
                )
            }
            ServerError::LocalAddress(e) => e.fmt(f),
            ServerError::Http(e) => e.fmt(f),
            ServerError::Thread { what, source } => write!(f, "cannot start {what}: {source}"),
            ServerError::StoppedAccepting => {
                f.write_str("the HTTP server stopped accepting connections")
            }
            ServerError::Mail(e) => e.fmt(f),
            ServerError::Templates(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServerError::Signals(e)
            | ServerError::LocalAddress(e)
            | ServerError::Listen { source: e, .. }
            | ServerError::MetricsListen { source: e, .. }
            | ServerError::Thread { source: e, .. } => Some(e),
            ServerError::SigningKey(e) => Some(e),
            ServerError::DatabaseLock(e) => Some(e),
            ServerError::BackupDir(e) => Some(e),
            ServerError::KeyRing(e) => Some(e),
            ServerError::OpenDatabase { source, .. } => Some(source),
            ServerError::Migrate(e) => Some(e),
            ServerError::Http(e) => Some(e.as_ref()),
            ServerError::StoppedAccepting => None,
            ServerError::Mail(e) => Some(e),
            ServerError::Templates(e) => Some(e),
        }
    }
}
