//! What `/health` and `accounts check-config --live` ask of the database.
//!
//! A connection keeps the pages it has read in its cache, and in WAL mode a
//! read whose pages are cached never touches the file. So a query alone can
//! answer "ok" long after the file was deleted, overwritten or replaced (a
//! connection keeps its deleted file open and goes on writing to it, which
//! would lose every write). The health check therefore also looks at the
//! file on disk: the path must still lead to the file the connection opened,
//! and its header must still say SQLite. That is a `stat` and a read of 16
//! bytes, cheap enough for every `/health`.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{Context, SCHEMA_VERSION, Store, StoreError};

/// The first 16 bytes of every SQLite database file.
const HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Which file a path led to when a connection opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    path: PathBuf,
    device: u64,
    inode: u64,
}

impl FileIdentity {
    pub fn of(path: &Path) -> io::Result<FileIdentity> {
        let meta = std::fs::metadata(path)?;
        Ok(FileIdentity {
            path: path.to_owned(),
            device: meta.dev(),
            inode: meta.ino(),
        })
    }

    /// Reads the header of the file at the path, and checks it is still the
    /// file that was opened.
    fn check(&self) -> io::Result<()> {
        let mut file = File::open(&self.path)?;
        let meta = file.metadata()?;
        if (meta.dev(), meta.ino()) != (self.device, self.inode) {
            return Err(io::Error::other(
                "the path now leads to another file than the one open",
            ));
        }
        let mut header = [0u8; 16];
        file.read_exact(&mut header)?;
        if &header != HEADER {
            return Err(io::Error::other("the file is no longer an SQLite database"));
        }
        Ok(())
    }
}

/// What `check-config --live` found in an existing database file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The file's `user_version`: 0 for a file not yet migrated.
    pub schema_version: i64,
    /// The schema version this binary writes.
    pub expected_version: i64,
    pub users: u64,
}

impl Store {
    /// Answers whether the database can be read (for `/health`): a read of
    /// the schema through the connection, then a look at the file on disk.
    pub(crate) fn ping(&self) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("SELECT count(*) FROM sqlite_schema")
            .and_then(|mut s| s.query_row([], |_| Ok(())))
            .context("pinging the database")?;
        self.file.check().map_err(|source| StoreError::File {
            context: "the database file cannot be read",
            source,
        })
    }

    /// Opens an existing database file without creating or changing it, and
    /// reads its schema version and how many users it holds.
    pub fn inspect(path: &Path) -> Result<Inspection, StoreError> {
        FileIdentity::of(path)
            .and_then(|identity| identity.check())
            .map_err(|source| StoreError::File {
                context: "the database file cannot be opened",
                source,
            })?;
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .context("opening the database file")?;
        let schema_version = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .context("reading the schema version")?;
        let users = if schema_version >= 1 {
            conn.query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))
                .context("counting the users")?
        } else {
            0
        };
        Ok(Inspection {
            schema_version,
            expected_version: SCHEMA_VERSION,
            users: users.max(0) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{add_user, temp_store};
    use super::*;

    #[test]
    fn ping_answers_while_the_file_is_in_place() {
        let store = temp_store();
        store.ping().unwrap();
    }

    #[test]
    fn ping_fails_once_the_file_is_deleted_even_with_every_page_cached() {
        let store = temp_store();
        store.ping().unwrap();
        std::fs::remove_file(&store.file.path).unwrap();
        assert!(matches!(store.ping(), Err(StoreError::File { .. })));
    }

    #[test]
    fn ping_fails_once_the_file_is_overwritten() {
        let store = temp_store();
        std::fs::write(&store.file.path, vec![0u8; 4096]).unwrap();
        assert!(matches!(store.ping(), Err(StoreError::File { .. })));
    }

    #[test]
    fn ping_fails_once_another_file_takes_the_path() {
        let store = temp_store();
        let path = store.file.path.clone();
        let copy = path.with_extension("copy");
        std::fs::copy(&path, &copy).unwrap();
        std::fs::rename(&copy, &path).unwrap();
        assert!(matches!(store.ping(), Err(StoreError::File { .. })));
    }

    #[test]
    fn inspect_reads_the_schema_version_and_counts_users() {
        let mut store = temp_store();
        add_user(&mut store, "a@example.com");
        let found = Store::inspect(&store.file.path).unwrap();
        assert_eq!(
            found,
            Inspection {
                schema_version: SCHEMA_VERSION,
                expected_version: SCHEMA_VERSION,
                users: 1
            }
        );
    }

    #[test]
    fn inspect_neither_creates_a_missing_file_nor_accepts_another_kind() {
        let store = temp_store();
        let missing = store.file.path.with_file_name("missing.db");
        assert!(Store::inspect(&missing).is_err());
        assert!(!missing.exists(), "inspect must not create the file");
        let text = store.file.path.with_file_name("text.db");
        std::fs::write(&text, "not a database, but long enough to hold a header").unwrap();
        assert!(Store::inspect(&text).is_err());
    }
}
