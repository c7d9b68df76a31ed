//! Why an operator command failed: one line for `main` to print after
//! `accounts: `.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::accounts;
use crate::accounts::register::Taken;
use crate::backups::{BackupError, RestoreError};
use crate::config::ConfigError;
use crate::domain::random::RandomError;
use crate::keyring::KeyRingError;
use crate::mail::MailSetupError;
use crate::mail::templates::TemplateError;
use crate::server::ServerError;
use crate::store::StoreError;

/// An operator command (or serving) that could not be done.
#[derive(Debug)]
pub enum CliError {
    /// A setting is bad; the service was not started.
    Config(ConfigError),
    /// Serving failed to start, or stopped on its own.
    Server(ServerError),
    /// The words after `accounts` are no command.
    UnknownCommand(String),
    /// The words after `accounts user` are no user command.
    UnknownUserCommand(String),
    /// The words after `accounts keys` are no keys command.
    UnknownKeysCommand(String),
    /// `keys rotate` with HS256, whose key is `ACCOUNTS_SECRET_KEY`.
    CannotRotateHs256,
    /// The key ring could not be read or changed.
    KeyRing(KeyRingError),
    /// The words after `accounts mail` are no mail command.
    UnknownMailCommand(String),
    /// `mail preview`: no mail kind has this name.
    UnknownMailKind { given: String, known: String },
    /// `mail retry`: no message has this id.
    NoSuchMail(i64),
    /// `mail retry`: the message was delivered already.
    MailAlreadySent(i64),
    /// `mail retry`: the message failed too long ago and its body is gone.
    MailBodyErased(i64),
    /// The mail settings do not make a working provider.
    MailSetup(MailSetupError),
    /// A template cannot be used.
    Templates(TemplateError),
    /// A user command was given an option it does not take.
    UnknownOption(String),
    /// An address or username on the command line is not valid.
    InvalidArgument {
        /// The argument as given.
        given: String,
        /// The same message the API gives for it.
        message: &'static str,
    },
    /// `user create`: the address or the username belongs to someone.
    Taken(Taken),
    /// No user has the address given.
    NoSuchUser(String),
    /// `user end-session`: the id names no live login of the user.
    NoSuchLogin { email: String, id: String },
    /// `user delete` without `--yes` was not confirmed at the prompt.
    NotDeleted,
    /// The two passwords typed at the prompt differ.
    PasswordsDiffer,
    /// The new password breaks the password rules (their messages).
    PasswordRefused(Vec<&'static str>),
    /// The action itself failed: storage, or hashing the password.
    Action(accounts::Error),
    /// The terminal could not be prompted or read.
    Terminal(io::Error),
    /// The password could not be read from stdin.
    ReadPassword(io::Error),
    /// The database file could not be opened.
    OpenDatabase { path: PathBuf, source: StoreError },
    /// A query or the backup itself failed.
    Store(StoreError),
    /// `backup`: the target exists, and a backup never overwrites.
    BackupExists(PathBuf),
    /// `backup`: the copy failed, or failed the checks of a scheduled
    /// backup's and a restore's, and was deleted.
    Backup(BackupError),
    /// `restore`: refused (service running, not a good backup) or failed
    /// before the database was replaced.
    Restore(RestoreError),
    /// `import` or `export` stopped (a bad source, a failed write), or an
    /// import skipped rows; the text is the one line to print.
    Import(String),
    /// `check-config --live`: this many checks failed (each printed).
    LiveChecksFailed(usize),
}

impl CliError {
    /// An argument refused by a domain parser, with the parser's message.
    pub fn invalid(given: &str, message: &'static str) -> CliError {
        CliError::InvalidArgument {
            given: given.to_string(),
            message,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Config(e) => e.fmt(f),
            CliError::Server(e) => e.fmt(f),
            CliError::UnknownMailCommand(words) => {
                write!(
                    f,
                    "unknown mail command {words:?}; see accounts mail --help"
                )
            }
            CliError::UnknownMailKind { given, known } => {
                write!(f, "no mail kind is called {given:?}; the kinds are {known}")
            }
            CliError::NoSuchMail(id) => write!(f, "no mail has the id {id}"),
            CliError::MailAlreadySent(id) => write!(f, "mail {id} was delivered already"),
            CliError::MailBodyErased(id) => write!(
                f,
                "mail {id} failed more than a day ago and its body is erased; \
                 ask the user to request a new mail"
            ),
            CliError::MailSetup(e) => e.fmt(f),
            CliError::Templates(e) => e.fmt(f),
            CliError::UnknownCommand(words) => {
                write!(f, "unknown command {words:?}; see accounts --help")
            }
            CliError::UnknownUserCommand(words) => {
                write!(
                    f,
                    "unknown user command {words:?}; see accounts user --help"
                )
            }
            CliError::UnknownKeysCommand(words) => {
                write!(
                    f,
                    "unknown keys command {words:?}; see accounts keys --help"
                )
            }
            CliError::CannotRotateHs256 => f.write_str(
                "keys rotate needs ACCOUNTS_JWT_ALGORITHM=EdDSA or ES256; HS256 signs with \
                 ACCOUNTS_SECRET_KEY, which has no key pair",
            ),
            CliError::KeyRing(e) => e.fmt(f),
            CliError::UnknownOption(words) => {
                write!(f, "unknown option {words:?}; see accounts user --help")
            }
            CliError::InvalidArgument { given, message } => write!(f, "{given:?}: {message}"),
            CliError::Taken(Taken {
                email: true,
                username: true,
            }) => f.write_str("the address and the username are already taken"),
            CliError::Taken(Taken { email: true, .. }) => {
                f.write_str("a user with this address already exists")
            }
            CliError::Taken(_) => f.write_str("a user with this username already exists"),
            CliError::NoSuchUser(email) => write!(f, "no user has the address {email:?}"),
            CliError::NoSuchLogin { email, id } => {
                write!(f, "{email} has no live login with the id {id:?}")
            }
            CliError::NotDeleted => {
                f.write_str("not deleted (pass --yes to delete without a prompt)")
            }
            CliError::PasswordsDiffer => f.write_str("the passwords differ"),
            CliError::PasswordRefused(problems) => {
                write!(f, "password refused: {}", problems.join(" "))
            }
            CliError::Action(e) => e.fmt(f),
            CliError::Terminal(e) => e.fmt(f),
            CliError::ReadPassword(e) => write!(f, "cannot read the password from stdin: {e}"),
            CliError::OpenDatabase { path, source } => write!(f, "{}: {source}", path.display()),
            CliError::Store(e) => e.fmt(f),
            CliError::BackupExists(path) => {
                write!(
                    f,
                    "{} already exists (or is a symbolic link); choose a new file",
                    path.display()
                )
            }
            CliError::Backup(e) => e.fmt(f),
            CliError::Restore(e) => e.fmt(f),
            CliError::Import(line) => f.write_str(line),
            CliError::LiveChecksFailed(1) => f.write_str("1 live check failed (see above)"),
            CliError::LiveChecksFailed(n) => write!(f, "{n} live checks failed (see above)"),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Config(e) => Some(e),
            CliError::Server(e) => Some(e),
            CliError::MailSetup(e) => Some(e),
            CliError::Templates(e) => Some(e),
            CliError::Action(e) => Some(e),
            CliError::KeyRing(e) => Some(e),
            CliError::Terminal(e) | CliError::ReadPassword(e) => Some(e),
            CliError::OpenDatabase { source: e, .. } | CliError::Store(e) => Some(e),
            CliError::Backup(e) => Some(e),
            CliError::Restore(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> CliError {
        CliError::Config(e)
    }
}

impl From<MailSetupError> for CliError {
    fn from(e: MailSetupError) -> CliError {
        CliError::MailSetup(e)
    }
}

impl From<TemplateError> for CliError {
    fn from(e: TemplateError) -> CliError {
        CliError::Templates(e)
    }
}

impl From<ServerError> for CliError {
    fn from(e: ServerError) -> CliError {
        CliError::Server(e)
    }
}

impl From<RestoreError> for CliError {
    fn from(e: RestoreError) -> CliError {
        CliError::Restore(e)
    }
}

impl From<KeyRingError> for CliError {
    fn from(e: KeyRingError) -> CliError {
        CliError::KeyRing(e)
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> CliError {
        CliError::Store(e)
    }
}

impl From<accounts::Error> for CliError {
    fn from(e: accounts::Error) -> CliError {
        CliError::Action(e)
    }
}

/// Starting an operator's [`App`](crate::app::App) needs a random key.
impl From<RandomError> for CliError {
    fn from(e: RandomError) -> CliError {
        CliError::Action(e.into())
    }
}
