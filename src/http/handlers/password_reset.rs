//! Password reset: ask for a link (`POST /api/password-reset/`), open it
//! (`GET /api/password-reset/{token}/`, a form that works without script),
//! and set the password (the form's POST, or `POST
//! /api/password-reset/confirm/` for apps, with the token or with the
//! address and the mailed code).

use crate::accounts::password::{self, Reset};
use crate::accounts::{codes, links};
use crate::domain::User;
use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::fields::FieldErrors;
use crate::http::pages::{self, Viewer};
use crate::http::requests::{
    EmailRequest, INVALID_CODE, INVALID_TOKEN, ResetBy, ResetFormRequest, ResetRequest,
};
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
    let owner = link_owner(ctx, token)?;
    let viewer = Viewer {
        user: owner.as_ref(),
        accept_language: ctx.req.header("Accept-Language"),
    };
    Ok(match &owner {
        Some(_) => pages::reset_form(ctx.app, &viewer, &action(token), &[]),
        None => pages::reset_invalid(ctx.app, &viewer),
    })
}

/// The form's submission: answers with pages, not JSON.
pub fn submit_form(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let request = ResetFormRequest::parse(&ctx.req.fields()?);
    let owner = link_owner(ctx, token)?;
    let outcome = match (OneTimeToken::parse(token), &owner) {
        (Some(parsed), Some(_)) => {
            password::reset(ctx.app, ctx.store, &parsed, request.new_password)?
        }
        _ => Reset::InvalidLink,
    };
    let viewer = Viewer {
        user: owner.as_ref(),
        accept_language: ctx.req.header("Accept-Language"),
    };
    Ok(match outcome {
        Reset::Done => pages::reset_done(ctx.app, &viewer),
        Reset::InvalidLink => pages::reset_invalid(ctx.app, &viewer),
        Reset::Weak(problems) => pages::reset_form(ctx.app, &viewer, &action(token), &problems),
    })
}

/// The user of a reset link that still works.
fn link_owner(ctx: &mut Ctx<'_>, token: &str) -> Result<Option<User>, ApiError> {
    let Some(parsed) = OneTimeToken::parse(token) else {
        return Ok(None);
    };
    if !password::link_works(ctx.store, &parsed)? {
        return Ok(None);
    }
    Ok(links::link_owner(
        ctx.store,
        &parsed,
        Purpose::ResetPassword,
    )?)
}

/// Where the form posts: the link itself (only a token that parsed gets
/// here, so it is 64 hex characters).
fn action(token: &str) -> String {
    format!("/api/password-reset/{token}/")
}

/// `POST /api/password-reset/confirm/` with `token` (or `email` and
/// `code`) and `new_password`.
pub fn confirm(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let request = ResetRequest::parse(&ctx.req.fields()?)?;
    let (outcome, invalid) = match request.by {
        ResetBy::Token(token) => (
            password::reset(ctx.app, ctx.store, &token, request.new_password)?,
            ("token", INVALID_TOKEN),
        ),
        ResetBy::Code(typed) => {
            let client = ctx.client_address();
            (
                codes::reset(ctx.app, ctx.store, client, &typed, request.new_password)?,
                ("code", INVALID_CODE),
            )
        }
    };
    match outcome {
        Reset::Done => Ok(Reply::detail(200, DONE)),
        Reset::InvalidLink => Err(FieldErrors::single(invalid.0, invalid.1).into()),
        Reset::Weak(problems) => Err(FieldErrors::many("new_password", problems).into()),
    }
}
