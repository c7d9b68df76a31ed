//! Email confirmation: the mailed link (`GET`/`HEAD`
//! `/api/confirm-email/{token}/`), its JSON twin (`POST /api/confirm-email/`)
//! and `POST /api/resend-confirmation/`.

use serde_json::json;

use crate::accounts::confirm::{self, ConsumeOutcome};
use crate::app::App;
use crate::domain::one_time::OneTimeToken;
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::fields::FieldErrors;
use crate::http::pages;
use crate::http::requests::{ConfirmRequest, EmailRequest, INVALID_TOKEN};
use crate::http::response::Reply;

pub const RESEND_DETAIL: &str =
    "If the address is registered and not yet confirmed, a new link has been sent.";

pub fn follow_link(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let outcome = match OneTimeToken::parse(token) {
        Some(token) => confirm::confirm(ctx.app, ctx.store, &token)?,
        None => ConsumeOutcome::Invalid,
    };
    Ok(link_reply(ctx.app, outcome))
}

/// `HEAD`: answers as `GET` would, without spending the token.
pub fn peek_link(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let outcome = match OneTimeToken::parse(token) {
        Some(token) => confirm::peek(ctx.store, &token)?,
        None => ConsumeOutcome::Invalid,
    };
    Ok(link_reply(ctx.app, outcome))
}

/// A page, or a redirect to `ACCOUNTS_CONFIRM_REDIRECT` when it is set.
fn link_reply(app: &App, outcome: ConsumeOutcome) -> Reply {
    if let Some(target) = &app.config.confirm_redirect {
        let confirmed = if outcome == ConsumeOutcome::Invalid {
            "0"
        } else {
            "1"
        };
        let separator = if target.contains('?') { '&' } else { '?' };
        return Reply::redirect(format!("{target}{separator}confirmed={confirmed}"));
    }
    match outcome {
        ConsumeOutcome::Confirmed => Reply::html(200, pages::email_confirmed(), pages::CSP),
        ConsumeOutcome::AlreadyConfirmed => {
            Reply::html(200, pages::email_already_confirmed(), pages::CSP)
        }
        ConsumeOutcome::Invalid => Reply::html(400, pages::confirmation_link_invalid(), pages::CSP),
    }
}

/// `POST /api/confirm-email/` with `token`.
pub fn post(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let request = ConfirmRequest::parse(&ctx.req.fields()?)?;
    match confirm::confirm(ctx.app, ctx.store, &request.token)? {
        ConsumeOutcome::Confirmed | ConsumeOutcome::AlreadyConfirmed => {
            Ok(Reply::json(200, &json!({"detail": "Email confirmed."})))
        }
        ConsumeOutcome::Invalid => Err(FieldErrors::single("token", INVALID_TOKEN).into()),
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
