//! Checks that a copy of the database is a backup worth keeping or
//! restoring: SQLite's own `integrity_check`, a schema version this binary
//! understands, and a readable `users` table. Both the scheduled backups and
//! `accounts restore` use it, so a file is judged the same way on its way out
//! and on its way back in.

use std::fmt;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::SCHEMA_VERSION;

/// What a copy that passed every check holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    /// Its `user_version`.
    pub schema_version: i64,
    /// Rows of its `users` table.
    pub users: u64,
}

/// Why a copy of the database is not a usable backup.
#[derive(Debug)]
pub enum BackupDefect {
    /// SQLite cannot open or read the file at all (missing, not a database,
    /// a damaged header).
    Unreadable(rusqlite::Error),
    /// `PRAGMA integrity_check` found damage; its first finding.
    Corrupt(String),
    /// A database, but not one of this service (`user_version` 0, or no
    /// `users` table).
    NotAnAccountsDatabase,
    /// Written by a newer version of the service than this binary.
    TooNew {
        /// The file's `user_version`.
        found: i64,
    },
}

impl fmt::Display for BackupDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackupDefect::Unreadable(e) => write!(f, "not a readable SQLite database ({e})"),
            BackupDefect::Corrupt(finding) => {
                write!(f, "the integrity check failed: {finding}")
            }
            BackupDefect::NotAnAccountsDatabase => {
                f.write_str("not a database of the accounts service")
            }
            BackupDefect::TooNew { found } => write!(
                f,
                "schema version {found} is newer than this binary's {SCHEMA_VERSION}; \
                 use a newer version of accounts"
            ),
        }
    }
}

impl std::error::Error for BackupDefect {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BackupDefect::Unreadable(e) => Some(e),
            _ => None,
        }
    }
}

/// Opens the copy at `path` (never creating it) and runs every check.
pub fn verify_backup(path: &Path) -> Result<BackupSummary, BackupDefect> {
    // Read-write without CREATE: a missing file is an error, and a copy left
    // in WAL mode can still be opened. Callers only ever verify their own
    // copies, never the operator's original file.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(BackupDefect::Unreadable)?;
    check_integrity(&conn)?;
    let schema_version = schema_version(&conn)?;
    let users = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))
        .map_err(|_| BackupDefect::NotAnAccountsDatabase)?;
    Ok(BackupSummary {
        schema_version,
        users: users.max(0) as u64,
    })
}

/// Turns a fresh copy made by [`Store::backup_to`](super::Store::backup_to)
/// into one self-contained file: the copy inherits the live database's WAL
/// mode, and a backup should never need a `-wal` file beside it to be read.
pub fn seal_backup(path: &Path) -> Result<(), BackupDefect> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(BackupDefect::Unreadable)?;
    conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .map_err(BackupDefect::Unreadable)
}

/// `PRAGMA integrity_check` answers the single row `ok`, or its findings.
fn check_integrity(conn: &Connection) -> Result<(), BackupDefect> {
    let mut statement = conn
        .prepare("PRAGMA integrity_check")
        .map_err(BackupDefect::Unreadable)?;
    let findings: Vec<String> = statement
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(BackupDefect::Unreadable)?;
    match findings.first() {
        Some(first) if findings.len() == 1 && first == "ok" => Ok(()),
        Some(first) => Err(BackupDefect::Corrupt(first.clone())),
        None => Err(BackupDefect::Corrupt("no answer".to_string())),
    }
}

fn schema_version(conn: &Connection) -> Result<i64, BackupDefect> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(BackupDefect::Unreadable)?;
    if version > SCHEMA_VERSION {
        Err(BackupDefect::TooNew { found: version })
    } else if version < 1 {
        Err(BackupDefect::NotAnAccountsDatabase)
    } else {
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("accounts-verify-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_fresh_database_passes_with_no_users() {
        let dir = temp_dir("fresh");
        let mut store = Store::open(&dir.join("a.db")).unwrap();
        store.migrate().unwrap();
        let summary = verify_backup(&dir.join("a.db")).unwrap();
        assert_eq!(summary.users, 0);
        assert_eq!(summary.schema_version, SCHEMA_VERSION);
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_unreadable() {
        let dir = temp_dir("garbage");
        std::fs::write(dir.join("x.db"), vec![0x5a; 8192]).unwrap();
        assert!(matches!(
            verify_backup(&dir.join("x.db")),
            Err(BackupDefect::Unreadable(_))
        ));
    }

    #[test]
    fn a_missing_file_is_unreadable_and_not_created() {
        let dir = temp_dir("missing");
        assert!(matches!(
            verify_backup(&dir.join("none.db")),
            Err(BackupDefect::Unreadable(_))
        ));
        assert!(!dir.join("none.db").exists());
    }

    #[test]
    fn an_empty_sqlite_database_is_not_ours() {
        let dir = temp_dir("other");
        Connection::open(dir.join("o.db"))
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        assert!(matches!(
            verify_backup(&dir.join("o.db")),
            Err(BackupDefect::NotAnAccountsDatabase)
        ));
    }
}
