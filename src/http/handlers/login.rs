//! The cookie login of the original service (`POST /api/login/`) and the
//! logouts (`POST /api/logout/`, `POST /api/logout/all/`).

use serde_json::json;

use crate::domain::jwt::TokenType;
use crate::domain::now;
use crate::http::Ctx;
use crate::http::auth::{accept_cookie, authenticate, start_login};
use crate::http::error::ApiError;
use crate::http::fields::{FieldErrors, REQUIRED};
use crate::http::handlers::UserBody;
use crate::http::handlers::tokens::{check_credentials, parse_credentials};
use crate::http::response::Reply;

const LOGGED_OUT: &str = "Successfully logged out.";
const CLEAR_COOKIE: &str = "access_token=; Path=/; Max-Age=0";

/// `POST /api/login/` with `username` (a username or an address) and
/// `password`: the user, and the access token in an HttpOnly cookie.
pub fn login(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let (login, password) = parse_credentials(&fields, &["username"])?;
    let user = check_credentials(ctx, &login, &password)?.ok_or(ApiError::InvalidLogin)?;
    let tokens = start_login(ctx, user.id, true)?;
    let body = json!({"Success": "Login successfully", "user": UserBody::from(&user)});
    Ok(Reply::json(200, &body).with_header("Set-Cookie", access_cookie(ctx, &tokens.access.token)))
}

fn access_cookie(ctx: &Ctx<'_>, token: &str) -> String {
    let config = &ctx.app.config;
    let mut cookie = format!(
        "access_token={token}; Path=/; HttpOnly; SameSite={}; Max-Age={}",
        config.cookie.same_site.as_str(),
        config.access_ttl.as_secs()
    );
    if config.cookie.secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// `POST /api/logout/` with `refresh`, or with no body and the
/// `access_token` cookie: ends that login.
pub fn logout(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let mut errors = FieldErrors::default();
    let refresh = fields
        .optional("refresh", &mut errors)
        .filter(|r| !r.is_empty());
    errors.into_result()?;
    let keys = &ctx.app.keys;
    let token = match (refresh, ctx.req.access_cookie()) {
        (Some(refresh), _) => Some(
            keys.verify(refresh, Some(TokenType::Refresh))
                .map_err(|_| ApiError::TokenInvalid)?,
        ),
        // A dead cookie still logs out: the answer clears it either way.
        (None, Some(cookie)) => keys
            .verify(accept_cookie(ctx, cookie)?, Some(TokenType::Access))
            .ok(),
        (None, None) => return Err(FieldErrors::single("refresh", REQUIRED).into()),
    };
    if let Some(token) = token {
        let family = token.family();
        if ctx.store.user_by_id(token.user_id)?.is_some() {
            let expires_at = token.exp.max(now() + ctx.app.config.access_ttl.as_secs());
            ctx.store
                .revoke_family(token.user_id, family.as_str(), expires_at, now())?;
        }
    }
    Ok(logged_out())
}

/// `POST /api/logout/all/` (authenticated): ends every login of the user.
pub fn logout_all(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    ctx.store.revoke_all_sessions(user.id, now())?;
    Ok(logged_out())
}

fn logged_out() -> Reply {
    Reply::json(200, &json!({"detail": LOGGED_OUT}))
        .with_header("Set-Cookie", CLEAR_COOKIE.to_string())
}
