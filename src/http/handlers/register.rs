//! `POST /api/register/`: create an account and mail a confirmation link.

use crate::accounts::register::{self, Confirmation, Registered, Taken};
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::handlers::UserBody;
use crate::http::requests::{RegisterRequest, taken_errors};
use crate::http::response::Reply;

pub fn post(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    register::admit(ctx.app, ctx.client_address())?;
    let fields = ctx.req.fields()?;
    let store = &*ctx.store;
    let accept_language = ctx.req.header("Accept-Language");
    let request = RegisterRequest::parse(&fields, accept_language, |email, username| {
        // A failed check is only logged: the insert checks again and reports.
        register::taken(store, email, username).unwrap_or_else(|e| {
            log::warn!("{e}");
            Taken::default()
        })
    })?;
    match register::register(ctx.app, ctx.store, &request.account, Confirmation::MailLink)? {
        Registered::Created(user) => Ok(Reply::json(201, &UserBody::from(&user))),
        Registered::Taken(taken) => Err(taken_errors(taken).into()),
    }
}
