//! The service's own export format, JSON lines: `accounts export` writes
//! it and `accounts import jsonl` reads it back.
//!
//! One user per line, an object with the Django names of the columns, so
//! the same row rules apply to it as to a Django source:
//!
//! ```text
//! {"id":7,"email":"alice@example.com","username":"alice","password":"bcrypt_sha256$$2b$12$...","is_email_confirmed":true,"is_active":true,"date_joined":"2024-05-01T10:00:00Z","last_login":null}
//! ```
//!
//! `password` is the hash as stored (never a password), `date_joined` and
//! `last_login` are RFC 3339 in UTC, `username` and `last_login` may be
//! `null`.

use std::io::{BufRead, Write};

use serde::Serialize;

use super::row::{SourceUser, Value};
use super::staging::Staging;
use super::time;
use super::{ImportError, SourceRead};
use crate::store::ExportedUser;

/// The model name staged rows carry.
pub const MODEL: &str = "jsonl";

/// One line of the export.
#[derive(Serialize)]
struct Line<'a> {
    id: i64,
    email: &'a str,
    username: Option<&'a str>,
    password: &'a str,
    is_email_confirmed: bool,
    is_active: bool,
    date_joined: String,
    last_login: Option<String>,
}

/// Writes one user as one line.
pub fn write_user(out: &mut impl Write, user: &ExportedUser) -> std::io::Result<()> {
    let line = Line {
        id: user.id,
        email: &user.email,
        username: user.username.as_deref(),
        password: &user.password_hash,
        is_email_confirmed: user.is_email_confirmed,
        is_active: user.is_active,
        date_joined: time::format(user.created_at),
        last_login: user.last_login_at.map(time::format),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")
}

/// Stages every line of the export in `reader`; a line that is not a JSON
/// object stops the import before anything is written.
pub fn read(
    name: &str,
    reader: impl BufRead,
    staging: &mut Staging,
) -> Result<SourceRead, ImportError> {
    let mut position = 0;
    for (index, line) in reader.lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(|e| ImportError::source(name, format!("cannot be read: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line)
            .map_err(|e| {
                ImportError::source(
                    name,
                    format!("line {line_number} is not a JSON object: {e}"),
                )
            })?;
        let field = |key: &str| object.get(key).map_or(Value::Missing, Value::from_json);
        position += 1;
        let user = SourceUser {
            id: field("id"),
            email: field("email"),
            username: field("username"),
            password: field("password"),
            is_active: field("is_active"),
            date_joined: field("date_joined"),
            last_login: field("last_login"),
            confirmed: field("is_email_confirmed"),
            ..SourceUser::at(position)
        };
        staging.add_user(MODEL, &user)?;
    }
    Ok(SourceRead {
        model: MODEL.into(),
        notes: Vec::new(),
    })
}
