//! Storage: one SQLite file in WAL mode, one connection per thread.
//!
//! Writes that a client is told succeeded run in `BEGIN IMMEDIATE`
//! transactions with `synchronous=FULL`, so a 201 or 200 survives a SIGKILL
//! (or power loss) the next instant. Each submodule owns the queries of one
//! table family; everything goes through cached prepared statements.

mod one_time;
mod outbox;
mod sessions;
#[cfg(test)]
mod test_support;
mod users;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use one_time::{ConsumeOutcome, OneTimeRow};
pub use outbox::OutboxRow;
pub use sessions::{NewSession, RefreshRow};
pub use users::{NewUser, RegisterOutcome, UserAndSession};

/// The schema applied to a new file (version 1).
const SCHEMA: &str = include_str!("../../schema.sql");
/// The `user_version` this binary writes and understands.
const SCHEMA_VERSION: i64 = 1;

/// A storage step failed; `context` says what was being done.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite reported an error (I/O, corruption, constraint, ...).
    Sqlite {
        context: &'static str,
        source: rusqlite::Error,
    },
    /// The file was written by a newer version of the service.
    TooNew { found: i64 },
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
            StoreError::TooNew { found } => write!(
                f,
                "the database has schema version {found}, newer than this binary's {SCHEMA_VERSION}; \
                 run a newer version of accounts"
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Sqlite { source, .. } => Some(source),
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
        self.map_err(|source| StoreError::Sqlite { context, source })
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
}

impl Store {
    /// Opens (creating if needed) the database file and applies the pragmas
    /// every connection needs. Call [`Store::migrate`] once at start-up.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
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
        Ok(Store { conn })
    }

    /// Brings the file to this binary's schema version.
    pub fn migrate(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting the migration")?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .context("reading the schema version")?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew { found: version });
        }
        if version < 1 {
            tx.execute_batch(SCHEMA).context("creating the schema")?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .context("recording the schema version")?;
        tx.commit().context("committing the migration")
    }

    /// Answers whether the database can be read (for `/health`): a read of
    /// the schema, which opens a read transaction on the file.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("SELECT count(*) FROM sqlite_schema")
            .and_then(|mut s| s.query_row([], |_| Ok(())))
            .context("pinging the database")
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction and commits it: the write
    /// lock is taken up front, so a read that later writes cannot deadlock.
    pub(crate) fn write<T>(
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

    /// Copies the live database to `target` with SQLite's online backup.
    pub fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        // The copy holds password hashes too: owner-only, like the original.
        create_private(target);
        let mut dest = Connection::open(target).context("creating the backup file")?;
        let backup =
            rusqlite::backup::Backup::new(&self.conn, &mut dest).context("starting the backup")?;
        backup
            .run_to_completion(256, Duration::from_millis(5), None)
            .context("copying the database")
    }

    /// Deletes tokens, sessions and one-time tokens past their expiry.
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
            Ok(n)
        })
    }
}

/// Ends everything the user's old credentials or standing allowed: every
/// login (tokens issued before `now` are refused from then on) and every
/// pending password-reset link. A password change (over HTTP or by the
/// operator), a reset and a deactivation call it inside their own
/// transaction; an address change, when there is one, must call it too, so
/// a link mailed to the old address dies with it.
pub(crate) fn end_old_credentials(
    tx: &Transaction<'_>,
    user_id: i64,
    now: u64,
) -> rusqlite::Result<()> {
    sessions::revoke_all(tx, user_id, now)?;
    one_time::void_reset_links(tx, user_id)
}

#[cfg(test)]
mod tests {
    use super::test_support::{add_user, count, temp_store};
    use super::*;
    use crate::store::NewSession;

    #[test]
    fn pruning_removes_only_what_has_expired() {
        let mut store = temp_store();
        let id = add_user(&mut store, "a@example.com");
        let old = NewSession {
            user_id: id,
            family: "0000000000000001",
            expires_at: 100,
            refresh: Some(("old", 100)),
        };
        let live = NewSession {
            user_id: id,
            family: "0000000000000002",
            expires_at: 10_000,
            refresh: Some(("live", 10_000)),
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

    #[test]
    fn a_newer_schema_is_refused() {
        let mut store = temp_store();
        store.conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(
            store.migrate(),
            Err(StoreError::TooNew { found: 99 })
        ));
    }

    #[test]
    fn migrating_twice_is_harmless() {
        let mut store = temp_store();
        store.migrate().unwrap();
        add_user(&mut store, "b@example.com");
        store.migrate().unwrap();
        assert_eq!(count(&store, "users"), 1);
    }
}
