//! What the service does on its own as time passes: deleting what has
//! expired. The server's pruner thread calls this every few minutes.

use std::time::Duration;

use crate::domain::now;
use crate::store::Store;

use super::Error;

/// Deletes the tokens, logins, one-time links and codes and address changes
/// that have expired, and erases the bodies of mail that failed more than a
/// day ago; returns how many rows went. A login's record is kept one access
/// lifetime (`access_ttl`) past its last token, so that the access tokens of
/// a login that ended stay refused until they expire themselves.
pub fn prune_expired(store: &mut Store, access_ttl: Duration) -> Result<usize, Error> {
    let cutoff = now().saturating_sub(access_ttl.as_secs());
    Ok(store.prune_expired(cutoff)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{add_user, count, temp_store};

    #[test]
    fn an_ended_login_is_kept_one_access_lifetime_past_its_expiry() {
        let mut store = temp_store();
        let id = add_user(&mut store, "a@example.com");
        let expired = now() - 100;
        store
            .revoke_family(id, "0000000000000001", expired, expired)
            .unwrap();

        prune_expired(&mut store, Duration::from_secs(300)).unwrap();
        assert_eq!(count(&store, "sessions"), 1, "within one access lifetime");

        prune_expired(&mut store, Duration::from_secs(60)).unwrap();
        assert_eq!(count(&store, "sessions"), 0, "past it");
    }
}
