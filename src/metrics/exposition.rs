//! The metrics in the Prometheus text format (version 0.0.4), written by
//! `prometheus-client` from numbers read at the scrape. Names follow
//! Prometheus conventions: the `accounts_` prefix, base units in the name
//! (`_seconds`, `_bytes`), and `_total` on counters, which the encoder adds
//! (as it adds the full stop that ends each help text).

use std::fmt::Debug;

use prometheus_client::encoding::prometheus_text;
use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use super::sample::Sample;
use super::{LatencySnapshot, Metrics};

/// The `Content-Type` of [`encode`]'s text.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// One label's name and value.
type Label = (&'static str, &'static str);

/// Every metric, as the text Prometheus scrapes.
pub fn encode(metrics: &Metrics, sample: &Sample) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    register_requests(&mut registry, metrics);
    register_hashing(&mut registry, sample);
    register_mail(&mut registry, sample);
    register_process(&mut registry, metrics, sample);
    let mut text = String::new();
    prometheus_text::encode(&mut text, &registry)?;
    Ok(text)
}

fn register_requests(registry: &mut Registry, metrics: &Metrics) {
    let requests = metrics
        .requests()
        .into_iter()
        .map(|((route, class), n)| ([("route", route), ("status_class", class)], n))
        .collect();
    registry.register(
        "accounts_http_requests",
        "HTTP requests answered, by route name and status class",
        Counters(requests),
    );
    registry.register(
        "accounts_http_request_duration_seconds",
        "Time from reading a request to handing its answer to the connection, by route name",
        Latencies(metrics.latencies()),
    );
    registry.register(
        "accounts_logins",
        "Logins (the token and login routes), by outcome",
        Counters(labelled("outcome", metrics.logins())),
    );
    registry.register(
        "accounts_registrations",
        "Registrations (the register route), by outcome",
        Counters(labelled("outcome", metrics.registrations())),
    );
}

fn register_hashing(registry: &mut Registry, sample: &Sample) {
    registry.register(
        "accounts_throttled_requests",
        "Requests refused by a limit, by that limit (429, or for mail_recipient the mail withheld)",
        Counters(labelled("limit", sample.throttled.clone())),
    );
    registry.register(
        "accounts_hash_queue_depth",
        "Password-hashing jobs waiting for a hashing thread",
        ConstGauge::new(sample.lane.queued as i64),
    );
    registry.register(
        "accounts_hash_running",
        "Password hashes being computed",
        ConstGauge::new(sample.lane.running as i64),
    );
    registry.register(
        "accounts_hash_refused",
        "Password-hashing jobs refused because the lane was full (each a 503)",
        ConstCounter::new(sample.lane.refused),
    );
}

fn register_mail(registry: &mut Registry, sample: &Sample) {
    registry.register(
        "accounts_mail_deliveries",
        "Mail delivery attempts, by result: sent, retry (a temporary failure), failed (given up)",
        Counters(labelled("result", sample.deliveries.clone())),
    );
    if let (Some(outbox), Some(age)) = (sample.outbox, sample.oldest_pending_age) {
        registry.register(
            "accounts_mail_outbox_pending",
            "Messages in the outbox neither delivered nor given up",
            ConstGauge::new(outbox.pending as i64),
        );
        registry.register(
            "accounts_mail_outbox_failed",
            "Messages in the outbox given up for good",
            ConstGauge::new(outbox.failed as i64),
        );
        registry.register(
            "accounts_mail_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending message (0 when none is pending)",
            ConstGauge::new(age as i64),
        );
    }
    if let Some(live) = sample.live_sessions {
        registry.register(
            "accounts_live_sessions",
            "Logins neither ended nor expired",
            ConstGauge::new(live as i64),
        );
    }
}

fn register_process(registry: &mut Registry, metrics: &Metrics, sample: &Sample) {
    registry.register(
        "accounts_process_start_time_seconds",
        "Start time of the process, in seconds since the Unix epoch",
        ConstGauge::new(metrics.started_at()),
    );
    if let Some(bytes) = sample.resident_bytes {
        registry.register(
            "accounts_process_resident_memory_bytes",
            "Resident memory of the process",
            ConstGauge::new(bytes as i64),
        );
    }
    if let Some(fds) = sample.open_fds {
        registry.register(
            "accounts_process_open_fds",
            "Open file descriptors of the process",
            ConstGauge::new(fds as i64),
        );
    }
}

fn labelled(name: &'static str, values: Vec<(&'static str, u64)>) -> Vec<([Label; 1], u64)> {
    values
        .into_iter()
        .map(|(value, n)| ([(name, value)], n))
        .collect()
}

/// A counter per label set, with values read at the scrape.
#[derive(Debug)]
struct Counters<L>(Vec<(L, u64)>);

impl<L: EncodeLabelSet + Debug + Send + Sync + 'static> EncodeMetric for Counters<L> {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (labels, value) in &self.0 {
            encoder
                .encode_family(labels)?
                .encode_counter::<NoLabelSet, u64, u64>(value, None)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Counter
    }
}

/// A latency histogram per route name.
#[derive(Debug)]
struct Latencies(Vec<(&'static str, LatencySnapshot)>);

impl EncodeMetric for Latencies {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (route, latency) in &self.0 {
            encoder
                .encode_family(&[("route", *route)])?
                .encode_histogram::<NoLabelSet>(
                    latency.sum_seconds,
                    latency.count,
                    &latency.buckets,
                    None,
                )?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::hashing::LaneLoad;
    use crate::store::OutboxStats;

    fn sample() -> Sample {
        Sample {
            lane: LaneLoad {
                queued: 2,
                running: 1,
                refused: 3,
            },
            throttled: vec![("login_account", 4)],
            deliveries: vec![("sent", 5), ("retry", 0), ("failed", 1)],
            outbox: Some(OutboxStats {
                pending: 6,
                failed: 1,
                oldest_pending_since: Some(100),
            }),
            oldest_pending_age: Some(42),
            live_sessions: Some(7),
            resident_bytes: Some(8192),
            open_fds: Some(9),
        }
    }

    #[test]
    fn the_text_names_every_metric_with_its_type_and_labels() {
        let metrics = Metrics::new(["user"]);
        metrics.record_request("user", 200, Duration::from_micros(300));
        let text = encode(&metrics, &sample()).unwrap();
        for line in [
            "# TYPE accounts_http_requests_total counter",
            "accounts_http_requests_total{route=\"user\",status_class=\"2xx\"} 1",
            "accounts_http_requests_total{route=\"other\",status_class=\"5xx\"} 0",
            "# TYPE accounts_http_request_duration_seconds histogram",
            "accounts_http_request_duration_seconds_bucket{route=\"user\",le=\"0.00025\"} 0",
            "accounts_http_request_duration_seconds_bucket{route=\"user\",le=\"0.0005\"} 1",
            "accounts_http_request_duration_seconds_bucket{route=\"user\",le=\"+Inf\"} 1",
            "accounts_http_request_duration_seconds_count{route=\"user\"} 1",
            "accounts_logins_total{outcome=\"success\"} 0",
            "accounts_registrations_total{outcome=\"created\"} 0",
            "accounts_throttled_requests_total{limit=\"login_account\"} 4",
            "accounts_hash_queue_depth 2",
            "accounts_hash_running 1",
            "accounts_hash_refused_total 3",
            "accounts_mail_deliveries_total{result=\"sent\"} 5",
            "accounts_mail_outbox_pending 6",
            "accounts_mail_outbox_failed 1",
            "accounts_mail_outbox_oldest_pending_age_seconds 42",
            "accounts_live_sessions 7",
            "accounts_process_resident_memory_bytes 8192",
            "accounts_process_open_fds 9",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in:\n{text}"
            );
        }
        assert!(text.contains("# TYPE accounts_process_start_time_seconds gauge"));
    }
}
