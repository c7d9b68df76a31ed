//! The command line: `accounts` serves; `accounts user ...`, `accounts
//! keys ...`, `accounts backup`, `accounts import`, `accounts export` and
//! `accounts check-config` are operator commands that use the
//! same `ACCOUNTS_*` environment and are safe while the server runs (SQLite
//! transactions serialise them with the server's writes); `accounts restore`
//! is the one that refuses to run beside the server.

mod error;
mod live;
mod mail;

use std::io::Write;
use std::path::Path;

use crate::app::App;
use crate::backups;
use crate::config::Config;
use crate::mail::Provider;
use crate::mail::templates::Templates;
use crate::server;
use crate::store::Store;
pub use error::CliError;

/// `println!` that ignores a closed stdout (`accounts user list | head`)
/// instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `print!` without the newline, likewise.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod keys;
mod user;

const USAGE: &str = "\
accounts: sign-up, email confirmation and JWT login, in one binary and one SQLite file.

Usage:
  accounts [serve]                      Serve the HTTP API (settings from ACCOUNTS_* variables)
  accounts user create EMAIL [--username NAME] [--confirmed]
                                        Create a user; the password is read from a prompt or stdin
  accounts user list                    List every user
  accounts user show EMAIL              Show one user
  accounts user confirm EMAIL           Mark the address as confirmed
  accounts user deactivate EMAIL        Refuse the user's logins and end their sessions
  accounts user activate EMAIL          Allow the user to log in again
  accounts user set-password EMAIL      Set a new password (prompt or stdin) and end every session
  accounts user delete EMAIL [--yes]    Delete the user and their sessions
  accounts user sessions EMAIL          List the user's live logins, newest first
  accounts user end-session EMAIL ID    End one of the user's logins
  accounts keys list                    List the token-signing keys with their state and dates
  accounts keys rotate                  Add a signing key: published now, signing after ACCOUNTS_KEY_PUBLISH_AHEAD
  accounts mail list                    Pending, failed and recent mail, with attempts and last error
  accounts mail retry ID|--failed       Send a failed message (or every one) again
  accounts mail preview KIND [--locale L] [--html]
                                        Render a mail with sample values, to check templates
  accounts mail test ADDRESS            Queue a test mail through the configured provider
  accounts backup FILE                  Copy the live database to FILE (SQLite online backup)
  accounts restore FILE                 Check the backup FILE and put it in place of ACCOUNTS_DB
                                        (refused while the service runs)
  accounts import django (--sqlite PATH | --json PATH | --csv PATH) [--dry-run] [...]
                                        Import the users of a Django deployment (see accounts import --help)
  accounts import jsonl FILE [--dry-run]
                                        Import what accounts export wrote
  accounts export FILE                  Write every user to FILE as JSON lines (mode 0600; - for stdout)
  accounts check-config [--live]        Validate the environment and print the effective settings;
                                        --live also checks the database, the key file and the mail host
  accounts --help                       Show this help (also: accounts user --help)

Passwords are never taken from the command line. Addresses are matched ignoring case.
";

/// Runs the command in `args` (without the program name).
pub fn main(args: &[String]) -> Result<(), CliError> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] | ["serve"] => Ok(server::run(load_config()?)?),
        ["-h" | "--help" | "help", ..] => {
            say_raw!("{USAGE}");
            Ok(())
        }
        ["user", rest @ ..] => user::command(rest),
        ["keys", rest @ ..] => keys::command(rest),
        ["mail", rest @ ..] => mail::command(rest),
        ["backup", "--help" | "-h"] => {
            say!(
                "Usage: accounts backup FILE\nCopies the live database to FILE with SQLite's online backup."
            );
            Ok(())
        }
        ["backup", file] => backup(&load_config()?, Path::new(file)),
        ["restore", "--help" | "-h"] => {
            say!(
                "Usage: accounts restore FILE\nChecks the backup FILE (integrity, schema version, users) and puts a copy of it in place of ACCOUNTS_DB.\nRefused while the service has the database open: stop it first."
            );
            Ok(())
        }
        ["restore", file] => restore(&load_config()?, Path::new(file)),
        ["check-config", "--help" | "-h"] => {
            say!(
                "Usage: accounts check-config [--live]\nValidates the ACCOUNTS_* environment and prints the effective settings, secrets redacted, and each signing key's kid, algorithm and state.\nWith --live, also opens the database and checks its schema version, checks the signing key file, and resolves the mail provider's host."
            );
            Ok(())
        }
        ["check-config"] => check_config(false),
        ["import", rest @ ..] => {
            crate::import::command::import(rest, open_configured).map_err(CliError::Import)
        }
        ["export", rest @ ..] => {
            crate::import::command::export(rest, open_configured).map_err(CliError::Import)
        }
        ["check-config", "--live"] => check_config(true),
        _ => Err(CliError::UnknownCommand(args.join(" "))),
    }
}

/// The state of an operator command, with the templates checked.
fn operator_app(config: Config) -> Result<App, CliError> {
    let templates = Templates::load(&config.mail)?;
    Ok(App::for_operator(config, templates)?)
}

fn load_config() -> Result<Config, CliError> {
    let config = Config::from_env()?;
    for name in
        Config::unknown_variables(std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()))
    {
        log::warn!("{name} is not a setting of this version; ignored");
    }
    Ok(config)
}

fn open(config: &Config) -> Result<Store, CliError> {
    let mut store = Store::open(&config.db_path).map_err(|source| CliError::OpenDatabase {
        path: config.db_path.clone(),
        source,
    })?;
    store.migrate()?;
    Ok(store)
}

/// The configured database, for commands that report errors as text.
fn open_configured() -> Result<Store, String> {
    load_config()
        .and_then(|config| open(&config))
        .map_err(|e| e.to_string())
}

fn backup(config: &Config, target: &Path) -> Result<(), CliError> {
    // `symlink_metadata`, not `exists`: a dangling symbolic link "does not
    // exist", yet writing through it creates a file wherever it points.
    if target.symlink_metadata().is_ok() {
        return Err(CliError::BackupExists(target.to_owned()));
    }
    let store = open(config)?;
    let summary = backups::copy_checked(&store, target).map_err(CliError::Backup)?;
    say!("backed up {} users to {}", summary.users, target.display());
    Ok(())
}

fn restore(config: &Config, file: &Path) -> Result<(), CliError> {
    let summary = backups::restore(file, &config.db_path)?;
    say!(
        "restored {} users from {} into {}; the service can be started",
        summary.users,
        file.display(),
        config.db_path.display()
    );
    Ok(())
}

/// Prints the settings after checking what start-up checks beyond them:
/// the mail provider's set-up and every template.
fn check_config(live: bool) -> Result<(), CliError> {
    let config = load_config()?;
    Provider::from_config(&config.mail)?;
    Templates::load(&config.mail)?;
    for (name, value) in config.describe() {
        say!("{name}={value}");
    }
    keys::show_states(&config)?;
    if !live {
        return Ok(());
    }
    let checks = live::checks(&config);
    for check in &checks {
        say!("{}", check.line());
    }
    match checks.iter().filter(|c| c.outcome.is_err()).count() {
        0 => Ok(()),
        failed => Err(CliError::LiveChecksFailed(failed)),
    }
}
