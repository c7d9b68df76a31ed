// Tests of the patches made for `accounts` (see PATCHES.md) through a whole
// server: the limits given to `Server::from_listener_with_limits` reach every
// connection it accepts. The parsing itself is tested next to the code.

extern crate tiny_http;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use tiny_http::{ConnectionLimits, Response, Server};

fn server(limits: ConnectionLimits) -> (Server, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (
        Server::from_listener_with_limits(listener, None, limits).unwrap(),
        port,
    )
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Everything the server sent until it closed the connection; panics if it
/// was still open after 10 s.
fn answer_until_closed(mut stream: TcpStream) -> String {
    let mut answer = Vec::new();
    loop {
        let mut buf = [0; 4096];
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the connection was not closed: {}", e),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Answers every request with 200 without reading its body.
fn answer_everything(server: Server) {
    thread::spawn(move || {
        for request in server.incoming_requests() {
            let _ = request.respond(Response::empty(200));
        }
    });
}

/// Calls `probe` every 20 ms until it is true; panics after 10 s.
fn wait_until(what: &str, mut probe: impl FnMut() -> bool) {
    let start = Instant::now();
    while !probe() {
        assert!(start.elapsed() < Duration::from_secs(10), "{}", what);
        thread::sleep(Duration::from_millis(20));
    }
}

/// Patch 6.
#[test]
fn connections_beyond_the_cap_are_closed_at_once_until_one_is_freed() {
    let (server, port) = server(ConnectionLimits {
        read_timeout: Some(Duration::from_secs(30)),
        max_connections: Some(2),
        ..ConnectionLimits::default()
    });
    answer_everything(server);
    let held: Vec<TcpStream> = (0..2).map(|_| connect(port)).collect();
    let served = |port| {
        let mut stream = connect(port);
        let _ = stream.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        answer_until_closed(stream).starts_with("HTTP/1.1 200")
    };
    wait_until("a third connection to be closed unanswered", || {
        !served(port)
    });
    drop(held);
    wait_until("a connection to be served once the others closed", || {
        served(port)
    });
}

/// Patch 6.
#[test]
fn a_connection_that_sends_nothing_is_closed_after_the_read_timeout() {
    let (server, port) = server(ConnectionLimits {
        read_timeout: Some(Duration::from_millis(200)),
        ..ConnectionLimits::default()
    });
    answer_everything(server);
    assert_eq!(answer_until_closed(connect(port)), "");
}

/// Patch 6.
#[test]
fn an_answer_the_client_does_not_read_is_given_up_after_the_write_timeout() {
    let (server, port) = server(ConnectionLimits {
        write_timeout: Some(Duration::from_millis(200)),
        ..ConnectionLimits::default()
    });
    let mut stream = connect(port);
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let request = server.recv().unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    thread::spawn(move || {
        // Far more than the socket buffers hold, and the client reads none.
        let body = vec![b'a'; 64 * 1024 * 1024];
        let _ = done.send(request.respond(Response::from_data(body)));
    });
    let outcome = finished
        .recv_timeout(Duration::from_secs(10))
        .expect("the answer was still being written");
    assert!(outcome.is_err());
    drop(stream);
}

/// Patch 8.
#[test]
fn a_head_dripped_past_the_header_timeout_gets_408() {
    let (server, port) = server(ConnectionLimits {
        read_timeout: Some(Duration::from_secs(1)),
        header_timeout: Some(Duration::from_millis(300)),
        ..ConnectionLimits::default()
    });
    answer_everything(server);
    let stream = connect(port);
    let mut writer = stream.try_clone().unwrap();
    writer.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").unwrap();
    thread::spawn(move || {
        // A byte every 50 ms, well inside the read timeout, for 15 s.
        for _ in 0..300 {
            thread::sleep(Duration::from_millis(50));
            if writer.write_all(b"a").is_err() {
                return;
            }
        }
    });
    let answer = answer_until_closed(stream);
    assert!(answer.starts_with("HTTP/1.1 408"), "{:?}", answer);
}

/// Patch 9.
#[test]
fn a_request_answered_before_its_body_ended_is_the_last_on_its_connection() {
    let (server, port) = server(ConnectionLimits::default());
    answer_everything(server);
    let stream = connect(port);
    let mut request = b"POST / HTTP/1.1\r\nContent-Length: 70000\r\n\r\n".to_vec();
    request.resize(request.len() + 70_000, b'a');
    request.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
    let mut writer = stream.try_clone().unwrap();
    thread::spawn(move || {
        let _ = writer.write_all(&request);
    });
    let answer = answer_until_closed(stream);
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{:?}", answer);
    assert!(answer.contains("Connection: close"), "{:?}", answer);
}
