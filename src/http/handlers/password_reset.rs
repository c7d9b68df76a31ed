//! Password reset: ask for a link (`POST /api/password-reset/`), open it
//! (`GET /api/password-reset/{token}/`, a form that works without script),
//! and set the password (the form's POST, or `POST
//! /api/password-reset/confirm/` for apps).

use crate::accounts::password::{self, Reset};
use crate::domain::one_time::OneTimeToken;
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::fields::FieldErrors;
use crate::http::pages;
use crate::http::requests::{EmailRequest, INVALID_TOKEN, ResetFormRequest, ResetRequest};
use crate::http::response::Reply;

pub const REQUESTED: &str = "If the address is registered, a reset link has been sent.";
const DONE: &str = "Password has been reset.";

/// `POST /api/password-reset/` with `email`: the same answer whatever the
/// address.
pub fn request(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let request = EmailRequest::parse(&ctx.req.fields()?)?;
    let client = ctx.client_address();
    password::request_reset(ctx.app, ctx.store, client, request.email.as_ref())?;
    Ok(Reply::detail(200, REQUESTED))
}

/// The form; opening it does not spend the token.
pub fn form(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let works = match OneTimeToken::parse(token) {
        Some(parsed) => password::link_works(ctx.store, &parsed)?,
        None => false,
    };
    Ok(if works {
        Reply::html(200, pages::reset_form(token, &[]), pages::CSP)
    } else {
        invalid_link()
    })
}

/// The form's submission: answers with pages, not JSON.
pub fn submit_form(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let request = ResetFormRequest::parse(&ctx.req.fields()?);
    let outcome = match OneTimeToken::parse(token) {
        Some(parsed) => password::reset(ctx.app, ctx.store, &parsed, request.new_password)?,
        None => Reset::InvalidLink,
    };
    Ok(match outcome {
        Reset::Done => Reply::html(200, pages::reset_done(), pages::CSP),
        Reset::InvalidLink => invalid_link(),
        Reset::Weak(problems) => Reply::html(400, pages::reset_form(token, &problems), pages::CSP),
    })
}

fn invalid_link() -> Reply {
    Reply::html(400, pages::reset_link_invalid(), pages::CSP)
}

/// `POST /api/password-reset/confirm/` with `token` and `new_password`.
pub fn confirm(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let request = ResetRequest::parse(&ctx.req.fields()?)?;
    match password::reset(ctx.app, ctx.store, &request.token, request.new_password)? {
        Reset::Done => Ok(Reply::detail(200, DONE)),
        Reset::InvalidLink => Err(FieldErrors::single("token", INVALID_TOKEN).into()),
        Reset::Weak(problems) => Err(FieldErrors::many("new_password", problems).into()),
    }
}
