//! Email confirmation: the mailed link (`GET`/`HEAD`
//! `/api/confirm-email/{token}/`), its JSON twin (`POST /api/confirm-email/`)
//! and `POST /api/resend-confirmation/`.
//!
//! Mail scanners open links before people do, so a repeated `GET` of a used
//! token whose address is confirmed still answers 200, and `HEAD` never
//! spends a token.

use serde_json::json;

use crate::domain::one_time::{OneTimeToken, Purpose};
use crate::domain::{User, now};
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::fields::FieldErrors;
use crate::http::handlers::mail_link_on_request;
use crate::http::pages;
use crate::http::response::Reply;
use crate::store::ConsumeOutcome;

pub const INVALID_TOKEN: &str = "Invalid or expired token.";
pub const RESEND_DETAIL: &str =
    "If the address is registered and not yet confirmed, a new link has been sent.";

pub fn follow_link(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let outcome = match OneTimeToken::parse(token) {
        Some(token) => ctx.store.consume_confirmation(&token, now())?,
        None => ConsumeOutcome::Invalid,
    };
    Ok(link_reply(ctx, outcome))
}

/// `HEAD`: answers as `GET` would, without spending the token.
pub fn peek_link(ctx: &mut Ctx<'_>, token: &str) -> Result<Reply, ApiError> {
    let row = match OneTimeToken::parse(token) {
        Some(token) => ctx
            .store
            .one_time_row(&token, Purpose::ConfirmEmail, now())?,
        None => None,
    };
    let outcome = match row {
        Some(r) if !r.used => ConsumeOutcome::Confirmed,
        Some(r) if r.user_email_confirmed => ConsumeOutcome::AlreadyConfirmed,
        _ => ConsumeOutcome::Invalid,
    };
    Ok(link_reply(ctx, outcome))
}

fn link_reply(ctx: &Ctx<'_>, outcome: ConsumeOutcome) -> Reply {
    if let Some(target) = &ctx.app.config.confirm_redirect {
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
    let fields = ctx.req.fields()?;
    let mut errors = FieldErrors::default();
    let raw = fields.required("token", &mut errors);
    errors.into_result()?;
    let outcome = match raw.and_then(OneTimeToken::parse) {
        Some(token) => ctx.store.consume_confirmation(&token, now())?,
        None => ConsumeOutcome::Invalid,
    };
    match outcome {
        ConsumeOutcome::Confirmed | ConsumeOutcome::AlreadyConfirmed => {
            Ok(Reply::json(200, &json!({"detail": "Email confirmed."})))
        }
        ConsumeOutcome::Invalid => Err(FieldErrors::single("token", INVALID_TOKEN).into()),
    }
}

/// `POST /api/resend-confirmation/` with `email`: a fresh link for a
/// registered, unconfirmed address; older links stop working.
pub fn resend(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let unconfirmed = |user: &User| user.is_active && !user.is_email_confirmed;
    mail_link_on_request(ctx, Purpose::ConfirmEmail, unconfirmed, RESEND_DETAIL)
}
