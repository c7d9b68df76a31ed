//! Responses as the tests see them, and raw HTTP over TCP for what a
//! well-behaved client cannot send.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;

use serde_json::Value;

use super::app::TestApp;

/// Header names and values, in the order received.
pub type Headers = Vec<(String, String)>;

/// The first header of that name (case-insensitive) in a received list.
pub fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// application/x-www-form-urlencoded, as browsers and `requests` send it.
pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fn encode(s: &str) -> String {
        let mut out = String::new();
        for byte in s.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    out.push(byte as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
        out
    }
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What a request through the client answered.
#[derive(Debug)]
pub struct TestResponse {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl TestResponse {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Every header of that name (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body parsed as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {} answered {} with a body that is not JSON ({e}): {:?}",
                self.method, self.path, self.status, self.body
            )
        })
    }

    pub fn assert_status(&self, status: u16) {
        assert_eq!(
            self.status, status,
            "{} {} answered {} (expected {status}); body: {}",
            self.method, self.path, self.status, self.body
        );
    }

    /// Asserts the status, `Content-Type: application/json` and the exact body.
    pub fn assert_json(&self, status: u16, expected: Value) {
        self.assert_status(status);
        self.assert_json_content_type();
        assert_eq!(self.json(), expected, "{} {} body", self.method, self.path);
    }

    pub fn assert_json_content_type(&self) {
        let content_type = self.header("Content-Type").unwrap_or("");
        assert!(
            content_type.starts_with("application/json"),
            "{} {} has Content-Type {content_type:?}",
            self.method,
            self.path
        );
    }

    pub fn assert_html(&self, status: u16) {
        self.assert_status(status);
        let content_type = self.header("Content-Type").unwrap_or("");
        assert!(
            content_type.starts_with("text/html"),
            "{} {} has Content-Type {content_type:?}",
            self.method,
            self.path
        );
    }
}

// ---------------------------------------------------------------------------
// Raw HTTP over TCP, for what a well-behaved client cannot send

/// A response read off a raw TCP stream.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Every byte after the header block, as received.
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// Everything the server sends until it closes the connection (or the read
/// timeout passes).
fn read_until_closed(mut stream: TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    loop {
        let mut buf = [0u8; 4096];
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    received
}

/// Sends raw bytes on a fresh connection and reads until the server closes
/// it (or the read timeout passes); returns everything it answered, as text.
/// A failed write is ignored: the server may close before taking it all.
pub fn raw_until_closed(app: &TestApp, request: &[u8]) -> String {
    let mut stream = app.connect();
    let _ = stream.write_all(request);
    String::from_utf8_lossy(&read_until_closed(stream)).into_owned()
}

/// Sends `request` (which may hold several pipelined requests) at once and
/// returns every response the server sent before closing the connection.
pub fn raw_pipeline(app: &TestApp, request: &[u8]) -> Vec<RawResponse> {
    let mut stream = app.connect();
    stream.write_all(request).expect("send the requests");
    let received = read_until_closed(stream);
    let mut responses = Vec::new();
    let mut rest = &received[..];
    while let Some((status, headers, end)) = parse_head(rest) {
        let length = find_header(&headers, "Content-Length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(rest.len() - end)
            .min(rest.len() - end);
        responses.push(RawResponse {
            status,
            headers,
            body: rest[end..end + length].to_vec(),
        });
        rest = &rest[end + length..];
    }
    responses
}

/// Sends a HEAD request with `Connection: close` and returns the response
/// with every byte that followed the header block.
pub fn raw_head(app: &TestApp, path: &str, headers: &str) -> RawResponse {
    let mut stream = app.connect();
    let request =
        format!("HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .expect("send the request");
    let received = read_until_closed(stream);
    parse_head(&received)
        .map(|(status, headers, end)| RawResponse {
            status,
            headers,
            body: received[end..].to_vec(),
        })
        .unwrap_or_else(|| {
            panic!(
                "no HTTP response to HEAD {path}: {:?}",
                String::from_utf8_lossy(&received)
            )
        })
}

/// Parses a status line and headers; returns them and the body's offset.
fn parse_head(data: &[u8]) -> Option<(u16, Headers, usize)> {
    let end = data.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&data[..end]);
    let mut lines = text.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some((status, headers, end))
}

/// True once `body` holds a complete response body for these headers.
fn body_complete(headers: &[(String, String)], body: &[u8]) -> bool {
    if let Some(length) = find_header(headers, "Content-Length") {
        return length
            .parse::<usize>()
            .map(|n| body.len() >= n)
            .unwrap_or(true);
    }
    if find_header(headers, "Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        return body.windows(5).any(|w| w == b"0\r\n\r\n");
    }
    false
}

/// Reads one response: up to its Content-Length (or the end of a chunked
/// body), or to EOF, or until the read timeout.
pub fn read_response(mut stream: TcpStream) -> Option<RawResponse> {
    let mut received = Vec::new();
    loop {
        if let Some((_, headers, end)) = parse_head(&received)
            && body_complete(&headers, &received[end..])
        {
            break;
        }
        let mut buf = [0u8; 8192];
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let (status, headers, end) = parse_head(&received)?;
    Some(RawResponse {
        status,
        headers,
        body: received[end..].to_vec(),
    })
}
