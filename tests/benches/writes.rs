//! Durable writes, measured (`cargo bench --bench writes`):
//!
//! 1. **Concurrent proposals.** The bot as `serve` runs it (HTTP, the
//!    scheduler; no bot token, so messages wait in the outbox) on a fresh
//!    sled store; C clients send signed `/tour propose` commands back to
//!    back, each as its own manager, for C = 2, 8 and 64. Every answer
//!    means the change is on disk. The rate, p50 and p99.
//! 2. **A manager with many tours.** One durable proposal by a manager who
//!    already has 10, 1,000 and 5,000 tours: what one more costs them.
//!
//! `BENCH_WRITES` sets the proposals per round of part 1 (default 3,000),
//! `BENCH_CLIENTS` its rounds (default `2,8,64`).

#[path = "support.rs"]
mod support;

use alliance::app::App;
use alliance::clock::Clock;
use alliance::config::{Config, Secret};
use alliance::domain::{TeamId, UserId};
use std::time::Instant;

const SECRET: &str = "bench-signing-secret";
const TEAM: &str = "T0TEST";

fn main() {
    let writes: usize = std::env::var("BENCH_WRITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "1. durable /tour propose over signed HTTP, {writes} per round, on {}",
        support::backend()
    );
    println!(
        "   {:>8} {:>12} {:>9} {:>9}",
        "clients", "proposals/s", "p50 ms", "p99 ms"
    );
    let rounds: Vec<usize> = std::env::var("BENCH_CLIENTS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![2, 8, 64]);
    for clients in rounds {
        let (rate, p50, p99) = rt.block_on(concurrent_proposals(clients, writes));
        println!("   {clients:>8} {rate:>12.0} {p50:>9.2} {p99:>9.2}");
    }
    println!("2. one durable proposal by a manager who has N tours");
    for n in [10, 1_000, 5_000] {
        let micros = one_more_for_a_busy_manager(n);
        println!("   N = {n:>5}: {micros:>7.0} µs per proposal (median of 50)");
    }
}

async fn concurrent_proposals(clients: usize, writes: usize) -> (f64, f64, f64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = support::open_store(dir.path(), 64 << 20);
    let config = Config::load_with(None, &|_| None).expect("config");
    let app = App::new(config, store, Secret::new(SECRET), Clock::System);
    let (addr, stop, served) = support::serve_on_loopback(app).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let started = Instant::now();
    let cpu = support::process_cpu();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let manager = format!("UMGR{c}");
            let mut latencies = Vec::new();
            for i in 0..writes / clients {
                let text = format!("propose <@UNEW{c}X{i:06}> rotational 1y Bench {i}");
                let start = Instant::now();
                let response = support::post_command(&client, addr, SECRET, TEAM, &manager, &text)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), 200);
                let body = response.bytes().await.expect("body");
                assert!(
                    String::from_utf8_lossy(&body).contains("Proposed tour"),
                    "{}",
                    String::from_utf8_lossy(&body)
                );
                latencies.push(start.elapsed().as_secs_f64() * 1e3);
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "   (CPU {:.0} µs per proposal, client included)",
        (support::process_cpu() - cpu) * 1e6 / latencies.len() as f64
    );
    let _ = stop.send(());
    served.await.expect("serve").expect("serve");
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    (latencies.len() as f64 / elapsed, pct(0.5), pct(0.99))
}

fn one_more_for_a_busy_manager(n: u64) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = support::open_store(dir.path(), 64 << 20);
    let team = TeamId::parse(TEAM).unwrap();
    let boss = UserId::parse("UBUSY").unwrap();
    let now = chrono::Utc::now();
    let bulk = store.bulk_loader();
    for i in 0..n {
        let member = UserId::parse(&format!("UE{i}")).unwrap();
        support::propose_in(&bulk, &team, &boss, &member, now);
    }
    store.flush().expect("flush");
    let engine = alliance::commands::Engine::new(store, Default::default());
    let mut times: Vec<f64> = (0..50)
        .map(|i| {
            let request = alliance::commands::Request {
                team: team.clone(),
                user: boss.clone(),
                command: "/tour".into(),
                text: format!("propose <@UMORE{i}> rotational 1y One more"),
            };
            let start = Instant::now();
            let reply = engine.handle(&request, now);
            let micros = start.elapsed().as_secs_f64() * 1e6;
            assert!(reply.text.contains("Proposed tour"), "{}", reply.text);
            micros
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
