//! The cookie login of the original service (`POST /api/login/`) and the
//! logouts (`POST /api/logout/`, `POST /api/logout/all/`).

use serde_json::json;

use crate::accounts::login::{self, LogIn};
use crate::accounts::session::{self, AccessOnly, LogoutToken};
use crate::config::Config;
use crate::http::Ctx;
use crate::http::auth::{accept_cookie, authenticate};
use crate::http::error::ApiError;
use crate::http::handlers::UserBody;
use crate::http::requests::{LoginRequest, LogoutRequest};
use crate::http::response::Reply;

const LOGGED_OUT: &str = "Successfully logged out.";
const CLEAR_COOKIE: &str = "access_token=; Path=/; Max-Age=0";

/// `POST /api/login/` with `username` (a username or an address) and
/// `password`: the user, and the access token in an HttpOnly cookie.
pub fn login(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let request = LoginRequest::parse(&ctx.req.fields()?)?;
    let device = ctx.device();
    match login::log_in::<AccessOnly>(ctx.app, ctx.store, &device, &request.credentials)? {
        LogIn::Started { user, tokens } => {
            let body = json!({"Success": "Login successfully", "user": UserBody::from(&user)});
            let cookie = access_cookie(&ctx.app.config, &tokens.access.token);
            Ok(Reply::json(200, &body).with_header("Set-Cookie", cookie))
        }
        LogIn::Refused => Err(ApiError::InvalidLogin),
    }
}

fn access_cookie(config: &Config, token: &str) -> String {
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
    let request = LogoutRequest::parse(&fields, ctx.req.access_cookie())?;
    if let LogoutToken::Cookie(cookie) = request.by {
        accept_cookie(ctx, cookie)?;
    }
    session::log_out(ctx.app, ctx.store, request.by)?;
    Ok(logged_out())
}

/// `POST /api/logout/all/` (authenticated): ends every login of the user.
pub fn logout_all(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let user = authenticate(ctx)?;
    session::log_out_everywhere(ctx.store, &user)?;
    Ok(logged_out())
}

fn logged_out() -> Reply {
    Reply::json(200, &json!({"detail": LOGGED_OUT}))
        .with_header("Set-Cookie", CLEAR_COOKIE.to_string())
}
