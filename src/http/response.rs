//! Responses: JSON, HTML pages, documents built into the binary, redirects
//! and empty answers, and the headers every response carries.

use std::io::Cursor;

use serde::Serialize;
use tiny_http::{Header, Response, StatusCode};

const NO_STORE: &str = "no-store";

/// A response on its way out.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    body: Body,
    headers: Vec<(&'static str, String)>,
    /// `Cache-Control`: `no-store` unless the answer is public.
    cache_control: &'static str,
}

#[derive(Debug)]
enum Body {
    Json(Vec<u8>),
    /// A page, with the Content-Security-Policy that fits it.
    Html(String, String),
    /// A file built into the binary.
    Static {
        media_type: &'static str,
        text: &'static str,
    },
    Empty,
}

impl Reply {
    pub fn json(status: u16, value: &impl Serialize) -> Reply {
        // Serialising our own response types cannot fail; fall back to an
        // empty object rather than panic if it ever did.
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Reply {
            status,
            body: Body::Json(body),
            headers: Vec::new(),
            cache_control: NO_STORE,
        }
    }

    /// `{"detail": "..."}`, the shape of DRF's non-field answers.
    pub fn detail(status: u16, detail: &str) -> Reply {
        Reply::json(status, &serde_json::json!({ "detail": detail }))
    }

    pub fn html(status: u16, page: String, csp: String) -> Reply {
        Reply {
            status,
            body: Body::Html(page, csp),
            headers: Vec::new(),
            cache_control: NO_STORE,
        }
    }

    /// 200 with a document built into the binary, served as it is.
    pub fn document(media_type: &'static str, text: &'static str) -> Reply {
        Reply {
            status: 200,
            body: Body::Static { media_type, text },
            headers: Vec::new(),
            cache_control: NO_STORE,
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: Body::Empty,
            headers: Vec::new(),
            cache_control: NO_STORE,
        }
    }

    pub fn redirect(location: String) -> Reply {
        Reply::empty(302).with_header("Location", location)
    }

    /// Adds a header. Values are built by the service from its own
    /// configuration and data, never copied from the request, except a
    /// trusted proxy's request id, which is only copied once checked to
    /// hold nothing but a few safe characters (see `request_id`).
    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// Lets shared caches keep the answer (only for what is the same for
    /// everyone and holds no secret, such as the public keys or the OpenAPI
    /// document).
    pub fn cacheable(mut self, cache_control: &'static str) -> Reply {
        self.cache_control = cache_control;
        self
    }

    /// The tiny_http response, with the headers every answer carries.
    pub fn into_response(self) -> Response<Cursor<Vec<u8>>> {
        let (content_type, body, csp) = match self.body {
            Body::Json(bytes) => (Some("application/json"), bytes, None),
            Body::Html(page, csp) => (
                Some("text/html; charset=utf-8"),
                page.into_bytes(),
                Some(csp),
            ),
            Body::Static { media_type, text } => (Some(media_type), text.as_bytes().to_vec(), None),
            Body::Empty => (None, Vec::new(), None),
        };
        let mut response = Response::from_data(body).with_status_code(StatusCode(self.status));
        let mut add =
            |name: &str, value: &str| match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                Ok(h) => response.add_header(h),
                Err(()) => log::error!("dropped an unencodable {name} header"),
            };
        if let Some(ct) = content_type {
            add("Content-Type", ct);
        }
        add("X-Content-Type-Options", "nosniff");
        add("Referrer-Policy", "no-referrer");
        add("Cache-Control", self.cache_control);
        if let Some(csp) = csp {
            add("Content-Security-Policy", &csp);
            add("X-Frame-Options", "DENY");
        }
        for (name, value) in &self.headers {
            add(name, value);
        }
        response
    }
}
