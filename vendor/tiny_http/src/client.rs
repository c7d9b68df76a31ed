use ascii::AsciiString;

use std::io::Error as IoError;
use std::io::Result as IoResult;
use std::io::{BufRead, BufReader, BufWriter, ErrorKind, Read};

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{HTTPVersion, Method};
use crate::util::RefinedTcpStream;
use crate::util::{SequentialReader, SequentialReaderBuilder, SequentialWriterBuilder};
use crate::{ConnectionLimits, Request};

/// A ClientConnection is an object that will store a socket to a client
/// and return Request objects.
pub struct ClientConnection {
    // address of the client
    remote_addr: IoResult<Option<SocketAddr>>,

    // sequence of Readers to the stream, so that the data is not read in
    //  the wrong order
    source: SequentialReaderBuilder<BufReader<RefinedTcpStream>>,

    // sequence of Writers to the stream, to avoid writing response #2 before
    //  response #1
    sink: SequentialWriterBuilder<BufWriter<RefinedTcpStream>>,

    // Reader to read the next header from
    next_header_source: SequentialReader<BufReader<RefinedTcpStream>>,

    // set to true if we know that the previous request is the last one
    no_more_requests: bool,

    // true if the connection goes through SSL
    secure: bool,

    /// Patch 8: how long the head, then the body, of a request may take.
    header_timeout: Option<Duration>,
    body_timeout: Option<Duration>,

    /// Patch 9: set when a request was done with before its body ended; the
    /// rest of that body is never read as a request, the connection closes.
    body_left_unread: Arc<AtomicBool>,
}

/// Error that can happen when reading a request.
#[derive(Debug)]
enum ReadError {
    WrongRequestLine,
    WrongHeader(HTTPVersion),
    /// the client sent an unrecognized `Expect` header
    ExpectationFailed(HTTPVersion),
    ReadIoError(IoError),
}

impl ClientConnection {
    /// Creates a new `ClientConnection` that takes ownership of the `TcpStream`.
    pub fn new(
        write_socket: RefinedTcpStream,
        mut read_socket: RefinedTcpStream,
        limits: &ConnectionLimits,
    ) -> ClientConnection {
        let remote_addr = read_socket.peer_addr();
        let secure = read_socket.secure();
        read_socket.set_idle_timeout(limits.read_timeout);

        let mut source = SequentialReaderBuilder::new(BufReader::with_capacity(1024, read_socket));
        let first_header = source.next().unwrap();

        ClientConnection {
            source,
            sink: SequentialWriterBuilder::new(BufWriter::with_capacity(1024, write_socket)),
            remote_addr,
            next_header_source: first_header,
            no_more_requests: false,
            secure,
            header_timeout: limits.header_timeout,
            body_timeout: limits.body_timeout,
            body_left_unread: Arc::new(AtomicBool::new(false)),
        }
    }

    /// true if the connection is HTTPS
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Reads the next line from self.next_header_source.
    ///
    /// Reads until `CRLF` is reached. The next read will start
    ///  at the first byte of the new line.
    fn read_next_line(&mut self) -> IoResult<AsciiString> {
        let mut buf = Vec::new();
        let mut prev_byte_was_cr = false;

        loop {
            // Patched for `accounts` (PATCHES.md, patch 3): lines were unbounded.
            if buf.len() > MAX_LINE_BYTES {
                return Err(IoError::new(
                    ErrorKind::InvalidInput,
                    "Header line too long",
                ));
            }
            let byte = self.next_header_source.by_ref().bytes().next();

            let byte = match byte {
                Some(b) => b?,
                None => return Err(IoError::new(ErrorKind::ConnectionAborted, "Unexpected EOF")),
            };

            if byte == b'\n' && prev_byte_was_cr {
                buf.pop(); // removing the '\r'
                return AsciiString::from_ascii(buf)
                    .map_err(|_| IoError::new(ErrorKind::InvalidInput, "Header is not in ASCII"));
            }
            // Patched for `accounts` (PATCHES.md, patch 10): a CR not followed
            // by LF, or an LF not preceded by CR, ends a line for some parsers
            // and not for others (RFC 9112 section 2.2): the head is refused.
            if byte == b'\n' || prev_byte_was_cr {
                return Err(bare_cr_or_lf());
            }

            prev_byte_was_cr = byte == b'\r';

            buf.push(byte);
        }
    }

    /// Reads a request from the stream.
    /// Blocks until the header has been read.
    fn read(&mut self) -> Result<Request, ReadError> {
        self.wait_for_next_request()?;
        let (method, path, version, headers) = {
            // reading the request line
            let (method, path, version) = {
                let line = self
                    .read_next_line()
                    .map_err(|e| line_error(e, ReadError::WrongRequestLine))?;

                parse_request_line(
                    line.as_str().trim(), // TODO: remove this conversion
                )?
            };

            // getting all headers
            let headers = {
                let mut headers = Vec::new();
                loop {
                    let line = self
                        .read_next_line()
                        .map_err(|e| line_error(e, ReadError::WrongHeader(version.clone())))?;
                    if headers.len() >= MAX_HEADERS {
                        return Err(ReadError::WrongHeader(version));
                    }

                    if line.is_empty() {
                        break;
                    };
                    // Patched for `accounts` (PATCHES.md, patch 10): a line
                    // starting with whitespace continues the previous one
                    // (obs-fold) for some parsers and is a header of its own
                    // for others; RFC 9112 section 5.2 has a server refuse it.
                    if line.as_str().starts_with([' ', '\t']) {
                        return Err(ReadError::WrongHeader(version));
                    }
                    headers.push(match FromStr::from_str(line.as_str().trim()) {
                        // TODO: remove this conversion
                        Ok(h) => h,
                        _ => return Err(ReadError::WrongHeader(version)),
                    });
                }

                headers
            };

            (method, path, version, headers)
        };

        // Patch 8: the body has its own deadline, from the end of the head.
        let body_deadline = self.body_timeout.map(|t| Instant::now() + t);
        self.next_header_source
            .inner_mut()
            .get_mut()
            .set_deadline(body_deadline);

        // building the writer for the request
        let writer = self.sink.next().unwrap();

        // follow-up for next potential request
        let mut data_source = self.source.next().unwrap();
        std::mem::swap(&mut self.next_header_source, &mut data_source);

        // building the next reader
        let request = crate::request::new_request(
            self.secure,
            method,
            path,
            version.clone(),
            headers,
            *self.remote_addr.as_ref().unwrap(),
            data_source,
            writer,
            Some(Arc::clone(&self.body_left_unread)),
        )
        .map_err(|e| {
            use crate::request;
            match e {
                // Patch 10: framing that cannot be trusted, or a body that
                // does not decode, is answered 400 before the connection
                // closes (it was closed without an answer).
                request::RequestCreationError::CreationIoError(e)
                    if e.kind() == ErrorKind::InvalidInput =>
                {
                    ReadError::WrongHeader(version.clone())
                }
                request::RequestCreationError::CreationIoError(e) => ReadError::ReadIoError(e),
                request::RequestCreationError::ExpectationFailed => {
                    ReadError::ExpectationFailed(version)
                }
            }
        })?;

        // return the request
        Ok(request)
    }

    /// Patched for `accounts` (PATCHES.md, patches 8 and 9): waits until the
    /// previous request is done with the connection and the first byte of
    /// the next one arrives, then starts the deadline of its head.
    ///
    /// A connection whose previous request left part of its body unread is
    /// not read from again: the rest of that body is not a request. Waiting
    /// for a first byte is bounded by the read timeout alone, and a
    /// connection that sends nothing in time is closed without an answer.
    fn wait_for_next_request(&mut self) -> Result<(), ReadError> {
        let closing = |why: &str| {
            Err(ReadError::ReadIoError(IoError::new(
                ErrorKind::ConnectionAborted,
                why.to_owned(),
            )))
        };
        let source = self.next_header_source.inner_mut();
        if self.body_left_unread.load(Ordering::SeqCst) {
            return closing("the previous request left its body unread");
        }
        source.get_mut().set_deadline(None);
        match source.fill_buf() {
            Ok([]) => return closing("closed by the client"),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::TimedOut => {
                return closing("no request within the read timeout")
            }
            Err(e) => return Err(ReadError::ReadIoError(e)),
        }
        let head_deadline = self.header_timeout.map(|t| Instant::now() + t);
        source.get_mut().set_deadline(head_deadline);
        Ok(())
    }
}

/// Patch 10: the error of a line with a bare CR or LF.
fn bare_cr_or_lf() -> IoError {
    IoError::new(ErrorKind::InvalidData, "bare CR or LF in the head")
}

/// Patch 10: a line that breaks the syntax is answered 400 (`refused`);
/// other errors (time-outs, a closed connection) keep their meaning.
fn line_error(e: IoError, refused: ReadError) -> ReadError {
    if e.kind() == ErrorKind::InvalidData {
        refused
    } else {
        ReadError::ReadIoError(e)
    }
}

/// Longest request line or header line read (a 64 KiB URL still reaches the
/// application, which answers 414).
const MAX_LINE_BYTES: usize = 80 * 1024;
/// Most header lines in one request.
const MAX_HEADERS: usize = 100;

impl Iterator for ClientConnection {
    type Item = Request;

    /// Blocks until the next Request is available.
    /// Returns None when no new Requests will come from the client.
    fn next(&mut self) -> Option<Request> {
        use crate::{Response, StatusCode};

        // the client sent a "connection: close" header in this previous request
        //  or is using HTTP 1.0, meaning that no new request will come
        if self.no_more_requests {
            return None;
        }

        loop {
            let rq = match self.read() {
                Err(ReadError::WrongRequestLine) => {
                    let writer = self.sink.next().unwrap();
                    // Patch 9: the connection closes; say so.
                    let response = Response::new_empty(StatusCode(400)).with_connection_close();
                    response
                        .raw_print(writer, HTTPVersion(1, 1), &[], false, None)
                        .ok();
                    return None; // we don't know where the next request would start,
                                 // se we have to close
                }

                Err(ReadError::WrongHeader(ver)) => {
                    let writer = self.sink.next().unwrap();
                    // Patch 9: the connection closes; say so.
                    let response = Response::new_empty(StatusCode(400)).with_connection_close();
                    response.raw_print(writer, ver, &[], false, None).ok();
                    return None; // we don't know where the next request would start,
                                 // se we have to close
                }

                Err(ReadError::ReadIoError(ref err)) if err.kind() == ErrorKind::TimedOut => {
                    // request timeout
                    let writer = self.sink.next().unwrap();
                    // Patch 9: the connection closes; say so.
                    let response = Response::new_empty(StatusCode(408)).with_connection_close();
                    response
                        .raw_print(writer, HTTPVersion(1, 1), &[], false, None)
                        .ok();
                    return None; // closing the connection
                }

                Err(ReadError::ExpectationFailed(ver)) => {
                    let writer = self.sink.next().unwrap();
                    // Patch 9: the connection closes; say so.
                    let response = Response::new_empty(StatusCode(417)).with_connection_close();
                    response.raw_print(writer, ver, &[], true, None).ok();
                    return None; // TODO: should be recoverable, but needs handling in case of body
                }

                Err(ReadError::ReadIoError(_)) => return None,

                Ok(rq) => rq,
            };

            // checking HTTP version
            if *rq.http_version() > (1, 1) {
                let writer = self.sink.next().unwrap();
                let response = Response::from_string(
                    "This server only supports HTTP versions 1.0 and 1.1".to_owned(),
                )
                .with_status_code(StatusCode(505));
                response
                    .raw_print(writer, HTTPVersion(1, 1), &[], false, None)
                    .ok();
                continue;
            }

            // updating the status of the connection
            let connection_header = rq
                .headers()
                .iter()
                .find(|h| h.field.equiv("Connection"))
                .map(|h| h.value.as_str());

            let lowercase = connection_header.map(|h| h.to_ascii_lowercase());

            match lowercase {
                Some(ref val) if val.contains("close") => self.no_more_requests = true,
                Some(ref val) if val.contains("upgrade") => self.no_more_requests = true,
                Some(ref val)
                    if !val.contains("keep-alive") && *rq.http_version() == HTTPVersion(1, 0) =>
                {
                    self.no_more_requests = true
                }
                None if *rq.http_version() == HTTPVersion(1, 0) => self.no_more_requests = true,
                _ => (),
            };

            // returning the request
            return Some(rq);
        }
    }
}

/// Parses a "HTTP/1.1" string.
fn parse_http_version(version: &str) -> Result<HTTPVersion, ReadError> {
    let (major, minor) = match version {
        "HTTP/0.9" => (0, 9),
        "HTTP/1.0" => (1, 0),
        "HTTP/1.1" => (1, 1),
        "HTTP/2.0" => (2, 0),
        "HTTP/3.0" => (3, 0),
        _ => return Err(ReadError::WrongRequestLine),
    };

    Ok(HTTPVersion(major, minor))
}

/// Parses the request line of the request.
/// eg. GET / HTTP/1.1
fn parse_request_line(line: &str) -> Result<(Method, String, HTTPVersion), ReadError> {
    let mut parts = line.split(' ');

    let method = parts.next().and_then(|w| w.parse().ok());
    let path = parts.next().map(ToOwned::to_owned);
    let version = parts.next().and_then(|w| parse_http_version(w).ok());

    method
        .and_then(|method| Some((method, path?, version?)))
        .ok_or(ReadError::WrongRequestLine)
}

#[cfg(test)]
mod test {
    #[test]
    fn test_parse_request_line() {
        let (method, path, ver) = super::parse_request_line("GET /hello HTTP/1.1").unwrap();

        assert!(method == crate::Method::Get);
        assert!(path == "/hello");
        assert!(ver == crate::common::HTTPVersion(1, 1));

        assert!(super::parse_request_line("GET /hello").is_err());
        assert!(super::parse_request_line("qsd qsd qsd").is_err());
    }
}

/// The patches to reading requests (PATCHES.md: 3, 8, 9, 10), driven over a
/// loopback connection as the server's connection thread sees it.
#[cfg(test)]
mod patch_tests {
    use super::ClientConnection;
    use crate::connection::Connection;
    use crate::util::RefinedTcpStream;
    use crate::{ConnectionLimits, Response};
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::thread::{self, JoinHandle};
    use std::time::Duration;

    /// The server's side of a new connection, and the client's end of it.
    fn connection(limits: ConnectionLimits) -> (ClientConnection, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let (read, write) = RefinedTcpStream::new(Connection::from(accepted));
        (ClientConnection::new(write, read, &limits), client)
    }

    fn seconds(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n))
    }

    fn millis(n: u64) -> Option<Duration> {
        Some(Duration::from_millis(n))
    }

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            read_timeout: seconds(10),
            ..ConnectionLimits::default()
        }
    }

    /// Everything the server wrote until it closed the connection.
    fn answer(mut client: TcpStream) -> String {
        client.set_read_timeout(seconds(20)).unwrap();
        let mut answer = Vec::new();
        let _ = client.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// Writes `bytes` from another thread (the server may stop reading).
    fn send(client: &TcpStream, bytes: Vec<u8>) -> JoinHandle<()> {
        let mut writer = client.try_clone().unwrap();
        thread::spawn(move || {
            let _ = writer.write_all(&bytes);
        })
    }

    /// Sends `start`, then a byte every 20 ms for 15 s, then ends the
    /// request stream: a drip that outlasts every deadline of these tests.
    fn drip(client: &TcpStream, start: &[u8], byte: u8) -> JoinHandle<()> {
        let mut writer = client.try_clone().unwrap();
        writer.write_all(start).unwrap();
        thread::spawn(move || {
            for _ in 0..750 {
                // The pace of the drip, not a wait for the server.
                thread::sleep(Duration::from_millis(20));
                if writer.write_all(&[byte]).is_err() {
                    return;
                }
            }
            let _ = writer.shutdown(Shutdown::Write);
        })
    }

    /// The answer to `head`, which must not be read as a request.
    fn refused(head: &[u8]) -> String {
        let (mut conn, mut client) = connection(limits());
        client.write_all(head).unwrap();
        let what = String::from_utf8_lossy(head).into_owned();
        assert!(conn.next().is_none(), "{:?} was read as a request", what);
        drop(conn);
        answer(client)
    }

    fn assert_400_and_close(heads: &[&[u8]]) {
        for head in heads {
            let answer = refused(head);
            let what = String::from_utf8_lossy(head);
            assert!(
                answer.starts_with("HTTP/1.1 400"),
                "{:?}: {:?}",
                what,
                answer
            );
            assert!(
                answer.contains("Connection: close"),
                "{:?}: {:?}",
                what,
                answer
            );
        }
    }

    #[test]
    fn a_well_formed_head_is_read() {
        let (mut conn, mut client) = connection(limits());
        client
            .write_all(b"GET /a HTTP/1.1\r\nHost: x\r\nX-A: b c\r\n\r\n")
            .unwrap();
        let rq = conn.next().expect("a request");
        assert_eq!(rq.url(), "/a");
        assert_eq!(rq.headers().len(), 2);
    }

    /// Patch 10.
    #[test]
    fn a_bare_cr_or_lf_in_the_head_gets_400_and_closes() {
        assert_400_and_close(&[
            b"GET /a HTTP/1.1\r\nX-A: a\nX-B: b\r\n\r\n",
            b"GET /a HTTP/1.1\r\nX-A: a\rX-B: b\r\n\r\n",
            b"GET /a\nX: HTTP/1.1\r\n\r\n",
            b"GET /a\r HTTP/1.1\r\n\r\n",
            b"GET /a HTTP/1.1\nHost: x\n\n",
        ]);
    }

    /// Patch 10.
    #[test]
    fn an_obs_fold_line_gets_400_and_closes() {
        assert_400_and_close(&[
            b"GET /a HTTP/1.1\r\nX-A: a\r\n folded\r\n\r\n",
            b"GET /a HTTP/1.1\r\nX-A: a\r\n Content-Length: 2\r\n\r\n{}",
            b"GET /a HTTP/1.1\r\nX-A: a\r\n\tX-B: b\r\n\r\n",
            b"GET /a HTTP/1.1\r\n Host: x\r\n\r\n",
        ]);
    }

    /// Patches 4 and 10: framing two parsers could read differently is
    /// refused, now with an answer.
    #[test]
    fn framing_that_cannot_be_trusted_gets_400_and_closes() {
        assert_400_and_close(&[
            b"POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            b"POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ]);
    }

    /// Patch 3.
    #[test]
    fn a_header_line_over_80_kib_closes_the_connection() {
        let mut head = b"GET /a HTTP/1.1\r\nX-Big: ".to_vec();
        head.resize(head.len() + 81 * 1024, b'a');
        // Closed at once, not after waiting for the rest of the line.
        assert_eq!(refused(&head), "");
    }

    /// Patch 3.
    #[test]
    fn more_than_100_headers_get_400() {
        let mut head = b"GET /a HTTP/1.1\r\n".to_vec();
        for i in 0..101 {
            head.extend_from_slice(format!("X-{}: a\r\n", i).as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        assert_400_and_close(&[&head]);
    }

    /// Patch 8.
    #[test]
    fn a_head_dripped_past_its_deadline_gets_408_and_closes() {
        let (mut conn, client) = connection(ConnectionLimits {
            read_timeout: seconds(1),
            header_timeout: millis(300),
            ..ConnectionLimits::default()
        });
        let _drip = drip(&client, b"GET /a HTTP/1.1\r\nX-Slow: ", b'a');
        assert!(conn.next().is_none());
        drop(conn);
        let answer = answer(client);
        assert!(answer.starts_with("HTTP/1.1 408"), "{:?}", answer);
        assert!(answer.contains("Connection: close"), "{:?}", answer);
    }

    /// Patch 8.
    #[test]
    fn a_body_dripped_past_its_deadline_gets_408_and_closes() {
        for head in [
            &b"POST /a HTTP/1.1\r\nContent-Length: 1000\r\n\r\n"[..],
            b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n",
        ] {
            let (mut conn, client) = connection(ConnectionLimits {
                read_timeout: seconds(1),
                body_timeout: millis(300),
                ..ConnectionLimits::default()
            });
            let _drip = drip(&client, head, b'a');
            assert!(conn.next().is_none());
            drop(conn);
            let answer = answer(client);
            let what = String::from_utf8_lossy(head);
            assert!(
                answer.starts_with("HTTP/1.1 408"),
                "{:?}: {:?}",
                what,
                answer
            );
        }
    }

    /// Patch 8: the time a kept-alive connection waits for its next request
    /// is not part of that request's deadline.
    #[test]
    fn the_head_deadline_starts_at_its_first_byte() {
        let (mut conn, client) = connection(ConnectionLimits {
            read_timeout: seconds(10),
            header_timeout: millis(100),
            ..ConnectionLimits::default()
        });
        let mut writer = client.try_clone().unwrap();
        let _late = thread::spawn(move || {
            // Idle for longer than the head's deadline, then send at once.
            thread::sleep(Duration::from_millis(400));
            writer.write_all(b"GET /a HTTP/1.1\r\n\r\n").unwrap();
        });
        assert!(conn.next().is_some());
    }

    /// Patch 8: no request at all is no request to answer.
    #[test]
    fn a_connection_idle_past_the_read_timeout_is_closed_without_an_answer() {
        let (mut conn, client) = connection(ConnectionLimits {
            read_timeout: millis(100),
            header_timeout: seconds(10),
            ..ConnectionLimits::default()
        });
        assert!(conn.next().is_none());
        drop(conn);
        assert_eq!(answer(client), "");
    }

    fn oversized_then_next(chunked: bool) -> Vec<u8> {
        let mut bytes = if chunked {
            format!(
                "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
                70_000
            )
        } else {
            "POST /a HTTP/1.1\r\nContent-Length: 70000\r\n\r\n".to_owned()
        }
        .into_bytes();
        bytes.resize(bytes.len() + 70_000, b'a');
        if chunked {
            bytes.extend_from_slice(b"\r\n0\r\n\r\n");
        }
        bytes.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
        bytes
    }

    /// Patch 9.
    #[test]
    fn a_request_answered_before_its_body_ended_closes_the_connection() {
        for chunked in [false, true] {
            let (mut conn, client) = connection(limits());
            let _sender = send(&client, oversized_then_next(chunked));
            let rq = conn.next().expect("the first request");
            rq.respond(Response::empty(413)).unwrap();
            assert!(
                conn.next().is_none(),
                "chunked: {}: the rest of an unread body was read for a request",
                chunked
            );
            drop(conn);
            let answer = answer(client);
            assert!(answer.starts_with("HTTP/1.1 413"), "{:?}", answer);
            assert!(answer.contains("Connection: close"), "{:?}", answer);
        }
    }

    /// Patch 9: a body read to its end leaves the connection in step.
    #[test]
    fn a_request_whose_body_was_read_keeps_the_connection() {
        for chunked in [false, true] {
            let (mut conn, client) = connection(limits());
            let _sender = send(&client, oversized_then_next(chunked));
            let mut rq = conn.next().expect("the first request");
            let mut body = Vec::new();
            rq.as_reader().read_to_end(&mut body).unwrap();
            assert_eq!(body.len(), 70_000);
            rq.respond(Response::empty(200)).unwrap();
            let next = conn.next().expect("the next request");
            assert_eq!(next.url(), "/next", "chunked: {}", chunked);
        }
    }
}
