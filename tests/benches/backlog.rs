//! Delivery under a backlog, measured (`cargo bench --bench backlog`):
//!
//! 1. **Cost per sent message.** Backlogs of 100, 1,000 and 10,000 "proposal
//!    waiting" reminders due at once, drained by the delivery worker into a
//!    fake Slack on loopback with the shipped pacing (one message a second
//!    per person, 300 a minute in the workspace, reminders at four fifths of
//!    that), time given explicitly so the pacing costs no wall time. After
//!    every pass three more run at the same instant, as the wake-ups of
//!    requests would. Store writes are counted by a counting backend; CPU is
//!    the driving thread's (the fake Slack runs on a thread of its own).
//!    What must hold: writes and CPU per sent message stay flat whatever the
//!    backlog, and a pass that may send nothing writes nothing.
//! 2. **Commands during a drain.** The bot as `serve` runs it (HTTP, the
//!    scheduler, the worker) on a store with 10,000 reminders due at start,
//!    with pacing opened up (60,000 a minute) so the worker, the tick and the
//!    fan-out work as hard as they can; two clients send durable
//!    `/tour propose` commands over signed HTTP the whole time, ten a second
//!    each (every one also owes a DM, which goes ahead of the reminders).
//!    Their latency, against the same commands back to back on an idle bot.
//!
//! `BENCH_BACKLOGS=100,1000` picks the backlogs of part 1; `BENCH_DRAIN=N`
//! the backlog of part 2 (default 10,000).

#[path = "../common/counting.rs"]
#[allow(dead_code)] // shared test support; the bench uses part of it
mod counting;
#[path = "../common/fake_slack.rs"]
#[allow(dead_code)]
mod fake_slack;
#[path = "support.rs"]
mod support;

use alliance::app::App;
use alliance::clock::Clock;
use alliance::config::{Config, Secret};
use alliance::delivery::Deliverer;
use alliance::delivery::pacer::Pacer;
use alliance::domain::hours::WorkingHours;
use alliance::domain::{TeamId, Term, Tour, TourKind, UserId};
use alliance::slack::api::SlackApi;
use alliance::store::Store;
use alliance::store::outbox::OutboxState;
use chrono::{DateTime, Duration, TimeZone, Utc};
use fake_slack::FakeSlack;
use std::sync::Arc;
use std::time::Instant;

const TEAM: &str = "T0TEST";
const SECRET: &str = "bench-signing-secret";

fn main() {
    let backlogs: Vec<usize> = std::env::var("BENCH_BACKLOGS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100, 1_000, 10_000]);
    let drain: usize = std::env::var("BENCH_DRAIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let (slack, _server) = fake_slack_on_its_own_thread();
    println!("1. cost per sent message (shipped pacing, time simulated)");
    println!(
        "   {:>7}  {:>7}  {:>13}  {:>19}  {:>12}  {:>14}",
        "backlog", "passes", "writes/sent", "writes in wake-ups", "CPU µs/sent", "simulated drain"
    );
    for n in backlogs {
        per_message(&slack, n);
    }
    println!();
    println!("2. durable commands over HTTP during a drain of {drain} (pacing opened up)");
    commands_during_a_drain(&slack, drain);
}

/// The fake Slack on a runtime and thread of its own, so the driving
/// thread's CPU is the bot's.
fn fake_slack_on_its_own_thread() -> (FakeSlack, std::thread::JoinHandle<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            tx.send(FakeSlack::start().await).expect("hand over");
            std::future::pending::<()>().await
        })
    });
    (rx.recv().expect("the fake Slack"), server)
}

/// `n` tours proposed three days before `t0`, their proposal DMs sent long
/// ago: `n` "proposal waiting" reminders due at `t0`, fired and fanned out.
fn backlog(store: &Store, n: usize, t0: DateTime<Utc>, prefix: &str) {
    let loader = store.bulk_loader();
    let team = TeamId::parse(TEAM).unwrap();
    let proposed = t0 - Duration::days(3) - Duration::minutes(1);
    for i in 0..n {
        let manager = UserId::parse(&format!("UBOSS{:03}", i % 100)).unwrap();
        let member = UserId::parse(&format!("U{prefix}{i:05}")).unwrap();
        loader
            .create_tour(&team, |id| {
                Tour::propose(
                    id,
                    &manager,
                    &member,
                    TourKind::Rotational,
                    Term::Months(12),
                    "Run it",
                    proposed,
                )
            })
            .expect("store")
            .expect("propose");
    }
    for mut e in loader.outbox_all().expect("outbox") {
        if e.state.is_open() {
            let channel = format!("D{}", e.recipient());
            e.state = OutboxState::Sent {
                at: proposed,
                channel,
                ts: "1.000001".into(),
            };
            loader.outbox_note(&e).expect("mark sent");
        }
    }
    loader.flush().expect("flush");
}

fn per_message(slack: &FakeSlack, n: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, counts) = counting::open(dir.path());
    let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let prefix = format!("P{n}X");
    backlog(&store, n, t0, &prefix);
    assert_eq!(
        alliance::scheduler::tick(&store, t0).expect("tick").fired,
        n
    );
    store.fan_out().expect("fan out");
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(String::from);
    let hours = WorkingHours::new("00:00", "23:59", &days).expect("hours");
    let api = Arc::new(SlackApi::new(
        &slack.base_url,
        Secret::new(FakeSlack::TOKEN),
        std::time::Duration::from_secs(10),
    ));
    let worker = Deliverer::new(
        store.clone(),
        api,
        Pacer::new(std::time::Duration::from_secs(1), 300),
        hours,
        chrono_tz::UTC,
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let posted_before = slack.count_posted(|m| is_ours(m, &prefix));
    let (writes_before, cpu_before) = (counts.writes(), support::thread_cpu());
    let (mut passes, mut wake_writes, mut now, mut sent) = (0u64, 0u64, t0, 0);
    rt.block_on(async {
        while sent < n {
            let report = worker.run_once(now).await.expect("pass");
            passes += 1;
            sent += report.sent;
            let before = counts.writes();
            for _ in 0..3 {
                let wake = worker.run_once(now).await.expect("pass");
                assert_eq!(wake.sent, 0, "{wake:?}");
            }
            wake_writes += counts.writes() - before;
            match report.next {
                Some(next) => now = next.max(now),
                None => break,
            }
        }
    });
    assert_eq!(
        slack.count_posted(|m| is_ours(m, &prefix)) - posted_before,
        n,
        "the backlog drained"
    );
    let cpu_us = (support::thread_cpu() - cpu_before) * 1e6;
    let sent = n as f64;
    println!(
        "   {:>7}  {:>7}  {:>13.1}  {:>19}  {:>12.0}  {:>12.1} min",
        n,
        passes,
        (counts.writes() - writes_before) as f64 / sent,
        wake_writes,
        cpu_us / sent,
        (now - t0).num_milliseconds() as f64 / 60_000.0
    );
}

fn is_ours(m: &fake_slack::PostedMessage, prefix: &str) -> bool {
    m.channel.starts_with(&format!("DU{prefix}"))
}

fn commands_during_a_drain(slack: &FakeSlack, n: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let idle = run_bot(slack, 0, 400).await;
        let busy = run_bot(slack, n, 0).await;
        for (what, (latencies, drained)) in [("idle bot", idle), ("during the drain", busy)] {
            let mut l = latencies;
            l.sort_by(f64::total_cmp);
            let pct = |p: f64| l[((l.len() as f64 - 1.0) * p).round() as usize];
            println!(
                "   {what:<17} {:>5} commands  p50 {:>6.1} ms  p99 {:>6.1} ms  max {:>6.1} ms{}",
                l.len(),
                pct(0.5),
                pct(0.99),
                l.last().copied().unwrap_or_default(),
                drained.map_or(String::new(), |s| format!(
                    "  ({n} reminders sent in {s:.1} s)"
                ))
            );
        }
    });
}

/// Serves a bot on a fresh store with `backlog` reminders due at start;
/// two clients send commands until the backlog is sent (or, with none,
/// `commands` of them). Returns the latencies in ms and the drain's length.
async fn run_bot(slack: &FakeSlack, backlog_n: usize, commands: usize) -> (Vec<f64>, Option<f64>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let now = Utc::now();
    let prefix = format!("D{backlog_n}X{}", now.timestamp() % 1000);
    let store = Store::open(dir.path(), 64 << 20).expect("store");
    backlog(&store, backlog_n, now, &prefix);
    let file = dir.path().join("fast.toml");
    std::fs::write(
        &file,
        "[slack]\nmessages_per_minute = 60000\nper_channel_interval_ms = 100\n\n[reminders]\n\
         working_hours_start = \"00:00\"\nworking_hours_end = \"23:59\"\n\
         working_days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]\n",
    )
    .expect("config");
    let env = [
        ("SLACK_API_URL", slack.base_url.clone()),
        ("SLACK_BOT_TOKEN", FakeSlack::TOKEN.to_string()),
    ];
    let config = Config::load_with(Some(&file), &|name| {
        env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    })
    .expect("config");
    let app = App::new(config, store, Secret::new(SECRET), Clock::System);
    let (addr, stop, served) = support::serve_on_loopback(app).await;
    let client = reqwest::Client::new();
    let started = Instant::now();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..2 {
        let (client, done) = (client.clone(), done.clone());
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed)
                && (commands == 0 || latencies.len() < commands / 2)
            {
                i += 1;
                let text = format!("propose <@UNEW{c}X{i:06}> rotational 1y Bench {i}");
                let start = Instant::now();
                let response =
                    support::post_command(&client, addr, SECRET, TEAM, "UBENCHBOSS", &text)
                        .send()
                        .await
                        .expect("request");
                assert_eq!(response.status(), 200);
                let _ = response.bytes().await;
                latencies.push(start.elapsed().as_secs_f64() * 1e3);
                if commands == 0 {
                    // During the drain: ten commands a second from each
                    // client, far more than a workspace sends.
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
            latencies
        }));
    }
    let mut drained = None;
    if backlog_n > 0 {
        let ours = |m: &fake_slack::PostedMessage| m.channel.starts_with(&format!("DU{prefix}"));
        while slack.count_posted(ours) < backlog_n {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            assert!(
                started.elapsed().as_secs() < 1_800,
                "the drain took half an hour"
            );
        }
        drained = Some(started.elapsed().as_secs_f64());
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let mut latencies = Vec::new();
    for c in clients {
        latencies.extend(c.await.expect("client"));
    }
    let _ = stop.send(());
    served.await.expect("server").expect("serve");
    (latencies, drained)
}
