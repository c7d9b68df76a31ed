//! Storage: one SQLite file in WAL mode, one connection per thread.
//!
//! Writes that a client is told succeeded run in `BEGIN IMMEDIATE`
//! transactions with `synchronous=FULL`, so a 201 or 200 survives a SIGKILL
//! (or power loss) the next instant. Each submodule owns the queries of one
//! table family; everything goes through cached prepared statements. A write
//! the disk has no room for is a [`StoreError::NoSpace`], which callers can
//! answer as a passing condition rather than a bug (see `writable.rs`).
//!
//! The settings also suit Litestream, which replicates the file by reading
//! its WAL: a 5 s busy timeout rides out the short write locks of its
//! checkpoints, and the only checkpoints the service makes are SQLite's
//! automatic PASSIVE ones, which never pass the read transaction Litestream
//! holds; nothing here asks for a RESTART or TRUNCATE checkpoint.

mod backup;
mod codes;
mod email_changes;
mod export;
mod health;
mod import;
mod logins;
mod migrate;
mod one_time;
mod outbox;
mod outbox_admin;
mod sessions;
mod stats;
#[cfg(test)]
pub(crate) mod test_support;
mod users;
mod verify;
mod writable;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use codes::MAX_CODE_FAILURES;
pub use email_changes::EmailChangeRow;
pub use export::ExportedUser;
pub use health::{FileIdentity, Inspection};
pub use import::{ImportUser, RevokedToken, RowOutcome};
pub use logins::SessionRow;
use migrate::SCHEMA_VERSION;
pub use one_time::{ConsumeOutcome, OneTimeRow};
pub use outbox::OutboxRow;
pub use outbox_admin::{MailState, OutboxEntry, RetryOutcome};
pub use sessions::{NewSession, RefreshRow};
pub use stats::OutboxStats;
pub use users::{NewUser, RegisterOutcome, UserAndSession};
pub use verify::{BackupDefect, BackupSummary, seal_backup, verify_backup};
use writable::{WriteHealth, is_out_of_space};

/// A storage step failed; `context` says what was being done.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite reported an error (I/O, corruption, constraint, ...).
    Sqlite {
        context: &'static str,
        source: rusqlite::Error,
    },
    /// A write found no room on the disk (`SQLITE_FULL`, or an I/O error on
    /// writing or syncing, as a quota reports it). Nothing was changed; the
    /// same write succeeds once space is freed.
    NoSpace {
        context: &'static str,
        source: rusqlite::Error,
    },
    /// The backup target could not be created as a new private file: it
    /// exists (a symbolic link, even a dangling one, counts) or the
    /// directory refused.
    BackupTarget {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file was written by a newer version of the service.
    TooNew { found: i64 },
    /// The database file itself could not be read, or the path no longer
    /// leads to the file this connection opened (deleted, replaced).
    File {
        /// What went wrong, as a sentence: "the database file cannot be read".
        context: &'static str,
        source: std::io::Error,
    },
}

impl StoreError {
    /// The database is locked by another writer for longer than the busy
    /// timeout: worth a 503 and a retry, not a 500.
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Sqlite { source: rusqlite::Error::SqliteFailure(e, _), .. }
            if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sqlite { context, source } => {
                write!(f, "database error while {context}: {source}")
            }
            StoreError::NoSpace { context, source } => {
                write!(f, "the disk refused a write while {context}: {source}")
            }
            StoreError::BackupTarget { path, source } => {
                write!(
                    f,
                    "cannot create {} as a new file: {source}",
                    path.display()
                )
            }
            StoreError::TooNew { found } => write!(
                f,
                "the database has schema version {found}, newer than this binary's {SCHEMA_VERSION}; \
                 run a newer version of accounts"
            ),
            StoreError::File { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Sqlite { source, .. } | StoreError::NoSpace { source, .. } => Some(source),
            StoreError::BackupTarget { source, .. } => Some(source),
            StoreError::File { source, .. } => Some(source),
            StoreError::TooNew { .. } => None,
        }
    }
}

/// Attaches a sentence of context to a SQLite result.
pub(crate) trait Context<T> {
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| {
            if is_out_of_space(&source) {
                StoreError::NoSpace { context, source }
            } else {
                StoreError::Sqlite { context, source }
            }
        })
    }
}

/// Creates a missing database file readable by its owner only (it holds
/// password hashes); SQLite gives its WAL and shared-memory files the same
/// permissions. An existing file is left as the operator set it.
fn create_private(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    if let Err(e) = created
        && e.kind() != std::io::ErrorKind::AlreadyExists
    {
        log::debug!("could not pre-create {}: {e}", path.display());
    }
}

/// One connection to the database, owned by one thread.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    writes: WriteHealth,
    /// The file this connection opened, to tell when the path no longer
    /// leads to it (see [`Store::ping`]).
    file: FileIdentity,
}

impl Store {
    /// Opens (creating if needed) the database file and applies the pragmas
    /// every connection needs. Call [`Store::migrate`] once at start-up.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_sharing(path, WriteHealth::default())
    }

    /// Another connection to the same file, sharing what this one knows
    /// about whether the file can be written: open every connection of a
    /// process from the first, so `/health` on any worker sees a write that
    /// failed on another.
    pub fn another_connection(&self) -> Result<Store, StoreError> {
        Store::open_sharing(&self.path, self.writes.clone())
    }

    fn open_sharing(path: &Path, writes: WriteHealth) -> Result<Store, StoreError> {
        create_private(path);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).context("opening the database file")?;
        conn.busy_timeout(Duration::from_secs(5))
            .context("setting the busy timeout")?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA secure_delete = FAST;
             PRAGMA cache_size = -512;
             PRAGMA mmap_size = 0;",
        )
        .context("configuring the connection")?;
        conn.set_prepared_statement_cache_capacity(64);
        let file = FileIdentity::of(path).map_err(|source| StoreError::File {
            context: "the database file just opened cannot be found",
            source,
        })?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            writes,
            file,
        })
    }

    /// Whether the database answers, for `/health`: a read of the schema
    /// and a look at the file on disk (see `health.rs`), and, only while the last write of this process failed for lack of
    /// space, a one-page write (see `writable.rs` for why not always).
    pub fn check_health(&mut self) -> Result<(), StoreError> {
        self.ping()?;
        if self.writes.failing() {
            // Rewrites the schema version with its own value: one page, no
            // schema change, and the same fsync every real write pays.
            self.write("probing whether the database can be written", |tx| {
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            })?;
        }
        Ok(())
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction and commits it: the write
    /// lock is taken up front, so a read that later writes cannot deadlock.
    /// Whether it ran out of space is remembered for [`Store::check_health`].
    pub(crate) fn write<T>(
        &mut self,
        context: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, StoreError> {
        let result = self.try_write(context, f);
        match &result {
            Ok(_) => self.writes.record(false),
            Err(StoreError::NoSpace { .. }) => self.writes.record(true),
            Err(_) => {}
        }
        result
    }

    fn try_write<T>(
        &mut self,
        context: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context(context)?;
        let value = f(&tx).context(context)?;
        tx.commit().context(context)?;
        Ok(value)
    }

    /// Deletes tokens, sessions, one-time tokens and address changes past
    /// their expiry, and erases the bodies of mail that failed more than a
    /// day before.
    pub fn prune_expired(&mut self, now: u64) -> Result<usize, StoreError> {
        self.write("pruning expired tokens", |tx| {
            let mut n = tx.execute(
                "DELETE FROM refresh_tokens WHERE expires_at < ?1",
                [now as i64],
            )?;
            n += tx.execute("DELETE FROM sessions WHERE expires_at < ?1", [now as i64])?;
            n += tx.execute(
                "DELETE FROM one_time_tokens WHERE expires_at < ?1",
                [now as i64],
            )?;
            n += tx.execute(
                "DELETE FROM email_changes WHERE expires_at < ?1",
                [now as i64],
            )?;
            n += tx.execute(
                "UPDATE outbox SET text_body = NULL, html_body = NULL \
                 WHERE failed_at < ?1 AND text_body IS NOT NULL",
                [now.saturating_sub(outbox::FAILED_BODY_KEPT_SECS) as i64],
            )?;
            Ok(n)
        })
    }
}

/// Ends everything the user's old credentials or standing allowed: every
/// login (tokens issued before `now` are refused from then on) and every
/// pending password-reset link. A password change (over HTTP or by the
/// operator), a reset, a deactivation and an address change call it inside
/// their own transaction, so a link mailed before (to the old address, for
/// an address change) dies with what made it safe.
pub(crate) fn end_old_credentials(
    tx: &Transaction<'_>,
    user_id: i64,
    now: u64,
) -> rusqlite::Result<()> {
    sessions::revoke_all(tx, user_id, now)?;
    one_time::void_reset_links(tx, user_id)
}

#[cfg(test)]
impl Store {
    /// Makes every later write of this connection fail (`PRAGMA
    /// query_only`), or work again: a store that cannot record anything.
    pub(crate) fn refuse_writes(&self, refuse: bool) {
        self.conn
            .pragma_update(None, "query_only", refuse)
            .expect("PRAGMA query_only");
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{add_user, count, temp_store};
    use super::*;

    #[test]
    fn pruning_removes_only_what_has_expired() {
        let mut store = temp_store();
        let id = add_user(&mut store, "a@example.com");
        let old = NewSession {
            user_id: id,
            family: "0000000000000001",
            expires_at: 100,
            refresh: Some(("old", 100)),
            user_agent: None,
            ip: None,
        };
        let live = NewSession {
            user_id: id,
            family: "0000000000000002",
            expires_at: 10_000,
            refresh: Some(("live", 10_000)),
            user_agent: None,
            ip: None,
        };
        store.create_session(&old, 1).unwrap();
        store.create_session(&live, 1).unwrap();
        store
            .revoke_family(id, "0000000000000001", 100, 50)
            .unwrap();
        assert_eq!(
            store.prune_expired(5_000).unwrap(),
            2,
            "the old session and its token"
        );
        assert_eq!(count(&store, "sessions"), 1);
        assert_eq!(count(&store, "refresh_tokens"), 1);
        assert!(store.refresh_row("live").unwrap().is_some());
    }
}
