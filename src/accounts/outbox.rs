//! What the operator does with the outbox (`accounts mail ...`): see it,
//! send failed mail again once the cause is fixed, and queue a test mail
//! through the configured provider. The running server's sender delivers
//! what these queue within its idle poll (30 s).

use crate::app::App;
use crate::domain::{Email, now};
use crate::mail::kinds;
use crate::mail::templates::{MailValues, Recipient};
use crate::store::{OutboxEntry, OutboxStats, RetryOutcome, Store};

use super::Error;

/// Pending, failed and recently delivered messages, newest first.
pub fn list(store: &Store) -> Result<Vec<OutboxEntry>, Error> {
    Ok(store.list_mail(now())?)
}

/// How many messages are pending or failed, and since when the oldest
/// pending one waits: what metrics report of the outbox.
pub fn stats(store: &Store) -> Result<OutboxStats, Error> {
    Ok(store.outbox_stats()?)
}

/// Makes one failed (or pending) message due now.
pub fn retry(store: &mut Store, id: i64) -> Result<RetryOutcome, Error> {
    Ok(store.retry_mail(id, now())?)
}

/// Makes every failed message that still has its body due now; returns
/// how many.
pub fn retry_failed(store: &mut Store) -> Result<usize, Error> {
    Ok(store.retry_failed_mail(now())?)
}

/// Queues a test mail to `to` in the default language; returns its id.
pub fn queue_test_mail(app: &App, store: &mut Store, to: &Email) -> Result<i64, Error> {
    let recipient = Recipient {
        email: to.as_str(),
        username: None,
        locale: None,
    };
    let mail = app
        .templates
        .mail(&kinds::TEST_MAIL, &recipient, &MailValues::default());
    Ok(store.queue_mail(&mail, now())?)
}
