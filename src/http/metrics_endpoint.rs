//! The metrics listener (`ACCOUNTS_METRICS_LISTEN`): `GET /metrics` and
//! nothing else, on a socket of its own so it can stay on an address the
//! public never reaches, and so a scrape never waits behind API requests.
//!
//! One thread answers, with its own database connection for the counts read
//! at each scrape; Prometheus scrapes rarely, one request at a time.

use std::io::Cursor;
use std::net::TcpListener;
use std::time::Duration;

use tiny_http::{Header, Response, StatusCode};

use crate::app::App;
use crate::metrics::Metrics;
use crate::metrics::exposition::{self, CONTENT_TYPE};
use crate::metrics::sample::Sample;
use crate::store::Store;

/// Scrapers at once; more are closed at once.
const MAX_CONNECTIONS: usize = 16;
/// Longest wait for a scraper's read or write.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP server of the metrics listener.
pub struct MetricsListener(tiny_http::Server);

impl MetricsListener {
    pub fn start(
        listener: TcpListener,
    ) -> Result<MetricsListener, Box<dyn std::error::Error + Send + Sync>> {
        let limits = tiny_http::ConnectionLimits {
            read_timeout: Some(TIMEOUT),
            write_timeout: Some(TIMEOUT),
            max_connections: Some(MAX_CONNECTIONS),
            header_timeout: Some(TIMEOUT),
            body_timeout: Some(TIMEOUT),
        };
        tiny_http::Server::from_listener_with_limits(listener, None, limits).map(MetricsListener)
    }

    /// Answers scrapes until the server stops.
    pub fn serve(&self, app: &App, metrics: &Metrics, store: &Store) {
        while let Ok(rq) = self.0.recv() {
            let response = answer(app, metrics, store, rq.method().as_str(), rq.url());
            if let Err(e) = rq.respond(response) {
                log::debug!("could not send the metrics: {e}");
            }
        }
    }
}

fn answer(
    app: &App,
    metrics: &Metrics,
    store: &Store,
    method: &str,
    url: &str,
) -> Response<Cursor<Vec<u8>>> {
    let path = url.split('?').next().unwrap_or("");
    match (path, method) {
        ("/metrics", "GET" | "HEAD") => {
            match exposition::encode(metrics, &Sample::gather(app, store)) {
                Ok(text) => text_response(200, CONTENT_TYPE, text),
                Err(e) => {
                    log::error!("could not write the metrics: {e}");
                    text_response(500, "text/plain; charset=utf-8", "Internal error.\n".into())
                }
            }
        }
        ("/metrics", _) => text_response(
            405,
            "text/plain; charset=utf-8",
            "Method not allowed.\n".into(),
        )
        .with_header_text("Allow", "GET, HEAD"),
        _ => text_response(
            404,
            "text/plain; charset=utf-8",
            "Not found. Try /metrics.\n".into(),
        ),
    }
}

fn text_response(status: u16, content_type: &str, body: String) -> Response<Cursor<Vec<u8>>> {
    Response::from_data(body.into_bytes())
        .with_status_code(StatusCode(status))
        .with_header_text("Content-Type", content_type)
        .with_header_text("Cache-Control", "no-store")
}

trait WithHeaderText {
    fn with_header_text(self, name: &str, value: &str) -> Self;
}

impl WithHeaderText for Response<Cursor<Vec<u8>>> {
    /// Adds a header from this file's constants, which are always valid
    /// header text (were one not, it would be left out).
    fn with_header_text(self, name: &str, value: &str) -> Self {
        match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            Ok(header) => self.with_header(header),
            Err(()) => self,
        }
    }
}
