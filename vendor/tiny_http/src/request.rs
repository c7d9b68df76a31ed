use std::io::Error as IoError;
use std::io::{self, Cursor, ErrorKind, Read, Write};

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;

use crate::util::{EqualReader, FusedReader};
use crate::{HTTPVersion, Header, Method, Response, StatusCode};
use chunked_transfer::Decoder;

/// Represents an HTTP request made by a client.
///
/// A `Request` object is what is produced by the server, and is your what
/// your code must analyse and answer.
///
/// This object implements the `Send` trait, therefore you can dispatch your requests to
/// worker threads.
///
/// # Pipelining
///
/// If a client sends multiple requests in a row (without waiting for the response), then you will
/// get multiple `Request` objects simultaneously. This is called *requests pipelining*.
/// Tiny-http automatically reorders the responses so that you don't need to worry about the order
/// in which you call `respond` or `into_writer`.
///
/// This mechanic is disabled if:
///
///  - The body of a request is large enough (handling requires pipelining requires storing the
///    body of the request in a buffer ; if the body is too big, tiny-http will avoid doing that)
///  - A request sends a `Expect: 100-continue` header (which means that the client waits to
///    know whether its body will be processed before sending it)
///  - A request sends a `Connection: close` header or `Connection: upgrade` header (used for
///    websockets), which indicates that this is the last request that will be received on this
///    connection
///
/// # Automatic cleanup
///
/// If a `Request` object is destroyed without `into_writer` or `respond` being called,
/// an empty response with a 500 status code (internal server error) will automatically be
/// sent back to the client.
/// This means that if your code fails during the handling of a request, this "internal server
/// error" response will automatically be sent during the stack unwinding.
///
/// # Testing
///
/// If you want to build fake requests to test your server, use [`TestRequest`](crate::test::TestRequest).
pub struct Request {
    // where to read the body from
    data_reader: Option<Body>,

    /// Patch 11: the connection itself, for `upgrade`, when the request asks
    /// for one and declares no body.
    upgrade_source: Option<Box<dyn Read + Send + 'static>>,

    // if this writer is empty, then the request has been answered
    response_writer: Option<Box<dyn Write + Send + 'static>>,

    remote_addr: Option<SocketAddr>,

    // true if HTTPS, false if HTTP
    secure: bool,

    method: Method,

    path: String,

    http_version: HTTPVersion,

    headers: Vec<Header>,

    body_length: Option<usize>,

    // true if a `100 Continue` response must be sent when `as_reader()` is called
    must_send_continue: bool,

    // If Some, a message must be sent after responding
    notify_when_responded: Option<Sender<()>>,
}

struct NotifyOnDrop<R> {
    sender: Sender<()>,
    inner: R,
}

impl<R: Read> Read for NotifyOnDrop<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}
impl<R: Write> Write for NotifyOnDrop<R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
impl<R> Drop for NotifyOnDrop<R> {
    fn drop(&mut self) {
        self.sender.send(()).unwrap();
    }
}

/// Bodies up to this size are read by the connection's own thread before the
/// request is handed out (patch 7, PATCHES.md; the original read only up to
/// 1 KiB this way), so a client that drips its body holds that thread, not
/// one of the application's request workers. Patch 11 reads chunked bodies
/// and bodies announced with `Expect: 100-continue` this way too.
const EAGER_BODY_BYTES: usize = 64 * 1024;

/// Patched for `accounts` (PATCHES.md, patch 9): the body as the application
/// reads it, and whether the connection has been read to its end.
///
/// The original drained what the application left unread when the request
/// was dropped, on the application's thread and at the client's pace, and
/// then read whatever followed as the next request. Now a request answered
/// before its body ended says `Connection: close`, and once dropped it marks
/// the connection so that nothing more is read from it.
struct Body {
    reader: Box<dyn Read + Send + 'static>,
    /// Declared bytes not yet read, for a body read as the application asks.
    left: Option<usize>,
    /// True once the connection is past the end of the body.
    ended: bool,
    /// Set on drop when the body did not end.
    left_unread: Option<Arc<AtomicBool>>,
}

impl Body {
    /// A body that is already off the connection (read ahead, or none).
    fn read_ahead<R: Read + Send + 'static>(reader: R) -> Body {
        Body {
            reader: Box::new(reader),
            left: None,
            ended: true,
            left_unread: None,
        }
    }

    /// A body still on the connection, `length` bytes long when declared.
    fn on_connection<R: Read + Send + 'static>(
        reader: R,
        length: Option<usize>,
        left_unread: Option<Arc<AtomicBool>>,
    ) -> Body {
        Body {
            reader: Box::new(reader),
            left: length,
            ended: false,
            left_unread,
        }
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.reader.read(buf)?;
        if read == 0 && !buf.is_empty() {
            self.ended = true;
        }
        if let Some(left) = self.left.as_mut() {
            *left = left.saturating_sub(read);
            self.ended |= *left == 0;
        }
        Ok(read)
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        if !self.ended {
            if let Some(flag) = &self.left_unread {
                flag.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// Error that can happen when building a `Request` object.
#[derive(Debug)]
pub enum RequestCreationError {
    /// The client sent an `Expect` header that was not recognized by tiny-http.
    ExpectationFailed,

    /// Error while reading data from the socket during the creation of the `Request`.
    CreationIoError(IoError),
}

impl From<IoError> for RequestCreationError {
    fn from(err: IoError) -> RequestCreationError {
        RequestCreationError::CreationIoError(err)
    }
}

/// Builds a new request.
///
/// After the request line and headers have been read from the socket, a new `Request` object
/// is built.
///
/// You must pass a `Read` that will allow the `Request` object to read from the incoming data.
/// It is the responsibility of the `Request` to read only the data of the request and not further.
///
/// The `Write` object will be used by the `Request` to write the response.
///
/// `left_unread` is set if the request is dropped before its body was read
/// to its end (patch 9).
#[allow(clippy::too_many_arguments)]
pub fn new_request<R, W>(
    secure: bool,
    method: Method,
    path: String,
    version: HTTPVersion,
    headers: Vec<Header>,
    remote_addr: Option<SocketAddr>,
    mut source_data: R,
    mut writer: W,
    left_unread: Option<Arc<AtomicBool>>,
) -> Result<Request, RequestCreationError>
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    // Patched for `accounts` (PATCHES.md, patch 4): the original treated any
    // Transfer-Encoding as chunked, ignored an unparsable Content-Length
    // (reading no body), and let Transfer-Encoding silently win over
    // Content-Length: each a way for two parsers to disagree on where a
    // request ends. Such requests are now refused and the connection closed.
    let invalid = |what: &str| {
        RequestCreationError::CreationIoError(IoError::new(
            ErrorKind::InvalidInput,
            what.to_owned(),
        ))
    };

    // finding the transfer-encoding header
    let mut transfer_encodings = headers
        .iter()
        .filter(|h| h.field.equiv("Transfer-Encoding"));
    let transfer_encoding = transfer_encodings.next().map(|h| h.value.clone());
    if transfer_encodings.next().is_some() {
        return Err(invalid("more than one Transfer-Encoding header"));
    }
    if let Some(te) = &transfer_encoding {
        if !te.as_str().trim().eq_ignore_ascii_case("chunked") {
            return Err(invalid("unsupported Transfer-Encoding"));
        }
    }

    // finding the content-length header
    let mut lengths = headers.iter().filter(|h| h.field.equiv("Content-Length"));
    let content_length = match (lengths.next(), lengths.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => return Err(invalid("more than one Content-Length header")),
        (Some(_), None) if transfer_encoding.is_some() => {
            return Err(invalid("both Content-Length and Transfer-Encoding"))
        }
        (Some(h), None) => {
            let text = h.value.as_str().trim();
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("invalid Content-Length"));
            }
            Some(usize::from_str(text).map_err(|_| invalid("invalid Content-Length"))?)
        }
    };

    // true if the client sent a `Expect: 100-continue` header
    let expects_continue = {
        match headers
            .iter()
            .find(|h: &&Header| h.field.equiv("Expect"))
            .map(|h| h.value.as_str())
        {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("100-continue") => true,
            _ => return Err(RequestCreationError::ExpectationFailed),
        }
    };

    // true if the client sent a `Connection: upgrade` header
    let connection_upgrade = {
        match headers
            .iter()
            .find(|h: &&Header| h.field.equiv("Connection"))
            .map(|h| h.value.as_str())
        {
            Some(v) if v.to_ascii_lowercase().contains("upgrade") => true,
            _ => false,
        }
    };

    // Patch 11: every body the application may read is read here first
    // (up to EAGER_BODY_BYTES), so a `100 Continue` is sent at once.
    let read_ahead = match content_length {
        Some(length) => (1..=EAGER_BODY_BYTES).contains(&length),
        None => transfer_encoding.is_some(),
    };
    let mut must_send_continue = expects_continue;
    if expects_continue && read_ahead {
        let msg = Response::new_empty(StatusCode(100));
        msg.raw_print(&mut writer, version.clone(), &headers, true, None)
            .ok();
        writer.flush().ok();
        must_send_continue = false;
    }

    // we wrap `source_data` around a reading whose nature depends on the transfer-encoding and
    // content-length headers
    let mut upgrade_source = None;
    let reader = if connection_upgrade && content_length.is_none() && transfer_encoding.is_none() {
        // Patched for `accounts` (PATCHES.md, patch 11): the connection goes
        // to `upgrade`, not to the body: the original gave the application
        // the whole connection as the body, which it then read until the
        // client closed.
        upgrade_source = Some(Box::new(source_data) as Box<dyn Read + Send + 'static>);
        Body::read_ahead(io::empty())
    } else if let Some(content_length) = content_length {
        if content_length == 0 {
            Body::read_ahead(io::empty())
        } else if read_ahead {
            // if the content-length is small enough, we just read everything into a buffer

            let mut buffer = vec![0; content_length];
            let mut offset = 0;

            while offset != content_length {
                let read = source_data.read(&mut buffer[offset..])?;
                if read == 0 {
                    // the socket returned EOF, but we were before the expected content-length
                    // aborting
                    let info = "Connection has been closed before we received enough data";
                    let err = IoError::new(ErrorKind::ConnectionAborted, info);
                    return Err(RequestCreationError::CreationIoError(err));
                }

                offset += read;
            }

            Body::read_ahead(Cursor::new(buffer))
        } else {
            let (data_reader, _) = EqualReader::new(source_data, content_length); // TODO:
            Body::on_connection(
                FusedReader::new(data_reader),
                Some(content_length),
                left_unread,
            )
        }
    } else if transfer_encoding.is_some() {
        // if a transfer-encoding was specified, then "chunked" is ALWAYS applied
        // over the message (RFC2616 #3.6)
        let mut decoder = FusedReader::new(Decoder::new(source_data));
        // Patch 11: read ahead like a sized body; a longer one is handed out
        // with what was read ahead in front of the rest.
        let mut start = Vec::new();
        (&mut decoder)
            .take(EAGER_BODY_BYTES as u64 + 1)
            .read_to_end(&mut start)?;
        if start.len() <= EAGER_BODY_BYTES {
            Body::read_ahead(Cursor::new(start))
        } else {
            Body::on_connection(Cursor::new(start).chain(decoder), None, left_unread)
        }
    } else {
        // if we have neither a Content-Length nor a Transfer-Encoding,
        // assuming that we have no data
        // TODO: could also be multipart/byteranges
        Body::read_ahead(io::empty())
    };

    Ok(Request {
        data_reader: Some(reader),
        upgrade_source,
        response_writer: Some(Box::new(writer) as Box<dyn Write + Send + 'static>),
        remote_addr,
        secure,
        method,
        path,
        http_version: version,
        headers,
        body_length: content_length,
        must_send_continue,
        notify_when_responded: None,
    })
}

impl Request {
    /// Returns true if the request was made through HTTPS.
    #[inline]
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Returns the method requested by the client (eg. `GET`, `POST`, etc.).
    #[inline]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Returns the resource requested by the client.
    #[inline]
    pub fn url(&self) -> &str {
        &self.path
    }

    /// Returns a list of all headers sent by the client.
    #[inline]
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// Returns the HTTP version of the request.
    #[inline]
    pub fn http_version(&self) -> &HTTPVersion {
        &self.http_version
    }

    /// Returns the length of the body in bytes.
    ///
    /// Returns `None` if the length is unknown.
    #[inline]
    pub fn body_length(&self) -> Option<usize> {
        self.body_length
    }

    /// Returns the address of the client that sent this request.
    ///
    /// The address is always `Some` for TCP listeners, but always `None` for UNIX listeners
    /// (as the remote address of a UNIX client is almost always unnamed).
    ///
    /// Note that this is gathered from the socket. If you receive the request from a proxy,
    /// this function will return the address of the proxy and not the address of the actual
    /// user.
    #[inline]
    pub fn remote_addr(&self) -> Option<&SocketAddr> {
        self.remote_addr.as_ref()
    }

    /// Sends a response with a `Connection: upgrade` header, then turns the `Request` into a `Stream`.
    ///
    /// The main purpose of this function is to support websockets.
    /// If you detect that the request wants to use some kind of protocol upgrade, you can
    ///  call this function to obtain full control of the socket stream.
    ///
    /// If you call this on a non-websocket request, tiny-http will wait until this `Stream` object
    ///  is destroyed before continuing to read or write on the socket. Therefore you should always
    ///  destroy it as soon as possible.
    pub fn upgrade<R: Read>(
        mut self,
        protocol: &str,
        response: Response<R>,
    ) -> Box<dyn ReadWrite + Send> {
        use crate::util::CustomStream;

        response
            .raw_print(
                self.response_writer.as_mut().unwrap().by_ref(),
                self.http_version.clone(),
                &self.headers,
                false,
                Some(protocol),
            )
            .ok(); // TODO: unused result

        self.response_writer.as_mut().unwrap().flush().ok(); // TODO: unused result

        // Patch 11: the connection, when it was kept apart from the body.
        let reader = match self.upgrade_source.take() {
            Some(source) => source,
            None => self.extract_reader_impl(),
        };
        let stream = CustomStream::new(reader, self.extract_writer_impl());
        if let Some(sender) = self.notify_when_responded.take() {
            let stream = NotifyOnDrop {
                sender,
                inner: stream,
            };
            Box::new(stream) as Box<dyn ReadWrite + Send>
        } else {
            Box::new(stream) as Box<dyn ReadWrite + Send>
        }
    }

    /// Allows to read the body of the request.
    ///
    /// # Example
    ///
    // Patched for accounts: `ignore` instead of `no_run`, as this example
    // needs rustc-serialize, a deprecated crate kept out of the build.
    /// ```ignore
    /// # extern crate rustc_serialize;
    /// # extern crate tiny_http;
    /// # use rustc_serialize::json::Json;
    /// # use std::io::Read;
    /// # fn get_content_type(_: &tiny_http::Request) -> &'static str { "" }
    /// # fn main() {
    /// # let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
    /// let mut request = server.recv().unwrap();
    ///
    /// if get_content_type(&request) == "application/json" {
    ///     let mut content = String::new();
    ///     request.as_reader().read_to_string(&mut content).unwrap();
    ///     let json: Json = content.parse().unwrap();
    /// }
    /// # }
    /// ```
    ///
    /// If the client sent a `Expect: 100-continue` header with the request, calling this
    ///  function will send back a `100 Continue` response.
    #[inline]
    pub fn as_reader(&mut self) -> &mut dyn Read {
        if self.must_send_continue {
            let msg = Response::new_empty(StatusCode(100));
            msg.raw_print(
                self.response_writer.as_mut().unwrap().by_ref(),
                self.http_version.clone(),
                &self.headers,
                true,
                None,
            )
            .ok();
            self.response_writer.as_mut().unwrap().flush().ok();
            self.must_send_continue = false;
        }

        self.data_reader.as_mut().unwrap()
    }

    /// Turns the `Request` into a writer.
    ///
    /// The writer has a raw access to the stream to the user.
    /// This function is useful for things like CGI.
    ///
    /// Note that the destruction of the `Writer` object may trigger
    /// some events. For exemple if a client has sent multiple requests and the requests
    /// have been processed in parallel, the destruction of a writer will trigger
    /// the writing of the next response.
    /// Therefore you should always destroy the `Writer` as soon as possible.
    #[inline]
    pub fn into_writer(mut self) -> Box<dyn Write + Send + 'static> {
        let writer = self.extract_writer_impl();
        if let Some(sender) = self.notify_when_responded.take() {
            let writer = NotifyOnDrop {
                sender,
                inner: writer,
            };
            Box::new(writer) as Box<dyn Write + Send + 'static>
        } else {
            writer
        }
    }

    /// Extract the response `Writer` object from the Request, dropping this `Writer` has the same side effects
    /// as the object returned by `into_writer` above.
    ///
    /// This may only be called once on a single request.
    fn extract_writer_impl(&mut self) -> Box<dyn Write + Send + 'static> {
        use std::mem;

        assert!(self.response_writer.is_some());

        let mut writer = None;
        mem::swap(&mut self.response_writer, &mut writer);
        writer.unwrap()
    }

    /// Extract the body `Reader` object from the Request.
    ///
    /// This may only be called once on a single request.
    fn extract_reader_impl(&mut self) -> Box<dyn Read + Send + 'static> {
        use std::mem;

        assert!(self.data_reader.is_some());

        let mut reader = None;
        mem::swap(&mut self.data_reader, &mut reader);
        Box::new(reader.unwrap())
    }

    /// False while part of the body is still on the connection (patch 9).
    fn body_ended(&self) -> bool {
        self.data_reader.as_ref().map_or(true, |body| body.ended)
    }

    /// Sends a response to this request.
    #[inline]
    pub fn respond<R>(mut self, response: Response<R>) -> Result<(), IoError>
    where
        R: Read,
    {
        let res = self.respond_impl(response);
        if let Some(sender) = self.notify_when_responded.take() {
            sender.send(()).unwrap();
        }
        res
    }

    fn respond_impl<R>(&mut self, response: Response<R>) -> Result<(), IoError>
    where
        R: Read,
    {
        let mut writer = self.extract_writer_impl();

        let do_not_send_body = self.method == Method::Head;

        // Patch 9: the rest of the body will not be read; the connection
        // closes after this response.
        let response = if self.body_ended() {
            response
        } else {
            response.with_connection_close()
        };

        Self::ignore_client_closing_errors(response.raw_print(
            writer.by_ref(),
            self.http_version.clone(),
            &self.headers,
            do_not_send_body,
            None,
        ))?;

        Self::ignore_client_closing_errors(writer.flush())
    }

    fn ignore_client_closing_errors(result: io::Result<()>) -> io::Result<()> {
        result.or_else(|err| match err.kind() {
            ErrorKind::BrokenPipe => Ok(()),
            ErrorKind::ConnectionAborted => Ok(()),
            ErrorKind::ConnectionRefused => Ok(()),
            ErrorKind::ConnectionReset => Ok(()),
            _ => Err(err),
        })
    }

    pub(crate) fn with_notify_sender(mut self, sender: Sender<()>) -> Self {
        self.notify_when_responded = Some(sender);
        self
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> Result<(), fmt::Error> {
        write!(
            formatter,
            "Request({} {} from {:?})",
            self.method, self.path, self.remote_addr
        )
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        if self.response_writer.is_some() {
            let response = Response::empty(500);
            let _ = self.respond_impl(response); // ignoring any potential error
            if let Some(sender) = self.notify_when_responded.take() {
                sender.send(()).unwrap();
            }
        }
    }
}

/// Dummy trait that regroups the `Read` and `Write` traits.
///
/// Automatically implemented on all types that implement both `Read` and `Write`.
pub trait ReadWrite: Read + Write {}
impl<T> ReadWrite for T where T: Read + Write {}

#[cfg(test)]
mod tests {
    use super::Request;

    #[test]
    fn must_be_send() {
        #![allow(dead_code)]
        fn f<T: Send>(_: &T) {}
        fn bar(rq: &Request) {
            f(rq);
        }
    }
}

/// The patches to building a request (PATCHES.md: 4, 7, 9, 11).
#[cfg(test)]
mod patch_tests {
    use super::{new_request, Body, Request, RequestCreationError, EAGER_BODY_BYTES};
    use crate::{HTTPVersion, Header, Method, Response};
    use std::io::{self, Cursor, ErrorKind, Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl Write for Written {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Written {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    /// A connection's bytes, and how many of them were read.
    #[derive(Clone)]
    struct Source(Arc<Mutex<Cursor<Vec<u8>>>>);

    impl Read for Source {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.lock().unwrap().read(buf)
        }
    }

    impl Source {
        fn new(bytes: Vec<u8>) -> Source {
            Source(Arc::new(Mutex::new(Cursor::new(bytes))))
        }
        fn consumed(&self) -> u64 {
            self.0.lock().unwrap().position()
        }
    }

    struct Built {
        request: Result<Request, RequestCreationError>,
        source: Source,
        written: Written,
        left_unread: Arc<AtomicBool>,
    }

    fn build(headers: &[&str], body: Vec<u8>) -> Built {
        let headers = headers
            .iter()
            .map(|h| h.parse::<Header>().unwrap())
            .collect();
        let source = Source::new(body);
        let written = Written::default();
        let left_unread = Arc::new(AtomicBool::new(false));
        let request = new_request(
            false,
            Method::Post,
            "/".to_owned(),
            HTTPVersion(1, 1),
            headers,
            None,
            source.clone(),
            written.clone(),
            Some(Arc::clone(&left_unread)),
        );
        Built {
            request,
            source,
            written,
            left_unread,
        }
    }

    fn chunked(body: &[u8]) -> Vec<u8> {
        let mut encoded = format!("{:x}\r\n", body.len()).into_bytes();
        encoded.extend_from_slice(body);
        encoded.extend_from_slice(b"\r\n0\r\n\r\n");
        encoded
    }

    fn body_of(request: &mut Request) -> Vec<u8> {
        let mut body = Vec::new();
        request.as_reader().read_to_end(&mut body).unwrap();
        body
    }

    /// Patch 4.
    #[test]
    fn framing_two_parsers_could_read_differently_is_refused() {
        for headers in [
            &["Content-Length: 4", "Transfer-Encoding: chunked"][..],
            &["Transfer-Encoding: gzip, chunked"],
            &["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
            &["Content-Length: 2", "Content-Length: 2"],
            &["Content-Length: +2"],
            &["Content-Length: 0x2"],
            &["Content-Length: "],
        ] {
            match build(headers, b"0\r\n\r\n".to_vec()).request {
                Err(RequestCreationError::CreationIoError(e)) => {
                    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{:?}", headers)
                }
                _ => panic!("{:?} was accepted", headers),
            }
        }
    }

    /// Patch 7.
    #[test]
    fn a_sized_body_up_to_64_kib_is_read_before_the_request_is_handed_out() {
        let body = vec![b'a'; EAGER_BODY_BYTES];
        let built = build(&["Content-Length: 65536"], body.clone());
        assert_eq!(built.source.consumed(), body.len() as u64);
        let mut request = built.request.unwrap();
        assert_eq!(body_of(&mut request), body);
    }

    /// Patch 7.
    #[test]
    fn a_larger_sized_body_is_left_for_the_application_to_read() {
        let body = vec![b'a'; EAGER_BODY_BYTES + 1];
        let built = build(&["Content-Length: 65537"], body.clone());
        assert_eq!(built.source.consumed(), 0);
        let mut request = built.request.unwrap();
        assert_eq!(body_of(&mut request), body);
    }

    /// Patch 11.
    #[test]
    fn a_chunked_body_up_to_64_kib_is_read_before_the_request_is_handed_out() {
        let body = vec![b'a'; EAGER_BODY_BYTES];
        let encoded = chunked(&body);
        let built = build(&["Transfer-Encoding: chunked"], encoded.clone());
        assert_eq!(built.source.consumed(), encoded.len() as u64);
        let mut request = built.request.unwrap();
        assert!(request.body_ended());
        assert_eq!(body_of(&mut request), body);
    }

    /// Patch 11: what was read ahead comes first, the rest from the
    /// connection.
    #[test]
    fn a_longer_chunked_body_reads_on_after_what_was_read_ahead() {
        let body: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        let built = build(&["Transfer-Encoding: chunked"], chunked(&body));
        let mut request = built.request.unwrap();
        assert!(!request.body_ended());
        assert_eq!(body_of(&mut request), body);
        assert!(request.body_ended());
    }

    /// Patch 11: a client that waits for `100 Continue` gets it at once when
    /// its body will be read ahead, and only then sends the body.
    #[test]
    fn expect_100_continue_is_answered_before_a_body_read_ahead() {
        let built = build(
            &["Content-Length: 5", "Expect: 100-continue"],
            b"hello".to_vec(),
        );
        assert!(built
            .written
            .text()
            .starts_with("HTTP/1.1 100 Continue\r\n"));
        let mut request = built.request.unwrap();
        assert_eq!(body_of(&mut request), b"hello");
        assert_eq!(built.written.text().matches("100 Continue").count(), 1);
    }

    /// Patch 11: the application reading the body of a request that asks
    /// for an upgrade does not read the connection until it closes.
    #[test]
    fn an_upgrade_request_without_a_body_has_an_empty_body() {
        let built = build(
            &["Connection: upgrade", "Upgrade: websocket"],
            b"GET /next HTTP/1.1\r\n\r\n".to_vec(),
        );
        let mut request = built.request.unwrap();
        assert_eq!(body_of(&mut request), b"");
        assert_eq!(built.source.consumed(), 0);
        assert!(request.upgrade_source.is_some());
    }

    /// Patch 9.
    #[test]
    fn a_response_before_the_body_ended_says_connection_close_and_marks_the_connection() {
        let built = build(&["Content-Length: 70000"], vec![b'a'; 70_000]);
        let request = built.request.unwrap();
        request.respond(Response::empty(413)).unwrap();
        assert!(built.written.text().contains("\r\nConnection: close\r\n"));
        assert!(built.left_unread.load(Ordering::SeqCst));
    }

    /// Patch 9.
    #[test]
    fn a_body_read_to_its_length_keeps_the_connection() {
        let built = build(&["Content-Length: 70000"], vec![b'a'; 70_001]);
        let mut request = built.request.unwrap();
        let mut body = vec![0; 70_000];
        request.as_reader().read_exact(&mut body).unwrap();
        request.respond(Response::empty(200)).unwrap();
        assert!(!built.written.text().contains("Connection: close"));
        assert!(!built.left_unread.load(Ordering::SeqCst));
        assert_eq!(built.source.consumed(), 70_000);
    }

    /// Patch 9: a body that was never on the connection, or was read ahead,
    /// leaves it in step whatever the application reads of it.
    #[test]
    fn a_body_read_ahead_never_marks_the_connection() {
        let flag = Arc::new(AtomicBool::new(false));
        let mut body = Body::read_ahead(Cursor::new(b"abc".to_vec()));
        body.left_unread = Some(Arc::clone(&flag));
        drop(body);
        assert!(!flag.load(Ordering::SeqCst));
        let unread = Body::on_connection(io::empty(), Some(3), Some(Arc::clone(&flag)));
        drop(unread);
        assert!(flag.load(Ordering::SeqCst));
    }
}
