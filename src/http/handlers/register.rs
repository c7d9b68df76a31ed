//! `POST /api/register/`: create an account and mail a confirmation link.

use crate::domain::mail;
use crate::domain::one_time::OneTimeToken;
use crate::domain::{Email, NewPassword, Username, now};
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::fields::{FieldErrors, Fields};
use crate::http::handlers::{UserBody, link, throttle_address};
use crate::http::response::Reply;
use crate::store::{NewUser, RegisterOutcome};

/// A registration, parsed.
struct Registration {
    email: Email,
    username: Option<Username>,
    password: NewPassword,
}

pub const EMAIL_TAKEN: &str = "user with this email already exists.";
pub const USERNAME_TAKEN: &str = "user with this username already exists.";

pub fn post(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    throttle_address(ctx, &ctx.app.throttles.register_address)?;
    let registration = parse(ctx, &ctx.req.fields()?)?;
    let hash = ctx.app.hasher.hash(registration.password.as_password())?;
    let token = OneTimeToken::generate()?;
    let config = &ctx.app.config;
    let mail = mail::confirmation(
        registration.email.as_str(),
        &link(ctx, "/api/confirm-email/", token.text()),
        config.confirm_ttl.as_secs(),
    );
    let now = now();
    let new_user = NewUser {
        email: &registration.email,
        username: registration.username.as_ref(),
        password_hash: &hash,
        is_email_confirmed: false,
    };
    match ctx.store.insert_user(
        &new_user,
        Some((&token, now + config.confirm_ttl.as_secs(), &mail)),
        now,
    )? {
        RegisterOutcome::Created(user) => {
            ctx.app.mail.wake();
            log::info!("user {} registered", user.id);
            Ok(Reply::json(201, &UserBody::from(&user)))
        }
        // Taken between the check and the insert by a concurrent request.
        RegisterOutcome::Taken { email, username } => Err(taken_errors(email, username).into()),
    }
}

/// Parses every field and reports every problem at once, uniqueness
/// included, as DRF's serializer does.
fn parse(ctx: &Ctx<'_>, fields: &Fields) -> Result<Registration, FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = fields.required("email", &mut errors).and_then(|raw| {
        Email::parse(raw)
            .map_err(|e| errors.add("email", e.message()))
            .ok()
    });
    let username = fields.optional("username", &mut errors).and_then(|raw| {
        Username::parse_optional(raw)
            .map_err(|e| errors.add("username", e.message()))
            .ok()
    });
    let password = fields.required("password", &mut errors).and_then(|raw| {
        NewPassword::parse(raw)
            .map_err(|problems| errors.add_all("password", problems))
            .ok()
    });
    let username = username.flatten();
    match ctx.store.taken(email.as_ref(), username.as_ref()) {
        Ok((email_taken, username_taken)) => {
            if email_taken {
                errors.add("email", EMAIL_TAKEN);
            }
            if username_taken {
                errors.add("username", USERNAME_TAKEN);
            }
        }
        // The insert checks again inside its transaction; let it report.
        Err(e) => log::warn!("{e}"),
    }
    errors.into_result()?;
    match (email, password) {
        (Some(email), Some(password)) => Ok(Registration {
            email,
            username,
            password,
        }),
        _ => Err(FieldErrors::single("non_field_errors", "Invalid data.")),
    }
}

fn taken_errors(email: bool, username: bool) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if email {
        errors.add("email", EMAIL_TAKEN);
    }
    if username {
        errors.add("username", USERNAME_TAKEN);
    }
    errors
}
