//! `accounts backup`: a consistent copy of the live database in a new file.
//!
//! The copy holds every password hash, so it is created like the database
//! itself, owner-only, and only as a new file: never over something that
//! exists and never through a symbolic link someone may have planted.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{Context, Store, StoreError};

/// Creates `path` as a new file readable by its owner only, whatever the
/// umask. Anything already there is refused, a symbolic link included, even
/// a dangling one: with `O_CREAT | O_EXCL` the kernel never follows a link.
fn create_new_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

impl Store {
    /// Copies the live database to `target`, a new file, with SQLite's
    /// online backup.
    pub fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        create_new_private(target).map_err(|source| StoreError::BackupTarget {
            path: target.to_path_buf(),
            source,
        })?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NOFOLLOW
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut dest =
            Connection::open_with_flags(target, flags).context("opening the backup file")?;
        let backup =
            rusqlite::backup::Backup::new(&self.conn, &mut dest).context("starting the backup")?;
        backup
            .run_to_completion(256, Duration::from_millis(5), None)
            .context("copying the database")
    }
}
