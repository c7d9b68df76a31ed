//! Authentication of requests: the access token they carry (header or
//! cookie), checked by [`session::authenticate`]. A token from the cookie
//! is accepted only through [`accept_cookie`].

use super::Ctx;
use super::csrf;
use super::error::ApiError;
use super::request::Credential;
use crate::accounts::session;
use crate::domain::User;

/// The user a request acts for.
pub fn authenticate(ctx: &Ctx<'_>) -> Result<User, ApiError> {
    let token = match ctx.req.access_credentials()? {
        Some(Credential::Bearer(token)) => token,
        Some(Credential::Cookie(token)) => accept_cookie(ctx, token)?,
        None => return Err(ApiError::NotAuthenticated),
    };
    Ok(session::authenticate(ctx.app, ctx.store, token)?)
}

/// The one place where the `access_token` cookie becomes a credential: an
/// unsafe request must come from a trusted origin (see `csrf`), because a
/// browser sends the cookie even with a request another site started.
pub fn accept_cookie<'t>(ctx: &Ctx<'_>, token: &'t str) -> Result<&'t str, ApiError> {
    csrf::check_origin(&ctx.app.config, ctx.req)?;
    Ok(token)
}
