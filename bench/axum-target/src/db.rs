//! The service's database file, read-only: one rusqlite connection per
//! runtime worker thread (a handler runs on one worker thread from start to
//! end, and a connection is not `Sync`), each with its statements cached.
//!
//! A connection reads as the service's do: the file in WAL mode (the
//! service set it), a 512 KiB page cache and no memory-mapped I/O, so the
//! two processes are compared with the same memory settings.

use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::token::AccessToken;

/// The user row and the login's state in one query, as the service reads
/// them on every authenticated request.
const USER_WITH_LOGIN: &str = "SELECT id, email, username, is_email_confirmed, is_active, \
     tokens_valid_after, \
     EXISTS (SELECT 1 FROM sessions s WHERE s.family = ?2 AND s.revoked_at IS NOT NULL) \
     FROM users WHERE id = ?1";

/// What the service's `/health` asks of the database.
const PING: &str = "SELECT count(*) FROM sqlite_schema";

/// The first 16 bytes of every SQLite database file.
const HEADER: &[u8; 16] = b"SQLite format 3\0";

thread_local! {
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

/// A failure to read the database: answered with 500 (503 on `/health`).
#[derive(Debug)]
pub enum DbError {
    /// SQLite refused to open, configure or query.
    Sqlite(rusqlite::Error),
    /// The file is not in WAL mode, so it is not the service's.
    NotWal(String),
    /// The path no longer leads to the file opened, or it is unreadable.
    File(std::io::Error),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "SQLite: {e}"),
            DbError::NotWal(mode) => write!(f, "the journal mode is {mode}, not wal"),
            DbError::File(e) => write!(f, "the database file: {e}"),
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError::Sqlite(e)
    }
}

/// A user as `GET /api/user/` shows one.
pub struct User {
    pub id: i64,
    pub email: String,
    pub username: Option<String>,
    pub is_email_confirmed: bool,
}

/// Where a token's user and login stand.
pub enum Standing {
    Stands(User),
    NoUser,
    Inactive,
    /// The login was ended, or the password changed since the token.
    Ended,
}

/// The database file, and which file the path led to at start-up.
pub struct Database {
    path: PathBuf,
    identity: (u64, u64),
}

impl Database {
    pub fn new(path: PathBuf) -> Result<Database, DbError> {
        let meta = std::fs::metadata(&path).map_err(DbError::File)?;
        let database = Database {
            path,
            identity: (meta.dev(), meta.ino()),
        };
        // Fails at start-up, not at the first request, on a wrong file.
        open(&database.path)?;
        Ok(database)
    }

    /// The token's user and the state of its login.
    pub fn standing(&self, token: &AccessToken) -> Result<Standing, DbError> {
        let row = self.with_connection(|conn| {
            let mut statement = conn.prepare_cached(USER_WITH_LOGIN)?;
            statement
                .query_row(params![token.user_id, token.family()], |row| {
                    let user = User {
                        id: row.get(0)?,
                        email: row.get(1)?,
                        username: row.get(2)?,
                        is_email_confirmed: row.get(3)?,
                    };
                    let is_active: bool = row.get(4)?;
                    let tokens_valid_after: i64 = row.get(5)?;
                    let revoked: bool = row.get(6)?;
                    Ok((user, is_active, tokens_valid_after.max(0) as u64, revoked))
                })
                .optional()
        })?;
        Ok(match row {
            None => Standing::NoUser,
            Some((_, false, _, _)) => Standing::Inactive,
            Some((_, true, valid_after, revoked)) if revoked || token.issued_at < valid_after => {
                Standing::Ended
            }
            Some((user, true, _, _)) => Standing::Stands(user),
        })
    }

    /// What the service's `/health` checks: a read of the schema, then the
    /// file on disk (the path still leads to the file opened, and its
    /// header still says SQLite).
    pub fn ping(&self) -> Result<(), DbError> {
        self.with_connection(|conn| conn.prepare_cached(PING)?.query_row([], |_| Ok(())))?;
        let mut file = File::open(&self.path).map_err(DbError::File)?;
        let meta = file.metadata().map_err(DbError::File)?;
        let mut header = [0u8; 16];
        file.read_exact(&mut header).map_err(DbError::File)?;
        if (meta.dev(), meta.ino()) != self.identity || &header != HEADER {
            return Err(DbError::File(std::io::Error::other(
                "the path no longer leads to the database opened",
            )));
        }
        Ok(())
    }

    /// Runs `f` with this thread's connection, opened on first use.
    fn with_connection<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, DbError> {
        CONNECTION.with(|slot| {
            let mut slot = slot.borrow_mut();
            let conn = match &mut *slot {
                Some(conn) => conn,
                None => slot.insert(open(&self.path)?),
            };
            Ok(f(conn)?)
        })
    }
}

fn open(path: &std::path::Path) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA cache_size = -512; PRAGMA mmap_size = 0;")?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(DbError::NotWal(mode));
    }
    Ok(conn)
}
