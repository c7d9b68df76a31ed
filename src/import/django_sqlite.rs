//! Reading a Django project's SQLite database (`--sqlite PATH`): the user
//! table, django-allauth's verified addresses and SimpleJWT's blacklist.
//!
//! The file is opened read-only, so importing from the live file of a
//! running Django deployment is safe (its writes should be stopped for the
//! final import anyway, so that none is missed).

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::row::{SourceUser, Value};
use super::staging::Staging;
use super::{ImportError, Options, SourceRead};

/// The columns every user model table has (`AbstractBaseUser` plus an
/// email): how the table is recognised.
const SIGNATURE: [&str; 4] = ["id", "email", "password", "last_login"];
const ALLAUTH_TABLE: &str = "account_emailaddress";
const OUTSTANDING_TABLE: &str = "token_blacklist_outstandingtoken";
const BLACKLISTED_TABLE: &str = "token_blacklist_blacklistedtoken";

/// One table and its column names.
struct Table {
    name: String,
    columns: Vec<String>,
}

impl Table {
    fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }

    /// The column, quoted, or NULL when the table lacks it.
    fn column_or_null(&self, column: &str) -> String {
        if self.has(column) {
            quote(column)
        } else {
            "NULL".into()
        }
    }
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Stages everything the import uses from the database at `path`.
pub fn read(
    path: &Path,
    options: &Options,
    staging: &mut Staging,
) -> Result<SourceRead, ImportError> {
    let source = |problem: String| ImportError::source(path, problem);
    let conn = open(path).map_err(source)?;
    let tables = tables(&conn).map_err(|e| source(format!("not a SQLite database ({e})")))?;
    let table = user_table(&tables, options).map_err(source)?;
    let confirmed = options.confirmed_column();
    let mut notes = Vec::new();
    if !table.has(confirmed) {
        if options.confirmed_column.is_some() {
            return Err(source(format!(
                "the table {} has no column {confirmed}",
                table.name
            )));
        }
        notes.push(format!(
            "the table {} has no column {confirmed}: addresses are confirmed only by --all-confirmed or django-allauth",
            table.name
        ));
    }
    stage_users(&conn, table, confirmed, staging).map_err(|e| e.at(path))?;
    if let Some(allauth) = tables.iter().find(|t| t.name == ALLAUTH_TABLE)
        && ["user_id", "email", "verified"]
            .iter()
            .all(|c| allauth.has(c))
    {
        stage_verified(&conn, staging).map_err(|e| e.at(path))?;
    }
    let has = |name: &str| tables.iter().any(|t| t.name == name);
    if has(OUTSTANDING_TABLE) && has(BLACKLISTED_TABLE) {
        stage_blacklist(&conn, staging).map_err(|e| e.at(path))?;
    }
    Ok(SourceRead {
        model: table.name.clone(),
        notes,
    })
}

fn open(path: &Path) -> Result<Connection, String> {
    if !path.is_file() {
        return Err("no such file".into());
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(path, flags).map_err(|e| format!("cannot open it: {e}"))
}

fn tables(conn: &Connection) -> rusqlite::Result<Vec<Table>> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    names
        .into_iter()
        .map(|name| {
            let columns = conn
                .prepare(&format!("PRAGMA table_info({})", quote(&name)))?
                .query_map([], |r| r.get::<_, String>(1))?
                .collect::<Result<_, _>>()?;
            Ok(Table { name, columns })
        })
        .collect()
}

/// The table `--table` names, or the only one that looks like a user
/// model's.
fn user_table<'a>(tables: &'a [Table], options: &Options) -> Result<&'a Table, String> {
    if let Some(name) = &options.table {
        let table = tables
            .iter()
            .find(|t| &t.name == name)
            .ok_or_else(|| format!("no table {name}"))?;
        if let Some(missing) = ["id", "email", "password"].iter().find(|c| !table.has(c)) {
            return Err(format!("the table {name} has no column {missing}"));
        }
        return Ok(table);
    }
    let candidates: Vec<&Table> = tables
        .iter()
        .filter(|t| SIGNATURE.iter().all(|c| t.has(c)))
        .collect();
    match candidates.as_slice() {
        [table] => Ok(table),
        [] => Err(
            "no user table found (one with id, email, password and last_login columns, such as \
             accounts_user or auth_user); name it with --table"
                .into(),
        ),
        several => Err(format!(
            "several tables look like user tables ({}); name one with --table",
            several
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn stage_users(
    conn: &Connection,
    table: &Table,
    confirmed: &str,
    staging: &mut Staging,
) -> Result<(), ReadError> {
    let sql = format!(
        "SELECT id, email, {}, password, {}, {}, {}, {} FROM {} ORDER BY id",
        table.column_or_null("username"),
        table.column_or_null("is_active"),
        table.column_or_null("date_joined"),
        table.column_or_null("last_login"),
        table.column_or_null(confirmed),
        quote(&table.name),
    );
    let mut statement = conn.prepare(&sql)?;
    let mut rows = statement.query([])?;
    let mut position = 0;
    while let Some(row) = rows.next()? {
        position += 1;
        let user = SourceUser {
            id: Value::from_column(row, 0)?,
            email: Value::from_column(row, 1)?,
            username: Value::from_column(row, 2)?,
            password: Value::from_column(row, 3)?,
            is_active: Value::from_column(row, 4)?,
            date_joined: Value::from_column(row, 5)?,
            last_login: Value::from_column(row, 6)?,
            confirmed: Value::from_column(row, 7)?,
            ..SourceUser::at(position)
        };
        staging.add_user(&table.name, &user)?;
    }
    Ok(())
}

fn stage_verified(conn: &Connection, staging: &mut Staging) -> Result<(), ReadError> {
    let mut statement = conn.prepare(&format!(
        "SELECT user_id, email FROM {ALLAUTH_TABLE} WHERE verified AND user_id IS NOT NULL"
    ))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let (user_id, email): (i64, String) = (row.get(0)?, row.get(1)?);
        staging.add_verified(user_id, &email)?;
    }
    Ok(())
}

/// Only the blacklisted tokens: the outstanding table lists every refresh
/// token ever issued, which may be millions.
fn stage_blacklist(conn: &Connection, staging: &mut Staging) -> Result<(), ReadError> {
    let mut statement = conn.prepare(&format!(
        "SELECT DISTINCT o.id, o.user_id, o.jti, o.expires_at FROM {OUTSTANDING_TABLE} o \
         JOIN {BLACKLISTED_TABLE} b ON b.token_id = o.id"
    ))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let user_id: Option<i64> = row.get(1)?;
        let jti: String = row.get(2)?;
        let expires_at = Value::from_column(row, 3)?;
        staging.add_outstanding(id, user_id, &jti, &expires_at)?;
        staging.add_blacklisted(id)?;
    }
    Ok(())
}

/// A failure while reading rows: the source file (damaged, or not what it
/// said) or the staging file.
enum ReadError {
    Source(rusqlite::Error),
    Staging(ImportError),
}

impl From<rusqlite::Error> for ReadError {
    fn from(e: rusqlite::Error) -> ReadError {
        ReadError::Source(e)
    }
}

impl From<ImportError> for ReadError {
    fn from(e: ImportError) -> ReadError {
        ReadError::Staging(e)
    }
}

impl ReadError {
    fn at(self, path: &Path) -> ImportError {
        match self {
            ReadError::Source(e) => ImportError::source(path, format!("cannot be read: {e}")),
            ReadError::Staging(e) => e,
        }
    }
}
