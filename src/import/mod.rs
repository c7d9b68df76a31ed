//! Moving users in and out: `accounts import django` takes over the users
//! of a Django deployment (its SQLite file, a `dumpdata` fixture or a CSV
//! of its user table), `accounts export` writes every user as JSON lines
//! and `accounts import jsonl` reads them back.
//!
//! An import runs in two phases. First the whole source is read, streaming,
//! into a private staging file ([`staging`]), each source by its own reader
//! ([`django_sqlite`], [`fixture`], [`csv`], [`jsonl`]); a source that is
//! not what it says stops the import there, before anything is written.
//! Then [`apply`] turns each staged row into a user ([`row`]) and writes
//! them in batches of one transaction each, so a server running on the same
//! database keeps answering. Ids are kept; a user whose id is present
//! already is left alone, so importing twice is harmless; rows that cannot
//! be imported are listed and counted ([`summary`]).

pub mod apply;
pub mod command;
pub mod csv;
pub mod django_sqlite;
pub mod fixture;
pub mod jsonl;
pub mod row;
pub mod staging;
pub mod summary;
pub mod time;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use crate::store::{Store, StoreError};
use staging::Staging;
use summary::Summary;

/// What an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A Django project's SQLite database file.
    DjangoSqlite,
    /// A `manage.py dumpdata` JSON fixture.
    DjangoFixture,
    /// A CSV of the user table with a header row.
    DjangoCsv,
    /// This service's own export.
    Jsonl,
}

/// How to run one import.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: SourceKind,
    /// The source file; `-` is standard input (not for SQLite).
    pub path: String,
    /// The user table (SQLite) or model (fixture) when it is ambiguous.
    pub table: Option<String>,
    /// The column holding the confirmation flag, when not the default.
    pub confirmed_column: Option<String>,
    /// Treat every imported address as confirmed.
    pub all_confirmed: bool,
    /// Read and check everything, write nothing.
    pub dry_run: bool,
}

/// The column of the confirmation flag unless `--confirmed-column` names
/// another: the original service's.
pub const DEFAULT_CONFIRMED_COLUMN: &str = "is_email_confirmed";

impl Options {
    pub fn confirmed_column(&self) -> &str {
        self.confirmed_column
            .as_deref()
            .unwrap_or(DEFAULT_CONFIRMED_COLUMN)
    }
}

/// What reading a source found out besides its rows.
pub struct SourceRead {
    /// The user table or model whose staged rows are imported.
    pub model: String,
    /// Remarks for the operator (such as a missing confirmation column).
    pub notes: Vec<String>,
}

/// Why an import (or export) stopped. Rows that cannot be imported are not
/// errors: they are skipped and listed.
#[derive(Debug)]
pub enum ImportError {
    /// The source is not what it says, or cannot be read; nothing was
    /// written. `name` is the file (or `-`).
    Source { name: String, problem: String },
    /// The private staging file failed (disk full, for instance).
    Staging(String),
    /// The accounts database failed.
    Store(StoreError),
    /// The output (the export file, or standard output) failed.
    Output { name: String, problem: String },
}

impl ImportError {
    pub fn source(name: impl AsRef<Path>, problem: String) -> ImportError {
        ImportError::Source {
            name: name.as_ref().display().to_string(),
            problem,
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Source { name, problem } => {
                write!(f, "{name}: {problem}; nothing was imported")
            }
            ImportError::Staging(e) => write!(f, "the import's temporary file failed: {e}"),
            ImportError::Store(e) => write!(f, "{e}"),
            ImportError::Output { name, problem } => write!(f, "{name}: {problem}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> ImportError {
        ImportError::Store(e)
    }
}

/// Reads the source, then writes its users (or, with `dry_run`, only says
/// what it would write). Skipped rows, notes and the summary go to `out`.
pub fn run(
    options: &Options,
    store: &mut Store,
    out: &mut dyn Write,
) -> Result<Summary, ImportError> {
    let mut staging = Staging::create()?;
    let read = read_source(options, &mut staging)?;
    staging.finish()?;
    for note in &read.notes {
        summary::say(out, &format!("note: {note}"))?;
    }
    apply::apply(options, &read.model, &staging, store, out)
}

fn read_source(options: &Options, staging: &mut Staging) -> Result<SourceRead, ImportError> {
    let name = options.path.as_str();
    match options.kind {
        SourceKind::DjangoSqlite => django_sqlite::read(Path::new(name), options, staging),
        SourceKind::DjangoFixture => fixture::read(name, open(name)?, options, staging),
        SourceKind::DjangoCsv => csv::read(name, open(name)?, options, staging),
        SourceKind::Jsonl => jsonl::read(
            name,
            BufReader::with_capacity(1 << 16, open(name)?),
            staging,
        ),
    }
}

/// The file, or standard input for `-`.
fn open(name: &str) -> Result<Box<dyn Read>, ImportError> {
    if name == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    File::open(name)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|e| ImportError::source(name, format!("cannot be opened: {e}")))
}
