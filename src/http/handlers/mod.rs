//! One module per resource. A handler reads as three steps: parse the
//! request into its typed form (`requests.rs`), call the action in
//! [`crate::accounts`], and map the outcome to a reply. Handlers never touch
//! the store or apply a rule themselves.

pub mod confirm;
pub mod health;
pub mod jwks;
pub mod login;
pub mod password_reset;
pub mod register;
pub mod schema;
pub mod sessions;
pub mod tokens;
pub mod user;

use serde::Serialize;

use crate::domain::User;

/// A user as every endpoint shows one.
#[derive(Serialize)]
pub struct UserBody<'a> {
    pub id: i64,
    pub username: Option<&'a str>,
    pub email: &'a str,
    pub is_email_confirmed: bool,
}

impl<'a> From<&'a User> for UserBody<'a> {
    fn from(user: &'a User) -> UserBody<'a> {
        UserBody {
            id: user.id,
            username: user.username.as_deref(),
            email: &user.email,
            is_email_confirmed: user.is_email_confirmed,
        }
    }
}
