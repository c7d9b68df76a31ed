//! Why a scheduled backup was not kept, and why a restore was refused. Each
//! message is one line that names the file concerned.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::store::{BackupDefect, StoreError};

use super::LockError;

/// A scheduled backup that was not kept; nothing with a backup's name was
/// left behind.
#[derive(Debug)]
pub enum BackupError {
    /// SQLite's online backup of the live database failed.
    Copy(StoreError),
    /// The copy was made but failed its checks, and was deleted.
    Defect(BackupDefect),
    /// A file step failed; `context` says which.
    Io {
        context: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

impl fmt::Display for BackupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackupError::Copy(e) => e.fmt(f),
            BackupError::Defect(defect) => write!(f, "the copy failed its check: {defect}"),
            BackupError::Io {
                context,
                path,
                source,
            } => write!(f, "{context} {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for BackupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BackupError::Copy(e) => Some(e),
            BackupError::Defect(e) => Some(e),
            BackupError::Io { source, .. } => Some(source),
        }
    }
}

/// `accounts restore` refused, or failed before the database was replaced.
#[derive(Debug)]
pub enum RestoreError {
    /// The service (or another restore) holds the database's lock.
    InUse(LockError),
    /// The file given is not a backup this binary can restore; the database
    /// was not touched.
    Refused { file: PathBuf, defect: BackupDefect },
    /// A file step failed; `context` says which.
    Io {
        context: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestoreError::InUse(e) => e.fmt(f),
            RestoreError::Refused { file, defect } => {
                write!(
                    f,
                    "{} refused, database untouched: {defect}",
                    file.display()
                )
            }
            RestoreError::Io {
                context,
                path,
                source,
            } => write!(f, "{context} {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for RestoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RestoreError::InUse(e) => Some(e),
            RestoreError::Refused { defect, .. } => Some(defect),
            RestoreError::Io { source, .. } => Some(source),
        }
    }
}
