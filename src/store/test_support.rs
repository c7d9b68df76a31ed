//! What the store's unit tests share: a migrated database in a temporary
//! directory of its own (removed afterwards), and short ways to add a user,
//! a login or a queued mail and to look at what a query left behind.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Params;

use super::{NewSession, NewUser, RegisterOutcome, Store, outbox};
use crate::domain::Email;
use crate::domain::mail::Mail;

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store on a fresh, migrated database file. Its fields drop in order:
/// the connection closes before the directory goes.
pub struct TempStore {
    store: Store,
    _dir: TempDir,
}

impl Deref for TempStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl DerefMut for TempStore {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

/// A new database that no other test shares.
pub fn temp_store() -> TempStore {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "accounts-store-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test database's directory");
    let dir = TempDir(dir);
    let mut store = Store::open(&dir.0.join("test.db")).expect("open the test database");
    store.migrate().expect("migrate the test database");
    TempStore { store, _dir: dir }
}

/// Inserts a user with this address, hash `"hash"` and no username; returns
/// the id.
pub fn add_user(store: &mut Store, email: &str) -> i64 {
    let email = Email::parse(email).expect("a valid test address");
    let new = NewUser {
        email: &email,
        username: None,
        password_hash: "hash",
        is_email_confirmed: false,
        locale: None,
    };
    match store.insert_user(&new, None, 1).expect("insert a user") {
        RegisterOutcome::Created(user) => user.id,
        RegisterOutcome::Taken { .. } => panic!("{email} is already taken"),
    }
}

/// Records a login `family` of the user expiring at 10 000, with the refresh
/// token `jti` when given.
pub fn add_login(store: &mut Store, user_id: i64, family: &str, jti: Option<&str>) {
    let session = NewSession {
        user_id,
        family,
        expires_at: 10_000,
        refresh: jti.map(|jti| (jti, 10_000)),
        user_agent: None,
        ip: None,
    };
    store.create_session(&session, 1).expect("record a login");
}

/// A confirmation mail to `to`.
pub fn mail_to(to: &str) -> Mail {
    Mail {
        kind: "confirm_email",
        to: to.to_string(),
        subject: "Confirm your email address".into(),
        text: "Open http://x/api/confirm-email/abc/\n".into(),
        html: Some("<a href=\"http://x/api/confirm-email/abc/\">Confirm</a>".into()),
    }
}

/// Queues `mail` at `now` as a handler does; returns its outbox id.
pub fn queue(store: &mut Store, mail: &Mail, now: u64) -> i64 {
    store
        .write("queueing a test mail", |tx| {
            outbox::enqueue(tx, mail, now)?;
            Ok(tx.last_insert_rowid())
        })
        .expect("queue a mail")
}

/// The number of rows in `table`.
pub fn count(store: &Store, table: &str) -> i64 {
    store
        .conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count rows")
}

/// The first column of the one row `sql` selects, for what no query of the
/// store returns.
pub fn column<T: rusqlite::types::FromSql>(store: &Store, sql: &str, params: impl Params) -> T {
    store
        .conn
        .query_row(sql, params, |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
