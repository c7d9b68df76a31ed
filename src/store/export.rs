//! Reading every user for `accounts export`, one row at a time, so an
//! export of any size runs in constant memory.

use super::{Context, Store, StoreError};

/// One user as exported: what is needed to recreate the account elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedUser {
    pub id: i64,
    pub email: String,
    pub username: Option<String>,
    pub password_hash: String,
    pub is_email_confirmed: bool,
    pub is_active: bool,
    pub created_at: u64,
    pub last_login_at: Option<u64>,
}

impl Store {
    /// Calls `each` for every user in id order, from one consistent read,
    /// and returns how many there were. The first error of `each` stops the
    /// walk and is returned inside the outer `Ok`.
    pub fn for_each_user<E>(
        &self,
        mut each: impl FnMut(ExportedUser) -> Result<(), E>,
    ) -> Result<Result<usize, E>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, email, username, password_hash, is_email_confirmed, is_active, \
                 created_at, last_login_at FROM users ORDER BY id",
            )
            .context("reading users for the export")?;
        let mut rows = statement
            .query([])
            .context("reading users for the export")?;
        let mut count = 0;
        while let Some(row) = rows.next().context("reading users for the export")? {
            let user = exported_user(row).context("reading a user for the export")?;
            if let Err(e) = each(user) {
                return Ok(Err(e));
            }
            count += 1;
        }
        Ok(Ok(count))
    }
}

fn exported_user(row: &rusqlite::Row<'_>) -> rusqlite::Result<ExportedUser> {
    Ok(ExportedUser {
        id: row.get(0)?,
        email: row.get(1)?,
        username: row.get(2)?,
        password_hash: row.get(3)?,
        is_email_confirmed: row.get(4)?,
        is_active: row.get(5)?,
        created_at: row.get::<_, i64>(6)?.max(0) as u64,
        last_login_at: row.get::<_, Option<i64>>(7)?.map(|t| t.max(0) as u64),
    })
}
