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

/// Where a user of the current batch came from, and its hash format.
struct Pending {
    position: u64,
    format: HashFormat,
}

/// The state of the writing phase.
struct Writer<'a> {
    options: &'a Options,
    staging: &'a Staging,
    store: &'a mut Store,
    out: &'a mut dyn Write,
    summary: Summary,
    /// The current batch: the users, and beside each where it came from.
    users: Vec<ImportUser>,
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
        users: Vec::with_capacity(BATCH),
        batch: Vec::with_capacity(BATCH),
        skipped: Vec::new(),
    };
    if !options.dry_run {
        writer.store.begin_bulk_import()?;
    }
    staging.for_each_user(model, |source, verified| writer.add(source, verified, now))?;
    writer.flush()?;
    writer.revoke_tokens(now)?;
    if !options.dry_run {
        writer.store.end_bulk_import()?;
    }
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
                self.users.push(user);
                self.batch.push(Pending { position, format });
            }
            Err(reason) => self.skip(position, id, &reason),
        }
        if self.users.len() >= BATCH {
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
        let outcomes = if self.options.dry_run {
            let found = self.store.import_check(&self.users)?;
            self.users
                .iter()
                .zip(found)
                .map(|(user, outcome)| self.dry_run_outcome(user, outcome))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            self.store.import_users(&self.users)?
        };
        let users = std::mem::take(&mut self.users);
        let batch = std::mem::take(&mut self.batch);
        for ((user, pending), outcome) in users.iter().zip(&batch).zip(outcomes) {
            self.count(user, pending, outcome);
        }
        self.skipped.sort_by_key(|(position, _)| *position);
        for (_, line) in std::mem::take(&mut self.skipped) {
            say(self.out, &line)?;
        }
        // Keep the allocations for the next batch.
        (self.users, self.batch) = (users, batch);
        self.users.clear();
        self.batch.clear();
        Ok(())
    }

    fn count(&mut self, user: &ImportUser, pending: &Pending, outcome: RowOutcome) {
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

    /// What a real run would do with the user, given what the database
    /// holds (`outcome`) and the rows of the source before it (which a dry
    /// run does not write).
    fn dry_run_outcome(
        &self,
        user: &ImportUser,
        outcome: RowOutcome,
    ) -> Result<RowOutcome, ImportError> {
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
