//! What the service tells its operator besides its answers: metrics and logs.
//!
//! Each is one entry of [`SETTINGS`](super::SETTINGS), which lists them in
//! the README's order.

use super::set;
use crate::config::LogFormat;
use crate::config::setting::Fallback::{Text, Unset};
use crate::config::setting::Parse::Trimmed;
use crate::config::setting::Setting;
use crate::config::setting::Show::Value;
use crate::config::values::{one_of, optional, socket_address};

pub const METRICS_LISTEN: Setting = Setting {
    name: "ACCOUNTS_METRICS_LISTEN",
    default: Unset,
    help: "Address and port of a second listener that serves `GET /metrics` in the \
           Prometheus text format (see [Metrics](#metrics)), such as `127.0.0.1:9464`. \
           Unset: no metrics are kept or served. Keep it off the internet.",
    parse: Trimmed(|c, v| set(&mut c.metrics_listen, optional(v, socket_address))),
    show: Value(|c| c.metrics_listen.map_or("(off)".into(), |a| a.to_string())),
};

pub const LOG_FORMAT: Setting = Setting {
    name: "ACCOUNTS_LOG_FORMAT",
    default: Text("text"),
    help: "`text` (`[time LEVEL target] message`) or `json` (one object per line, see \
           [Logs](#logs)).",
    parse: Trimmed(|c, v| {
        set(
            &mut c.log_format,
            one_of(v, LogFormat::ALL, LogFormat::as_str),
        )
    }),
    show: Value(|c| c.log_format.as_str().to_string()),
};
