//! The schema's versions. A new file gets `schema.sql`, the current
//! version; a file of an older version gets the steps past its
//! `user_version`, all in one transaction, so a file is always at one
//! version or the next, never in between.
//!
//! - Version 2 brings address keys to NFKC (`users::fold_address_keys`).
//! - Version 3 adds `users.last_login_at`.
//! - Version 4 records what each login was made from and when it was last
//!   used, and keeps address changes waiting for their link.
//! - Version 5 keeps the HTML part of a mail, the user's locale, and the
//!   hashed code mailed beside a one-time link with its wrong tries.
//!
//! Steps only add (columns that may be `NULL`, tables, indexes, keys in a
//! wider form), so rows already there keep working with every later
//! version's queries; and each step can run again on a file that already
//! has what it adds (a file whose version was set back by hand has).

use rusqlite::{Transaction, TransactionBehavior};

use super::{Context, Store, StoreError, users};

/// The schema applied to a new file (the current version).
const SCHEMA: &str = include_str!("../../schema.sql");

/// The `user_version` this binary writes and understands.
pub(super) const SCHEMA_VERSION: i64 = 5;

/// Version 4: the columns `sessions` gains (see `schema.sql`).
const SESSION_COLUMNS: &[(&str, &str)] = &[
    ("last_used_at", "INTEGER"),
    ("user_agent", "TEXT"),
    ("ip", "TEXT"),
];

/// Version 5: `(table, columns)` for HTML mail, user locales and mailed
/// codes (see `schema.sql`).
const MAIL_COLUMNS: &[(&str, &[(&str, &str)])] = &[
    ("outbox", &[("html_body", "TEXT")]),
    ("users", &[("locale", "TEXT")]),
    (
        "one_time_tokens",
        &[
            ("code_hash", "BLOB"),
            ("code_failures", "INTEGER NOT NULL DEFAULT 0"),
        ],
    ),
];

/// Version 4: address changes waiting for their link (see `schema.sql`).
const EMAIL_CHANGES: &str = "
CREATE TABLE IF NOT EXISTS email_changes (
    token_hash    BLOB    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email     TEXT    NOT NULL,
    new_email_key TEXT    NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS email_changes_by_user ON email_changes (user_id);
CREATE INDEX IF NOT EXISTS email_changes_by_expiry ON email_changes (expires_at);
";

impl Store {
    /// Brings the file to this binary's schema version; a file from a newer
    /// version is refused untouched.
    pub fn migrate(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting the migration")?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .context("reading the schema version")?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew { found: version });
        }
        if version < 1 {
            tx.execute_batch(SCHEMA).context("creating the schema")?;
        } else {
            upgrade(&tx, version)?;
        }
        if version < 2 {
            users::fold_address_keys(&tx).context("normalising the address keys")?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .context("recording the schema version")?;
        tx.commit().context("committing the migration")
    }
}

/// The table changes of the versions after `version` (at least 1).
fn upgrade(tx: &Transaction<'_>, version: i64) -> Result<(), StoreError> {
    if version < 3 {
        // The last login, kept from imported users and set by every login.
        add_columns(tx, "users", &[("last_login_at", "INTEGER")])
            .context("adding the last-login column")?;
    }
    if version < 4 {
        add_columns(tx, "sessions", SESSION_COLUMNS)
            .and_then(|()| tx.execute_batch(EMAIL_CHANGES))
            .context("adding login details and address changes")?;
    }
    if version < 5 {
        for (table, columns) in MAIL_COLUMNS {
            add_columns(tx, table, columns)
                .context("adding HTML mail, user locales and mailed codes")?;
        }
    }
    Ok(())
}

/// Adds the columns the table does not have yet.
fn add_columns(
    tx: &Transaction<'_>,
    table: &str,
    columns: &[(&str, &str)],
) -> rusqlite::Result<()> {
    let existing: Vec<String> = tx
        .prepare("SELECT name FROM pragma_table_info(?1)")?
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (column, kind) in columns {
        if !existing.iter().any(|name| name == column) {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{add_login, add_user, column, count, temp_store};

    #[test]
    fn a_newer_schema_is_refused() {
        let mut store = temp_store();
        store.conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(
            store.migrate(),
            Err(StoreError::TooNew { found: 99 })
        ));
    }

    #[test]
    fn migrating_twice_is_harmless() {
        let mut store = temp_store();
        store.migrate().unwrap();
        add_user(&mut store, "b@example.com");
        store.migrate().unwrap();
        assert_eq!(count(&store, "users"), 1);
    }

    #[test]
    fn a_new_file_is_at_the_latest_version() {
        let store = temp_store();
        let version: i64 = column(&store, "PRAGMA user_version", []);
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(SCHEMA_VERSION, 5);
    }

    #[test]
    fn every_step_runs_again_on_a_file_that_has_it() {
        let mut store = temp_store();
        store.conn.pragma_update(None, "user_version", 1).unwrap();

        store.migrate().unwrap();

        let version: i64 = column(&store, "PRAGMA user_version", []);
        assert_eq!(version, SCHEMA_VERSION);
    }

    /// Takes back, on a file of the current version, what came after
    /// `version`, as a release of that version left its files.
    fn set_back_to(store: &Store, version: i64) {
        if version < 5 {
            store
                .conn
                .execute_batch(
                    "ALTER TABLE outbox DROP COLUMN html_body;
                     ALTER TABLE users DROP COLUMN locale;
                     ALTER TABLE one_time_tokens DROP COLUMN code_hash;
                     ALTER TABLE one_time_tokens DROP COLUMN code_failures;",
                )
                .unwrap();
        }
        if version < 4 {
            store
                .conn
                .execute_batch(
                    "ALTER TABLE sessions DROP COLUMN last_used_at;
                     ALTER TABLE sessions DROP COLUMN user_agent;
                     ALTER TABLE sessions DROP COLUMN ip;
                     DROP TABLE email_changes;",
                )
                .unwrap();
        }
        if version < 3 {
            store
                .conn
                .execute_batch("ALTER TABLE users DROP COLUMN last_login_at;")
                .unwrap();
        }
        store
            .conn
            .pragma_update(None, "user_version", version)
            .unwrap();
    }

    #[test]
    fn a_version_4_file_gains_the_mail_columns() {
        let mut store = temp_store();
        add_user(&mut store, "d@example.com");
        set_back_to(&store, 4);

        store.migrate().unwrap();

        let locale: Option<String> = column(&store, "SELECT locale FROM users", []);
        assert_eq!(locale, None);
        let failures: i64 = column(
            &store,
            "SELECT count(*) FROM pragma_table_info('one_time_tokens') WHERE name = 'code_failures'",
            [],
        );
        assert_eq!(failures, 1);
    }

    #[test]
    fn a_version_2_file_gains_the_last_login_column() {
        let mut store = temp_store();
        add_user(&mut store, "c@example.com");
        set_back_to(&store, 2);

        store.migrate().unwrap();

        let never: Option<i64> = column(&store, "SELECT last_login_at FROM users", []);
        assert_eq!(never, None);
    }

    #[test]
    fn an_older_file_is_migrated_in_place_keeping_its_logins() {
        for version in [1, 2, 3] {
            let mut store = temp_store();
            let id = add_user(&mut store, "old@example.com");
            add_login(&mut store, id, "00000000000000aa", Some("jti-1"));
            set_back_to(&store, version);

            store.migrate().unwrap();

            let now: i64 = column(&store, "PRAGMA user_version", []);
            assert_eq!(now, SCHEMA_VERSION, "from version {version}");
            let login: (Option<i64>, Option<String>, Option<String>) = store
                .conn
                .query_row(
                    "SELECT last_used_at, user_agent, ip FROM sessions \
                     WHERE family = '00000000000000aa'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!(login, (None, None, None), "from version {version}");
            assert_eq!(count(&store, "email_changes"), 0, "from version {version}");
            assert!(
                store.refresh_row("jti-1").unwrap().is_some(),
                "the old login's refresh token still reads, from version {version}"
            );
            let listed = store.logins_of(id, 2).unwrap();
            assert_eq!(
                (listed.len(), listed[0].last_used_at),
                (1, 1),
                "listed as last used when it started, from version {version}"
            );
        }
    }
}
