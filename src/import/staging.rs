//! The staging area: every source is read whole into a private temporary
//! SQLite file before anything is written to the accounts database.
//!
//! That is what lets an import promise "a bad source writes nothing" while
//! it streams: a fixture that turns out to be truncated at its last byte,
//! or a user model that is ambiguous, is found before the first batch is
//! committed. It also keeps memory flat whatever the source's size (SQLite
//! pages spill to disk), lets the blacklist and django-allauth tables be
//! joined to users whatever order a fixture lists them in, and lets a dry
//! run find the source's own duplicates. SQLite deletes the file when the
//! connection closes.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::ImportError;
use super::row::{SourceUser, Value};
use super::time;
use crate::domain::Email;

/// The temporary database of one import.
pub struct Staging {
    conn: Connection,
}

/// A blacklisted refresh token of the source, joined to its user.
pub struct StagedToken {
    pub jti: String,
    pub user_id: i64,
    pub expires_at: u64,
}

const SCHEMA: &str = "
    PRAGMA journal_mode = OFF;
    PRAGMA synchronous = OFF;
    PRAGMA cache_size = -8192;
    PRAGMA temp_store = FILE;
    CREATE TABLE users (
        position INTEGER PRIMARY KEY, model TEXT NOT NULL,
        id, email, username, password, is_active, date_joined, last_login, confirmed
    );
    CREATE TABLE verified (user_id INTEGER NOT NULL, email_key TEXT NOT NULL);
    CREATE TABLE outstanding (id INTEGER PRIMARY KEY, user_id INTEGER, jti TEXT, expires_at INTEGER);
    CREATE TABLE blacklisted (token_id INTEGER NOT NULL);
    CREATE TABLE seen (kind TEXT NOT NULL, key TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
    BEGIN;
";

fn failed(e: rusqlite::Error) -> ImportError {
    ImportError::Staging(e.to_string())
}

fn to_sql(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as Sql;
    match value {
        Value::Missing | Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Int(n) => Sql::Integer(*n),
        Value::Text(s) => Sql::Text(s.clone()),
    }
}

impl Staging {
    /// Opens a private temporary database (SQLite's empty file name).
    pub fn create() -> Result<Staging, ImportError> {
        let conn = Connection::open("").map_err(failed)?;
        conn.execute_batch(SCHEMA).map_err(failed)?;
        Ok(Staging { conn })
    }

    /// Stages one user row of the model (`accounts.user`, `auth.user`, or
    /// the file name for a CSV).
    pub fn add_user(&mut self, model: &str, user: &SourceUser) -> Result<(), ImportError> {
        self.conn
            .prepare_cached(
                "INSERT INTO users (position, model, id, email, username, password, is_active, \
                 date_joined, last_login, confirmed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    user.position as i64,
                    model,
                    to_sql(&user.id),
                    to_sql(&user.email),
                    to_sql(&user.username),
                    to_sql(&user.password),
                    to_sql(&user.is_active),
                    to_sql(&user.date_joined),
                    to_sql(&user.last_login),
                    to_sql(&user.confirmed),
                ])
            })
            .map(drop)
            .map_err(failed)
    }

    /// Stages a verified address of django-allauth's `account_emailaddress`.
    pub fn add_verified(&mut self, user_id: i64, email: &str) -> Result<(), ImportError> {
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        self.conn
            .prepare_cached("INSERT INTO verified (user_id, email_key) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![user_id, email.key()]))
            .map(drop)
            .map_err(failed)
    }

    /// Stages a row of SimpleJWT's `token_blacklist_outstandingtoken`.
    pub fn add_outstanding(
        &mut self,
        id: i64,
        user_id: Option<i64>,
        jti: &str,
        expires_at: &Value,
    ) -> Result<(), ImportError> {
        let expires_at = match expires_at {
            Value::Int(n) => Some(*n),
            Value::Text(t) => time::parse(t).map(|t| t as i64),
            _ => None,
        };
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO outstanding (id, user_id, jti, expires_at) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![id, user_id, jti, expires_at]))
            .map(drop)
            .map_err(failed)
    }

    /// Stages a row of SimpleJWT's `token_blacklist_blacklistedtoken`.
    pub fn add_blacklisted(&mut self, token_id: i64) -> Result<(), ImportError> {
        self.conn
            .prepare_cached("INSERT INTO blacklisted (token_id) VALUES (?1)")
            .and_then(|mut s| s.execute([token_id]))
            .map(drop)
            .map_err(failed)
    }

    /// Ends the reading phase: commits and indexes what was staged. The
    /// dry run's bookkeeping that follows runs in one more transaction,
    /// never committed: the file is thrown away.
    pub fn finish(&mut self) -> Result<(), ImportError> {
        self.conn
            .execute_batch(
                "COMMIT;
                 CREATE INDEX users_by_model ON users (model, position);
                 CREATE INDEX verified_by_user ON verified (user_id);
                 BEGIN;",
            )
            .map_err(failed)
    }

    /// The distinct models that staged user rows, with their row counts.
    pub fn models(&self) -> Result<Vec<(String, u64)>, ImportError> {
        let mut statement = self
            .conn
            .prepare("SELECT model, count(*) FROM users GROUP BY model ORDER BY model")
            .map_err(failed)?;
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(failed)?;
        rows.collect::<Result<_, _>>().map_err(failed)
    }

    /// Calls `each` with every staged user of `model`, in source order,
    /// and whether django-allauth lists its address as verified.
    pub fn for_each_user(
        &self,
        model: &str,
        mut each: impl FnMut(SourceUser, bool) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT position, id, email, username, password, is_active, date_joined, last_login, \
                 confirmed, EXISTS (SELECT 1 FROM verified v WHERE v.user_id = u.id \
                 AND v.email_key = lower(trim(u.email))) FROM users u WHERE model = ?1 ORDER BY position",
            )
            .map_err(failed)?;
        let mut rows = statement.query([model]).map_err(failed)?;
        while let Some(row) = rows.next().map_err(failed)? {
            let (user, verified) = staged_user(row).map_err(failed)?;
            each(user, verified)?;
        }
        Ok(())
    }

    /// The blacklisted tokens that have not expired by `now`.
    pub fn revoked_tokens(&self, now: u64) -> Result<Vec<StagedToken>, ImportError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT DISTINCT o.jti, o.user_id, o.expires_at FROM blacklisted b \
                 JOIN outstanding o ON o.id = b.token_id \
                 WHERE o.user_id IS NOT NULL AND o.jti IS NOT NULL AND o.expires_at > ?1 ORDER BY o.id",
            )
            .map_err(failed)?;
        let rows = statement
            .query_map([now as i64], |r| {
                Ok(StagedToken {
                    jti: r.get(0)?,
                    user_id: r.get(1)?,
                    expires_at: r.get::<_, i64>(2)?.max(0) as u64,
                })
            })
            .map_err(failed)?;
        rows.collect::<Result<_, _>>().map_err(failed)
    }

    /// The id of the earlier row of the source that a dry run would import
    /// with this key (`id`, `email` or `username`), if any.
    pub fn holder(&self, kind: &str, key: &str) -> Result<Option<i64>, ImportError> {
        self.conn
            .prepare_cached("SELECT id FROM seen WHERE kind = ?1 AND key = ?2")
            .and_then(|mut s| s.query_row([kind, key], |r| r.get(0)).optional())
            .map_err(failed)
    }

    /// Records that a dry run would import user `id` with this key.
    pub fn claim(&self, kind: &str, key: &str, id: i64) -> Result<(), ImportError> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO seen (kind, key, id) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![kind, key, id]))
            .map(drop)
            .map_err(failed)
    }
}

fn staged_user(row: &Row<'_>) -> rusqlite::Result<(SourceUser, bool)> {
    let user = SourceUser {
        position: row.get::<_, i64>(0)?.max(0) as u64,
        id: Value::from_column(row, 1)?,
        email: Value::from_column(row, 2)?,
        username: Value::from_column(row, 3)?,
        password: Value::from_column(row, 4)?,
        is_active: Value::from_column(row, 5)?,
        date_joined: Value::from_column(row, 6)?,
        last_login: Value::from_column(row, 7)?,
        confirmed: Value::from_column(row, 8)?,
    };
    Ok((user, row.get(9)?))
}
