//! The HTTP layer: reading requests, routing, answering. A request goes
//! down one way: the socket (tiny_http), the route (`routes.rs`), the parse
//! of its body into a typed request (`requests.rs`), the handler
//! (`handlers/`, one module per resource), which calls the action in
//! [`crate::accounts`] and maps its outcome to a reply (`error.rs` for every
//! failure). Nothing outside this module sees tiny_http.

mod auth;
pub mod body;
mod csrf;
pub mod error;
pub mod fields;
mod handlers;
mod metrics_endpoint;
mod pages;
pub mod request;
mod requests;
mod response;
mod routes;

use std::net::{IpAddr, TcpListener};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crate::accounts::{ClientAddress, Device};
use crate::admission::Turn;
use crate::app::App;
use crate::config::Config;
use crate::domain::user_agent::UserAgent;
use crate::logging::RequestScope;
use crate::request_id::RequestId;
use crate::store::Store;
pub use error::ApiError;
pub use metrics_endpoint::MetricsListener;
use request::Incoming;
use response::Reply;
use routes::Route;

/// What a handler works with.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub store: &'a mut Store,
    pub req: &'a Incoming,
}

impl Ctx<'_> {
    /// The client's address, through trusted proxies (for throttling).
    pub fn client_address(&self) -> ClientAddress {
        let peer = self.req.peer.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let forwarded = self.req.header_lines("X-Forwarded-For");
        let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
        ClientAddress::new(
            self.app
                .config
                .trusted_proxies
                .client_address(peer, forwarded.as_deref()),
        )
    }

    /// Where a login made by this request comes from: the client's address
    /// (as for throttling) and its `User-Agent`, cleaned.
    pub fn device(&self) -> Device {
        Device {
            address: self.client_address(),
            user_agent: UserAgent::parse(self.req.header("User-Agent")),
        }
    }
}

/// The HTTP server on a bound listener (tiny_http, patched), with the
/// connection limits of the settings: read and write timeouts, deadlines for
/// a request's head and body, and a cap on connections beyond which new ones
/// are closed at once.
pub struct Server(tiny_http::Server);

impl Server {
    pub fn start(
        listener: TcpListener,
        config: &Config,
    ) -> Result<Server, Box<dyn std::error::Error + Send + Sync>> {
        let timeout = Some(config.read_timeout.max(Duration::from_secs(1)));
        let limits = tiny_http::ConnectionLimits {
            read_timeout: timeout,
            write_timeout: timeout,
            max_connections: Some(config.max_connections),
            header_timeout: Some(config.header_timeout),
            body_timeout: Some(config.body_timeout),
        };
        tiny_http::Server::from_listener_with_limits(listener, None, limits).map(Server)
    }

    /// Waits for the next request and answers it. An error means the server
    /// takes no more requests: it was unblocked for a shutdown, or its
    /// accept loop stopped at an error it cannot retry.
    pub fn serve_next(&self, app: &App, store: &mut Store, turn: &Turn) -> std::io::Result<()> {
        let request = turn.wait_for_work(|| self.0.recv())?;
        handle(app, store, request);
        Ok(())
    }

    /// Wakes one worker waiting in [`Server::serve_next`] with an error.
    pub fn unblock(&self) {
        self.0.unblock();
    }
}

/// The log target of the line each request writes.
pub const REQUEST_LOG: &str = "accounts::request";

/// Names, in the log and the metrics, of requests that reach no route.
const NOT_FOUND: &str = "not-found";
const URI_TOO_LONG: &str = "uri-too-long";
const PANICKED: &str = "panic";

/// Every name a request may be counted under: the route table's, then the
/// names of requests that reach no route.
pub fn metric_route_names() -> impl Iterator<Item = &'static str> {
    routes::names().chain([NOT_FOUND, URI_TOO_LONG, PANICKED])
}

/// Answers one request. Never panics: a panicking handler is caught here,
/// logged, and answered with a generic 500, and the worker goes on.
///
/// Everything done for every request, whatever its route, is here: its id
/// (`X-Request-Id`, and on each log line written meanwhile), its timing,
/// its metrics and its log line.
fn handle(app: &App, store: &mut Store, mut rq: tiny_http::Request) {
    let started = Instant::now();
    let id = request_id(app, &rq);
    let _scope = RequestScope::enter(id);
    let (reply, route_name) = match catch_unwind(AssertUnwindSafe(|| answer(app, store, &mut rq))) {
        Ok(answered) => answered,
        Err(_) => (
            ApiError::Internal("a request handler panicked".into()).into_reply(),
            PANICKED,
        ),
    };
    let status = reply.status;
    // Per-request lines are debug: at info they would cost a write per request.
    let level = if status >= 500 {
        log::Level::Warn
    } else {
        log::Level::Debug
    };
    let line = log::log_enabled!(target: REQUEST_LOG, level).then(|| RequestLine::of(app, &rq));
    // Counted before the answer leaves, so a client that has its answer
    // finds it in the next scrape.
    let elapsed = started.elapsed();
    if let Some(metrics) = &app.metrics {
        metrics.record_request(route_name, status, elapsed);
    }
    let response = reply.with_header("X-Request-Id", id.to_string());
    if let Err(e) = rq.respond(response.into_response()) {
        log::debug!("could not send the response: {e}");
    }
    if let Some(line) = line {
        line.write(level, route_name, status, elapsed);
    }
}

/// The id a trusted proxy gave the request, if usable, else a new one.
fn request_id(app: &App, rq: &tiny_http::Request) -> RequestId {
    let from_proxy = rq
        .remote_addr()
        .filter(|peer| app.config.trusted_proxies.contains(peer.ip()))
        .and_then(|_| rq.headers().iter().find(|h| h.field.equiv("X-Request-Id")))
        .map(|h| h.value.as_str());
    RequestId::from_proxy_or_new(from_proxy)
}

/// What a request's log line needs from the request, which answering it
/// consumes.
struct RequestLine {
    method: String,
    client: IpAddr,
}

impl RequestLine {
    fn of(app: &App, rq: &tiny_http::Request) -> RequestLine {
        let peer = rq
            .remote_addr()
            .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
        let forwarded: Vec<&str> = rq
            .headers()
            .iter()
            .filter(|h| h.field.equiv("X-Forwarded-For"))
            .map(|h| h.value.as_str())
            .collect();
        let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
        RequestLine {
            method: rq.method().as_str().to_string(),
            client: app
                .config
                .trusted_proxies
                .client_address(peer, forwarded.as_deref()),
        }
    }

    /// `GET user 200`, with the route name, status, duration and client
    /// address as fields. The path is never logged: it may hold a token.
    fn write(&self, level: log::Level, route: &str, status: u16, elapsed: Duration) {
        // Whole microseconds, so the number prints short.
        let duration_ms = elapsed.as_micros() as f64 / 1000.0;
        let client = self.client.to_string();
        let method = self.method.as_str();
        log::log!(
            target: REQUEST_LOG,
            level,
            route = route,
            status = status,
            duration_ms = duration_ms,
            client = client.as_str();
            "{method} {route} {status}"
        );
    }
}

fn answer(app: &App, store: &mut Store, rq: &mut tiny_http::Request) -> (Reply, &'static str) {
    let mut incoming = match Incoming::from_request(rq) {
        Ok(i) => i,
        Err(e) => return (e.into_reply(), URI_TOO_LONG),
    };
    // Read any body before answering, whatever the route: the patched
    // tiny_http closes a connection whose request was answered before its
    // body was read to the end (the rest is never taken for a request), and
    // a kept-alive client should not lose its connection to a 404.
    let read = incoming.read_body(rq);
    let Some(resolved) = routes::resolve(&incoming.path) else {
        return (ApiError::NotFound.into_reply(), NOT_FOUND);
    };
    let route = resolved.route;
    let origin = allowed_origin(app, &incoming);
    let method = incoming.method.as_str();
    let reply = if method == "OPTIONS" {
        preflight(route, origin.is_some())
    } else if let Some(handler) = resolved.handler(method) {
        read.and_then(|()| {
            handler.call(&mut Ctx {
                app,
                store,
                req: &incoming,
            })
        })
        .unwrap_or_else(ApiError::into_reply)
    } else {
        ApiError::MethodNotAllowed {
            method: method.to_string(),
            allow: route.allowed().join(", "),
        }
        .into_reply()
    };
    (with_cors(reply, origin), route.name)
}

/// 204 with the route's methods; CORS headers are added for listed origins.
fn preflight(route: &Route, cors: bool) -> Reply {
    let allow = route.allowed().join(", ");
    let reply = Reply::empty(204).with_header("Allow", allow.clone());
    if cors {
        reply
            .with_header("Access-Control-Allow-Methods", allow)
            .with_header(
                "Access-Control-Allow-Headers",
                "Authorization, Content-Type".into(),
            )
            .with_header("Access-Control-Max-Age", "600".into())
    } else {
        reply
    }
}

/// The configured origin equal to the request's `Origin`, if any. The value
/// returned is the configuration's, so no client bytes reach a header.
fn allowed_origin<'a>(app: &'a App, req: &Incoming) -> Option<&'a str> {
    let origin = req.header("Origin")?;
    app.config
        .cors_origins
        .iter()
        .find(|o| o.eq_ignore_ascii_case(origin))
        .map(String::as_str)
}

fn with_cors(reply: Reply, origin: Option<&str>) -> Reply {
    match origin {
        Some(origin) => reply
            .with_header("Access-Control-Allow-Origin", origin.to_string())
            .with_header("Access-Control-Allow-Credentials", "true".into())
            .with_header("Vary", "Origin".into()),
        None => reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{LOGIN_ROUTES, REGISTRATION_ROUTE};

    #[test]
    fn the_routes_the_metrics_count_as_logins_and_registrations_exist() {
        let names: Vec<&str> = metric_route_names().collect();
        for route in LOGIN_ROUTES.iter().chain([&REGISTRATION_ROUTE]) {
            assert!(names.contains(route), "{route} is not a route name");
        }
    }
}
