//! Whether the database can be written: which SQLite errors mean "no room
//! on the disk", and the process-wide memory of the last such failure that
//! `/health` consults.
//!
//! A full disk does not show in a read, and a write per health check would
//! cost an fsync (`synchronous=FULL`) on every probe of a load balancer. So
//! every write remembers whether it failed for lack of space, in a flag that
//! all connections of the process share, and the health check tries a
//! one-page write only while that flag is up. The first write that succeeds,
//! the check's or any other, lowers it. (A probe can succeed while larger
//! writes still fail, in space SQLite reuses in its WAL; the next write that
//! fails raises the flag again.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::ErrorCode;
use rusqlite::ffi;

/// True when SQLite's error means the file system had no room for a write:
/// `SQLITE_FULL` (ENOSPC on a write), or an I/O error on writing, syncing or
/// growing a file, which is how an exhausted quota (EDQUOT), a thin volume
/// or a network file system that finds out late (ENOSPC on fsync) report it.
pub(super) fn is_out_of_space(error: &rusqlite::Error) -> bool {
    let rusqlite::Error::SqliteFailure(failure, _) = error else {
        return false;
    };
    failure.code == ErrorCode::DiskFull
        || matches!(
            failure.extended_code,
            ffi::SQLITE_IOERR_WRITE | ffi::SQLITE_IOERR_FSYNC | ffi::SQLITE_IOERR_SHMSIZE
        )
}

/// Shared by every connection to one database file in this process.
#[derive(Clone, Default)]
pub(super) struct WriteHealth(Arc<AtomicBool>);

impl WriteHealth {
    /// True after a write failed for lack of space, until a write succeeds.
    pub(super) fn failing(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Remembers how a write ended. Reads before writing, so the common case
    /// (writes succeeding) never dirties the cache line the workers share.
    pub(super) fn record(&self, out_of_space: bool) {
        if self.failing() != out_of_space {
            self.0.store(out_of_space, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_error(code: std::ffi::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    #[test]
    fn a_full_disk_and_write_errors_count_as_out_of_space() {
        for code in [
            ffi::SQLITE_FULL,
            ffi::SQLITE_IOERR_WRITE,
            ffi::SQLITE_IOERR_FSYNC,
            ffi::SQLITE_IOERR_SHMSIZE,
        ] {
            assert!(is_out_of_space(&sqlite_error(code)), "code {code}");
        }
    }

    #[test]
    fn other_errors_do_not_count_as_out_of_space() {
        for code in [
            ffi::SQLITE_BUSY,
            ffi::SQLITE_CONSTRAINT,
            ffi::SQLITE_CORRUPT,
            ffi::SQLITE_IOERR_READ,
            ffi::SQLITE_READONLY,
        ] {
            assert!(!is_out_of_space(&sqlite_error(code)), "code {code}");
        }
        assert!(!is_out_of_space(&rusqlite::Error::QueryReturnedNoRows));
    }

    #[test]
    fn the_flag_is_shared_by_clones_and_lowered_by_a_success() {
        let health = WriteHealth::default();
        let other = health.clone();
        assert!(!health.failing());
        other.record(true);
        assert!(health.failing());
        health.record(false);
        assert!(!other.failing());
    }
}
