//! `GET /.well-known/jwks.json` (and `/api/jwks/`): the public keys that
//! verify the service's tokens, as an RFC 7517 key set. Never the HS256
//! secret: with HS256 alone the set is empty. Other services cache it for
//! five minutes, which is why a rotated key is published well before it signs.

use serde_json::json;

use crate::domain::now;
use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::response::Reply;

/// How long another service (or a proxy) may keep the key set.
const CACHE_CONTROL: &str = "public, max-age=300";

pub fn get(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let keys = ctx.app.keys.published(now());
    Ok(Reply::json(200, &json!({ "keys": keys })).cacheable(CACHE_CONTROL))
}
