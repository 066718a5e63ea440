//! What an operator scrapes at `GET /metrics`: OpenMetrics text, for
//! Prometheus. Requests by route and status and their latency, signature
//! refusals by reason, the outbox's waiting messages and the age of the
//! oldest (per lane), what the delivery worker did with each message, Web
//! API calls by method and outcome and the waits Slack asked for, scheduler
//! ticks, reminders fired and tick time, Socket Mode connections, reconnects
//! and acks past budget, the store's size on disk, and the build.
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

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ApiLabels {
    method: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FateLabels {
    fate: &'static str,
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
    outbox_handled: Family<FateLabels, Counter>,
    api_calls: Family<ApiLabels, Counter>,
    api_retry_after: Family<MethodLabels, Counter<f64, AtomicU64>>,
    ticks: Counter,
    socket_connections: Gauge,
    socket_reconnects: Family<ReasonLabels, Counter>,
    socket_late_acks: Counter,
    reminders_fired: Counter,
    tick_seconds: Histogram,
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
        let outbox_handled = Family::<FateLabels, Counter>::default();
        registry.register(
            "outbox_messages",
            "Messages the delivery worker handled, by fate: sent, failed (for good), \
             dropped (no longer owed), later (rescheduled: working hours, rate limits, retries)",
            outbox_handled.clone(),
        );
        let api_calls = Family::<ApiLabels, Counter>::default();
        registry.register(
            "slack_api_calls",
            "Slack Web API calls, by method and outcome (ok, rate_limited, retryable, refused)",
            api_calls.clone(),
        );
        let api_retry_after = Family::<MethodLabels, Counter<f64, AtomicU64>>::default();
        registry.register(
            "slack_api_retry_after_seconds",
            "Seconds Slack asked us to wait (Retry-After), by method",
            api_retry_after.clone(),
        );
        let ticks = Counter::default();
        registry.register("scheduler_ticks", "Scheduler ticks run", ticks.clone());
        let reminders_fired = Counter::default();
        registry.register(
            "scheduler_reminders_fired",
            "Due reminders the scheduler fired",
            reminders_fired.clone(),
        );
        let tick_seconds = Histogram::new([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0]);
        registry.register(
            "scheduler_tick_duration_seconds",
            "Time a scheduler tick took",
            tick_seconds.clone(),
        );
        let socket_connections = Gauge::default();
        registry.register(
            "socket_mode_connections",
            "Socket Mode connections open (always 0 over HTTP)",
            socket_connections.clone(),
        );
        let socket_reconnects = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "socket_mode_reconnects",
            "Socket Mode connections replaced, by reason (refresh_requested, warning, closed, silent…)",
            socket_reconnects.clone(),
        );
        let socket_late_acks = Counter::default();
        registry.register(
            "socket_mode_acks_past_budget",
            "Envelopes acked empty because their work took over 2.5 s",
            socket_late_acks.clone(),
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
            outbox_handled,
            api_calls,
            api_retry_after,
            ticks,
            socket_connections,
            socket_reconnects,
            socket_late_acks,
            reminders_fired,
            tick_seconds,
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

    /// One delivery pass's outcome.
    pub fn outbox_pass(&self, sent: usize, failed: usize, dropped: usize, later: usize) {
        for (fate, n) in [
            ("sent", sent),
            ("failed", failed),
            ("dropped", dropped),
            ("later", later),
        ] {
            if n > 0 {
                self.outbox_handled
                    .get_or_create(&FateLabels { fate })
                    .inc_by(n as u64);
            }
        }
    }

    /// One Web API call: its `outcome` (`ok`, `rate_limited`, `retryable`,
    /// `refused`) and, when rate-limited, the wait Slack asked for.
    pub fn api_call(
        &self,
        method: &'static str,
        outcome: &'static str,
        retry_after: Option<Duration>,
    ) {
        self.api_calls
            .get_or_create(&ApiLabels { method, outcome })
            .inc();
        if let Some(wait) = retry_after {
            self.api_retry_after
                .get_or_create(&MethodLabels { method })
                .inc_by(wait.as_secs_f64());
        }
    }

    /// One scheduler tick: how many reminders it fired, and how long it took.
    pub fn tick(&self, fired: usize, took: Duration) {
        self.ticks.inc();
        self.reminders_fired.inc_by(fired as u64);
        self.tick_seconds.observe(took.as_secs_f64());
    }

    /// A Socket Mode connection ended and another is opened; `reason` is
    /// Slack's `disconnect` reason or ours (`closed`, `silent`).
    pub fn socket_reconnect(&self, reason: &'static str) {
        self.socket_reconnects
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// An envelope acked empty: its work was not done within the budget.
    pub fn socket_late_ack(&self) {
        self.socket_late_acks.inc();
    }

    /// How many Socket Mode connections are open now.
    pub fn socket_connections(&self, open: usize) {
        self.socket_connections
            .set(i64::try_from(open).unwrap_or(i64::MAX));
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
