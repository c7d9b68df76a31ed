//! Backups the operator can trust: the running service's scheduled,
//! verified copies (`ACCOUNTS_BACKUP_*`), and `accounts restore`, which puts
//! a checked copy back in place of the database.
//!
//! Both judge a file with the same checks (`store::verify_backup`), so a
//! backup that was kept is one that restore accepts; `accounts backup` makes
//! its copy with the same step as a scheduled backup ([`copy_checked`]). A backup is written to
//! a temporary name, checked, synced and only then renamed into place: a
//! file with a backup's name is always a good one. The server holds a shared
//! lock on `<ACCOUNTS_DB>.lock` for as long as it runs, which is how restore
//! knows, without guessing, that the database is in use.

mod dir;
mod error;
mod lock;
mod restore;
mod scheduled;

pub use dir::{BackupDir, BackupDirError};
pub use error::{BackupError, RestoreError};
pub use lock::{DatabaseLock, LockError};
pub use restore::restore;
pub use scheduled::{Taken, copy_checked, start_scheduled_backups, take_backup};

use std::fs::File;
use std::io;
use std::path::Path;

/// Flushes a directory's entries (a rename or a removal) to the disk.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Removes a file if it is there; a missing file is not an error.
fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
