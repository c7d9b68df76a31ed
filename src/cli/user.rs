//! `accounts user ...`: the operator's commands on one account, each a call
//! into the use-case layer (the same functions the HTTP handlers call).

use std::io::{BufRead, IsTerminal, Write};

use super::{CliError, load_config, open, operator_app};
use crate::accounts::register::{self, Confirmation, NewAccount, Registered};
use crate::accounts::session::{LoginId, LoginSummary, logins};
use crate::accounts::{account, confirm, password};
use crate::config::Config;
use crate::domain::timestamp::rfc3339_utc;
use crate::domain::{Email, NewPassword, User, Username};
use crate::store::Store;

const USER_USAGE: &str = "\
Usage: accounts user <create|list|show|confirm|deactivate|activate|set-password|delete|sessions|end-session> ...
  create EMAIL [--username NAME] [--confirmed]
  list
  show EMAIL
  confirm EMAIL
  deactivate EMAIL
  activate EMAIL
  set-password EMAIL
  delete EMAIL [--yes]
  sessions EMAIL
  end-session EMAIL ID
";

pub(super) fn command(args: &[&str]) -> Result<(), CliError> {
    if matches!(args, [] | ["-h" | "--help" | "help", ..])
        || args.get(1).is_some_and(|a| matches!(*a, "-h" | "--help"))
    {
        say_raw!("{USER_USAGE}");
        return Ok(());
    }
    let config = load_config()?;
    let mut store = open(&config)?;
    match args {
        ["create", email, flags @ ..] => create_user(config, &mut store, email, flags),
        ["list"] => {
            for user in account::list(&store)? {
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
            match &user.locale {
                Some(locale) => say!("locale:             {locale}"),
                None => say!(
                    "locale:             {} (default)",
                    config.mail.default_locale
                ),
            }
            Ok(())
        }
        ["confirm", email] => {
            let user = find(&store, email)?;
            confirm::confirm_by_operator(&mut store, &user)?;
            say!("confirmed {}", user.email);
            Ok(())
        }
        ["deactivate", email] | ["activate", email] => {
            let active = args[0] == "activate";
            let user = find(&store, email)?;
            account::set_active(&mut store, &user, active)?;
            say!(
                "{} {}",
                if active { "activated" } else { "deactivated" },
                user.email
            );
            Ok(())
        }
        ["set-password", email] => {
            let user = find(&store, email)?;
            let new = read_new_password()?;
            let app = operator_app(config)?;
            password::set_by_operator(&app, &mut store, &user, &new)?;
            say!("password set for {}; every session ended", user.email);
            Ok(())
        }
        ["delete", email, flags @ ..] => {
            if flags.iter().any(|f| *f != "--yes") {
                return Err(CliError::UnknownOption(flags.join(" ")));
            }
            let user = find(&store, email)?;
            if flags.is_empty()
                && !confirm_on_terminal(&format!(
                    "Delete {} and all their sessions? [y/N] ",
                    user.email
                ))?
            {
                return Err(CliError::NotDeleted);
            }
            account::delete_by_operator(&mut store, &user)?;
            say!("deleted {}", user.email);
            Ok(())
        }
        ["sessions", email] => {
            let user = find(&store, email)?;
            for login in logins::list(&store, &user, None)? {
                say!("{}", login_line(&login));
            }
            Ok(())
        }
        ["end-session", email, id] => {
            let user = find(&store, email)?;
            let no_such_login = || CliError::NoSuchLogin {
                email: user.email.clone(),
                id: id.to_string(),
            };
            let login = LoginId::parse(id).ok_or_else(no_such_login)?;
            let app = operator_app(config)?;
            if !logins::end(&app, &mut store, &user, &login)? {
                return Err(no_such_login());
            }
            say!("ended login {id} of {}", user.email);
            Ok(())
        }
        _ => Err(CliError::UnknownUserCommand(args.join(" "))),
    }
}

/// id, started, last used, address, user agent: tab-separated, the user
/// agent last (it may hold spaces, never a tab: control characters were
/// cleaned when it was recorded).
fn login_line(login: &LoginSummary) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}",
        login.id,
        rfc3339_utc(login.created),
        rfc3339_utc(login.last_used),
        login.ip.as_deref().unwrap_or("-"),
        login.user_agent.as_deref().unwrap_or("-"),
    )
}

fn create_user(
    config: Config,
    store: &mut Store,
    email: &str,
    flags: &[&str],
) -> Result<(), CliError> {
    let email = parse_email(email)?;
    let (mut username, mut confirmation, mut rest) = (None, Confirmation::Later, flags);
    while let Some((flag, tail)) = rest.split_first() {
        match (*flag, tail) {
            ("--confirmed", _) => (confirmation, rest) = (Confirmation::Confirmed, tail),
            ("--username", [name, tail @ ..]) => {
                username =
                    Some(Username::parse(name).map_err(|e| CliError::invalid(name, e.message()))?);
                rest = tail;
            }
            _ => return Err(CliError::UnknownOption(flag.to_string())),
        }
    }
    // Refused before the password prompt, not after.
    let taken = register::taken(store, Some(&email), username.as_ref())?;
    if taken.any() {
        return Err(CliError::Taken(taken));
    }
    let account = NewAccount {
        email,
        username,
        password: read_new_password()?,
        locale: None,
    };
    let app = operator_app(config)?;
    match register::register(&app, store, &account, confirmation)? {
        Registered::Created(user) => {
            say!("created {}", summary(&user));
            Ok(())
        }
        Registered::Taken(taken) => Err(CliError::Taken(taken)),
    }
}

fn parse_email(email: &str) -> Result<Email, CliError> {
    Email::parse(email).map_err(|e| CliError::invalid(email, e.message()))
}

fn find(store: &Store, email: &str) -> Result<User, CliError> {
    account::find(store, &parse_email(email)?)?
        .ok_or_else(|| CliError::NoSuchUser(email.to_string()))
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
/// one line of stdin otherwise, and checks it.
fn read_new_password() -> Result<NewPassword, CliError> {
    let raw = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ").map_err(CliError::Terminal)?;
        let again = rpassword::prompt_password("Again: ").map_err(CliError::Terminal)?;
        if first != again {
            return Err(CliError::PasswordsDiffer);
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CliError::ReadPassword)?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    NewPassword::parse(&raw).map_err(CliError::PasswordRefused)
}

fn confirm_on_terminal(question: &str) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    say_raw!("{question}");
    std::io::stdout().flush().map_err(CliError::Terminal)?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(CliError::Terminal)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
