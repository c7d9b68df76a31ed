//! The running service's own backups: every `ACCOUNTS_BACKUP_EVERY`, an
//! online copy of the live database into `ACCOUNTS_BACKUP_DIR`, checked,
//! synced and renamed into place as `accounts-<UTC time>.db` (mode 0600),
//! then the oldest beyond `ACCOUNTS_BACKUP_KEEP` are deleted.
//!
//! [`take_backup`] is one backup, returning what it kept or why it kept
//! nothing; the thread around it only sleeps and logs, so tests and the
//! loop run the same step.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use crate::domain::now;
use crate::store::{BackupSummary, Store, StoreError, seal_backup, verify_backup};

use super::{BackupDir, BackupError, remove_if_present, sync_dir};

/// A backup that passed its checks and is in place.
#[derive(Debug)]
pub struct Taken {
    pub path: PathBuf,
    pub summary: BackupSummary,
    /// Older backups deleted to keep the count.
    pub pruned: Vec<PathBuf>,
}

/// Takes one backup of `store`'s database into `dir` and prunes to `keep`.
/// A copy that fails its checks is deleted, never left under a backup's
/// name.
pub fn take_backup(store: &Store, dir: &BackupDir, keep: usize) -> Result<Taken, BackupError> {
    let temp = dir.in_progress();
    let io = |context, path: &PathBuf| {
        let path = path.clone();
        move |source| BackupError::Io {
            context,
            path,
            source,
        }
    };
    // A copy left by a crash mid-backup is not a backup: start afresh.
    remove_if_present(&temp).map_err(io("cannot remove the unfinished backup", &temp))?;
    let summary = copy_checked(store, &temp)?;
    let path = dir.backup_path(now());
    std::fs::rename(&temp, &path).map_err(io("cannot rename the backup to", &path))?;
    sync_dir(dir.path()).map_err(io("cannot sync the directory", &dir.path().to_owned()))?;
    let pruned = dir
        .prune(keep)
        .map_err(io("cannot prune old backups in", &dir.path().to_owned()))?;
    Ok(Taken {
        path,
        summary,
        pruned,
    })
}

/// Copies the live database to `target`, a new file (created 0600 by the
/// store; an existing one is never touched), makes it one self-contained
/// file, checks it and syncs it to the disk: a scheduled backup and
/// `accounts backup` alike. A copy that fails is deleted.
pub fn copy_checked(store: &Store, target: &Path) -> Result<BackupSummary, BackupError> {
    match store.backup_to(target) {
        // The target could not be created: there is nothing of ours to delete.
        Err(e @ StoreError::BackupTarget { .. }) => return Err(BackupError::Copy(e)),
        Err(e) => {
            let _ = remove_if_present(target);
            return Err(BackupError::Copy(e));
        }
        Ok(()) => {}
    }
    seal_and_check(target).inspect_err(|_| {
        let _ = remove_if_present(target);
    })
}

fn seal_and_check(target: &Path) -> Result<BackupSummary, BackupError> {
    seal_backup(target).map_err(BackupError::Defect)?;
    let summary = verify_backup(target).map_err(BackupError::Defect)?;
    File::open(target)
        .and_then(|file| file.sync_all())
        .map_err(|source| BackupError::Io {
            context: "cannot sync the backup",
            path: target.to_path_buf(),
            source,
        })?;
    Ok(summary)
}

/// Starts the thread that takes a backup every `every`, the first one
/// `every` after start-up (a service restarting in a loop does not fill the
/// directory).
pub fn start_scheduled_backups(
    store: Store,
    dir: BackupDir,
    every: Duration,
    keep: usize,
) -> std::io::Result<()> {
    log::info!(
        "backups every {}s into {}, keeping {keep}",
        every.as_secs(),
        dir.path().display()
    );
    thread::Builder::new()
        .name("backups".to_string())
        .spawn(move || {
            loop {
                thread::sleep(every);
                log_outcome(take_backup(&store, &dir, keep));
            }
        })
        .map(drop)
}

fn log_outcome(outcome: Result<Taken, BackupError>) {
    match outcome {
        Ok(taken) => {
            log::info!(
                "backup written: {} ({} users, schema version {})",
                taken.path.display(),
                taken.summary.users,
                taken.summary.schema_version
            );
            for old in taken.pruned {
                log::info!("old backup deleted: {}", old.display());
            }
        }
        Err(e) => log::error!("backup failed and was not kept: {e}"),
    }
}
