//! Log lines on stderr, as text or one JSON object per line
//! (`ACCOUNTS_LOG_FORMAT`), filtered by `RUST_LOG`.
//!
//! Every line written while a request worker answers a request carries that
//! request's id: the worker marks its thread with [`RequestScope`] for the
//! length of the request, and the formatter reads the mark. A thread answers
//! one request at a time, so the mark cannot belong to another request.
//!
//! Key-value pairs of a record (`log::debug!(status = 200; "...")`) become
//! fields of the JSON object, or `key=value` after a text line.

use std::cell::Cell;
use std::io::{self, Write};

use log::LevelFilter;
use log::kv::{Error as KvError, Key, Source, Value, VisitSource};
use serde_json::{Map, Value as Json};

use crate::config::LogFormat;
use crate::request_id::RequestId;

thread_local! {
    static CURRENT_REQUEST: Cell<Option<RequestId>> = const { Cell::new(None) };
}

/// Marks the current thread as answering one request until dropped.
pub struct RequestScope(());

impl RequestScope {
    pub fn enter(id: RequestId) -> RequestScope {
        CURRENT_REQUEST.with(|current| current.set(Some(id)));
        RequestScope(())
    }
}

impl Drop for RequestScope {
    fn drop(&mut self) {
        CURRENT_REQUEST.with(|current| current.set(None));
    }
}

fn current_request() -> Option<RequestId> {
    CURRENT_REQUEST.with(Cell::get)
}

/// The format `ACCOUNTS_LOG_FORMAT` asks for. Logging starts before the
/// settings are read, so a bad value falls back to text here; loading the
/// settings then stops start-up with the usual line naming the variable.
pub fn format_from_env() -> LogFormat {
    let wanted = std::env::var("ACCOUNTS_LOG_FORMAT").unwrap_or_default();
    LogFormat::ALL
        .iter()
        .copied()
        .find(|f| f.as_str().eq_ignore_ascii_case(wanted.trim()))
        .unwrap_or(LogFormat::Text)
}

/// Starts logging to stderr. `RUST_LOG` as usual (default `info`), except
/// that the HTTP client and TLS crates never log below `info`: at
/// `debug`/`trace` they would print mail bodies (which hold one-time links)
/// and the provider's API key.
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    for noisy in ["ureq", "ureq_proto", "rustls", "tiny_http"] {
        builder.filter_module(noisy, LevelFilter::Info);
    }
    match format {
        LogFormat::Text => builder.format_key_values(text_fields),
        LogFormat::Json => builder.format(json_line),
    };
    builder.init();
}

/// After a text line's message: ` request_id=...` then the record's pairs.
fn text_fields(buf: &mut env_logger::fmt::Formatter, fields: &dyn Source) -> io::Result<()> {
    if let Some(id) = current_request() {
        write!(buf, " request_id={id}")?;
    }
    env_logger::fmt::default_kv_format(buf, fields)
}

/// `{"time":...,"level":...,"target":...,"message":...,"request_id":...,...}`
fn json_line(buf: &mut env_logger::fmt::Formatter, record: &log::Record<'_>) -> io::Result<()> {
    let mut line = Map::new();
    line.insert("time".into(), buf.timestamp_micros().to_string().into());
    line.insert("level".into(), record.level().as_str().into());
    line.insert("target".into(), record.target().into());
    line.insert("message".into(), record.args().to_string().into());
    if let Some(id) = current_request() {
        line.insert("request_id".into(), id.as_str().into());
    }
    // A pair that cannot be read is left out rather than losing the line.
    let _ = record.key_values().visit(&mut JsonFields(&mut line));
    serde_json::to_writer(&mut *buf, &line)?;
    buf.write_all(b"\n")
}

struct JsonFields<'a>(&'a mut Map<String, Json>);

impl<'kvs> VisitSource<'kvs> for JsonFields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), KvError> {
        self.0.insert(key.as_str().to_string(), json_value(&value));
        Ok(())
    }
}

/// Numbers and booleans stay JSON numbers and booleans; anything else is
/// written as its text.
fn json_value(value: &Value<'_>) -> Json {
    if let Some(n) = value.to_u64() {
        Json::from(n)
    } else if let Some(n) = value.to_i64() {
        Json::from(n)
    } else if let Some(x) = value.to_f64() {
        Json::from(x)
    } else if let Some(b) = value.to_bool() {
        Json::from(b)
    } else {
        Json::from(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_scope_marks_its_thread_until_dropped() {
        let id = RequestId::generate();
        assert_eq!(current_request(), None);
        let scope = RequestScope::enter(id);
        assert_eq!(current_request(), Some(id));
        let elsewhere = std::thread::spawn(current_request).join().unwrap();
        assert_eq!(elsewhere, None, "another thread is not in the request");
        drop(scope);
        assert_eq!(current_request(), None);
    }
}
