//! `GET /api/schema/`: the OpenAPI 3.1 document of this API (drf-spectacular's
//! path), `api/openapi.json` as built into the binary. It is written by hand
//! beside the handlers; a unit test keeps its paths and methods in step with
//! the route table, and CI fuzzes the real binary against it.

use crate::http::Ctx;
use crate::http::error::ApiError;
use crate::http::response::Reply;

/// The document, byte for byte as in the repository.
pub const OPENAPI_DOCUMENT: &str = include_str!("../../../api/openapi.json");

/// The media type of an OpenAPI document in JSON (registered with IANA).
const MEDIA_TYPE: &str = "application/vnd.oai.openapi+json";

/// The document only changes with the binary: caches may keep it a while.
const CACHE_CONTROL: &str = "public, max-age=300";

pub fn get(_ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    Ok(Reply::document(MEDIA_TYPE, OPENAPI_DOCUMENT).cacheable(CACHE_CONTROL))
}
