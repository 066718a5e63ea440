//! Socket Mode against HTTP, measured (`cargo bench --bench socket`):
//! `/tour list` for a manager with 20 tours, in a sled store of 100,000
//! tours, answered over loopback both ways the bot is reached.
//!
//! - **HTTP**: the bot's router as `serve` runs it; a client posts the
//!   signed slash command and waits for the answer.
//! - **Socket Mode**: the bot's Socket Mode client ([`socket::run`], two
//!   sockets) connected to a stand-in Slack (`apps.connections.open` and a
//!   WebSocket server); the stand-in sends the command as an envelope and
//!   waits for its ack.
//!
//! One request at a time. Latency is from send to answer (median, p99).
//! CPU per request is the bot's: the process's CPU minus the thread the
//! client or stand-in runs on (its own single-threaded runtime). Target:
//! the socket path adds no more than 20% to the HTTP path's CPU per request.
//!
//! `BENCH_TOURS` sets the store's size, `BENCH_REQUESTS` the requests per
//! path (default 10,000).

#[path = "support.rs"]
mod support;

use alliance::clock::Clock;
use alliance::commands::Engine;
use alliance::config::Secret;
use alliance::domain::TeamId;
use alliance::slack::api::SlackApi;
use alliance::slack::http::{self, AppState};
use alliance::slack::socket::{self, Timing};
use alliance::store::Store;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const SECRET: &str = "bench-signing-secret";
const TEAM: &str = "T0BENCH";

fn main() {
    let requests: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), 64 << 20).expect("store");
    let team = TeamId::parse(TEAM).unwrap();
    let loading = Instant::now();
    support::load(&store, &team, chrono::Utc::now());
    eprintln!(
        "loaded {} tours in {:.1} s",
        support::tours(),
        loading.elapsed().as_secs_f64()
    );
    let bot = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let state = |sockets: bool| {
        Arc::new(AppState {
            engine: Engine::new(store.clone(), Default::default()),
            signing_secret: Some(Secret::new(SECRET)),
            clock: Clock::System,
            wake: Default::default(),
            api: None,
            metrics: None,
            answer_budget: http::ANSWER_BUDGET,
            sockets: sockets.then(Default::default),
        })
    };

    // HTTP: the router on loopback, a client on a thread of its own.
    let listener = bot
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let http_state = state(false);
    bot.spawn(async move {
        axum::serve(listener, http::router(http_state, Duration::from_secs(10)))
            .await
            .unwrap();
    });
    let http = on_a_thread(move || async move {
        alliance::slack::api::install_crypto_provider();
        let client = reqwest::Client::new();
        let mut meter = Meter::new(requests);
        for i in 0..meter.total() {
            let request = support::post_command(&client, addr, SECRET, TEAM, "UBOSS", "list");
            let start = meter.begin(i);
            let answer = request.send().await.unwrap().bytes().await.unwrap();
            meter.end(start);
            assert!(answer.len() > 1000, "a list of 20 tours");
        }
        meter.figures()
    });

    // Socket Mode: the stand-in Slack on a thread of its own, the bot's
    // client (on the bot's runtime) connected to it.
    let socket_state = state(true);
    let bot_runtime = bot.handle().clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let over_socket = on_a_thread(move || async move {
        let (api_url, mut sockets) = stand_in_slack().await;
        let api = Arc::new(SlackApi::new(
            &api_url,
            Secret::new("xapp-bench"),
            Duration::from_secs(5),
        ));
        bot_runtime.spawn(socket::run(socket_state, api, Timing::default(), stopped));
        let mut ws = sockets.recv().await.expect("the bot connects");
        let payload: serde_json::Map<String, Value> = command_fields()
            .into_iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let mut meter = Meter::new(requests);
        for i in 0..meter.total() {
            let id = format!("env-{i}");
            let envelope = json!({
                "envelope_id": id, "type": "slash_commands", "payload": payload,
                "accepts_response_payload": true, "retry_attempt": 0,
            });
            let start = meter.begin(i);
            ws.send(Message::Text(envelope.to_string().into()))
                .await
                .unwrap();
            let ack = loop {
                match ws.next().await {
                    Some(Ok(Message::Text(text))) => break text,
                    Some(Ok(_)) => continue,
                    other => panic!("the socket ended: {other:?}"),
                }
            };
            meter.end(start);
            assert!(ack.contains(&id) && ack.len() > 1000, "a list of 20 tours");
        }
        meter.figures()
    });
    let _ = stop.send(true);

    println!(
        "/tour list (manager, 20 of {} tours), one request at a time, {requests} requests",
        support::tours()
    );
    println!(
        "{:<12} {:>8} {:>8} {:>16}",
        "path", "p50 µs", "p99 µs", "bot CPU µs/req"
    );
    for (name, figures) in [("HTTP", &http), ("Socket Mode", &over_socket)] {
        println!(
            "{name:<12} {:>8.0} {:>8.0} {:>16.0}",
            figures.p50, figures.p99, figures.cpu_us
        );
    }
    println!(
        "Socket Mode's CPU per request against HTTP's: {:+.0}%",
        (over_socket.cpu_us / http.cpu_us - 1.0) * 100.0
    );
}

/// The slash command's fields, as Slack posts them (and as a Socket Mode
/// envelope's payload carries them).
fn command_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("token", "x"),
        ("team_id", TEAM),
        ("user_id", "UBOSS"),
        ("command", "/tour"),
        ("text", "list"),
        (
            "response_url",
            "https://hooks.slack.com/commands/T0BENCH/1/x",
        ),
        ("trigger_id", "1.2.3"),
    ]
}

struct Figures {
    p50: f64,
    p99: f64,
    cpu_us: f64,
}

/// Runs `drive` on a thread of its own with a single-threaded runtime, so
/// that thread's CPU is the client's and the rest of the process's is the
/// bot's.
fn on_a_thread<F, Fut>(drive: F) -> Figures
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Figures>,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(drive())
    })
    .join()
    .unwrap()
}

/// Times requests after a warm-up of a tenth, and the bot's CPU over them
/// (the process's minus the calling thread's).
struct Meter {
    warm_up: usize,
    measured: usize,
    latencies: Vec<f64>,
    cpu_at_start: Option<(f64, f64)>,
}

impl Meter {
    fn new(measured: usize) -> Meter {
        Meter {
            warm_up: measured / 10,
            measured,
            latencies: Vec::with_capacity(measured),
            cpu_at_start: None,
        }
    }

    fn total(&self) -> usize {
        self.warm_up + self.measured
    }

    /// Request `i` starts; the CPU count starts with the first measured one.
    fn begin(&mut self, i: usize) -> Option<Instant> {
        if i < self.warm_up {
            return None;
        }
        if self.cpu_at_start.is_none() {
            self.cpu_at_start = Some((support::process_cpu(), support::thread_cpu()));
        }
        Some(Instant::now())
    }

    fn end(&mut self, start: Option<Instant>) {
        if let Some(start) = start {
            self.latencies.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }

    fn figures(mut self) -> Figures {
        let (process, own) = self.cpu_at_start.expect("measured requests");
        let bot = (support::process_cpu() - process) - (support::thread_cpu() - own);
        self.latencies.sort_by(f64::total_cmp);
        let n = self.latencies.len();
        Figures {
            p50: self.latencies[n / 2],
            p99: self.latencies[n * 99 / 100],
            cpu_us: bot * 1e6 / self.measured as f64,
        }
    }
}

/// A stand-in for Slack's side of Socket Mode, on the calling runtime:
/// `apps.connections.open` hands out a `ws://` URL; each socket says hello
/// and is handed over. Its Web API base URL, and the sockets.
async fn stand_in_slack() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>>,
) {
    let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_url = format!("ws://{}/link", ws.local_addr().unwrap());
    let api = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_url = format!("http://{}/api/", api.local_addr().unwrap());
    let open = axum::Router::new().route(
        "/api/apps.connections.open",
        axum::routing::post(move || {
            let url = ws_url.clone();
            async move {
                (
                    [("content-type", "application/json")],
                    json!({"ok": true, "url": url}).to_string(),
                )
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(api, open).await;
    });
    let (sockets, handed) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = ws.accept().await {
            let Ok(mut socket) = tokio_tungstenite::accept_async(tcp).await else {
                continue;
            };
            let hello = json!({"type": "hello", "num_connections": 1});
            if socket
                .send(Message::Text(hello.to_string().into()))
                .await
                .is_ok()
            {
                let _ = sockets.send(socket);
            }
        }
    });
    (api_url, handed)
}
