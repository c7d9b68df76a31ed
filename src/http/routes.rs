//! The whole HTTP contract at a glance: every route, its methods, and the
//! handler that answers it. Paths answer with and without their trailing
//! slash; routing comes before authentication, so a wrong method is a 405
//! even without credentials.

use super::Ctx;
use super::error::ApiError;
use super::handlers::{confirm, health, login, password_reset, register, tokens, user};
use super::response::Reply;

/// A known path (with its parameter, if it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Health,
    Register,
    ConfirmEmail,
    ConfirmEmailLink(String),
    ResendConfirmation,
    Token,
    TokenRefresh,
    TokenVerify,
    Login,
    Logout,
    LogoutAll,
    User,
    ChangePassword,
    PasswordReset,
    PasswordResetConfirm,
    PasswordResetLink(String),
}

/// Finds the route of a path, ignoring one trailing slash.
pub fn resolve(path: &str) -> Option<Route> {
    let trimmed = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let route = match trimmed {
        "/health" => Route::Health,
        "/api/register" => Route::Register,
        "/api/confirm-email" => Route::ConfirmEmail,
        "/api/resend-confirmation" => Route::ResendConfirmation,
        "/api/token" => Route::Token,
        "/api/token/refresh" => Route::TokenRefresh,
        "/api/token/verify" => Route::TokenVerify,
        "/api/login" => Route::Login,
        "/api/logout" => Route::Logout,
        "/api/logout/all" => Route::LogoutAll,
        "/api/user" => Route::User,
        "/api/user/change-password" => Route::ChangePassword,
        "/api/password-reset" => Route::PasswordReset,
        "/api/password-reset/confirm" => Route::PasswordResetConfirm,
        other => {
            if let Some(token) = parameter(other, "/api/confirm-email/") {
                Route::ConfirmEmailLink(token)
            } else if let Some(token) = parameter(other, "/api/password-reset/") {
                Route::PasswordResetLink(token)
            } else {
                return None;
            }
        }
    };
    Some(route)
}

/// The single path segment after `prefix`, if that is all there is.
fn parameter(path: &str, prefix: &str) -> Option<String> {
    let rest = path.strip_prefix(prefix)?;
    (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string())
}

impl Route {
    /// The methods the route answers (for `Allow` and 405s).
    pub fn allowed(&self) -> &'static [&'static str] {
        match self {
            Route::Health | Route::ConfirmEmailLink(_) => &["GET", "HEAD", "OPTIONS"],
            Route::User => &["GET", "HEAD", "DELETE", "OPTIONS"],
            Route::ChangePassword => &["PUT", "OPTIONS"],
            Route::PasswordResetLink(_) => &["GET", "HEAD", "POST", "OPTIONS"],
            _ => &["POST", "OPTIONS"],
        }
    }

    /// A stable name for the log, which must never hold a path's token.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Health => "health",
            Route::Register => "register",
            Route::ConfirmEmail => "confirm-email",
            Route::ConfirmEmailLink(_) => "confirm-email-link",
            Route::ResendConfirmation => "resend-confirmation",
            Route::Token => "token",
            Route::TokenRefresh => "token-refresh",
            Route::TokenVerify => "token-verify",
            Route::Login => "login",
            Route::Logout => "logout",
            Route::LogoutAll => "logout-all",
            Route::User => "user",
            Route::ChangePassword => "change-password",
            Route::PasswordReset => "password-reset",
            Route::PasswordResetConfirm => "password-reset-confirm",
            Route::PasswordResetLink(_) => "password-reset-link",
        }
    }
}

/// Calls the handler of `route` for `method` (HEAD runs the GET handler;
/// tiny_http leaves the body out).
pub fn dispatch(ctx: &mut Ctx<'_>, route: &Route, method: &str) -> Result<Reply, ApiError> {
    match (route, method) {
        (Route::Health, "GET" | "HEAD") => health::get(ctx),
        (Route::Register, "POST") => register::post(ctx),
        (Route::ConfirmEmail, "POST") => confirm::post(ctx),
        (Route::ConfirmEmailLink(token), "GET") => confirm::follow_link(ctx, token),
        (Route::ConfirmEmailLink(token), "HEAD") => confirm::peek_link(ctx, token),
        (Route::ResendConfirmation, "POST") => confirm::resend(ctx),
        (Route::Token, "POST") => tokens::obtain(ctx),
        (Route::TokenRefresh, "POST") => tokens::refresh(ctx),
        (Route::TokenVerify, "POST") => tokens::verify(ctx),
        (Route::Login, "POST") => login::login(ctx),
        (Route::Logout, "POST") => login::logout(ctx),
        (Route::LogoutAll, "POST") => login::logout_all(ctx),
        (Route::User, "GET" | "HEAD") => user::get(ctx),
        (Route::User, "DELETE") => user::delete(ctx),
        (Route::ChangePassword, "PUT") => user::change_password(ctx),
        (Route::PasswordReset, "POST") => password_reset::request(ctx),
        (Route::PasswordResetConfirm, "POST") => password_reset::confirm(ctx),
        (Route::PasswordResetLink(token), "GET" | "HEAD") => password_reset::form(ctx, token),
        (Route::PasswordResetLink(token), "POST") => password_reset::submit_form(ctx, token),
        _ => Err(ApiError::MethodNotAllowed {
            method: method.to_string(),
            allow: route.allowed(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_with_and_without_the_trailing_slash() {
        assert_eq!(resolve("/api/token/"), Some(Route::Token));
        assert_eq!(resolve("/api/token"), Some(Route::Token));
        assert_eq!(resolve("/api/token//"), None);
        assert_eq!(resolve("/"), None);
    }

    #[test]
    fn parameters_are_one_segment() {
        assert_eq!(
            resolve("/api/confirm-email/abc/"),
            Some(Route::ConfirmEmailLink("abc".into()))
        );
        assert_eq!(resolve("/api/confirm-email/abc/def/"), None);
        assert_eq!(
            resolve("/api/password-reset/confirm/"),
            Some(Route::PasswordResetConfirm)
        );
        assert_eq!(
            resolve("/api/password-reset/xyz"),
            Some(Route::PasswordResetLink("xyz".into()))
        );
    }
}
