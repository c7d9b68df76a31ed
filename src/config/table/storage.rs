//! Where the data lives: the database file and the scheduled backups.
//!
//! Each is one entry of [`SETTINGS`](super::SETTINGS), which lists them in
//! the README's order.

use super::set;
use crate::config::setting::Fallback::{Text, Unset};
use crate::config::setting::Parse::Trimmed;
use crate::config::setting::Setting;
use crate::config::setting::Show::Value;
use crate::config::values::{count, file_path, interval_or_off, optional, show_seconds};

pub const DB: Setting = Setting {
    name: "ACCOUNTS_DB",
    default: Text("accounts.db"),
    help: "SQLite database file (created if missing). An empty value stops start-up.",
    parse: Trimmed(|c, v| set(&mut c.db_path, file_path(v))),
    show: Value(|c| c.db_path.display().to_string()),
};

pub const BACKUP_DIR: Setting = Setting {
    name: "ACCOUNTS_BACKUP_DIR",
    default: Unset,
    help: "Directory of the scheduled backups; it must exist and be writable, or \
           start-up stops. Required with `ACCOUNTS_BACKUP_EVERY`.",
    parse: Trimmed(|c, v| set(&mut c.backup.dir, optional(v, |v| Ok(v.into())))),
    show: Value(|c| {
        c.backup
            .dir
            .as_ref()
            .map_or_else(|| "(unset)".to_string(), |d| d.display().to_string())
    }),
};

pub const BACKUP_EVERY: Setting = Setting {
    name: "ACCOUNTS_BACKUP_EVERY",
    default: Text("off"),
    help: "How often the running service writes a verified backup (`6h`, `1d`) into \
           `ACCOUNTS_BACKUP_DIR`, named by its UTC time, mode 0600; `off` for never.",
    parse: Trimmed(|c, v| set(&mut c.backup.every, interval_or_off(v))),
    show: Value(|c| {
        c.backup
            .every
            .map_or_else(|| "off".to_string(), show_seconds)
    }),
};

pub const BACKUP_KEEP: Setting = Setting {
    name: "ACCOUNTS_BACKUP_KEEP",
    default: Text("7"),
    help: "How many scheduled backups to keep, 1 to 10000; the oldest beyond it are \
           deleted.",
    parse: Trimmed(|c, v| set(&mut c.backup.keep, count(v, 1, 10_000))),
    show: Value(|c| c.backup.keep.to_string()),
};
