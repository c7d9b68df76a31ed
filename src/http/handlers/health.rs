//! `GET /health`: 200 when the database answers, 503 otherwise, including
//! while the disk has no room for a write (see `Store::check_health`).

use serde_json::json;

use crate::accounts::account;
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::response::Reply;

pub fn get(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    Ok(if account::database_answers(ctx.store) {
        Reply::json(200, &json!({"status": "ok"}))
    } else {
        Reply::json(503, &json!({"status": "unavailable"}))
    })
}
