//! `accounts mail ...`: the outbox as the operator sees it (never a body),
//! retries, a preview of any mail with sample values, and a test mail.

use std::io::Write;

use crate::accounts::outbox;
use crate::config::Config;
use crate::domain::locale::Locale;
use crate::domain::mail::format_utc;
use crate::domain::{Email, now};
use crate::mail::kinds::{self, MAIL_KINDS};
use crate::mail::templates::{MailValues, Recipient, Templates};
use crate::store::{OutboxEntry, RetryOutcome};

use super::{CliError, load_config, open, operator_app};

pub const MAIL_USAGE: &str = "\
Usage: accounts mail <list|retry|preview|test> ...
  list                                  Pending, failed and recent mail (never a body)
  retry ID                              Send a failed message again
  retry --failed                        Send every failed message again
  preview KIND [--locale L] [--html]    Render a mail with sample values
  test ADDRESS                          Queue a test mail through the configured provider
";

macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Runs `accounts mail ARGS`.
pub fn command(args: &[&str]) -> Result<(), CliError> {
    if matches!(args, [] | ["-h" | "--help" | "help", ..]) {
        let kinds: Vec<&str> = MAIL_KINDS.iter().map(|k| k.name).collect();
        let _ = writeln!(
            std::io::stdout().lock(),
            "{MAIL_USAGE}Kinds: {}.",
            kinds.join(", ")
        );
        return Ok(());
    }
    let config = load_config()?;
    match args {
        ["list"] => list(&config),
        ["retry", "--failed"] => {
            let n = outbox::retry_failed(&mut open(&config)?)?;
            say!("queued {n} failed messages again");
            Ok(())
        }
        ["retry", id] => retry(&config, id),
        ["preview", kind, flags @ ..] => preview(&config, kind, flags),
        ["test", address] => {
            let to = Email::parse(address).map_err(|e| CliError::invalid(address, e.message()))?;
            let mut store = open(&config)?;
            let app = operator_app(config)?;
            let id = outbox::queue_test_mail(&app, &mut store, &to)?;
            say!(
                "queued test mail {id} to {}; see accounts mail list",
                to.as_str()
            );
            Ok(())
        }
        _ => Err(CliError::UnknownMailCommand(args.join(" "))),
    }
}

fn list(config: &Config) -> Result<(), CliError> {
    let store = open(config)?;
    say!("id\tkind\trecipient\tstate\tattempts\tcreated\tat\tlast error");
    for entry in outbox::list(&store)? {
        say!("{}", row(&entry));
    }
    Ok(())
}

/// One line of `mail list`: tab-separated, the error on one line.
fn row(e: &OutboxEntry) -> String {
    let error = e
        .last_error
        .as_deref()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "-".into());
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        e.id,
        e.kind,
        e.recipient,
        e.state.as_str(),
        e.attempts,
        format_utc(e.created_at),
        format_utc(e.at),
        error
    )
}

fn retry(config: &Config, id: &str) -> Result<(), CliError> {
    let id: i64 = id
        .parse()
        .map_err(|_| CliError::UnknownMailCommand(format!("retry {id}")))?;
    match outbox::retry(&mut open(config)?, id)? {
        RetryOutcome::Queued => {
            say!("queued mail {id} again");
            Ok(())
        }
        RetryOutcome::NotFound => Err(CliError::NoSuchMail(id)),
        RetryOutcome::AlreadySent => Err(CliError::MailAlreadySent(id)),
        RetryOutcome::BodyErased => Err(CliError::MailBodyErased(id)),
    }
}

fn preview(config: &Config, kind: &str, flags: &[&str]) -> Result<(), CliError> {
    let Some(kind) = kinds::mail_kind(kind) else {
        let known: Vec<&str> = MAIL_KINDS.iter().map(|k| k.name).collect();
        return Err(CliError::UnknownMailKind {
            given: kind.to_string(),
            known: known.join(", "),
        });
    };
    let (mut locale, mut html, mut rest) = (None, false, flags);
    while let Some((flag, tail)) = rest.split_first() {
        match (*flag, tail) {
            ("--html", _) => (html, rest) = (true, tail),
            ("--locale", [tag, tail @ ..]) => {
                locale = Some(
                    Locale::parse(tag)
                        .ok_or_else(|| CliError::invalid(tag, "Not a language tag."))?,
                );
                rest = tail;
            }
            _ => return Err(CliError::UnknownOption(flag.to_string())),
        }
    }
    let templates = Templates::load(&config.mail)?;
    let to = Recipient {
        email: "alice@example.com",
        username: Some("alice"),
        locale: locale.as_ref(),
    };
    let ttl = if kind.name == kinds::RESET_PASSWORD.name {
        config.reset_ttl
    } else {
        config.confirm_ttl
    };
    let values = MailValues {
        link: Some(format!(
            "{}/api/confirm-email/0123456789abcdef/",
            config.public_url
        )),
        code: Some("ABCD-EFGH".into()),
        valid_for_secs: Some(ttl.as_secs()),
        changed_at: Some(now()),
        new_email_masked: Some("n\u{2022}\u{2022}\u{2022}@example.net".into()),
    };
    let mail = templates.mail(kind, &to, &values);
    if html {
        say!("{}", mail.html.unwrap_or_default());
    } else {
        say!("Subject: {}\n\n{}", mail.subject, mail.text.trim_end());
    }
    Ok(())
}
