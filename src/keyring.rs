//! The key ring on disk: `<ACCOUNTS_DB>.keyring`, beside the HS256 key file
//! `<ACCOUNTS_DB>.key`, mode 0600 like it. It holds the private keys of
//! EdDSA and ES256 as PKCS#8 PEM with their dates (see
//! `domain::signing::ring`). A service that has only ever used HS256 has
//! no such file.
//!
//! The server and the operator's `accounts keys rotate` both change the
//! ring, so every change takes an exclusive lock on `<ring>.lock`, reads the
//! file, changes it, and replaces it atomically (a new 0600 file renamed
//! over the old, both synced), so a reader never sees half a ring. The
//! running server notices a replaced file by its metadata and reloads it.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::signing::{JwtAlgorithm, KeyEntry, KeyError, KeyRing, RingError};
use crate::secret::Secret;

/// `accounts.db` keeps its key ring in `accounts.db.keyring`.
pub fn path_for(db_path: &Path) -> PathBuf {
    with_suffix(db_path, ".keyring")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The key ring file could not be used; each message names the file.
#[derive(Debug)]
pub enum KeyRingError {
    /// Group or others may read the file: the keys may have leaked.
    ReadableByOthers { path: PathBuf },
    /// The file exists but could not be read.
    Read { path: PathBuf, source: io::Error },
    /// The file is not a key ring this version understands.
    Malformed { path: PathBuf, cause: String },
    /// The file breaks the ring's rules (a damaged or hand-edited file).
    Damaged { path: PathBuf, cause: RingError },
    /// A key could not be made or read.
    Key(KeyError),
    /// The new ring could not be written (or the lock file created).
    Write { path: PathBuf, source: io::Error },
}

impl fmt::Display for KeyRingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRingError::ReadableByOthers { path } => write!(
                f,
                "the key ring {} is readable by other users; run: chmod 600 {}",
                path.display(),
                path.display()
            ),
            KeyRingError::Read { path, source } => {
                write!(f, "cannot read the key ring {}: {source}", path.display())
            }
            KeyRingError::Malformed { path, cause } => {
                write!(
                    f,
                    "the key ring {} is not readable: {cause}",
                    path.display()
                )
            }
            KeyRingError::Damaged { path, cause } => {
                write!(f, "the key ring {} is damaged: {cause}", path.display())
            }
            KeyRingError::Key(e) => e.fmt(f),
            KeyRingError::Write { path, source } => {
                write!(f, "cannot write the key ring {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for KeyRingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeyRingError::Read { source, .. } | KeyRingError::Write { source, .. } => Some(source),
            KeyRingError::Key(e) => Some(e),
            _ => None,
        }
    }
}

impl From<KeyError> for KeyRingError {
    fn from(e: KeyError) -> KeyRingError {
        KeyRingError::Key(e)
    }
}

/// The file's form: the entries of the ring, oldest first.
#[derive(Serialize, Deserialize)]
struct StoredRing {
    version: u32,
    keys: Vec<StoredKey>,
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    kid: Option<String>,
    alg: JwtAlgorithm,
    created_at: u64,
    signs_from: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pruned_at: Option<u64>,
    /// PKCS#8 PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    private_key: Option<String>,
}

const FORMAT_VERSION: u32 = 1;

/// Reads the ring; `None` when there is no file (HS256 has always signed).
pub fn read(path: &Path) -> Result<Option<KeyRing>, KeyRingError> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KeyRingError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(KeyRingError::ReadableByOthers {
            path: path.to_owned(),
        });
    }
    let text = fs::read(path).map_err(|source| KeyRingError::Read {
        path: path.to_owned(),
        source,
    })?;
    let malformed = |cause: String| KeyRingError::Malformed {
        path: path.to_owned(),
        cause,
    };
    let stored: StoredRing = serde_json::from_slice(&text).map_err(|e| malformed(e.to_string()))?;
    if stored.version != FORMAT_VERSION {
        return Err(malformed(format!(
            "format version {}, this binary reads {FORMAT_VERSION}",
            stored.version
        )));
    }
    let entries = stored.keys.into_iter().map(entry_of).collect();
    KeyRing::from_entries(entries)
        .map(Some)
        .map_err(|cause| KeyRingError::Damaged {
            path: path.to_owned(),
            cause,
        })
}

/// The ring in effect: the file's, or HS256 alone when there is none.
pub fn read_or_hs256(path: &Path) -> Result<KeyRing, KeyRingError> {
    Ok(read(path)?.unwrap_or_else(KeyRing::hs256_only))
}

/// Changes the ring under the lock: `change` returns a value and whether it
/// changed anything; a changed ring replaces the file. Returns the value and
/// the ring as it now is.
pub fn update<T>(
    path: &Path,
    change: impl FnOnce(&mut KeyRing) -> Result<(T, bool), KeyRingError>,
) -> Result<(T, KeyRing), KeyRingError> {
    let _lock = lock(path)?;
    let mut ring = read_or_hs256(path)?;
    let (value, changed) = change(&mut ring)?;
    if changed {
        write(path, &ring)?;
    }
    Ok((value, ring))
}

/// What identifies one version of the file: a replaced file is a new inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    inode: u64,
    device: u64,
    modified_ns: i64,
    len: u64,
}

/// The fingerprint of the file as it is now; `None` if there is none.
pub fn fingerprint(path: &Path) -> Option<Fingerprint> {
    fs::metadata(path).ok().map(|m| Fingerprint {
        inode: m.ino(),
        device: m.dev(),
        modified_ns: m.mtime().saturating_mul(1_000_000_000) + m.mtime_nsec(),
        len: m.len(),
    })
}

/// Holds the ring's lock until dropped.
fn lock(path: &Path) -> Result<File, KeyRingError> {
    let lock_path = with_suffix(path, ".lock");
    let error = |source| KeyRingError::Write {
        path: lock_path.clone(),
        source,
    };
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .map_err(error)?;
    file.lock().map_err(error)?;
    Ok(file)
}

/// Replaces the file with `ring`: a new 0600 file, synced, renamed over the
/// old one, and the directory synced so the rename survives a crash.
fn write(path: &Path, ring: &KeyRing) -> Result<(), KeyRingError> {
    let error = |source| KeyRingError::Write {
        path: path.to_owned(),
        source,
    };
    let stored = StoredRing {
        version: FORMAT_VERSION,
        keys: ring.entries().iter().map(stored_of).collect(),
    };
    let mut text = serde_json::to_vec_pretty(&stored).map_err(|e| error(io::Error::other(e)))?;
    text.push(b'\n');
    let temporary = with_suffix(path, ".tmp");
    // A file left by a crash mid-write holds nothing we need (we hold the lock).
    let _ = fs::remove_file(&temporary);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(error)?;
    file.write_all(&text)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&temporary, path))
        .map_err(error)?;
    let directory = path.parent().filter(|p| !p.as_os_str().is_empty());
    File::open(directory.unwrap_or(Path::new(".")))
        .and_then(|dir| dir.sync_all())
        .map_err(error)
}

fn entry_of(stored: StoredKey) -> KeyEntry {
    KeyEntry {
        kid: stored.kid,
        alg: stored.alg,
        created_at: stored.created_at,
        signs_from: stored.signs_from,
        private_key: stored.private_key.as_deref().map(Secret::from),
        pruned_at: stored.pruned_at,
    }
}

fn stored_of(entry: &KeyEntry) -> StoredKey {
    StoredKey {
        kid: entry.kid.clone(),
        alg: entry.alg,
        created_at: entry.created_at,
        signs_from: entry.signs_from,
        pruned_at: entry.pruned_at,
        // Our own PEM is ASCII; a key that were not would not reach here.
        private_key: entry
            .private_key
            .as_ref()
            .and_then(|pem| pem.expose_str().map(str::to_string)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("accounts-keyring-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn add_eddsa(ring: &mut KeyRing) -> Result<((), bool), KeyRingError> {
        ring.prepare_for_start(JwtAlgorithm::EdDSA, 1_800_000_000)?;
        Ok(((), true))
    }

    #[test]
    fn no_file_means_hs256_alone() {
        let path = temp_dir("none").join("db.keyring");
        assert!(read(&path).unwrap().is_none());
        assert_eq!(read_or_hs256(&path).unwrap().entries().len(), 1);
    }

    #[test]
    fn a_written_ring_is_private_and_reads_back() {
        let path = temp_dir("write").join("db.keyring");
        let (_, ring) = update(&path, add_eddsa).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = read(&path).unwrap().unwrap();
        assert_eq!(again.entries()[1].kid, ring.entries()[1].kid);
        assert_eq!(
            again.entries()[1].private_key,
            ring.entries()[1].private_key
        );
        assert!(!with_suffix(&path, ".tmp").exists());
    }

    #[test]
    fn a_ring_readable_by_others_is_refused_naming_the_file() {
        let path = temp_dir("open").join("db.keyring");
        update(&path, add_eddsa).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let refused = read(&path).unwrap_err().to_string();
        assert!(
            refused.contains("chmod 600") && refused.contains("db.keyring"),
            "{refused}"
        );
    }

    #[test]
    fn a_damaged_ring_is_refused() {
        let path = temp_dir("damaged").join("db.keyring");
        update(&path, add_eddsa).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let kid = read(&path).unwrap().unwrap().entries()[1]
            .kid
            .clone()
            .unwrap();
        fs::write(&path, text.replace(&kid, "someone-elses-kid")).unwrap();
        assert!(matches!(read(&path), Err(KeyRingError::Damaged { .. })));
        fs::write(&path, "{}").unwrap();
        assert!(matches!(read(&path), Err(KeyRingError::Malformed { .. })));
    }

    #[test]
    fn a_replaced_file_has_a_new_fingerprint() {
        let path = temp_dir("fingerprint").join("db.keyring");
        assert_eq!(fingerprint(&path), None);
        update(&path, add_eddsa).unwrap();
        let first = fingerprint(&path);
        update(&path, |ring| {
            ring.rotate(JwtAlgorithm::EdDSA, 1_800_000_100, 600)?;
            Ok(((), true))
        })
        .unwrap();
        assert_ne!(fingerprint(&path), first);
    }
}
