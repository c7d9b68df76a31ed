//! The user's logins: `GET /api/sessions/` lists them,
//! `DELETE /api/sessions/` ends every one but the asker's, and
//! `DELETE /api/sessions/{id}/` ends one.

use serde::Serialize;

use crate::accounts::session::{self, LoginId, LoginSummary};
use crate::domain::timestamp::rfc3339_utc;
use crate::http::Ctx;
use crate::http::auth::authenticate_login;
use crate::http::error::ApiError;
use crate::http::response::Reply;

/// A login as the API shows it.
#[derive(Serialize)]
struct LoginBody<'a> {
    id: &'a str,
    created: String,
    last_used: String,
    user_agent: Option<&'a str>,
    ip: Option<&'a str>,
    current: bool,
}

impl<'a> From<&'a LoginSummary> for LoginBody<'a> {
    fn from(login: &'a LoginSummary) -> LoginBody<'a> {
        LoginBody {
            id: &login.id,
            created: rfc3339_utc(login.created),
            last_used: rfc3339_utc(login.last_used),
            user_agent: login.user_agent.as_deref(),
            ip: login.ip.as_deref(),
            current: login.current,
        }
    }
}

/// The user's live logins, newest first.
pub fn list(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let asker = authenticate_login(ctx)?;
    let logins = session::logins::list(ctx.store, &asker.user, Some(&asker.login))?;
    let body: Vec<LoginBody<'_>> = logins.iter().map(LoginBody::from).collect();
    Ok(Reply::json(200, &body))
}

/// Ends one of the user's live logins; any other id (malformed, ended,
/// another user's) is a 404, so an id reveals nothing about other users.
pub fn end_one(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, ApiError> {
    let asker = authenticate_login(ctx)?;
    let id = LoginId::parse(id).ok_or(ApiError::NotFound)?;
    if session::logins::end(ctx.app, ctx.store, &asker.user, &id)? {
        Ok(Reply::empty(204))
    } else {
        Err(ApiError::NotFound)
    }
}

/// Ends every live login of the user except the one asking.
pub fn end_others(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let asker = authenticate_login(ctx)?;
    session::logins::end_others(ctx.app, ctx.store, &asker.user, &asker.login)?;
    Ok(Reply::empty(204))
}
