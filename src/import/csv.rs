//! Reading a CSV export of the user table (`--csv PATH`), streaming, as
//! PostgreSQL's `\copy ... csv header` and MySQL write it: a header row
//! naming the columns, then one row per user. Empty cells and `\N` are
//! NULL; booleans may be `t`/`f`, `1`/`0` or `true`/`false`.

use std::io::Read;

use super::row::{SourceUser, Value};
use super::staging::Staging;
use super::{ImportError, Options, SourceRead};

/// The model name staged rows carry: a CSV holds one table.
pub const MODEL: &str = "csv";

/// Where each column the import reads sits in a row.
struct Columns {
    id: usize,
    email: usize,
    password: usize,
    username: Option<usize>,
    is_active: Option<usize>,
    date_joined: Option<usize>,
    last_login: Option<usize>,
    confirmed: Option<usize>,
}

/// Stages every row of the CSV in `reader`.
pub fn read(
    name: &str,
    reader: impl Read,
    options: &Options,
    staging: &mut Staging,
) -> Result<SourceRead, ImportError> {
    let source = |problem: String| ImportError::source(name, problem);
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
    let header = csv
        .headers()
        .map_err(|e| source(format!("not a CSV file: {e}")))?
        .clone();
    if header.iter().all(str::is_empty) {
        return Err(source(
            "empty: expected a header row naming the columns".into(),
        ));
    }
    let find = |column: &str| header.iter().position(|h| h.trim() == column);
    let required = |column: &str| {
        find(column).ok_or_else(|| {
            source(format!(
                "no column {column} in the header row (found: {})",
                header.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    let confirmed_name = options.confirmed_column();
    let columns = Columns {
        id: required("id")?,
        email: required("email")?,
        password: required("password")?,
        username: find("username"),
        is_active: find("is_active"),
        date_joined: find("date_joined"),
        last_login: find("last_login"),
        confirmed: find(confirmed_name),
    };
    let mut notes = Vec::new();
    if columns.confirmed.is_none() {
        if options.confirmed_column.is_some() {
            return Err(source(format!(
                "no column {confirmed_name} in the header row"
            )));
        }
        notes.push(format!(
            "no column {confirmed_name}: addresses are confirmed only by --all-confirmed"
        ));
    }
    let mut record = csv::StringRecord::new();
    let mut position = 0;
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(source(format!("not a well-formed CSV file: {e}"))),
        }
        position += 1;
        staging.add_user(MODEL, &user_of(&record, &columns, position))?;
    }
    Ok(SourceRead {
        model: MODEL.into(),
        notes,
    })
}

fn user_of(record: &csv::StringRecord, columns: &Columns, position: u64) -> SourceUser {
    let cell = |index: usize| record.get(index).map_or(Value::Null, Value::from_csv);
    let optional = |index: Option<usize>| index.map_or(Value::Missing, cell);
    SourceUser {
        id: cell(columns.id),
        email: cell(columns.email),
        password: cell(columns.password),
        username: optional(columns.username),
        is_active: optional(columns.is_active),
        date_joined: optional(columns.date_joined),
        last_login: optional(columns.last_login),
        confirmed: optional(columns.confirmed),
        ..SourceUser::at(position)
    }
}
