use std::io::Result as IoResult;
use std::io::{Error as IoError, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use crate::connection::Connection;
#[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
use crate::ssl::SslStream;

pub(crate) enum Stream {
    Http(Connection),
    #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
    Https(SslStream),
}

impl Clone for Stream {
    fn clone(&self) -> Self {
        match self {
            Stream::Http(tcp_stream) => Stream::Http(tcp_stream.try_clone().unwrap()),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => Stream::Https(ssl_stream.clone()),
        }
    }
}

impl From<Connection> for Stream {
    fn from(tcp_stream: Connection) -> Self {
        Stream::Http(tcp_stream)
    }
}

impl Stream {
    fn secure(&self) -> bool {
        match self {
            Stream::Http(_) => false,
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(_) => true,
        }
    }

    fn peer_addr(&mut self) -> IoResult<Option<SocketAddr>> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.peer_addr(),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.peer_addr(),
        }
    }

    fn shutdown(&mut self, how: Shutdown) -> IoResult<()> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.shutdown(how),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.shutdown(how),
        }
    }

    /// Patch 8. A TLS stream keeps the timeout it was accepted with: its
    /// deadline is still checked before every read, but a read already
    /// waiting ends only at that timeout.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> IoResult<()> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.set_read_timeout(timeout),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(_) => Ok(()),
        }
    }
}

/// Patched for `accounts` (PATCHES.md, patch 8): a read timeout bounds the
/// wait for each read, not for a request, so a client sending a byte now and
/// then held its connection for as long as it liked. The connection now sets
/// a deadline for the part of the request it is reading (the head, then the
/// body), and every read waits at most until then.
#[derive(Debug, Default)]
pub(crate) struct ReadDeadline {
    /// The longest wait for any one read: the connection's read timeout.
    idle: Option<Duration>,
    /// When the part of the request being read must have arrived.
    until: Option<Instant>,
    /// The timeout last set on the socket (`None` until one is), so that an
    /// unchanged timeout costs no system call.
    applied: Option<Option<Duration>>,
}

impl ReadDeadline {
    /// The timeout of a read starting at `now`, or an error once the
    /// deadline has passed.
    fn timeout_at(&self, now: Instant) -> IoResult<Option<Duration>> {
        let until = match self.until {
            None => return Ok(self.idle),
            Some(until) => until,
        };
        let left = until.saturating_duration_since(now);
        if left.is_zero() {
            return Err(IoError::new(
                ErrorKind::TimedOut,
                "the request was not complete before its deadline",
            ));
        }
        Ok(Some(self.idle.map_or(left, |idle| idle.min(left))))
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.read(buf),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> IoResult<usize> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.write(buf),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.write(buf),
        }
    }

    fn flush(&mut self) -> IoResult<()> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.flush(),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.flush(),
        }
    }
}

pub struct RefinedTcpStream {
    stream: Stream,
    close_read: bool,
    close_write: bool,
    deadline: ReadDeadline,
}

impl RefinedTcpStream {
    pub(crate) fn new<S>(stream: S) -> (RefinedTcpStream, RefinedTcpStream)
    where
        S: Into<Stream>,
    {
        let stream: Stream = stream.into();

        let (read, write) = (stream.clone(), stream);

        let read = RefinedTcpStream {
            stream: read,
            close_read: true,
            close_write: false,
            deadline: ReadDeadline::default(),
        };

        let write = RefinedTcpStream {
            stream: write,
            close_read: false,
            close_write: true,
            deadline: ReadDeadline::default(),
        };

        (read, write)
    }

    /// Returns true if this struct wraps around a secure connection.
    #[inline]
    pub(crate) fn secure(&self) -> bool {
        self.stream.secure()
    }

    pub(crate) fn peer_addr(&mut self) -> IoResult<Option<SocketAddr>> {
        self.stream.peer_addr()
    }

    /// The longest wait for any one read (patch 8).
    pub(crate) fn set_idle_timeout(&mut self, idle: Option<Duration>) {
        self.deadline.idle = idle;
    }

    /// When what is read from now on must have arrived; `None` for no
    /// deadline, only the idle timeout (patch 8).
    pub(crate) fn set_deadline(&mut self, until: Option<Instant>) {
        self.deadline.until = until;
    }
}

impl Drop for RefinedTcpStream {
    fn drop(&mut self) {
        if self.close_read {
            self.stream.shutdown(Shutdown::Read).ok();
        }

        if self.close_write {
            self.stream.shutdown(Shutdown::Write).ok();
        }
    }
}

impl Read for RefinedTcpStream {
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        // Patch 8: wait no longer than the deadline allows.
        let timeout = self.deadline.timeout_at(Instant::now())?;
        if self.deadline.applied != Some(timeout) {
            self.stream.set_read_timeout(timeout)?;
            self.deadline.applied = Some(timeout);
        }
        match self.stream.read(buf) {
            // A blocking socket says "would block" (EAGAIN) when its read
            // timeout passes: name it as the timeout it is.
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                Err(IoError::new(ErrorKind::TimedOut, e))
            }
            other => other,
        }
    }
}

impl Write for RefinedTcpStream {
    fn write(&mut self, buf: &[u8]) -> IoResult<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> IoResult<()> {
        self.stream.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::{ReadDeadline, RefinedTcpStream};
    use crate::connection::Connection;
    use std::io::{ErrorKind, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    fn deadline(idle: u64, until: Option<Instant>) -> ReadDeadline {
        ReadDeadline {
            idle: Some(Duration::from_secs(idle)),
            until,
            applied: None,
        }
    }

    /// Patch 8 (PATCHES.md).
    #[test]
    fn a_read_waits_at_most_until_the_deadline() {
        let now = Instant::now();
        let secs = Duration::from_secs;
        assert_eq!(deadline(10, None).timeout_at(now).unwrap(), Some(secs(10)));
        assert_eq!(
            deadline(10, Some(now + secs(3))).timeout_at(now).unwrap(),
            Some(secs(3))
        );
        assert_eq!(
            deadline(2, Some(now + secs(3))).timeout_at(now).unwrap(),
            Some(secs(2))
        );
        let passed = deadline(10, Some(now)).timeout_at(now).unwrap_err();
        assert_eq!(passed.kind(), ErrorKind::TimedOut);
    }

    fn pair() -> ((RefinedTcpStream, RefinedTcpStream), TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        (RefinedTcpStream::new(Connection::from(accepted)), client)
    }

    /// Patch 8: once the deadline has passed, nothing more is read, even
    /// bytes that are waiting.
    #[test]
    fn nothing_is_read_past_the_deadline() {
        let ((mut read, _write), mut client) = pair();
        client.write_all(b"waiting").unwrap();
        read.set_deadline(Some(Instant::now()));
        let err = read.read(&mut [0; 16]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TimedOut);
        read.set_deadline(None);
        let mut buf = [0; 7];
        read.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"waiting");
    }

    /// Patch 8: a read timeout is reported as one (the socket says "would
    /// block"), however it was reached.
    #[test]
    fn a_read_that_times_out_says_timed_out() {
        let ((mut read, _write), _client) = pair();
        read.set_idle_timeout(Some(Duration::from_secs(10)));
        read.set_deadline(Some(Instant::now() + Duration::from_millis(50)));
        let err = read.read(&mut [0; 16]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TimedOut);
    }
}
