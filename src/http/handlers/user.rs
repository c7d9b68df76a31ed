//! The current user: `GET /api/user/`, `DELETE /api/user/` and
//! `PUT /api/user/change-password/`.

use serde_json::json;

use crate::domain::{NewPassword, Password, now};
use crate::http::Ctx;
use crate::http::auth::{authenticate, issue_login_tokens, session_of};
use crate::http::error::ApiError;
use crate::http::fields::FieldErrors;
use crate::http::handlers::UserBody;
use crate::http::response::Reply;

pub fn get(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    Ok(Reply::json(200, &UserBody::from(&user)))
}

/// Deletes the account after checking its password; 204 without a body.
pub fn delete(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    let fields = ctx.req.fields()?;
    let mut errors = FieldErrors::default();
    let raw = fields.required("password", &mut errors);
    errors.into_result()?;
    let password =
        Password::parse(raw.unwrap_or("")).map_err(|m| FieldErrors::single("password", m))?;
    if !ctx
        .app
        .hasher
        .verify(&password, Some(&user.password_hash))?
        .matches
    {
        return Err(FieldErrors::single("password", "Password is incorrect.").into());
    }
    ctx.store.delete_user(user.id)?;
    log::info!("user {} deleted their account", user.id);
    Ok(Reply::empty(204))
}

const OLD_ERROR: &str = "old password error";
const NEW_ERROR: &str = "new password error";

/// Changes the password: this login continues with fresh tokens, every
/// other login ends. A refused attempt changes nothing.
pub fn change_password(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    let fields = ctx.req.fields()?;
    let mut errors = FieldErrors::default();
    let old = fields.required_any(&["oldPassword", "old_password"], "oldPassword", &mut errors);
    let new = fields.required_any(&["newPassword", "new_password"], "newPassword", &mut errors);
    errors.into_result()?;
    let old_ok = match Password::parse(old.unwrap_or("")) {
        Ok(old) => {
            ctx.app
                .hasher
                .verify(&old, Some(&user.password_hash))?
                .matches
        }
        Err(_) => false,
    };
    if !old_ok {
        return Err(FieldErrors::single(OLD_ERROR, "Old password is wrong").into());
    }
    let new = NewPassword::parse(new.unwrap_or("")).map_err(|problems| {
        let mut e = FieldErrors::default();
        e.add_all(NEW_ERROR, problems);
        e
    })?;
    let hash = ctx.app.hasher.hash(new.as_password())?;
    let now = now();
    let tokens = issue_login_tokens(ctx, user.id, false, now)?;
    ctx.store
        .replace_password(user.id, &hash, Some(&session_of(user.id, &tokens)), now)?;
    log::info!("user {} changed their password", user.id);
    let refresh = tokens.refresh.map(|r| r.token).unwrap_or_default();
    Ok(Reply::json(
        200,
        &json!({"message": "Password updated successfully", "access": tokens.access.token, "refresh": refresh}),
    ))
}
