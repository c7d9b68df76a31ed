//! Cross-site request forgery: who may write with the cookie.
//!
//! A browser attaches the `access_token` cookie to every request to this
//! service, including one that another site's page starts (a form posted
//! across sites, or any request when the cookie is `SameSite=None`). So an
//! unsafe request authenticated by the cookie must show that it comes from an
//! origin the service trusts: one of `ACCOUNTS_CORS_ORIGINS`, or the origin
//! of `ACCOUNTS_PUBLIC_URL`. It is judged by `Origin`, or by `Referer` when
//! `Origin` is absent, as Django's CSRF middleware does.
//!
//! A request with neither header is not a browser's cross-site request
//! (browsers send `Origin` on every cross-origin POST, PUT, PATCH and
//! DELETE), so command-line and mobile clients that send the cookie go on
//! working. A Bearer token is never sent by a browser on its own, so
//! requests that carry one are not judged at all: the check is made only
//! where the cookie is accepted (`auth::accept_cookie`).

use super::error::ApiError;
use super::request::Incoming;
use crate::config::Config;

/// Refuses an unsafe request whose `Origin` (or, without one, `Referer`)
/// names an origin the service does not trust.
pub fn check_origin(config: &Config, req: &Incoming) -> Result<(), ApiError> {
    if is_safe(&req.method) {
        return Ok(());
    }
    let claimed = match (req.header("Origin"), req.header("Referer")) {
        (Some(origin), _) => origin_of(origin),
        (None, Some(referer)) => origin_of(referer),
        (None, None) => return Ok(()),
    };
    if claimed.is_some_and(|origin| is_trusted(config, &origin)) {
        Ok(())
    } else {
        log::info!(
            "a cookie-authenticated {} from an untrusted origin was refused",
            req.method
        );
        Err(ApiError::CsrfFailed)
    }
}

/// RFC 9110's safe methods: they change nothing, so need no origin check.
fn is_safe(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

fn is_trusted(config: &Config, origin: &str) -> bool {
    config
        .cors_origins
        .iter()
        .chain(std::iter::once(&config.public_url))
        .filter_map(|url| origin_of(url))
        .any(|trusted| trusted == origin)
}

/// The origin of a URL, `scheme://host[:port]`, lower-cased and without the
/// scheme's default port, so equal origins compare equal as strings. `None`
/// for anything else: the opaque origin `null`, another scheme, or an
/// authority with user information.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let host = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            origin_of("https://App.Example.com/path?q=1#f").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8999").as_deref(),
            Some("http://127.0.0.1:8999")
        );
        assert_eq!(
            origin_of("http://[::1]:8000/x").as_deref(),
            Some("http://[::1]:8000")
        );
    }

    #[test]
    fn default_ports_are_dropped_only_for_their_scheme() {
        assert_eq!(
            origin_of("https://a.example:443").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            origin_of("http://a.example:80/").as_deref(),
            Some("http://a.example")
        );
        assert_eq!(
            origin_of("https://a.example:80").as_deref(),
            Some("https://a.example:80")
        );
    }

    #[test]
    fn opaque_and_odd_origins_have_none() {
        for url in [
            "null",
            "",
            "file:///etc/passwd",
            "https://",
            "https:///path",
            "https://user@app.example.com",
            "app.example.com",
        ] {
            assert_eq!(origin_of(url), None, "{url:?}");
        }
    }

    fn config(cors: &str, public_url: &str) -> Config {
        Config::from_vars(
            [
                ("ACCOUNTS_CORS_ORIGINS", cors),
                ("ACCOUNTS_PUBLIC_URL", public_url),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
        )
        .unwrap()
    }

    fn judge(config: &Config, method: &str, headers: &[(&str, &str)]) -> bool {
        let mut req = Incoming::for_test(headers);
        req.method = method.into();
        check_origin(config, &req).is_ok()
    }

    #[test]
    fn unsafe_methods_need_a_trusted_origin_when_one_is_claimed() {
        let c = config(
            "https://app.example.com",
            "https://accounts.example.com/base",
        );
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            assert!(judge(&c, method, &[("Origin", "https://app.example.com")]));
            assert!(judge(
                &c,
                method,
                &[("Origin", "https://accounts.example.com")]
            ));
            assert!(!judge(&c, method, &[("Origin", "https://evil.example")]));
            assert!(!judge(&c, method, &[("Origin", "null")]));
            assert!(judge(&c, method, &[]), "{method} with neither header");
        }
    }

    #[test]
    fn referer_is_judged_only_without_origin() {
        let c = config("https://app.example.com", "http://127.0.0.1:8000");
        assert!(judge(
            &c,
            "POST",
            &[("Referer", "https://app.example.com/a/b")]
        ));
        assert!(!judge(&c, "POST", &[("Referer", "https://evil.example/a")]));
        assert!(!judge(&c, "POST", &[("Referer", "not a url")]));
        assert!(
            !judge(
                &c,
                "POST",
                &[
                    ("Origin", "https://evil.example"),
                    ("Referer", "https://app.example.com/")
                ]
            ),
            "Origin wins"
        );
    }

    #[test]
    fn safe_methods_are_never_judged() {
        let c = config("", "http://127.0.0.1:8000");
        for method in ["GET", "HEAD", "OPTIONS"] {
            assert!(judge(&c, method, &[("Origin", "https://evil.example")]));
        }
    }
}
