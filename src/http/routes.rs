//! The whole HTTP contract at a glance: every route, declared once with its
//! name, its path and the handler of each method. The `Allow` header, 405s,
//! `OPTIONS`, `HEAD` and the route's name in the log are all derived from
//! that declaration, and a test keeps the README's route list in step.
//!
//! Paths answer with and without their trailing slash; routing comes before
//! authentication, so a wrong method is a 405 even without credentials.

use super::Ctx;
use super::error::ApiError;
use super::handlers::{
    confirm, health, jwks, login, password_reset, register, schema, sessions, tokens, user,
};
use super::response::Reply;

/// The handler of a fixed path.
type Plain = fn(&mut Ctx<'_>) -> Result<Reply, ApiError>;
/// The handler of a path that ends in a parameter (a token, an id), given
/// that segment as sent: the handler parses it.
type WithParam = fn(&mut Ctx<'_>, &str) -> Result<Reply, ApiError>;

/// A route: its name in the log (which must never hold a path's token),
/// its path as the README writes it, and its handlers by method.
pub struct Route {
    pub name: &'static str,
    pub path: &'static str,
    methods: Methods,
}

/// The handlers of a route, of the shape its path calls for.
enum Methods {
    Fixed(&'static [(&'static str, Plain)]),
    /// The path ends in a parameter segment, `{name}/`: one segment,
    /// handed to the handler.
    Param(&'static [(&'static str, WithParam)]),
}

impl Route {
    const fn fixed(
        name: &'static str,
        path: &'static str,
        methods: &'static [(&'static str, Plain)],
    ) -> Route {
        Route {
            name,
            path,
            methods: Methods::Fixed(methods),
        }
    }

    /// A route whose path ends in `{name}/` (`{token}/`, `{id}/`).
    const fn param(
        name: &'static str,
        path: &'static str,
        methods: &'static [(&'static str, WithParam)],
    ) -> Route {
        Route {
            name,
            path,
            methods: Methods::Param(methods),
        }
    }

    /// The path before its parameter segment.
    fn param_prefix(&self) -> Option<&'static str> {
        let (prefix, placeholder) = self.path.strip_suffix("}/")?.rsplit_once('{')?;
        (!placeholder.is_empty() && !placeholder.contains('/')).then_some(prefix)
    }
}

#[rustfmt::skip]
static ROUTES: &[Route] = &[
    Route::fixed("health", "/health", &[("GET", health::get)]),
    Route::fixed("register", "/api/register/", &[("POST", register::post)]),
    Route::param("confirm-email-link", "/api/confirm-email/{token}/", &[("GET", confirm::follow_link), ("HEAD", confirm::peek_link)]),
    Route::fixed("confirm-email", "/api/confirm-email/", &[("POST", confirm::post)]),
    Route::fixed("resend-confirmation", "/api/resend-confirmation/", &[("POST", confirm::resend)]),
    Route::fixed("token", "/api/token/", &[("POST", tokens::obtain)]),
    Route::fixed("token-refresh", "/api/token/refresh/", &[("POST", tokens::refresh)]),
    Route::fixed("token-verify", "/api/token/verify/", &[("POST", tokens::verify)]),
    Route::fixed("login", "/api/login/", &[("POST", login::login)]),
    Route::fixed("logout", "/api/logout/", &[("POST", login::logout)]),
    Route::fixed("logout-all", "/api/logout/all/", &[("POST", login::logout_all)]),
    Route::fixed("user", "/api/user/", &[("GET", user::get), ("PATCH", user::patch), ("DELETE", user::delete)]),
    Route::fixed("change-password", "/api/user/change-password/", &[("PUT", user::change_password)]),
    Route::fixed("change-email", "/api/user/change-email/", &[("POST", user::change_email)]),
    Route::fixed("sessions", "/api/sessions/", &[("GET", sessions::list), ("DELETE", sessions::end_others)]),
    Route::param("session", "/api/sessions/{id}/", &[("DELETE", sessions::end_one)]),
    Route::fixed("password-reset", "/api/password-reset/", &[("POST", password_reset::request)]),
    Route::param("password-reset-link", "/api/password-reset/{token}/", &[("GET", password_reset::form), ("POST", password_reset::submit_form)]),
    Route::fixed("password-reset-confirm", "/api/password-reset/confirm/", &[("POST", password_reset::confirm)]),
    Route::fixed("jwks", "/.well-known/jwks.json", &[("GET", jwks::get)]),
    Route::fixed("jwks-api", "/api/jwks/", &[("GET", jwks::get)]),
    Route::fixed("schema", "/api/schema/", &[("GET", schema::get)]),
];

/// A request's route, and the parameter its path carries, if any.
pub struct Resolved<'p> {
    pub route: &'static Route,
    target: Target<'p>,
}

enum Target<'p> {
    Fixed(&'static [(&'static str, Plain)]),
    Param(&'static [(&'static str, WithParam)], &'p str),
}

/// A handler ready to answer one request.
pub enum Handler<'p> {
    Fixed(Plain),
    Param(WithParam, &'p str),
}

impl Handler<'_> {
    pub fn call(self, ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
        match self {
            Handler::Fixed(handler) => handler(ctx),
            Handler::Param(handler, segment) => handler(ctx, segment),
        }
    }
}

/// The name of every route, in the table's order (for the metrics, which
/// count each route under its name).
pub fn names() -> impl Iterator<Item = &'static str> {
    ROUTES.iter().map(|route| route.name)
}

/// Finds the route of a path, ignoring one trailing slash. Fixed paths
/// come first: `/api/password-reset/confirm/` is not a reset link.
pub fn resolve(path: &str) -> Option<Resolved<'_>> {
    let path = without_slash(path);
    let fixed = ROUTES.iter().find_map(|route| match route.methods {
        Methods::Fixed(methods) if without_slash(route.path) == path => Some(Resolved {
            route,
            target: Target::Fixed(methods),
        }),
        _ => None,
    });
    fixed.or_else(|| {
        ROUTES.iter().find_map(|route| match route.methods {
            Methods::Param(methods) => {
                let segment = parameter(path, route.param_prefix()?)?;
                Some(Resolved {
                    route,
                    target: Target::Param(methods, segment),
                })
            }
            Methods::Fixed(_) => None,
        })
    })
}

fn without_slash(path: &str) -> &str {
    path.strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path)
}

/// The single path segment after `prefix`, if that is all there is.
fn parameter<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    let rest = path.strip_prefix(prefix)?;
    (!rest.is_empty() && !rest.contains('/')).then_some(rest)
}

impl Route {
    /// The methods the route answers, as `Allow` lists them: those declared,
    /// `HEAD` after a `GET` (it answers like `GET`, and tiny_http leaves the
    /// body out), then `OPTIONS`.
    pub fn allowed(&self) -> Vec<&'static str> {
        let declared: Vec<&'static str> = match self.methods {
            Methods::Fixed(methods) => methods.iter().map(|(m, _)| *m).collect(),
            Methods::Param(methods) => methods.iter().map(|(m, _)| *m).collect(),
        };
        let mut allowed = Vec::new();
        for method in &declared {
            allowed.push(*method);
            if *method == "GET" && !declared.contains(&"HEAD") {
                allowed.push("HEAD");
            }
        }
        allowed.push("OPTIONS");
        allowed
    }
}

impl<'p> Resolved<'p> {
    /// The handler of `method`, if the route answers it (`OPTIONS` aside).
    pub fn handler(&self, method: &str) -> Option<Handler<'p>> {
        match self.target {
            Target::Fixed(methods) => pick(methods, method).map(Handler::Fixed),
            Target::Param(methods, segment) => {
                pick(methods, method).map(|handler| Handler::Param(handler, segment))
            }
        }
    }
}

/// The handler declared for `method`; `HEAD` falls back to `GET`'s.
fn pick<H: Copy>(methods: &[(&str, H)], method: &str) -> Option<H> {
    let declared = |wanted: &str| methods.iter().find(|(m, _)| *m == wanted).map(|(_, h)| *h);
    declared(method).or_else(|| (method == "HEAD").then(|| declared("GET")).flatten())
}

#[cfg(test)]
mod openapi;

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(path: &str) -> Option<&'static str> {
        resolve(path).map(|r| r.route.name)
    }

    fn token_of(path: &str) -> Option<&str> {
        match resolve(path)?.target {
            Target::Param(_, token) => Some(token),
            Target::Fixed(_) => None,
        }
    }

    #[test]
    fn paths_match_with_and_without_the_trailing_slash() {
        assert_eq!(name_of("/api/token/"), Some("token"));
        assert_eq!(name_of("/api/token"), Some("token"));
        assert_eq!(name_of("/health/"), Some("health"));
        assert_eq!(name_of("/api/token//"), None);
        assert_eq!(name_of("/"), None);
    }

    #[test]
    fn parameters_are_one_segment() {
        assert_eq!(
            name_of("/api/confirm-email/abc/"),
            Some("confirm-email-link")
        );
        assert_eq!(token_of("/api/confirm-email/abc/"), Some("abc"));
        assert_eq!(name_of("/api/confirm-email/abc/def/"), None);
        assert_eq!(name_of("/api/confirm-email//"), None, "an empty token");
        assert_eq!(
            name_of("/api/password-reset/confirm/"),
            Some("password-reset-confirm")
        );
        assert_eq!(token_of("/api/password-reset/xyz"), Some("xyz"));
        assert_eq!(name_of("/api/sessions/"), Some("sessions"));
        assert_eq!(name_of("/api/sessions/0123abcd"), Some("session"));
        assert_eq!(token_of("/api/sessions/0123abcd/"), Some("0123abcd"));
    }

    #[test]
    fn every_parameter_route_declares_one_placeholder_at_its_end() {
        for route in ROUTES {
            if let Methods::Param(_) = route.methods {
                assert!(route.param_prefix().is_some(), "{}", route.path);
            }
        }
    }

    #[test]
    fn allow_lists_head_after_get_and_options_last() {
        let allow = |path| resolve(path).map(|r| r.route.allowed().join(", "));
        assert_eq!(
            allow("/api/user/").as_deref(),
            Some("GET, HEAD, PATCH, DELETE, OPTIONS")
        );
        assert_eq!(
            allow("/api/sessions/abc/").as_deref(),
            Some("DELETE, OPTIONS")
        );
        assert_eq!(
            allow("/api/confirm-email/abc/").as_deref(),
            Some("GET, HEAD, OPTIONS")
        );
        assert_eq!(allow("/api/token/").as_deref(), Some("POST, OPTIONS"));
        assert_eq!(
            allow("/api/password-reset/abc/").as_deref(),
            Some("GET, HEAD, POST, OPTIONS")
        );
    }

    #[test]
    fn head_answers_with_the_get_handler_unless_it_has_its_own() {
        let has = |path, method| resolve(path).and_then(|r| r.handler(method)).is_some();
        assert!(has("/health", "HEAD"));
        assert!(has("/api/confirm-email/abc/", "HEAD"));
        assert!(!has("/api/token/", "HEAD"));
        assert!(!has("/api/token/", "GET"));
        assert!(
            !has("/api/user/", "OPTIONS"),
            "OPTIONS is answered from the table, not a handler"
        );
    }

    #[test]
    fn the_key_set_answers_at_the_well_known_path_and_under_the_api() {
        assert_eq!(name_of("/.well-known/jwks.json"), Some("jwks"));
        assert_eq!(name_of("/api/jwks"), Some("jwks-api"));
        assert_eq!(name_of("/.well-known/jwks"), None);
    }

    #[test]
    fn every_route_has_its_own_name_and_path() {
        for (i, route) in ROUTES.iter().enumerate() {
            for other in &ROUTES[..i] {
                assert_ne!(route.name, other.name);
                assert_ne!(route.path, other.path);
            }
        }
    }

    /// The rows of the README's "### Routes" table: (methods, path).
    fn readme_routes() -> Vec<(String, String)> {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("\n### Routes\n")
            .nth(1)
            .expect("the README has a ### Routes section");
        section
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .skip(2)
            .map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                (cells[1].to_string(), cells[2].trim_matches('`').to_string())
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_every_route_of_the_table_with_its_methods() {
        let table: Vec<(String, String)> = ROUTES
            .iter()
            .map(|route| {
                let allowed = route.allowed();
                let methods: Vec<&str> = allowed.into_iter().filter(|m| *m != "OPTIONS").collect();
                (methods.join(", "), route.path.to_string())
            })
            .collect();
        assert_eq!(readme_routes(), table);
    }
}
