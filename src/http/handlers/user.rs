//! The current user: `GET`, `PATCH` and `DELETE /api/user/`,
//! `PUT /api/user/change-password/` and `POST /api/user/change-email/`.

use serde_json::json;

use crate::accounts::account::{self, Deletion};
use crate::accounts::email_change::{self, ChangeRequest};
use crate::accounts::password::{self, Change};
use crate::accounts::username::{self, UsernameChange};
use crate::http::Ctx;
use crate::http::auth::authenticate;
use crate::http::error::ApiError;
use crate::http::fields::FieldErrors;
use crate::http::handlers::UserBody;
use crate::http::requests::{
    ChangeEmailRequest, ChangePasswordRequest, DeleteRequest, EMAIL_TAKEN, USERNAME_TAKEN,
    UsernameRequest,
};
use crate::http::response::Reply;

const WRONG_PASSWORD: &str = "Password is incorrect.";
const CHANGE_LINK_SENT: &str = "Confirmation link sent to the new address.";

pub fn get(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    Ok(Reply::json(200, &UserBody::from(&user)))
}

/// Sets, changes or removes the username; answers the user as `GET` does.
pub fn patch(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    let request = UsernameRequest::parse(&ctx.req.fields()?)?;
    match username::set(ctx.store, &user, request.username.as_ref())? {
        UsernameChange::Changed(user) => Ok(Reply::json(200, &UserBody::from(&user))),
        UsernameChange::Taken => Err(FieldErrors::single("username", USERNAME_TAKEN).into()),
    }
}

/// Mails a link to the new address; the address changes when it is
/// followed.
pub fn change_email(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    let request = ChangeEmailRequest::parse(&ctx.req.fields()?)?;
    let client = ctx.client_address();
    let asked = email_change::request(
        ctx.app,
        ctx.store,
        client,
        &user,
        &request.password,
        &request.new_email,
    )?;
    match asked {
        ChangeRequest::Sent => Ok(Reply::detail(200, CHANGE_LINK_SENT)),
        ChangeRequest::WrongPassword => Err(FieldErrors::single("password", WRONG_PASSWORD).into()),
        ChangeRequest::Taken => Err(FieldErrors::single("new_email", EMAIL_TAKEN).into()),
    }
}

/// Deletes the account after checking its password; 204 without a body.
pub fn delete(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    let request = DeleteRequest::parse(&ctx.req.fields()?)?;
    match account::delete_own(ctx.app, ctx.store, &user, &request.password)? {
        Deletion::Deleted => Ok(Reply::empty(204)),
        Deletion::WrongPassword => Err(FieldErrors::single("password", WRONG_PASSWORD).into()),
    }
}

const OLD_ERROR: &str = "old password error";
const NEW_ERROR: &str = "new password error";

/// Changes the password: this login continues with fresh tokens, every
/// other login ends. A refused attempt changes nothing.
pub fn change_password(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    let request = ChangePasswordRequest::parse(&ctx.req.fields()?)?;
    let device = ctx.device();
    match password::change(
        ctx.app,
        ctx.store,
        &user,
        request.current.as_ref(),
        request.new,
        &device,
    )? {
        Change::Changed(tokens) => Ok(Reply::json(
            200,
            &json!({"message": "Password updated successfully", "access": tokens.access.token, "refresh": tokens.refresh.token}),
        )),
        Change::WrongPassword => {
            Err(FieldErrors::single(OLD_ERROR, "Old password is wrong").into())
        }
        Change::Weak(problems) => Err(FieldErrors::many(NEW_ERROR, problems).into()),
    }
}
