//! Email confirmation: the mailed link (`GET`/`HEAD`
//! `/api/confirm-email/{token}/`), its JSON twin (`POST /api/confirm-email/`,
//! with the token or with the address and the mailed code) and
//! `POST /api/resend-confirmation/`.

use serde_json::json;

use crate::accounts::confirm::{self, ConsumeOutcome};
use crate::accounts::{codes, links};
use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::fields::FieldErrors;
use crate::http::pages::{self, Viewer};
use crate::http::requests::{ConfirmRequest, EmailRequest, INVALID_CODE, INVALID_TOKEN};
use crate::http::response::Reply;

pub const RESEND_DETAIL: &str =
    "If the address is registered and not yet confirmed, a new link has been sent.";

pub fn follow_link(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let token = OneTimeToken::parse(token);
    let outcome = match &token {
        Some(token) => confirm::confirm(ctx.app, ctx.store, token)?,
        None => ConsumeOutcome::Invalid,
    };
    link_reply(ctx, token.as_ref(), outcome)
}

/// `HEAD`: answers as `GET` would, without spending the token.
pub fn peek_link(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let token = OneTimeToken::parse(token);
    let outcome = match &token {
        Some(token) => confirm::peek(ctx.store, token)?,
        None => ConsumeOutcome::Invalid,
    };
    link_reply(ctx, token.as_ref(), outcome)
}

/// A page in the user's language, or a redirect to
/// `ACCOUNTS_CONFIRM_REDIRECT` when it is set.
fn link_reply(
    ctx: &mut Ctx<'_>,
    token: Option<&OneTimeToken>,
    outcome: ConsumeOutcome,
) -> Result<Reply, ApiError> {
    if let Some(target) = &ctx.app.config.confirm_redirect {
        let confirmed = if outcome == ConsumeOutcome::Invalid {
            "0"
        } else {
            "1"
        };
        let separator = if target.contains('?') { '&' } else { '?' };
        return Ok(Reply::redirect(format!(
            "{target}{separator}confirmed={confirmed}"
        )));
    }
    let user = match (token, outcome) {
        (Some(token), ConsumeOutcome::Confirmed | ConsumeOutcome::AlreadyConfirmed) => {
            links::link_owner(ctx.store, token, Purpose::ConfirmEmail)?
        }
        _ => None,
    };
    let viewer = Viewer {
        user: user.as_ref(),
        accept_language: ctx.req.header("Accept-Language"),
    };
    Ok(match outcome {
        ConsumeOutcome::Confirmed => pages::confirm_done(ctx.app, &viewer, false),
        ConsumeOutcome::AlreadyConfirmed => pages::confirm_done(ctx.app, &viewer, true),
        ConsumeOutcome::Invalid => pages::confirm_invalid(ctx.app, &viewer),
    })
}

/// `POST /api/confirm-email/` with `token`, or `email` and `code`.
pub fn post(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let confirmed = match ConfirmRequest::parse(&ctx.req.fields()?)? {
        ConfirmRequest::Token(token) => {
            if confirm::confirm(ctx.app, ctx.store, &token)? == ConsumeOutcome::Invalid {
                return Err(FieldErrors::single("token", INVALID_TOKEN).into());
            }
            true
        }
        ConfirmRequest::Code(typed) => {
            let client = ctx.client_address();
            codes::confirm(ctx.app, ctx.store, client, &typed)?
        }
    };
    if confirmed {
        Ok(Reply::json(200, &json!({"detail": "Email confirmed."})))
    } else {
        Err(FieldErrors::single("code", INVALID_CODE).into())
    }
}

/// `POST /api/resend-confirmation/` with `email`: the same answer whatever
/// the address.
pub fn resend(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let request = EmailRequest::parse(&ctx.req.fields()?)?;
    let client = ctx.client_address();
    confirm::resend(ctx.app, ctx.store, client, request.email.as_ref())?;
    Ok(Reply::detail(200, RESEND_DETAIL))
}
