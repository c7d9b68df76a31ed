//! Every way a request can fail, and the one place each becomes a status and
//! a body. Bodies are the contract's (DRF and SimpleJWT wording); internal
//! causes go to the log, never to the client.

use serde_json::json;

use super::body::{BodyError, MAX_FIELDS};
use super::fields::FieldErrors;
use super::response::Reply;
use crate::accounts;
use crate::hashing::HashError;
use crate::store::StoreError;

/// A request that cannot be answered with success.
#[derive(Debug)]
pub enum ApiError {
    /// 400 `{"field": ["message"]}`.
    Fields(FieldErrors),
    /// 400 for a body that is not JSON, not an object, or a bad form.
    Body(BodyError),
    /// 401: no token in the header or the cookie.
    NotAuthenticated,
    /// 401: an `Authorization: Bearer` header without exactly two parts.
    BadAuthorizationHeader,
    /// 401: a bad, expired, revoked or non-access token where an access
    /// token was needed.
    AccessTokenInvalid,
    /// 401: a valid token whose user no longer exists.
    UserNotFound,
    /// 401: a valid token whose user was deactivated.
    UserInactive,
    /// 401: a bad refresh token, or a token given to verify.
    TokenInvalid,
    /// 401 from `/api/token/`: wrong credentials, unknown or inactive user.
    NoActiveAccount,
    /// 403: an unsafe request authenticated by the cookie came from an
    /// origin the service does not trust (see `csrf`).
    CsrfFailed,
    /// 404 from `/api/login/`: wrong credentials, unknown or inactive user.
    InvalidLogin,
    /// 404: no such route.
    NotFound,
    /// 405: the route exists but not with this method; `allow` lists the
    /// route's methods.
    MethodNotAllowed { method: String, allow: String },
    /// 408: the body did not arrive within `ACCOUNTS_READ_TIMEOUT`.
    RequestTimeout,
    /// 413: the body is larger than the limit.
    PayloadTooLarge,
    /// 414: the request target is longer than the limit.
    UriTooLong,
    /// 429: too many attempts; retry after this many seconds.
    Throttled(u64),
    /// 503: the hashing lane is full or the database is locked.
    Overloaded,
    /// 503: the disk has no room for the write this request needs. Not the
    /// client's fault and not a bug: it passes when an operator frees space,
    /// so the client is told to come back later, not that the server broke.
    StorageFull,
    /// 500: a bug or an I/O failure; the text is logged, never sent.
    Internal(String),
}

impl ApiError {
    pub fn into_reply(self) -> Reply {
        match self {
            ApiError::Fields(errors) => Reply::json(400, &errors),
            ApiError::Body(BodyError::Json(e)) => {
                Reply::detail(400, &format!("JSON parse error - {e}"))
            }
            ApiError::Body(BodyError::NotAnObject(kind)) => Reply::json(
                400,
                &json!({"non_field_errors": [format!("Invalid data. Expected a dictionary, but got {kind}.")]}),
            ),
            ApiError::Body(BodyError::Form(e)) => {
                Reply::detail(400, &format!("Form parse error - {e}"))
            }
            ApiError::Body(BodyError::UnsupportedMediaType(ct)) => {
                Reply::detail(415, &format!("Unsupported media type \"{ct}\" in request."))
            }
            ApiError::Body(BodyError::Duplicate(errors)) => Reply::json(400, &errors),
            ApiError::Body(BodyError::TooManyFields) => Reply::detail(
                400,
                &format!("Too many fields in the request body (at most {MAX_FIELDS})."),
            ),
            ApiError::Body(BodyError::Unreadable(cause)) => {
                log::debug!("request body unreadable: {cause}");
                Reply::detail(400, "The request body could not be read.")
            }
            ApiError::NotAuthenticated => {
                unauthorized(json!({"detail": "Authentication credentials were not provided."}))
            }
            ApiError::BadAuthorizationHeader => unauthorized(json!({
                "detail": "Authorization header must contain two space-delimited values",
                "code": "bad_authorization_header",
            })),
            ApiError::AccessTokenInvalid => unauthorized(json!({
                "detail": "Given token not valid for any token type",
                "code": "token_not_valid",
                "messages": [{"token_class": "AccessToken", "token_type": "access", "message": "Token is invalid or expired"}],
            })),
            ApiError::UserNotFound => {
                unauthorized(json!({"detail": "User not found", "code": "user_not_found"}))
            }
            ApiError::UserInactive => {
                unauthorized(json!({"detail": "User is inactive", "code": "user_inactive"}))
            }
            ApiError::TokenInvalid => unauthorized(
                json!({"detail": "Token is invalid or expired", "code": "token_not_valid"}),
            ),
            ApiError::NoActiveAccount => unauthorized(
                json!({"detail": "No active account found with the given credentials"}),
            ),
            ApiError::CsrfFailed => Reply::detail(403, "CSRF Failed: Origin checking failed."),
            ApiError::InvalidLogin => {
                Reply::json(404, &json!({"Invalid": "Invalid username or password"}))
            }
            ApiError::NotFound => Reply::detail(404, "Not found."),
            ApiError::MethodNotAllowed { method, allow } => {
                Reply::detail(405, &format!("Method \"{method}\" not allowed."))
                    .with_header("Allow", allow)
            }
            ApiError::RequestTimeout => Reply::detail(408, "Request timed out."),
            ApiError::PayloadTooLarge => Reply::detail(413, "Request body is too large."),
            ApiError::UriTooLong => Reply::detail(414, "Request URI is too long."),
            ApiError::Throttled(secs) => Reply::detail(
                429,
                &format!("Request was throttled. Expected available in {secs} seconds."),
            )
            .with_header("Retry-After", secs.to_string()),
            ApiError::Overloaded => busy(1),
            ApiError::StorageFull => busy(STORAGE_FULL_RETRY_AFTER_SECS),
            ApiError::Internal(cause) => {
                log::error!("internal error: {cause}");
                Reply::detail(500, "A server error occurred.")
            }
        }
    }
}

/// How long a client is asked to wait when the disk is full: freeing space
/// takes an operator, so retrying every second would only repeat the work
/// (a password hash, for a registration) that precedes the refused write.
const STORAGE_FULL_RETRY_AFTER_SECS: u64 = 30;

/// 503 with the contract's body, for a condition that passes by itself.
fn busy(retry_after_secs: u64) -> Reply {
    Reply::detail(503, "The service is busy. Try again shortly.")
        .with_header("Retry-After", retry_after_secs.to_string())
}

/// SimpleJWT's authentication failures carry a `WWW-Authenticate` challenge.
fn unauthorized(body: serde_json::Value) -> Reply {
    Reply::json(401, &body).with_header("WWW-Authenticate", "Bearer realm=\"api\"".to_string())
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> ApiError {
        ApiError::Fields(errors)
    }
}

impl From<BodyError> for ApiError {
    fn from(e: BodyError) -> ApiError {
        ApiError::Body(e)
    }
}

/// What an action's failure answers. Refusals an endpoint words its own way
/// are outcomes of the action, mapped by its handler.
impl From<accounts::Error> for ApiError {
    fn from(e: accounts::Error) -> ApiError {
        match e {
            accounts::Error::Throttled(secs) => ApiError::Throttled(secs),
            accounts::Error::AccessTokenInvalid => ApiError::AccessTokenInvalid,
            accounts::Error::UserNotFound => ApiError::UserNotFound,
            accounts::Error::UserInactive => ApiError::UserInactive,
            accounts::Error::TokenInvalid => ApiError::TokenInvalid,
            accounts::Error::Store(e) => store_failure(e),
            accounts::Error::Hashing(HashError::Busy) => ApiError::Overloaded,
            failure @ (accounts::Error::Hashing(HashError::Failed(_))
            | accounts::Error::Random(_)
            | accounts::Error::Signing(_)) => ApiError::Internal(failure.to_string()),
        }
    }
}

/// A full disk and a locked database pass by themselves (503); anything
/// else is a bug or an I/O failure (500).
fn store_failure(e: StoreError) -> ApiError {
    if let StoreError::NoSpace { .. } = e {
        log::error!("{e}");
        ApiError::StorageFull
    } else if e.is_busy() {
        log::warn!("{e}");
        ApiError::Overloaded
    } else {
        ApiError::Internal(e.to_string())
    }
}
