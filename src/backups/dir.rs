//! The backup directory (`ACCOUNTS_BACKUP_DIR`): checked once at start-up,
//! so a missing or read-only directory stops the service instead of failing
//! silently six hours later; and the names of the backups in it, which sort
//! by time, so pruning keeps the newest.

use std::fmt;
use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::remove_if_present;
use crate::domain::timestamp::UtcTime;

/// The prefix and suffix of every scheduled backup:
/// `accounts-20260102T030405Z.db`.
const PREFIX: &str = "accounts-";
const SUFFIX: &str = "Z.db";
/// `YYYYMMDDTHHMMSS`
const STAMP_LEN: usize = 15;
/// Where a backup is written before it has passed its checks. The leading
/// dot keeps it out of the listing of backups.
const IN_PROGRESS: &str = ".accounts-backup.tmp";

/// A directory that existed and accepted a new file when it was opened.
#[derive(Debug, Clone)]
pub struct BackupDir {
    path: PathBuf,
}

/// Why `ACCOUNTS_BACKUP_DIR` cannot hold backups.
#[derive(Debug)]
pub enum BackupDirError {
    /// Nothing is at the path.
    Missing(PathBuf),
    /// Something is at the path, but not a directory.
    NotADirectory(PathBuf),
    /// The directory refused a new file (permissions, read-only mount).
    NotWritable { path: PathBuf, source: io::Error },
    /// The path could not be examined.
    Unreadable { path: PathBuf, source: io::Error },
}

impl fmt::Display for BackupDirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackupDirError::Missing(path) => {
                write!(f, "ACCOUNTS_BACKUP_DIR: {} does not exist", path.display())
            }
            BackupDirError::NotADirectory(path) => {
                write!(
                    f,
                    "ACCOUNTS_BACKUP_DIR: {} is not a directory",
                    path.display()
                )
            }
            BackupDirError::NotWritable { path, source } => write!(
                f,
                "ACCOUNTS_BACKUP_DIR: {} is not writable: {source}",
                path.display()
            ),
            BackupDirError::Unreadable { path, source } => {
                write!(f, "ACCOUNTS_BACKUP_DIR: {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for BackupDirError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BackupDirError::NotWritable { source, .. }
            | BackupDirError::Unreadable { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl BackupDir {
    /// Checks that `path` is a directory this process can create files in,
    /// by creating (and removing) the file a backup is first written to.
    pub fn open(path: &Path) -> Result<BackupDir, BackupDirError> {
        let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => BackupDirError::Missing(path.to_owned()),
            _ => BackupDirError::Unreadable {
                path: path.to_owned(),
                source,
            },
        })?;
        if !metadata.is_dir() {
            return Err(BackupDirError::NotADirectory(path.to_owned()));
        }
        let dir = BackupDir {
            path: path.to_owned(),
        };
        let not_writable = |source| BackupDirError::NotWritable {
            path: path.to_owned(),
            source,
        };
        let probe = dir.in_progress();
        remove_if_present(&probe).map_err(not_writable)?;
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&probe)
            .map_err(not_writable)?;
        remove_if_present(&probe).map_err(not_writable)?;
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where a backup is written before its checks.
    pub fn in_progress(&self) -> PathBuf {
        self.path.join(IN_PROGRESS)
    }

    /// The name of a backup taken at `unix_secs`.
    pub fn backup_path(&self, unix_secs: u64) -> PathBuf {
        self.path
            .join(format!("{PREFIX}{}{SUFFIX}", utc_stamp(unix_secs)))
    }

    /// The backups in the directory, oldest first. Other files are ignored.
    pub fn backups(&self) -> io::Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.path)? {
            let entry = entry?;
            if entry.file_name().to_str().is_some_and(is_backup_name) {
                found.push(entry.path());
            }
        }
        // The timestamp is fixed-width, so names sort in time order.
        found.sort();
        Ok(found)
    }

    /// Deletes the oldest backups beyond `keep`; returns what was deleted.
    pub fn prune(&self, keep: usize) -> io::Result<Vec<PathBuf>> {
        let backups = self.backups()?;
        let excess = backups.len().saturating_sub(keep);
        let oldest: Vec<PathBuf> = backups.into_iter().take(excess).collect();
        for path in &oldest {
            remove_if_present(path)?;
        }
        Ok(oldest)
    }
}

/// `accounts-YYYYMMDDTHHMMSSZ.db`, and nothing else.
fn is_backup_name(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
    else {
        return false;
    };
    stamp.len() == STAMP_LEN
        && stamp.char_indices().all(|(i, c)| match i {
            8 => c == 'T',
            _ => c.is_ascii_digit(),
        })
}

/// `YYYYMMDDTHHMMSS` in UTC for Unix seconds.
fn utc_stamp(unix_secs: u64) -> String {
    let t = UtcTime::from_unix(unix_secs);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("accounts-bdir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(utc_stamp(0), "19700101T000000");
        assert_eq!(utc_stamp(951_782_400), "20000229T000000");
        assert_eq!(utc_stamp(1_767_225_599), "20251231T235959");
        assert_eq!(utc_stamp(4_107_542_400), "21000301T000000");
    }

    #[test]
    fn only_well_formed_backup_names_count() {
        assert!(is_backup_name("accounts-20260102T030405Z.db"));
        for other in [
            "accounts-20260102T030405Z.db.tmp",
            ".accounts-backup.tmp",
            "accounts-2026010203040Z.db",
            "accounts-20260102X030405Z.db",
            "accounts.db",
            "notes.txt",
        ] {
            assert!(!is_backup_name(other), "{other:?}");
        }
    }

    #[test]
    fn pruning_keeps_the_newest_and_ignores_other_files() {
        let path = temp_dir("prune");
        let dir = BackupDir::open(&path).unwrap();
        for secs in [300, 100, 200, 400] {
            std::fs::write(dir.backup_path(secs), b"x").unwrap();
        }
        std::fs::write(path.join("keep-me.txt"), b"x").unwrap();

        let deleted = dir.prune(2).unwrap();

        assert_eq!(deleted, vec![dir.backup_path(100), dir.backup_path(200)]);
        assert_eq!(
            dir.backups().unwrap(),
            vec![dir.backup_path(300), dir.backup_path(400)]
        );
        assert!(path.join("keep-me.txt").exists());
    }

    #[test]
    fn a_missing_path_or_a_file_is_refused() {
        let path = temp_dir("refused");
        assert!(matches!(
            BackupDir::open(&path.join("nope")),
            Err(BackupDirError::Missing(_))
        ));
        std::fs::write(path.join("file"), b"x").unwrap();
        assert!(matches!(
            BackupDir::open(&path.join("file")),
            Err(BackupDirError::NotADirectory(_))
        ));
    }
}
