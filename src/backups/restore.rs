//! `accounts restore FILE`: puts a checked copy of a backup in place of
//! `ACCOUNTS_DB`.
//!
//! Order matters, so that every refusal leaves the database as it was and a
//! crash part-way leaves either the old database or the new one, never a
//! mix: take the exclusive lock (no server runs, none can start); copy the
//! backup beside the database and check the copy (the operator's file is
//! only read); sync it and give it the database's owner; remove the old
//! database's `-wal` and `-shm` (SQLite would otherwise replay the old log
//! onto the new file); rename the copy over the database; sync the
//! directory.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::store::{BackupSummary, verify_backup};

use super::{DatabaseLock, RestoreError, remove_if_present, sync_dir};

/// Restores `backup` into `db`; returns what the restored file holds.
pub fn restore(backup: &Path, db: &Path) -> Result<BackupSummary, RestoreError> {
    let _lock = DatabaseLock::for_restore(db).map_err(RestoreError::InUse)?;
    let staged = sibling(db, ".restore");
    let result = stage_and_check(backup, &staged, db);
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            let _ = remove_if_present(&staged);
            return Err(e);
        }
    };
    for leftover in [sibling(db, "-wal"), sibling(db, "-shm")] {
        remove_if_present(&leftover).map_err(io("cannot remove", &leftover))?;
    }
    std::fs::rename(&staged, db).map_err(io("cannot move the restored file to", db))?;
    let dir = db.parent().filter(|p| !p.as_os_str().is_empty());
    sync_dir(dir.unwrap_or(Path::new("."))).map_err(io("cannot sync the directory of", db))?;
    Ok(summary)
}

/// Copies `backup` to `staged`, checks the copy, syncs it and hands it to
/// the database's owner.
fn stage_and_check(backup: &Path, staged: &Path, db: &Path) -> Result<BackupSummary, RestoreError> {
    remove_if_present(staged).map_err(io("cannot remove the unfinished restore", staged))?;
    copy_private(backup, staged)?;
    let summary = verify_backup(staged).map_err(|defect| RestoreError::Refused {
        file: backup.to_owned(),
        defect,
    })?;
    File::open(staged)
        .and_then(|file| file.sync_all())
        .map_err(io("cannot sync", staged))?;
    give_to_owner_of(db, staged)?;
    Ok(summary)
}

/// Copies `from` into a new owner-only file `to`: it holds password hashes.
fn copy_private(from: &Path, to: &Path) -> Result<(), RestoreError> {
    let mut source = File::open(from).map_err(io("cannot read", from))?;
    let mut target = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)
        .map_err(io("cannot create", to))?;
    io::copy(&mut source, &mut target).map_err(io("cannot copy the backup to", to))?;
    Ok(())
}

/// Run as root for a service with its own user, the restored file would
/// otherwise belong to root and the service could not write it. Only
/// needed, and only tried, when the owners differ.
fn give_to_owner_of(db: &Path, staged: &Path) -> Result<(), RestoreError> {
    let (Ok(current), Ok(new)) = (std::fs::metadata(db), std::fs::metadata(staged)) else {
        return Ok(());
    };
    if (current.uid(), current.gid()) == (new.uid(), new.gid()) {
        return Ok(());
    }
    std::os::unix::fs::chown(staged, Some(current.uid()), Some(current.gid()))
        .map_err(io("cannot give the database's owner", staged))
}

/// `accounts.db` + `-wal` is `accounts.db-wal`.
fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn io(context: &'static str, path: &Path) -> impl FnOnce(io::Error) -> RestoreError {
    let path = path.to_owned();
    move |source| RestoreError::Io {
        context,
        path,
        source,
    }
}
