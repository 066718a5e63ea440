//! What an operator scrapes at `GET /metrics`: OpenMetrics text, for
//! Prometheus. Requests by route and status and their latency, signature
//! refusals by reason, the outbox's waiting messages and the age of the
//! oldest (per lane), the store's size on disk, and the build.
//!
//! Built on `prometheus-client`, the Prometheus organisation's crate: its
//! registry is an explicit value held by the receiver's state, not a global
//! recorder, so each bot in a test (many run in one process) counts only
//! its own traffic. Labels never carry a user, tour or workspace id. The
//! outbox and store figures are read when scraped (off the async workers);
//! the counters move as requests are served.

use crate::store::Store;
use crate::store::outbox::Lane;
use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LaneLabels {
    lane: &'static str,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The registry and the metrics in it.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    signature_refusals: Family<ReasonLabels, Counter>,
    outbox_waiting: Family<LaneLabels, Gauge>,
    outbox_oldest_age: Family<LaneLabels, Gauge<f64, AtomicU64>>,
    store_size: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// Request latency buckets, in seconds: commands answer in milliseconds;
/// Slack gives up at 3 s.
fn latency_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    ])
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("alliance");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            latency.clone(),
        );
        let signature_refusals = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "slack_signature_refusals",
            "Requests refused because Slack did not sign them, by reason",
            signature_refusals.clone(),
        );
        let outbox_waiting = Family::<LaneLabels, Gauge>::default();
        registry.register(
            "outbox_waiting",
            "Messages waiting in the outbox to be sent, by lane",
            outbox_waiting.clone(),
        );
        let outbox_oldest_age = Family::<LaneLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "outbox_oldest_waiting_seconds",
            "How long the oldest waiting message of each lane has been ready to send",
            outbox_oldest_age.clone(),
        );
        let store_size = Gauge::default();
        registry.register(
            "store_size_bytes",
            "The data directory's size on disk",
            store_size.clone(),
        );
        registry.register(
            "build",
            "The running build",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        Metrics {
            registry,
            requests,
            latency,
            signature_refusals,
            outbox_waiting,
            outbox_oldest_age,
            store_size,
        }
    }

    /// One answered request. `route` is the matched route (`/slack/events`),
    /// never the raw path, so that a scan of random paths adds one series.
    pub fn request(&self, route: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// A request refused for its signature (`mismatch`, `out_of_window`…).
    pub fn signature_refused(&self, reason: &'static str) {
        self.signature_refusals
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// The text a scrape gets, with the outbox and store read now. Blocking
    /// (it reads the store): call it off the async workers.
    pub fn render(&self, store: &Store, now: DateTime<Utc>) -> String {
        for lane in Lane::ALL {
            let labels = LaneLabels { lane: lane.name() };
            self.outbox_waiting.get_or_create(&labels).set(0);
            self.outbox_oldest_age.get_or_create(&labels).set(0.0);
        }
        match store.backlog() {
            Ok(backlog) => {
                for b in backlog {
                    let labels = LaneLabels {
                        lane: b.lane.name(),
                    };
                    self.outbox_waiting
                        .get_or_create(&labels)
                        .inc_by(b.count as i64);
                    let age = (now - b.oldest).num_milliseconds().max(0) as f64 / 1000.0;
                    let oldest = self.outbox_oldest_age.get_or_create(&labels);
                    if age > oldest.get() {
                        oldest.set(age);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "metrics: could not read the outbox"),
        }
        self.store_size
            .set(i64::try_from(store.size_on_disk()).unwrap_or(i64::MAX));
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            tracing::warn!("metrics: could not encode");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_move_and_render_without_ids() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path(), 1 << 20).unwrap();
        let m = Metrics::new();
        m.request("/slack/events", 200, Duration::from_millis(3));
        m.request("/slack/events", 200, Duration::from_millis(4));
        m.signature_refused("mismatch");
        let text = m.render(&store, Utc::now());
        assert!(
            text.contains("alliance_http_requests_total{route=\"/slack/events\",status=\"200\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("alliance_slack_signature_refusals_total{reason=\"mismatch\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("alliance_outbox_waiting{lane=\"answers\"} 0"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }
}
