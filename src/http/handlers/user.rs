//! The current user: `GET /api/user/`, `DELETE /api/user/` and
//! `PUT /api/user/change-password/`.

use serde_json::json;

use crate::accounts::account::{self, Deletion};
use crate::accounts::password::{self, Change};
use crate::http::Ctx;
use crate::http::auth::authenticate;
use crate::http::error::ApiError;
use crate::http::fields::FieldErrors;
use crate::http::handlers::UserBody;
use crate::http::requests::{ChangePasswordRequest, DeleteRequest};
use crate::http::response::Reply;

pub fn get(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    Ok(Reply::json(200, &UserBody::from(&user)))
}

/// Deletes the account after checking its password; 204 without a body.
pub fn delete(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    let request = DeleteRequest::parse(&ctx.req.fields()?)?;
    match account::delete_own(ctx.app, ctx.store, &user, &request.password)? {
        Deletion::Deleted => Ok(Reply::empty(204)),
        Deletion::WrongPassword => {
            Err(FieldErrors::single("password", "Password is incorrect.").into())
        }
    }
}

const OLD_ERROR: &str = "old password error";
const NEW_ERROR: &str = "new password error";

/// Changes the password: this login continues with fresh tokens, every
/// other login ends. A refused attempt changes nothing.
pub fn change_password(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    let request = ChangePasswordRequest::parse(&ctx.req.fields()?)?;
    match password::change(
        ctx.app,
        ctx.store,
        &user,
        request.current.as_ref(),
        request.new,
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
