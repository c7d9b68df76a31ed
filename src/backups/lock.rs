//! The lock that says "the service has this database open":
//! `<ACCOUNTS_DB>.lock`, held shared by every running server and
//! exclusively by `accounts restore`.
//!
//! An advisory `flock` on a file of its own, because the kernel drops it
//! when the process ends however it ends (a SIGKILL included), so a stale
//! lock cannot outlive a crash; and not on the database file itself, because
//! closing any descriptor of that file would release SQLite's own POSIX
//! locks on it. Shared, so that several servers on one file (tests, a
//! restart overlapping its predecessor's last milliseconds) never exclude
//! each other; only a restore needs to be alone.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A held lock; released when dropped or when the process ends.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

/// The lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// A server holds it and a restore was asked for.
    ServiceRunning { db: PathBuf },
    /// A restore holds it and a server was asked to start.
    RestoreRunning { db: PathBuf },
    /// The lock file could not be opened or locked.
    Io { path: PathBuf, source: io::Error },
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::ServiceRunning { db } => write!(
                f,
                "the service has {} open; stop it first (systemctl stop accounts)",
                db.display()
            ),
            LockError::RestoreRunning { db } => write!(
                f,
                "ACCOUNTS_DB: {} is being restored; start the service when the restore ends",
                db.display()
            ),
            LockError::Io { path, source } => {
                write!(f, "cannot lock {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for LockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LockError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `accounts.db` is locked through `accounts.db.lock`.
pub fn lock_path_for(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl DatabaseLock {
    /// For a server: shared, so only a restore is kept out.
    pub fn for_service(db: &Path) -> Result<DatabaseLock, LockError> {
        let (file, path) = open(db)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(DatabaseLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::RestoreRunning { db: db.to_owned() }),
            Err(TryLockError::Error(source)) => Err(LockError::Io { path, source }),
        }
    }

    /// For a restore: exclusive, so no server is running and none starts.
    pub fn for_restore(db: &Path) -> Result<DatabaseLock, LockError> {
        let (file, path) = open(db)?;
        match file.try_lock() {
            Ok(()) => Ok(DatabaseLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::ServiceRunning { db: db.to_owned() }),
            Err(TryLockError::Error(source)) => Err(LockError::Io { path, source }),
        }
    }
}

fn open(db: &Path) -> Result<(File, PathBuf), LockError> {
    let path = lock_path_for(db);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|source| LockError::Io {
            path: path.clone(),
            source,
        })?;
    Ok((file, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_share_the_lock_and_a_restore_waits_for_none_of_them() {
        let dir = std::env::temp_dir().join(format!("accounts-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("a.db");

        let first = DatabaseLock::for_service(&db).unwrap();
        let second = DatabaseLock::for_service(&db).unwrap();
        assert!(matches!(
            DatabaseLock::for_restore(&db),
            Err(LockError::ServiceRunning { .. })
        ));
        drop((first, second));

        let restore = DatabaseLock::for_restore(&db).unwrap();
        assert!(matches!(
            DatabaseLock::for_service(&db),
            Err(LockError::RestoreRunning { .. })
        ));
        drop(restore);
        DatabaseLock::for_service(&db).unwrap();
    }
}
