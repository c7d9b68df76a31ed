//! Checking a mailed code: against the one pending code of an address and
//! purpose, counting wrong guesses on its row, and voiding it after the
//! fifth so that a new mail is needed.

use rusqlite::{OptionalExtension, params};

use super::{Context, Store, StoreError};
use crate::domain::code::Code;
use crate::domain::one_time::Purpose;

/// Wrong codes after which the pending code is void.
pub const MAX_CODE_FAILURES: u32 = 5;

impl Store {
    /// The token the code belongs to, when `code` is the pending code of
    /// the address (`email_key`) for `purpose`: unused, unexpired, not
    /// void, of an active user for a reset. A wrong code (or `None`, a
    /// value that cannot be a code) counts against the pending code, and
    /// the fifth voids it. Nothing tells a wrong code from an address
    /// without one.
    pub fn verify_code(
        &mut self,
        email_key: &str,
        purpose: Purpose,
        code: Option<&Code>,
        now: u64,
    ) -> Result<Option<[u8; 32]>, StoreError> {
        self.write("checking a mailed code", |tx| {
            let pending: Option<(Vec<u8>, Vec<u8>, u32)> = tx
                .prepare_cached(
                    "SELECT t.token_hash, t.code_hash, t.code_failures FROM one_time_tokens t \
                     JOIN users u ON u.id = t.user_id \
                     WHERE u.email_key = ?1 AND t.purpose = ?2 AND t.used_at IS NULL \
                     AND t.expires_at > ?3 AND t.code_hash IS NOT NULL \
                     AND (t.purpose <> ?4 OR u.is_active) \
                     ORDER BY t.expires_at DESC LIMIT 1",
                )?
                .query_row(
                    params![
                        email_key,
                        purpose.as_str(),
                        now as i64,
                        Purpose::ResetPassword.as_str()
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((token_hash, code_hash, failures)) = pending else {
                return Ok(None);
            };
            let matches = code.is_some_and(|c| constant_time_eq(&c.hash(), &code_hash));
            let token_hash: Option<[u8; 32]> = token_hash.try_into().ok();
            if matches {
                return Ok(token_hash);
            }
            let failures = failures + 1;
            tx.prepare_cached(
                "UPDATE one_time_tokens SET code_failures = ?2, \
                 code_hash = CASE WHEN ?2 >= ?3 THEN NULL ELSE code_hash END \
                 WHERE token_hash = ?1",
            )?
            .execute(params![
                token_hash.map(|h| h.to_vec()),
                failures,
                MAX_CODE_FAILURES
            ])?;
            Ok(None)
        })
    }

    /// Whether a pending code is still usable for the address and purpose
    /// (for tests and the operator).
    pub fn has_pending_code(
        &self,
        email_key: &str,
        purpose: Purpose,
        now: u64,
    ) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM one_time_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE u.email_key = ?1 AND t.purpose = ?2 AND t.used_at IS NULL \
                 AND t.expires_at > ?3 AND t.code_hash IS NOT NULL)",
            )
            .and_then(|mut s| {
                s.query_row(params![email_key, purpose.as_str(), now as i64], |r| {
                    r.get(0)
                })
            })
            .context("checking for a pending code")
    }
}

/// Compares two hashes without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mail::Mail;
    use crate::domain::one_time::OneTimeToken;
    use crate::store::test_support::{add_user, temp_store};

    const NOW: u64 = 1_000;

    /// Issues a reset token with a code to a new user; returns the token.
    fn issued(store: &mut Store, email: &str, purpose: Purpose) -> OneTimeToken {
        let id = add_user(store, email);
        let token = OneTimeToken::generate().unwrap();
        let mail = Mail {
            kind: "reset_password",
            to: email.into(),
            subject: "s".into(),
            text: "t".into(),
            html: None,
        };
        store
            .issue_one_time(id, purpose, &token, NOW + 3600, &mail, NOW)
            .unwrap();
        token
    }

    #[test]
    fn the_right_code_finds_its_token_and_the_code_is_spent_with_it() {
        let mut store = temp_store();
        let token = issued(&mut store, "a@example.com", Purpose::ConfirmEmail);
        let code = token.code().cloned();
        let found = store
            .verify_code("a@example.com", Purpose::ConfirmEmail, code.as_ref(), NOW)
            .unwrap();
        assert_eq!(found.as_ref(), Some(token.hash()));
        store.consume_confirmation(&token, NOW).unwrap();
        let again = store
            .verify_code("a@example.com", Purpose::ConfirmEmail, code.as_ref(), NOW)
            .unwrap();
        assert_eq!(again, None, "spent with the link");
    }

    #[test]
    fn a_code_works_only_for_its_address_and_purpose() {
        let mut store = temp_store();
        let token = issued(&mut store, "a@example.com", Purpose::ResetPassword);
        issued(&mut store, "b@example.com", Purpose::ResetPassword);
        let code = token.code();
        for (email, purpose) in [
            ("b@example.com", Purpose::ResetPassword),
            ("a@example.com", Purpose::ConfirmEmail),
            ("nobody@example.com", Purpose::ResetPassword),
        ] {
            let found = store.verify_code(email, purpose, code, NOW).unwrap();
            assert_eq!(found, None, "{email} {purpose:?}");
        }
    }

    #[test]
    fn the_fifth_wrong_code_voids_the_pending_code() {
        let mut store = temp_store();
        let token = issued(&mut store, "a@example.com", Purpose::ResetPassword);
        let wrong = Code::parse("0000-0000");
        for _ in 0..MAX_CODE_FAILURES - 1 {
            store
                .verify_code("a@example.com", Purpose::ResetPassword, wrong.as_ref(), NOW)
                .unwrap();
        }
        let right = store
            .verify_code("a@example.com", Purpose::ResetPassword, token.code(), NOW)
            .unwrap();
        assert!(right.is_some(), "four wrong codes leave it usable");
        store
            .verify_code("a@example.com", Purpose::ResetPassword, None, NOW)
            .unwrap();
        let after = store
            .verify_code("a@example.com", Purpose::ResetPassword, token.code(), NOW)
            .unwrap();
        assert_eq!(after, None, "void after the fifth");
        assert!(
            !store
                .has_pending_code("a@example.com", Purpose::ResetPassword, NOW)
                .unwrap()
        );
    }

    #[test]
    fn an_expired_code_finds_nothing() {
        let mut store = temp_store();
        let token = issued(&mut store, "a@example.com", Purpose::ConfirmEmail);
        let found = store
            .verify_code(
                "a@example.com",
                Purpose::ConfirmEmail,
                token.code(),
                NOW + 3600,
            )
            .unwrap();
        assert_eq!(found, None);
    }
}
