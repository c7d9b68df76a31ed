//! Password reset: ask for a link (`POST /api/password-reset/`), open it
//! (`GET /api/password-reset/{token}/`, a form that works without script),
//! and set the password (the form's POST, or `POST
//! /api/password-reset/confirm/` for apps).

use serde_json::json;

use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::domain::{NewPassword, now};
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::fields::FieldErrors;
use crate::http::handlers::confirm::INVALID_TOKEN;
use crate::http::handlers::mail_link_on_request;
use crate::http::pages;
use crate::http::response::Reply;

pub const REQUESTED: &str = "If the address is registered, a reset link has been sent.";
const DONE: &str = "Password has been reset.";

/// `POST /api/password-reset/` with `email`: a link for a registered address.
pub fn request(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    mail_link_on_request(
        ctx,
        Purpose::ResetPassword,
        |user| user.is_active,
        REQUESTED,
    )
}

/// The form; opening it does not spend the token.
pub fn form(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let valid = match OneTimeToken::parse(token) {
        Some(t) => ctx
            .store
            .one_time_row(&t, Purpose::ResetPassword, now())?
            .is_some_and(|r| !r.used),
        None => false,
    };
    Ok(if valid {
        Reply::html(200, pages::reset_form(token, &[]), pages::CSP)
    } else {
        Reply::html(400, pages::reset_link_invalid(), pages::CSP)
    })
}

/// The form's submission: answers with pages, not JSON.
pub fn submit_form(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let mut errors = FieldErrors::default();
    let password = fields.required("new_password", &mut errors).unwrap_or("");
    match reset(ctx, Some(token), password) {
        Ok(()) => Ok(Reply::html(200, pages::reset_done(), pages::CSP)),
        Err(ResetRefused::Token) => Ok(Reply::html(400, pages::reset_link_invalid(), pages::CSP)),
        Err(ResetRefused::Password(problems)) => {
            let problems: Vec<String> = problems.into_iter().map(str::to_string).collect();
            Ok(Reply::html(
                400,
                pages::reset_form(token, &problems),
                pages::CSP,
            ))
        }
        Err(ResetRefused::Api(e)) => Err(e),
    }
}

/// `POST /api/password-reset/confirm/` with `token` and `new_password`.
pub fn confirm(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let mut errors = FieldErrors::default();
    let token = fields.required("token", &mut errors);
    let password = fields.required("new_password", &mut errors);
    errors.into_result()?;
    match reset(ctx, token, password.unwrap_or("")) {
        Ok(()) => Ok(Reply::json(200, &json!({"detail": DONE}))),
        Err(ResetRefused::Token) => Err(FieldErrors::single("token", INVALID_TOKEN).into()),
        Err(ResetRefused::Password(problems)) => {
            let mut e = FieldErrors::default();
            e.add_all("new_password", problems);
            Err(e.into())
        }
        Err(ResetRefused::Api(e)) => Err(e),
    }
}

enum ResetRefused {
    Token,
    Password(Vec<&'static str>),
    Api(ApiError),
}

impl From<crate::store::StoreError> for ResetRefused {
    fn from(e: crate::store::StoreError) -> ResetRefused {
        ResetRefused::Api(e.into())
    }
}

impl From<crate::hashing::HashError> for ResetRefused {
    fn from(e: crate::hashing::HashError) -> ResetRefused {
        ResetRefused::Api(e.into())
    }
}

/// Checks the token, then the password; a weak password leaves the token
/// unspent so the user can try again from the same link.
fn reset(ctx: &mut Ctx<'_>, token: Option<&str>, password: &str) -> Result<(), ResetRefused> {
    let token = token
        .and_then(OneTimeToken::parse)
        .ok_or(ResetRefused::Token)?;
    let usable = ctx
        .store
        .one_time_row(&token, Purpose::ResetPassword, now())?
        .is_some_and(|r| !r.used);
    if !usable {
        return Err(ResetRefused::Token);
    }
    let password = NewPassword::parse(password).map_err(ResetRefused::Password)?;
    let hash = ctx.app.hasher.hash(password.as_password())?;
    if !ctx.store.reset_password(&token, &hash, now())? {
        return Err(ResetRefused::Token);
    }
    log::info!("a password was reset by mailed link");
    Ok(())
}
