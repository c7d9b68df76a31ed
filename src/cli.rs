//! The command line: `accounts` serves; `accounts user ...`, `accounts
//! backup` and `accounts check-config` are operator commands that use the
//! same `ACCOUNTS_*` environment and are safe while the server runs (SQLite
//! transactions serialise them with the server's writes).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use crate::config::Config;
use crate::domain::password::{self, NewPassword};
use crate::domain::{Email, User, Username, now};
use crate::server;
use crate::store::{NewUser, RegisterOutcome, Store};

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
  accounts backup FILE                  Copy the live database to FILE (SQLite online backup)
  accounts check-config                 Validate the environment and print the effective settings
  accounts --help                       Show this help (also: accounts user --help)

Passwords are never taken from the command line. Addresses are matched ignoring case.
";

const USER_USAGE: &str = "\
Usage: accounts user <create|list|show|confirm|deactivate|activate|set-password|delete> ...
  create EMAIL [--username NAME] [--confirmed]
  list
  show EMAIL
  confirm EMAIL
  deactivate EMAIL
  activate EMAIL
  set-password EMAIL
  delete EMAIL [--yes]
";

/// Runs the command in `args` (without the program name).
pub fn main(args: &[String]) -> Result<(), String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] | ["serve"] => server::run(load_config()?),
        ["-h" | "--help" | "help", ..] => {
            say_raw!("{USAGE}");
            Ok(())
        }
        ["user", rest @ ..] => user_command(rest),
        ["backup", "--help" | "-h"] => {
            say!(
                "Usage: accounts backup FILE\nCopies the live database to FILE with SQLite's online backup."
            );
            Ok(())
        }
        ["backup", file] => backup(&load_config()?, Path::new(file)),
        ["check-config", "--help" | "-h"] => {
            say!(
                "Usage: accounts check-config\nValidates the ACCOUNTS_* environment and prints the effective settings, secrets redacted."
            );
            Ok(())
        }
        ["check-config"] => check_config(),
        _ => Err(format!(
            "unknown command {:?}; see accounts --help",
            args.join(" ")
        )),
    }
}

fn load_config() -> Result<Config, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    for name in
        Config::unknown_variables(std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()))
    {
        log::warn!("{name} is not a setting of this version; ignored");
    }
    Ok(config)
}

fn open(config: &Config) -> Result<Store, String> {
    let mut store =
        Store::open(&config.db_path).map_err(|e| format!("{}: {e}", config.db_path.display()))?;
    store.migrate().map_err(|e| e.to_string())?;
    Ok(store)
}

fn user_command(args: &[&str]) -> Result<(), String> {
    if matches!(args, [] | ["-h" | "--help" | "help", ..])
        || args.get(1).is_some_and(|a| matches!(*a, "-h" | "--help"))
    {
        say_raw!("{USER_USAGE}");
        return Ok(());
    }
    let config = load_config()?;
    let mut store = open(&config)?;
    match args {
        ["create", email, flags @ ..] => create_user(&config, &mut store, email, flags),
        ["list"] => {
            for user in store.all_users().map_err(|e| e.to_string())? {
                say!("{}", summary(&user));
            }
            Ok(())
        }
        ["show", email] => {
            let user = find(&store, email)?;
            say!("id:                 {}", user.id);
            say!("email:              {}", user.email);
            say!(
                "username:           {}",
                user.username.as_deref().unwrap_or("-")
            );
            say!("is_email_confirmed: {}", user.is_email_confirmed);
            say!("is_active:          {}", user.is_active);
            Ok(())
        }
        ["confirm", email] => {
            let user = find(&store, email)?;
            store
                .set_email_confirmed(user.id)
                .map_err(|e| e.to_string())?;
            say!("confirmed {}", user.email);
            Ok(())
        }
        ["deactivate", email] | ["activate", email] => {
            let active = args[0] == "activate";
            let user = find(&store, email)?;
            store
                .set_active(user.id, active, now())
                .map_err(|e| e.to_string())?;
            say!(
                "{} {}",
                if active { "activated" } else { "deactivated" },
                user.email
            );
            Ok(())
        }
        ["set-password", email] => {
            let user = find(&store, email)?;
            let hash = read_new_password(config.bcrypt_cost)?;
            store
                .replace_password(user.id, &hash, None, now())
                .map_err(|e| e.to_string())?;
            say!("password set for {}; every session ended", user.email);
            Ok(())
        }
        ["delete", email, flags @ ..] => {
            if flags.iter().any(|f| *f != "--yes") {
                return Err(format!(
                    "unknown option {:?}; see accounts user --help",
                    flags.join(" ")
                ));
            }
            let user = find(&store, email)?;
            if flags.is_empty()
                && !confirm_on_terminal(&format!(
                    "Delete {} and all their sessions? [y/N] ",
                    user.email
                ))?
            {
                return Err("not deleted (pass --yes to delete without a prompt)".into());
            }
            store.delete_user(user.id).map_err(|e| e.to_string())?;
            say!("deleted {}", user.email);
            Ok(())
        }
        _ => Err(format!(
            "unknown user command {:?}; see accounts user --help",
            args.join(" ")
        )),
    }
}

fn create_user(
    config: &Config,
    store: &mut Store,
    email: &str,
    flags: &[&str],
) -> Result<(), String> {
    let email = Email::parse(email).map_err(|e| format!("{email:?}: {}", e.message()))?;
    let (mut username, mut confirmed, mut rest) = (None, false, flags);
    while let Some((flag, tail)) = rest.split_first() {
        match (*flag, tail) {
            ("--confirmed", _) => (confirmed, rest) = (true, tail),
            ("--username", [name, tail @ ..]) => {
                username =
                    Some(Username::parse(name).map_err(|e| format!("{name:?}: {}", e.message()))?);
                rest = tail;
            }
            _ => return Err(format!("unknown option {flag:?}; see accounts user --help")),
        }
    }
    let (email_taken, username_taken) = store
        .taken(Some(&email), username.as_ref())
        .map_err(|e| e.to_string())?;
    if email_taken || username_taken {
        return Err(taken_message(email_taken, username_taken));
    }
    let hash = read_new_password(config.bcrypt_cost)?;
    let new = NewUser {
        email: &email,
        username: username.as_ref(),
        password_hash: &hash,
        is_email_confirmed: confirmed,
    };
    match store
        .insert_user(&new, None, now())
        .map_err(|e| e.to_string())?
    {
        RegisterOutcome::Created(user) => {
            say!("created {}", summary(&user));
            Ok(())
        }
        RegisterOutcome::Taken { email, username } => Err(taken_message(email, username)),
    }
}

fn taken_message(email: bool, username: bool) -> String {
    match (email, username) {
        (true, true) => "the address and the username are already taken".into(),
        (true, false) => "a user with this address already exists".into(),
        _ => "a user with this username already exists".into(),
    }
}

fn find(store: &Store, email: &str) -> Result<User, String> {
    let key = Email::parse(email).map_err(|e| format!("{email:?}: {}", e.message()))?;
    store
        .user_by_email_key(key.key())
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user has the address {email:?}"))
}

fn summary(user: &User) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}",
        user.id,
        user.email,
        user.username.as_deref().unwrap_or("-"),
        if user.is_email_confirmed {
            "confirmed"
        } else {
            "unconfirmed"
        },
        if user.is_active { "active" } else { "inactive" },
    )
}

/// Reads a password from a no-echo prompt on a terminal (asked twice), or
/// one line of stdin otherwise, checks it, and hashes it.
fn read_new_password(cost: u32) -> Result<String, String> {
    let raw = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the passwords differ".into());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    let password = NewPassword::parse(&raw)
        .map_err(|problems| format!("password refused: {}", problems.join(" ")))?;
    password::hash(password.as_password(), cost).map_err(|e| format!("hashing failed: {e}"))
}

fn confirm_on_terminal(question: &str) -> Result<bool, String> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    say_raw!("{question}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn backup(config: &Config, target: &Path) -> Result<(), String> {
    // `symlink_metadata`, not `exists`: a dangling symbolic link "does not
    // exist", yet writing through it creates a file wherever it points.
    if target.symlink_metadata().is_ok() {
        return Err(format!(
            "{} already exists (or is a symbolic link); choose a new file",
            target.display()
        ));
    }
    let store = open(config)?;
    store.backup_to(target).map_err(|e| e.to_string())?;
    let copy = Store::open(target).map_err(|e| format!("the backup does not open: {e}"))?;
    let users = copy
        .all_users()
        .map_err(|e| format!("the backup cannot be read: {e}"))?
        .len();
    say!("backed up {users} users to {}", target.display());
    Ok(())
}

fn check_config() -> Result<(), String> {
    let config = load_config()?;
    for (name, value) in config.describe() {
        say!("{name}={value}");
    }
    Ok(())
}
