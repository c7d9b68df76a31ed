//! SimpleJWT's endpoints: `POST /api/token/` (obtain a pair),
//! `/api/token/refresh/` and `/api/token/verify/`.

use serde_json::json;

use crate::accounts::login::{self, LogIn};
use crate::accounts::session::{self, TokenPair};
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::requests::{RefreshRequest, TokenRequest, VerifyRequest};
use crate::http::response::Reply;

/// `POST /api/token/` with `password` and `email` or `username`.
pub fn obtain(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let request = TokenRequest::parse(&ctx.req.fields()?)?;
    let device = ctx.device();
    match login::log_in::<TokenPair>(ctx.app, ctx.store, &device, &request.credentials)? {
        LogIn::Started { tokens, .. } => Ok(Reply::json(
            200,
            &json!({"refresh": tokens.refresh.token, "access": tokens.access.token}),
        )),
        LogIn::Refused => Err(ApiError::NoActiveAccount),
    }
}

/// `POST /api/token/refresh/` with `refresh`.
pub fn refresh(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let request = RefreshRequest::parse(&fields)?;
    let renewed = session::refresh(ctx.app, ctx.store, request.refresh)?;
    let body = match renewed.refresh {
        Some(next) => json!({"access": renewed.access.token, "refresh": next.token}),
        None => json!({"access": renewed.access.token}),
    };
    Ok(Reply::json(200, &body))
}

/// `POST /api/token/verify/` with `token` (access or refresh): valid means
/// it would be accepted right now.
pub fn verify(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let request = VerifyRequest::parse(&fields)?;
    session::check(ctx.app, ctx.store, request.token)?;
    Ok(Reply::json(200, &json!({})))
}
