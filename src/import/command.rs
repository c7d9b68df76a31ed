//! The operator commands `accounts import ...` and `accounts export FILE`:
//! their arguments, their output, and their exit status. The work itself
//! is in [`super::run`] and [`export`].

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;

use super::{ImportError, Options, SourceKind, jsonl};
use crate::store::Store;

pub const IMPORT_USAGE: &str = "\
Usage:
  accounts import django (--sqlite PATH | --json PATH | --csv PATH) [options]
      Import the users of a Django deployment: its SQLite database, a
      `manage.py dumpdata` fixture, or a CSV of its user table with a header
      row. Ids, password hashes and confirmation are kept; SimpleJWT's
      blacklisted refresh tokens stay refused.
      --table NAME              The user table (SQLite) or model (fixture, such
                                as accounts.user) when there are several
      --confirmed-column NAME   The confirmation flag's column
                                (default: is_email_confirmed)
      --all-confirmed           Treat every imported address as confirmed
      --dry-run                 Read and check everything, write nothing
  accounts import jsonl FILE [--dry-run]
      Import what `accounts export` wrote.

FILE (or PATH, except for --sqlite) may be - for standard input. A user whose
id is already present is left as it is. Rows that cannot be imported are
listed; the command then exits with status 1.
";

pub const EXPORT_USAGE: &str = "\
Usage: accounts export FILE
  Write every user (id, email, username, password hash as stored, confirmed,
  active, created, last login) to FILE as JSON lines, created with mode 0600;
  - writes to standard output. The file holds password hashes: keep it private.
";

/// `accounts import <args>`: `open` gives the configured database.
pub fn import(args: &[&str], open: impl FnOnce() -> Result<Store, String>) -> Result<(), String> {
    if args.is_empty() || args.iter().any(|a| matches!(*a, "-h" | "--help" | "help")) {
        print(IMPORT_USAGE);
        return Ok(());
    }
    let options = parse_import(args)?;
    let mut store = open()?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let summary = super::run(&options, &mut store, &mut out).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| format!("standard output: {e}"))?;
    match summary.skipped {
        0 => Ok(()),
        1 => Err("1 row was skipped (listed above)".into()),
        n => Err(format!("{n} rows were skipped (listed above)")),
    }
}

fn parse_import(args: &[&str]) -> Result<Options, String> {
    let unknown = |what: &str| format!("unknown option {what:?}; see accounts import --help");
    let (kind, mut path, mut rest) = match args {
        ["django", rest @ ..] => (None, None, rest),
        ["jsonl", file, rest @ ..] => (Some(SourceKind::Jsonl), Some(file.to_string()), rest),
        _ => return Err(unknown(&args.join(" "))),
    };
    let mut options = Options {
        kind: kind.unwrap_or(SourceKind::DjangoSqlite),
        path: String::new(),
        table: None,
        confirmed_column: None,
        all_confirmed: false,
        dry_run: false,
    };
    let mut source_given = kind.is_some();
    while let Some((flag, tail)) = rest.split_first() {
        rest = tail;
        let django_only = options.kind != SourceKind::Jsonl;
        match (*flag, tail) {
            ("--dry-run", _) => options.dry_run = true,
            ("--all-confirmed", _) if django_only => options.all_confirmed = true,
            ("--sqlite" | "--json" | "--csv", [value, tail @ ..]) if django_only => {
                if source_given {
                    return Err("give one source: --sqlite, --json or --csv".into());
                }
                source_given = true;
                options.kind = match *flag {
                    "--sqlite" => SourceKind::DjangoSqlite,
                    "--json" => SourceKind::DjangoFixture,
                    _ => SourceKind::DjangoCsv,
                };
                path = Some(value.to_string());
                rest = tail;
            }
            ("--table", [value, tail @ ..]) if django_only => {
                options.table = Some(value.to_string());
                rest = tail;
            }
            ("--confirmed-column", [value, tail @ ..]) if django_only => {
                options.confirmed_column = Some(value.to_string());
                rest = tail;
            }
            _ => return Err(unknown(flag)),
        }
    }
    options.path = path.ok_or("name the source: --sqlite PATH, --json PATH or --csv PATH")?;
    if options.table.is_some() && options.kind == SourceKind::DjangoCsv {
        return Err("--table applies to --sqlite and --json; a CSV holds one table".into());
    }
    Ok(options)
}

/// `accounts export FILE`.
pub fn export(args: &[&str], open: impl FnOnce() -> Result<Store, String>) -> Result<(), String> {
    let file = match args {
        [] | ["-h" | "--help" | "help", ..] => {
            print(EXPORT_USAGE);
            return Ok(());
        }
        [file] => *file,
        _ => {
            return Err(format!(
                "unknown arguments {:?}; see accounts export --help",
                args.join(" ")
            ));
        }
    };
    let store = open()?;
    if file == "-" {
        // Standard output carries the data: the count goes to stderr.
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let count = write_all(&store, &mut out, "standard output")?;
        out.flush().map_err(|e| format!("standard output: {e}"))?;
        eprintln!("exported {count} users");
    } else {
        let count = export_to_file(&store, file)?;
        print(&format!(
            "exported {count} users to {file} (mode 0600: it holds password hashes)\n"
        ));
    }
    Ok(())
}

/// Creates `file` owner-only (it holds password hashes) and never over an
/// existing file or symbolic link; a failed export leaves no partial file.
fn export_to_file(store: &Store, file: &str) -> Result<usize, String> {
    let created = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                format!("{file} already exists; choose a new file")
            }
            _ => format!("{file}: cannot be created: {e}"),
        })?;
    let mut out = BufWriter::new(created);
    let written = write_all(store, &mut out, file).and_then(|count| {
        out.flush()
            .map(|()| count)
            .map_err(|e| format!("{file}: {e}"))
    });
    if written.is_err() {
        let _ = std::fs::remove_file(file);
    }
    written
}

fn write_all(store: &Store, out: &mut impl Write, name: &str) -> Result<usize, String> {
    let output_error = |e: std::io::Error| {
        ImportError::Output {
            name: name.to_string(),
            problem: e.to_string(),
        }
        .to_string()
    };
    store
        .for_each_user(|user| jsonl::write_user(out, &user))
        .map_err(|e| e.to_string())?
        .map_err(output_error)
}

/// Prints to standard output, ignoring a closed pipe.
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
