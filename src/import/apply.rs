//! The writing phase of an import: staged rows become users, written a
//! batch per transaction (or, in a dry run, only checked), with every row
//! that cannot be imported listed in source order.

use std::io::Write;

use super::row::SourceUser;
use super::staging::Staging;
use super::summary::{Summary, say};
use super::{ImportError, Options};
use crate::accounts::session::family_of_jti;
use crate::domain::django_hash::HashFormat;
use crate::domain::now;
use crate::store::{ImportUser, RevokedToken, RowOutcome, Store};

/// Users per transaction: large enough that a million users take a
/// thousand commits, small enough that a live server's writes wait only a
/// few milliseconds behind one.
pub const BATCH: usize = 1000;

/// A user waiting in the current batch.
struct Pending {
    position: u64,
    user: ImportUser,
    format: HashFormat,
}

/// The state of the writing phase.
struct Writer<'a> {
    options: &'a Options,
    staging: &'a Staging,
    store: &'a mut Store,
    out: &'a mut dyn Write,
    summary: Summary,
    batch: Vec<Pending>,
    /// Skip messages of the current batch, printed in source order.
    skipped: Vec<(u64, String)>,
}

/// Writes (or checks) the staged users of `model` and the revoked tokens.
pub fn apply(
    options: &Options,
    model: &str,
    staging: &Staging,
    store: &mut Store,
    out: &mut dyn Write,
) -> Result<Summary, ImportError> {
    let now = now();
    let mut writer = Writer {
        options,
        staging,
        store,
        out,
        summary: Summary::new(options.dry_run),
        batch: Vec::with_capacity(BATCH),
        skipped: Vec::new(),
    };
    staging.for_each_user(model, |source, verified| writer.add(source, verified, now))?;
    writer.flush()?;
    writer.revoke_tokens(now)?;
    let line = writer.summary.to_string();
    say(writer.out, &line)?;
    Ok(writer.summary)
}

impl Writer<'_> {
    fn add(&mut self, source: SourceUser, verified: bool, now: u64) -> Result<(), ImportError> {
        let position = source.position;
        let id = source.id();
        match source.into_user(now) {
            Ok((mut user, format)) => {
                user.is_email_confirmed |= verified || self.options.all_confirmed;
                self.batch.push(Pending {
                    position,
                    user,
                    format,
                });
            }
            Err(reason) => self.skip(position, id, &reason),
        }
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn skip(&mut self, position: u64, id: Option<i64>, reason: &str) {
        let id = id.map_or(String::new(), |id| format!(" (id {id})"));
        self.skipped
            .push((position, format!("skipped row {position}{id}: {reason}")));
        self.summary.skipped += 1;
    }

    /// Writes (or checks) the batch, then lists its skipped rows.
    fn flush(&mut self) -> Result<(), ImportError> {
        let batch = std::mem::take(&mut self.batch);
        let outcomes = if self.options.dry_run {
            batch
                .iter()
                .map(|p| self.dry_run_outcome(&p.user))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            let users: Vec<ImportUser> = batch.iter().map(|p| p.user.clone()).collect();
            self.store.import_users(&users)?
        };
        for (pending, outcome) in batch.iter().zip(outcomes) {
            self.count(pending, outcome);
        }
        self.skipped.sort_by_key(|(position, _)| *position);
        for (_, line) in std::mem::take(&mut self.skipped) {
            say(self.out, &line)?;
        }
        self.batch = batch;
        self.batch.clear();
        Ok(())
    }

    fn count(&mut self, pending: &Pending, outcome: RowOutcome) {
        let user = &pending.user;
        match outcome {
            RowOutcome::Imported => self.summary.count_imported(pending.format),
            RowOutcome::AlreadyPresent => self.summary.already_present += 1,
            RowOutcome::AddressTaken(other) => self.skip(
                pending.position,
                Some(user.id),
                &format!(
                    "the address {} is user {other}'s already (addresses are unique ignoring case)",
                    user.email
                ),
            ),
            RowOutcome::UsernameTaken(other) => self.skip(
                pending.position,
                Some(user.id),
                &format!(
                    "the username {} is user {other}'s already (usernames are unique ignoring case)",
                    user.username.as_ref().map_or("", |u| u.as_str())
                ),
            ),
        }
    }

    /// What a real run would do with the user, given the database and the
    /// rows of the source before it (which a dry run does not write).
    fn dry_run_outcome(&self, user: &ImportUser) -> Result<RowOutcome, ImportError> {
        let outcome = self.store.import_check(user)?;
        if outcome != RowOutcome::Imported {
            return Ok(outcome);
        }
        let id = user.id.to_string();
        if self.staging.holder("id", &id)?.is_some() {
            return Ok(RowOutcome::AlreadyPresent);
        }
        if let Some(other) = self.staging.holder("email", user.email.key())? {
            return Ok(RowOutcome::AddressTaken(other));
        }
        if let Some(username) = &user.username
            && let Some(other) = self.staging.holder("username", username.key())?
        {
            return Ok(RowOutcome::UsernameTaken(other));
        }
        self.staging.claim("id", &id, user.id)?;
        self.staging.claim("email", user.email.key(), user.id)?;
        if let Some(username) = &user.username {
            self.staging.claim("username", username.key(), user.id)?;
        }
        Ok(RowOutcome::Imported)
    }

    /// Refuses the source's blacklisted refresh tokens that have not
    /// expired, for users that are here.
    fn revoke_tokens(&mut self, now: u64) -> Result<(), ImportError> {
        let tokens: Vec<RevokedToken> = self
            .staging
            .revoked_tokens(now)?
            .into_iter()
            .map(|t| RevokedToken {
                family: family_of_jti(&t.jti),
                user_id: t.user_id,
                expires_at: t.expires_at,
            })
            .collect();
        for chunk in tokens.chunks(BATCH) {
            let revoked = if self.options.dry_run {
                let mut count = 0;
                for token in chunk {
                    let known = self.store.user_exists(token.user_id)?
                        || self
                            .staging
                            .holder("id", &token.user_id.to_string())?
                            .is_some();
                    count += usize::from(known);
                }
                count
            } else {
                self.store.import_revoked_tokens(chunk, now)?
            };
            self.summary.revoked_tokens += revoked as u64;
        }
        Ok(())
    }
}
