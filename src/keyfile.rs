//! The signing key when `ACCOUNTS_SECRET_KEY` is unset: generated once from
//! the OS RNG, kept in a 0600 file beside the database, and reused.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::config::MIN_SECRET_KEY_BYTES;
use crate::domain::random::{RandomError, random_hex};
use crate::secret::Secret;

/// `accounts.db` keeps its key in `accounts.db.key`.
pub fn path_for(db_path: &Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// The key file could not be used; each message names the file.
#[derive(Debug)]
pub enum KeyFileError {
    /// Group or others may read the file: the key may have leaked.
    ReadableByOthers { path: PathBuf },
    /// The file exists but could not be read.
    Read { path: PathBuf, source: io::Error },
    /// The file holds fewer than [`MIN_SECRET_KEY_BYTES`] bytes.
    TooShort { path: PathBuf },
    /// The OS random number generator failed while making a new key.
    Random(RandomError),
    /// A new file could not be created (missing directory, permissions).
    Create { path: PathBuf, source: io::Error },
    /// A new file was created but the key could not be written to disk.
    Write { path: PathBuf, source: io::Error },
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyFileError::ReadableByOthers { path } => write!(
                f,
                "the key file {} is readable by other users; run: chmod 600 {}",
                path.display(),
                path.display()
            ),
            KeyFileError::Read { path, source } => {
                write!(f, "cannot read the key file {}: {source}", path.display())
            }
            KeyFileError::TooShort { path } => write!(
                f,
                "the key file {} holds fewer than {MIN_SECRET_KEY_BYTES} bytes",
                path.display()
            ),
            KeyFileError::Random(e) => e.fmt(f),
            KeyFileError::Create { path, source } => {
                write!(f, "cannot create the key file {}: {source}", path.display())
            }
            KeyFileError::Write { path, source } => {
                write!(f, "cannot write the key file {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for KeyFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeyFileError::Read { source, .. }
            | KeyFileError::Create { source, .. }
            | KeyFileError::Write { source, .. } => Some(source),
            KeyFileError::Random(e) => Some(e),
            KeyFileError::ReadableByOthers { .. } | KeyFileError::TooShort { .. } => None,
        }
    }
}

/// Reads the key file, creating it first if it does not exist. Refuses a
/// file that others can read, or one too short to be a key.
pub fn load_or_create(path: &Path) -> Result<Secret, KeyFileError> {
    match load(path)? {
        Some(key) => Ok(key),
        None => create(path),
    }
}

/// Reads the key file; `None` if it does not exist. Refuses a file that
/// others can read, or one too short to be a key.
pub fn load(path: &Path) -> Result<Option<Secret>, KeyFileError> {
    let read_error = |source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    };
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(e)),
    };
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(KeyFileError::ReadableByOthers {
            path: path.to_owned(),
        });
    }
    let text = fs::read_to_string(path).map_err(read_error)?;
    let key = text.trim_end_matches(['\n', '\r']);
    if key.len() < MIN_SECRET_KEY_BYTES {
        return Err(KeyFileError::TooShort {
            path: path.to_owned(),
        });
    }
    Ok(Some(Secret::from(key)))
}

fn create(path: &Path) -> Result<Secret, KeyFileError> {
    let key = random_hex::<32>().map_err(KeyFileError::Random)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| KeyFileError::Create {
            path: path.to_owned(),
            source,
        })?;
    file.write_all(format!("{key}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| KeyFileError::Write {
            path: path.to_owned(),
            source,
        })?;
    log::info!("generated a new signing key in {}", path.display());
    Ok(Secret::from(key.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("accounts-keyfile-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_created_key_is_private_and_reused() {
        let path = temp_dir("reuse").join("k");
        let first = load_or_create(&path).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(first.expose().len(), 64);
        assert_eq!(load_or_create(&path).unwrap(), first);
    }

    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        let path = temp_dir("open").join("k");
        load_or_create(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let refused = load_or_create(&path).unwrap_err().to_string();
        assert!(refused.contains("chmod 600"), "{refused}");
    }
}
