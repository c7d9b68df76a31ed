//! One user row as a source gives it, and the rules that turn it into a
//! user this service can store, or into the reason it cannot be imported.
//!
//! Every source (SQLite, fixture, CSV, our own JSON lines) fills the same
//! [`SourceUser`] with loosely typed [`Value`]s, since each spells booleans,
//! numbers and dates its own way; [`SourceUser::into_user`] is the one place
//! that decides what they mean.

use crate::domain::django_hash::{self, HashFormat, UNUSABLE};
use crate::domain::{Email, Username};
use crate::store::ImportUser;

use super::time;

/// A field as a source gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The source has no such column.
    Missing,
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
}

impl Value {
    /// An SQLite column as a field (the Django database and the staging
    /// file); a real number or a blob is kept as text.
    pub fn from_column(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Value> {
        use rusqlite::types::ValueRef;
        Ok(match row.get_ref(index)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) => Value::Int(n),
            ValueRef::Real(f) => Value::Text(f.to_string()),
            ValueRef::Text(t) | ValueRef::Blob(t) => {
                Value::Text(String::from_utf8_lossy(t).into_owned())
            }
        })
    }

    /// A JSON value as a field (objects and arrays are never user fields).
    pub fn from_json(value: &serde_json::Value) -> Value {
        match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                n.as_i64().map_or(Value::Text(n.to_string()), Value::Int)
            }
            serde_json::Value::String(s) => Value::Text(s.clone()),
            other => Value::Text(other.to_string()),
        }
    }

    /// A CSV cell: empty and MySQL's `\N` are NULL.
    pub fn from_csv(cell: &str) -> Value {
        if cell.is_empty() || cell == "\\N" {
            Value::Null
        } else {
            Value::Text(cell.to_string())
        }
    }

    fn is_absent(&self) -> bool {
        matches!(self, Value::Missing | Value::Null)
    }

    fn as_text(&self) -> Option<String> {
        match self {
            Value::Text(s) => Some(s.clone()),
            Value::Int(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Missing | Value::Null => None,
        }
    }

    /// A boolean as SQLite (0/1), PostgreSQL (t/f), MySQL (0/1) and JSON
    /// (true/false) write it.
    fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(0) => Some(false),
            Value::Int(1) => Some(true),
            Value::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
                "t" | "true" | "1" | "yes" | "y" => Some(true),
                "f" | "false" | "0" | "no" | "n" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    fn as_id(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::Text(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|id| *id > 0)
    }

    fn as_time(&self) -> Option<u64> {
        match self {
            Value::Int(n) => Some((*n).max(0) as u64),
            Value::Text(s) => time::parse(s),
            _ => None,
        }
    }
}

/// The columns of one user row that the import reads.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceUser {
    /// 1-based position of the row in the source, for messages.
    pub position: u64,
    pub id: Value,
    pub email: Value,
    pub username: Value,
    pub password: Value,
    pub is_active: Value,
    pub date_joined: Value,
    pub last_login: Value,
    /// The confirmation flag (`is_email_confirmed` or the named column).
    pub confirmed: Value,
}

impl SourceUser {
    /// An empty row at `position`: every field missing.
    pub fn at(position: u64) -> SourceUser {
        SourceUser {
            position,
            id: Value::Missing,
            email: Value::Missing,
            username: Value::Missing,
            password: Value::Missing,
            is_active: Value::Missing,
            date_joined: Value::Missing,
            last_login: Value::Missing,
            confirmed: Value::Missing,
        }
    }

    /// The id, when the row has a usable one (for messages about the row).
    pub fn id(&self) -> Option<i64> {
        self.id.as_id()
    }

    /// The user to store, with the format of its password hash, or why the
    /// row cannot be imported. `now` stands in for a missing `date_joined`.
    pub fn into_user(self, now: u64) -> Result<(ImportUser, HashFormat), String> {
        let id = self.id.as_id().ok_or_else(|| match &self.id {
            Value::Missing | Value::Null => "no id".to_string(),
            other => format!("the id {} is not a positive whole number", shown(other)),
        })?;
        let raw_email = self.email.as_text().unwrap_or_default();
        if raw_email.trim().is_empty() {
            return Err("no address".into());
        }
        let email = Email::parse(&raw_email)
            .map_err(|e| format!("the address {raw_email:?} is not valid: {}", e.message()))?;
        let username = match self.username.as_text() {
            None => None,
            Some(raw) => Username::parse_optional(&raw)
                .map_err(|e| format!("the username {raw:?} is not valid: {}", e.message()))?,
        };
        let (password_hash, format) = password_hash(&self.password);
        let is_active = flag(&self.is_active, "is_active", true)?;
        let is_email_confirmed = flag(&self.confirmed, "the confirmation flag", false)?;
        let created_at = optional_time(&self.date_joined, "date_joined")?.unwrap_or(now);
        let last_login_at = optional_time(&self.last_login, "last_login")?;
        let user = ImportUser {
            id,
            email,
            username,
            password_hash,
            is_email_confirmed,
            is_active,
            created_at,
            last_login_at,
        };
        Ok((user, format))
    }
}

/// The hash to store and its format: usable hashes are kept as they are,
/// everything else becomes [`UNUSABLE`].
fn password_hash(value: &Value) -> (String, HashFormat) {
    let encoded = value.as_text().unwrap_or_default();
    let format = django_hash::classify(&encoded);
    if format.is_usable() {
        (encoded, format)
    } else {
        (UNUSABLE.to_string(), format)
    }
}

fn flag(value: &Value, name: &str, default: bool) -> Result<bool, String> {
    if value.is_absent() {
        return Ok(default);
    }
    value
        .as_bool()
        .ok_or_else(|| format!("{name} {} is not a boolean", shown(value)))
}

fn optional_time(value: &Value, name: &str) -> Result<Option<u64>, String> {
    if value.is_absent() {
        return Ok(None);
    }
    value
        .as_time()
        .map(Some)
        .ok_or_else(|| format!("{name} {} is not a date and time", shown(value)))
}

fn shown(value: &Value) -> String {
    match value {
        Value::Text(s) => format!("{s:?}"),
        other => other.as_text().unwrap_or_else(|| "null".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> SourceUser {
        SourceUser {
            id: Value::Int(7),
            email: Value::Text("Alice@Example.COM".into()),
            username: Value::Text("alice".into()),
            password: Value::Text(
                "pbkdf2_sha256$1000$CxI1t8Ij0wcc75o1eBeuS1$2ek4UMZz8ErZ/W2ePEJZkSCgfimkkvOjNM3wiGXhfFs="
                    .into(),
            ),
            is_active: Value::Text("t".into()),
            date_joined: Value::Text("2024-05-01 10:00:00.5+00".into()),
            last_login: Value::Null,
            confirmed: Value::Int(1),
            ..SourceUser::at(1)
        }
    }

    #[test]
    fn a_complete_row_becomes_a_user_with_its_id_and_hash() {
        let (user, format) = row().into_user(99).unwrap();
        assert_eq!(user.id, 7);
        assert_eq!(user.email.as_str(), "Alice@example.com");
        assert_eq!(user.username.as_ref().map(Username::as_str), Some("alice"));
        assert!(user.password_hash.starts_with("pbkdf2_sha256$1000$"));
        assert_eq!(format, HashFormat::Pbkdf2Sha256);
        assert!(user.is_active && user.is_email_confirmed);
        assert_eq!(user.created_at, 1_714_557_600);
        assert_eq!(user.last_login_at, None);
    }

    #[test]
    fn missing_optional_columns_take_their_defaults() {
        let source = SourceUser {
            id: Value::Text("12".into()),
            email: Value::Text("bob@example.com".into()),
            password: Value::Text("!unusable".into()),
            ..SourceUser::at(2)
        };
        let (user, format) = source.into_user(99).unwrap();
        assert_eq!(user.id, 12);
        assert_eq!(user.username, None);
        assert!(user.is_active);
        assert!(!user.is_email_confirmed);
        assert_eq!(user.created_at, 99);
        assert_eq!(format, HashFormat::Unusable);
        assert_eq!(user.password_hash, UNUSABLE);
    }

    #[test]
    fn weak_or_unknown_hashes_are_stored_as_unusable() {
        for (encoded, format) in [
            (
                "md5$salt$891941d662dc73084e848a48422189bb",
                HashFormat::Legacy,
            ),
            ("something else", HashFormat::Unknown),
            ("", HashFormat::Unusable),
        ] {
            let source = SourceUser {
                password: Value::Text(encoded.into()),
                ..row()
            };
            let (user, found) = source.into_user(0).unwrap();
            assert_eq!((user.password_hash.as_str(), found), (UNUSABLE, format));
        }
    }

    #[test]
    fn rows_that_cannot_be_imported_say_why() {
        let cases = [
            (
                SourceUser {
                    id: Value::Null,
                    ..row()
                },
                "no id",
            ),
            (
                SourceUser {
                    id: Value::Text("x".into()),
                    ..row()
                },
                "the id \"x\" is not a positive whole number",
            ),
            (
                SourceUser {
                    id: Value::Int(0),
                    ..row()
                },
                "the id 0 is not a positive whole number",
            ),
            (
                SourceUser {
                    email: Value::Text(" ".into()),
                    ..row()
                },
                "no address",
            ),
            (
                SourceUser {
                    email: Value::Text("not-an-address".into()),
                    ..row()
                },
                "the address \"not-an-address\" is not valid: Enter a valid email address.",
            ),
            (
                SourceUser {
                    username: Value::Text("bad name".into()),
                    ..row()
                },
                "the username \"bad name\" is not valid",
            ),
            (
                SourceUser {
                    is_active: Value::Text("maybe".into()),
                    ..row()
                },
                "is_active \"maybe\" is not a boolean",
            ),
            (
                SourceUser {
                    date_joined: Value::Text("soon".into()),
                    ..row()
                },
                "date_joined \"soon\" is not a date and time",
            ),
        ];
        for (source, reason) in cases {
            let found = source.into_user(0).unwrap_err();
            assert!(
                found.starts_with(reason),
                "{found:?} should start with {reason:?}"
            );
        }
    }

    #[test]
    fn each_sources_booleans_are_understood() {
        for (value, expected) in [
            (Value::Bool(true), Some(true)),
            (Value::Int(0), Some(false)),
            (Value::Text("t".into()), Some(true)),
            (Value::Text("f".into()), Some(false)),
            (Value::Text("TRUE".into()), Some(true)),
            (Value::Text("0".into()), Some(false)),
            (Value::Int(2), None),
            (Value::Text("yes please".into()), None),
        ] {
            assert_eq!(value.as_bool(), expected, "{value:?}");
        }
    }

    #[test]
    fn csv_nulls_are_empty_cells_and_mysql_backslash_n() {
        assert_eq!(Value::from_csv(""), Value::Null);
        assert_eq!(Value::from_csv("\\N"), Value::Null);
        assert_eq!(Value::from_csv("x"), Value::Text("x".into()));
    }
}
