//! One module per resource. Handlers read as a short sequence of named
//! steps: parse the input into domain values, check, store, answer.

pub mod confirm;
pub mod health;
pub mod login;
pub mod password_reset;
pub mod register;
pub mod tokens;
pub mod user;

use serde::Serialize;

use super::Ctx;
use super::error::ApiError;
use super::fields::FieldErrors;
use super::response::Reply;
use crate::domain::mail::{self, Mail};
use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::domain::{Email, User, now};
use crate::throttle::{Throttle, Throttled};

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

/// Counts this request against a per-address limit, refusing it when used up.
pub fn throttle_address(ctx: &Ctx<'_>, throttle: &Throttle) -> Result<(), ApiError> {
    throttle.hit(&ctx.client_address()).map_err(throttled)
}

pub fn throttled(t: Throttled) -> ApiError {
    ApiError::Throttled(t.retry_after)
}

/// The link a mail carries, e.g. `{public}/api/confirm-email/{token}/`.
pub fn link(ctx: &Ctx<'_>, path: &str, token: &str) -> String {
    format!("{}{path}{token}/", ctx.app.config.public_url)
}

/// Writes a mail from (recipient, link, seconds the link is valid).
type ComposeMail = fn(&str, &str, u64) -> Mail;

/// Mails the user a fresh one-time link for `purpose`; their older unused
/// links of that purpose stop working.
pub fn mail_one_time_link(
    ctx: &mut Ctx<'_>,
    user: &User,
    purpose: Purpose,
) -> Result<(), ApiError> {
    let config = &ctx.app.config;
    let (path, ttl, compose): (&str, u64, ComposeMail) = match purpose {
        Purpose::ConfirmEmail => (
            "/api/confirm-email/",
            config.confirm_ttl.as_secs(),
            mail::confirmation,
        ),
        Purpose::ResetPassword => (
            "/api/password-reset/",
            config.reset_ttl.as_secs(),
            mail::password_reset,
        ),
    };
    let token = OneTimeToken::generate()?;
    let mail = compose(&user.email, &link(ctx, path, token.text()), ttl);
    let now = now();
    ctx.store
        .issue_one_time(user.id, purpose, &token, now + ttl, &mail, now)?;
    ctx.app.mail.wake();
    Ok(())
}

/// The "mail me a link" endpoints: `email` is required, requests are
/// throttled per client address, and the answer is the same whatever the
/// address, so it reveals nothing about who has an account. A link goes out
/// only to a user that `eligible` accepts.
pub fn mail_link_on_request(
    ctx: &mut Ctx<'_>,
    purpose: Purpose,
    eligible: fn(&User) -> bool,
    detail: &'static str,
) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let mut errors = FieldErrors::default();
    let raw = fields.required("email", &mut errors);
    errors.into_result()?;
    throttle_address(ctx, &ctx.app.throttles.mail_address)?;
    if let Some(email) = raw.and_then(|r| Email::parse(r).ok())
        && let Some(user) = ctx.store.user_by_email_key(email.key())?
        && eligible(&user)
    {
        mail_one_time_link(ctx, &user, purpose)?;
    }
    Ok(Reply::json(200, &serde_json::json!({ "detail": detail })))
}
