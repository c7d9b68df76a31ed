//! Authentication of requests by access token (header or cookie), and the
//! issuing of tokens for a login.

use super::Ctx;
use super::csrf;
use super::error::ApiError;
use super::request::Credential;
use crate::domain::jwt::{Family, IssuedToken, TokenType, VerifiedToken};
use crate::domain::{User, now};
use crate::store::NewSession;

/// The user a request acts for. Checks the request's access token as
/// SimpleJWT does, then against the stored state (see
/// [`user_of_access_token`]). A token from the cookie is accepted only
/// through [`accept_cookie`].
pub fn authenticate(ctx: &Ctx<'_>) -> Result<User, ApiError> {
    let raw = match ctx.req.access_credentials()? {
        Some(Credential::Bearer(token)) => token,
        Some(Credential::Cookie(token)) => accept_cookie(ctx, token)?,
        None => return Err(ApiError::NotAuthenticated),
    };
    let token = ctx
        .app
        .keys
        .verify(raw, Some(TokenType::Access))
        .map_err(|e| {
            log::debug!("access token refused: {e:?}");
            ApiError::AccessTokenInvalid
        })?;
    user_of_access_token(ctx, &token)
}

/// The one place where the `access_token` cookie becomes a credential: an
/// unsafe request must come from a trusted origin (see `csrf`), because a
/// browser sends the cookie even with a request another site started.
pub fn accept_cookie<'t>(ctx: &Ctx<'_>, token: &'t str) -> Result<&'t str, ApiError> {
    csrf::check_origin(&ctx.app.config, ctx.req)?;
    Ok(token)
}

/// The user of a signed, unexpired access token, checked against the stored
/// state: the user exists and is active, the login was not revoked, and the
/// token is not older than the user's last password change. Authentication
/// and `/api/token/verify/` both ask this, so they never disagree.
pub fn user_of_access_token(ctx: &Ctx<'_>, token: &VerifiedToken) -> Result<User, ApiError> {
    let found = ctx
        .store
        .user_with_session(token.user_id, token.family().as_str())?
        .ok_or(ApiError::UserNotFound)?;
    if !found.user.is_active {
        return Err(ApiError::UserInactive);
    }
    if found.session_revoked || token.iat < found.user.tokens_valid_after {
        return Err(ApiError::AccessTokenInvalid);
    }
    Ok(found.user)
}

/// The tokens of a new login.
pub struct LoginTokens {
    pub access: IssuedToken,
    pub refresh: Option<IssuedToken>,
}

/// Starts a login for the user: a new family, an access token, and (unless
/// `access_only`) a refresh token, recorded before they are handed out.
pub fn start_login(
    ctx: &mut Ctx<'_>,
    user_id: i64,
    access_only: bool,
) -> Result<LoginTokens, ApiError> {
    let now = now();
    let tokens = issue_login_tokens(ctx, user_id, access_only, now)?;
    ctx.store
        .create_session(&session_of(user_id, &tokens), now)?;
    Ok(tokens)
}

/// Signs the tokens of a new login without recording it (the caller stores
/// [`session_of`] in its own transaction).
pub fn issue_login_tokens(
    ctx: &Ctx<'_>,
    user_id: i64,
    access_only: bool,
    now: u64,
) -> Result<LoginTokens, ApiError> {
    let config = &ctx.app.config;
    let family = Family::generate()?;
    let access = ctx.app.keys.issue(
        TokenType::Access,
        user_id,
        &family,
        now,
        config.access_ttl.as_secs(),
    )?;
    let refresh = if access_only {
        None
    } else {
        Some(ctx.app.keys.issue(
            TokenType::Refresh,
            user_id,
            &family,
            now,
            config.refresh_ttl.as_secs(),
        )?)
    };
    Ok(LoginTokens { access, refresh })
}

/// The stored record of a login's tokens.
pub fn session_of(user_id: i64, tokens: &LoginTokens) -> NewSession<'_> {
    let family = &tokens.access.jti[..16];
    let expires_at = tokens
        .refresh
        .as_ref()
        .map_or(tokens.access.exp, |r| r.exp.max(tokens.access.exp));
    NewSession {
        user_id,
        family,
        expires_at,
        refresh: tokens.refresh.as_ref().map(|r| (r.jti.as_str(), r.exp)),
    }
}
