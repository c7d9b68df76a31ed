//! Authentication of requests: the access token they carry (header or
//! cookie), checked by [`session::authenticate`]. A token from the cookie
//! is accepted only through [`accept_cookie`].

use super::Ctx;
use super::csrf;
use super::error::ApiError;
use super::request::Credential;
use crate::accounts::session::{self, Authenticated};
use crate::domain::User;

/// The user a request acts for.
pub fn authenticate(ctx: &Ctx<'_>) -> Result<User, ApiError> {
    let token = access_token(ctx)?;
    Ok(session::authenticate(ctx.app, ctx.store, token)?)
}

/// The user a request acts for, and the login its token belongs to.
pub fn authenticate_login(ctx: &Ctx<'_>) -> Result<Authenticated, ApiError> {
    let token = access_token(ctx)?;
    Ok(session::authenticate_login(ctx.app, ctx.store, token)?)
}

/// The access token the request carries, from the header or (for a
/// trusted origin) the cookie.
fn access_token<'r>(ctx: &'r Ctx<'_>) -> Result<&'r str, ApiError> {
    match ctx.req.access_credentials()? {
        Some(Credential::Bearer(token)) => Ok(token),
        Some(Credential::Cookie(token)) => accept_cookie(ctx, token),
        None => Err(ApiError::NotAuthenticated),
    }
}

/// The one place where the `access_token` cookie becomes a credential: an
/// unsafe request must come from a trusted origin (see `csrf`), because a
/// browser sends the cookie even with a request another site started.
pub fn accept_cookie<'t>(ctx: &Ctx<'_>, token: &'t str) -> Result<&'t str, ApiError> {
    csrf::check_origin(&ctx.app.config, ctx.req)?;
    Ok(token)
}
