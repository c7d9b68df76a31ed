//! The answers, byte for byte the service's bodies and statuses, with the
//! headers every answer of the service carries (`nosniff`,
//! `no-referrer`, `no-store`) and the `WWW-Authenticate` challenge of a 401.

use axum::Json;
use axum::http::header::{
    CACHE_CONTROL, HeaderName, REFERRER_POLICY, WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::db::{DbError, User};

const COMMON_HEADERS: [(HeaderName, HeaderValue); 3] = [
    (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    (CACHE_CONTROL, HeaderValue::from_static("no-store")),
];

/// A user as the service shows one, fields in its order.
#[derive(Serialize)]
struct UserBody<'a> {
    id: i64,
    username: Option<&'a str>,
    email: &'a str,
    is_email_confirmed: bool,
}

pub fn user(user: &User) -> Response {
    let body = UserBody {
        id: user.id,
        username: user.username.as_deref(),
        email: &user.email,
        is_email_confirmed: user.is_email_confirmed,
    };
    (StatusCode::OK, COMMON_HEADERS, Json(body)).into_response()
}

pub fn health(ok: bool) -> Response {
    let (status, body) = if ok {
        (StatusCode::OK, json!({"status": "ok"}))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "unavailable"}),
        )
    };
    (status, COMMON_HEADERS, Json(body)).into_response()
}

/// Why `GET /api/user/` is not answered with the user.
#[derive(Debug)]
pub enum Refusal {
    /// 401: no `Authorization: Bearer` header.
    NoCredentials,
    /// 401: `Bearer` without exactly one token after it.
    BadAuthorizationHeader,
    /// 401: a bad, expired, revoked or non-access token.
    TokenInvalid,
    /// 401: the token's user does not exist.
    UserNotFound,
    /// 401: the token's user was deactivated.
    UserInactive,
    /// 500: the database could not be read (logged).
    Database(DbError),
}

impl From<DbError> for Refusal {
    fn from(e: DbError) -> Refusal {
        Refusal::Database(e)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = match self {
            Refusal::NoCredentials => {
                json!({"detail": "Authentication credentials were not provided."})
            }
            Refusal::BadAuthorizationHeader => json!({
                "detail": "Authorization header must contain two space-delimited values",
                "code": "bad_authorization_header",
            }),
            Refusal::TokenInvalid => json!({
                "detail": "Given token not valid for any token type",
                "code": "token_not_valid",
                "messages": [{"token_class": "AccessToken", "token_type": "access", "message": "Token is invalid or expired"}],
            }),
            Refusal::UserNotFound => json!({"detail": "User not found", "code": "user_not_found"}),
            Refusal::UserInactive => json!({"detail": "User is inactive", "code": "user_inactive"}),
            Refusal::Database(e) => {
                eprintln!("internal error: {e}");
                let body = json!({"detail": "A server error occurred."});
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    COMMON_HEADERS,
                    Json(body),
                )
                    .into_response();
            }
        };
        let challenge = [(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"api\""),
        )];
        (
            StatusCode::UNAUTHORIZED,
            COMMON_HEADERS,
            challenge,
            Json(body),
        )
            .into_response()
    }
}
