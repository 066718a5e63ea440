//! What the benchmarks share: the store of 100,000 tours the request path
//! is measured on, and CPU time read from Linux's `/proc`. Each benchmark
//! uses part of it.
#![allow(dead_code)]

use alliance::domain::{TeamId, Term, Tour, TourKind, UserId};
use alliance::store::Store;
use chrono::{DateTime, Utc};

/// How many tours to load: 100,000, or `BENCH_TOURS`.
pub fn tours() -> u64 {
    std::env::var("BENCH_TOURS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// The store a benchmark runs on: sled in `dir`, or with
/// `BENCH_BACKEND=postgres` a new database on the server
/// `ALLIANCE_TEST_DATABASE_URL` names (`scripts/with-postgres --durable`
/// starts one).
pub fn open_store(dir: &std::path::Path, cache_bytes: u64) -> Store {
    if !on_postgres() {
        return Store::open(dir, cache_bytes).expect("store");
    }
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let server = std::env::var("ALLIANCE_TEST_DATABASE_URL")
        .expect("BENCH_BACKEND=postgres needs ALLIANCE_TEST_DATABASE_URL (scripts/with-postgres)");
    let name = format!(
        "bench_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let url = alliance::store::postgres::create_database(&server, &name).expect("database");
    Store::open_postgres(&url, 16).expect("store")
}

pub fn on_postgres() -> bool {
    std::env::var("BENCH_BACKEND").as_deref() == Ok("postgres")
}

/// What the figures were measured on.
pub fn backend() -> &'static str {
    if on_postgres() { "PostgreSQL" } else { "sled" }
}

/// [`tours`] tours in `team`: 20 proposed by UBOSS, the rest spread over
/// 5,000 managers; flushed.
pub fn load(store: &Store, team: &TeamId, now: DateTime<Utc>) {
    let bulk = store.bulk_loader();
    let boss = UserId::parse("UBOSS").unwrap();
    let total = tours();
    for i in 0..total {
        let manager = if i % (total / 20) == 0 {
            boss.clone()
        } else {
            UserId::parse(&format!("UM{}", i % 5000)).unwrap()
        };
        let member = UserId::parse(&format!("UE{i}")).unwrap();
        propose_in(&bulk, team, &manager, &member, now);
    }
    store.flush().expect("flush");
}

/// A proposed two-year tour from `manager` to `member`.
pub fn propose_in(
    store: &Store,
    team: &TeamId,
    manager: &UserId,
    member: &UserId,
    now: DateTime<Utc>,
) {
    store
        .create_tour(team, |id| {
            Tour::propose(
                id,
                manager,
                member,
                TourKind::Transformational,
                Term::Months(24),
                "Lead the payments platform rewrite and grow the team behind it",
                now,
            )
        })
        .expect("store")
        .expect("rule");
}

/// CPU seconds this thread has used.
pub fn thread_cpu() -> f64 {
    cpu_of("/proc/thread-self/stat")
}

/// CPU seconds the whole process has used (every thread, even those gone).
pub fn process_cpu() -> f64 {
    cpu_of("/proc/self/stat")
}

/// utime + stime of a `stat` file, in clock ticks of 1/100 s.
fn cpu_of(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the command name: state is field 0, utime 11, stime 12.
    (ticks(11) + ticks(12)) / 100.0
}

/// A signed `/tour` command from `user` in `team`, posted to the bot at
/// `addr` as Slack posts it (signed with `secret`, timestamped now).
pub fn post_command(
    client: &reqwest::Client,
    addr: std::net::SocketAddr,
    secret: &str,
    team: &str,
    user: &str,
    text: &str,
) -> reqwest::RequestBuilder {
    let body = serde_urlencoded::to_string([
        ("token", "x"),
        ("team_id", team),
        ("user_id", user),
        ("command", "/tour"),
        ("text", text),
        (
            "response_url",
            &format!("https://hooks.slack.com/commands/{team}/1/x"),
        ),
        ("trigger_id", "1.2.3"),
    ])
    .expect("form");
    let ts = Utc::now().timestamp().to_string();
    let signature = alliance::slack::verify::sign(secret.as_bytes(), &ts, body.as_bytes());
    client
        .post(format!("http://{addr}/slack/events"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header(alliance::slack::verify::TIMESTAMP_HEADER, ts)
        .header(alliance::slack::verify::SIGNATURE_HEADER, signature)
        .body(body)
}

/// Serves `app` as `alliance serve` does, on a loopback port: its address,
/// the switch that stops it, and the task that ends when it has.
pub async fn serve_on_loopback(
    app: alliance::app::App,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));
    alliance::slack::api::install_crypto_provider();
    (addr, stop, served)
}
