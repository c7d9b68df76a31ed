//! What a handler may read of a request: method, path, headers, body,
//! the client's address, and the access credentials it carries.

use std::io::Read;
use std::net::IpAddr;

use super::body;
use super::error::ApiError;
use super::fields::Fields;

/// Bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Request targets longer than this are refused with 414.
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// Where a request's access token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// `Authorization: Bearer <token>`: only code that chose to sends it.
    Bearer(&'a str),
    /// The `access_token` cookie: a browser sends it on its own, even with a
    /// request another site started.
    Cookie(&'a str),
}

/// A request, read off the connection.
pub struct Incoming {
    pub method: String,
    /// The path without the query string.
    pub path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    pub peer: Option<IpAddr>,
}

impl Incoming {
    /// The request line and headers, without the body.
    pub fn from_request(rq: &tiny_http::Request) -> Result<Incoming, ApiError> {
        let url = rq.url();
        if url.len() > MAX_URL_BYTES {
            return Err(ApiError::UriTooLong);
        }
        let path = url.split(['?', '#']).next().unwrap_or("").to_string();
        let headers = rq
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_string(),
                    h.value.as_str().to_string(),
                )
            })
            .collect();
        Ok(Incoming {
            method: rq.method().as_str().to_string(),
            path,
            headers,
            body: Vec::new(),
            peer: rq.remote_addr().map(|a| a.ip()),
        })
    }

    /// Reads the body, at most [`MAX_BODY_BYTES`]: a declared or chunked
    /// body over the limit is refused with 413 without being buffered. The
    /// rest of a refused body is never read: the patched tiny_http closes the
    /// connection after the answer, so nothing in it is taken for a request.
    pub fn read_body(&mut self, rq: &mut tiny_http::Request) -> Result<(), ApiError> {
        if rq.body_length().is_some_and(|n| n > MAX_BODY_BYTES) {
            return Err(ApiError::PayloadTooLarge);
        }
        let mut body = Vec::new();
        rq.as_reader()
            .take(MAX_BODY_BYTES as u64 + 1)
            .read_to_end(&mut body)
            .map_err(read_error)?;
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        self.body = body;
        Ok(())
    }

    /// Every value of a header that may be sent on several lines.
    pub fn header_lines(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as fields, JSON or form.
    pub fn fields(&self) -> Result<Fields, ApiError> {
        body::parse(self.header("Content-Type"), &self.body).map_err(ApiError::Body)
    }

    /// The value of one cookie.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Cookie"))
            .find_map(|(_, v)| cookie_value(v, name))
    }

    /// The non-empty `access_token` cookie. Authenticate with it only
    /// through `auth::accept_cookie`, which judges where the request came
    /// from.
    pub fn access_cookie(&self) -> Option<&str> {
        self.cookie("access_token").filter(|t| !t.is_empty())
    }

    /// The access token a request carries, by SimpleJWT's rules: an
    /// `Authorization` header with the exact scheme `Bearer` (any other
    /// scheme counts as no credentials), else the `access_token` cookie.
    pub fn access_credentials(&self) -> Result<Option<Credential<'_>>, ApiError> {
        if let Some(token) = self
            .header("Authorization")
            .map(bearer_token)
            .transpose()?
            .flatten()
        {
            return Ok(Some(Credential::Bearer(token)));
        }
        Ok(self.access_cookie().map(Credential::Cookie))
    }

    #[cfg(test)]
    pub fn for_test(headers: &[(&str, &str)]) -> Incoming {
        Incoming {
            method: "GET".into(),
            path: "/".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            peer: None,
        }
    }
}

fn read_error(e: std::io::Error) -> ApiError {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => ApiError::RequestTimeout,
        _ => ApiError::Body(body::BodyError::Unreadable(e.to_string())),
    }
}

/// The token of an `Authorization: Bearer <token>` header; `None` for any
/// other scheme; an error for `Bearer` without exactly one token after it.
pub fn bearer_token(header: &str) -> Result<Option<&str>, ApiError> {
    let mut parts = header.split_ascii_whitespace();
    if parts.next() != Some("Bearer") {
        return Ok(None);
    }
    match (parts.next(), parts.next()) {
        (Some(token), None) => Ok(Some(token)),
        _ => Err(ApiError::BadAuthorizationHeader),
    }
}

/// The value of cookie `name` in one `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim().trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(headers: &[(&str, &str)]) -> Result<Option<String>, String> {
        Incoming::for_test(headers)
            .access_credentials()
            .map(|c| {
                c.map(|c| match c {
                    Credential::Bearer(t) => format!("bearer {t}"),
                    Credential::Cookie(t) => format!("cookie {t}"),
                })
            })
            .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn bearer_needs_exactly_two_parts() {
        assert_eq!(
            creds(&[("Authorization", "Bearer abc")]),
            Ok(Some("bearer abc".into()))
        );
        assert!(creds(&[("Authorization", "Bearer")]).is_err());
        assert!(creds(&[("Authorization", "Bearer a b")]).is_err());
    }

    #[test]
    fn other_schemes_count_as_no_credentials() {
        assert_eq!(creds(&[("Authorization", "Basic abc")]), Ok(None));
        assert_eq!(creds(&[("Authorization", "bearer abc")]), Ok(None));
        assert_eq!(creds(&[("Authorization", "")]), Ok(None));
    }

    #[test]
    fn the_cookie_is_used_when_the_header_gives_nothing() {
        assert_eq!(
            creds(&[("Cookie", "a=1; access_token=tok; b=2")]),
            Ok(Some("cookie tok".into()))
        );
        assert_eq!(
            creds(&[("Authorization", "Basic x"), ("Cookie", "access_token=tok")]),
            Ok(Some("cookie tok".into()))
        );
        assert_eq!(creds(&[("Cookie", "access_token=")]), Ok(None));
        assert_eq!(creds(&[("Cookie", "xaccess_token=tok")]), Ok(None));
    }
}
