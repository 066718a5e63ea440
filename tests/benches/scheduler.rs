//! The scheduler and the outbox, measured (`cargo bench --bench scheduler`):
//!
//! 1. One scheduler tick over a sled store of 1,000,000 active tours of which
//!    1,000 have a reminder due: its cost must follow the due reminders, not
//!    the tours. Ten groups of 1,000 fall due on ten consecutive days, so ten
//!    ticks each find a fresh thousand. Then the worker's fan-out of those
//!    1,000 occurrences into 2,000 outbox entries, measured on its own.
//! 2. Enqueue + deliver: 1,000 proposals made through the durable command
//!    path (each owes the member a DM), then the worker draining them into a
//!    fake Slack Web API on loopback (time given explicitly, so Slack's own
//!    pacing costs no wall time).
//!
//! `BENCH_TOURS=N` changes the store size (loading 1M tours takes minutes);
//! `BENCH_CACHE_MB=N` sled's cache for it (default 256).

#[path = "../common/fake_slack.rs"]
#[allow(dead_code)]
mod fake_slack;
#[path = "support.rs"]
mod support;

use alliance::delivery::Deliverer;
use alliance::delivery::pacer::Pacer;
use alliance::domain::{TeamId, Term, Tour, TourKind, UserId};
use alliance::scheduler;
use alliance::slack::api::SlackApi;
use alliance::store::Store;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;
use std::time::Instant;

const GROUPS: i64 = 10;
const DUE_PER_GROUP: u64 = 1_000;

fn tours() -> u64 {
    std::env::var("BENCH_TOURS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// The day group `g`'s reminders fall due.
fn due_day(base: DateTime<Utc>, g: i64) -> DateTime<Utc> {
    base + Duration::days(g)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache_mb: u64 = std::env::var("BENCH_CACHE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let store = support::open_store(dir.path(), cache_mb << 20);
    println!("store: {}", support::backend());
    let team = TeamId::parse("T0BENCH").unwrap();
    let base = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let total = tours();
    let loading = Instant::now();
    if support::on_postgres() {
        // A million transactions, one round trip each, take a quarter of an
        // hour: build the store in memory and move it the way an operator
        // moves sled to PostgreSQL, by export and import (1,000 writes a
        // transaction).
        let memory = Store::in_memory();
        load(&memory, &team, base, total);
        let built = loading.elapsed().as_secs_f64();
        let mut file = Vec::new();
        memory.export(None, &mut file, &mut |_| {}).expect("export");
        drop(memory);
        let moving = Instant::now();
        let counts = store.import(&file, &mut |_| {}).expect("import");
        eprintln!(
            "built {total} active tours in memory in {built:.0} s; imported ({} MB, {} reminders) in {:.0} s",
            file.len() >> 20,
            counts.reminders,
            moving.elapsed().as_secs_f64()
        );
    } else {
        load(&store, &team, base, total);
    }
    eprintln!(
        "loaded {total} active tours in {:.0} s",
        loading.elapsed().as_secs_f64()
    );

    // Five groups as whole ticks; five split into firing and the closing
    // flush. After each, the worker's fan-out of what fired (not the tick's
    // cost, but measured: it is the rest of the way into the outbox).
    let (mut ticks, mut fires, mut flushes, mut fan_outs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for g in 0..GROUPS {
        let at = due_day(base, g) + Duration::hours(12);
        let start = Instant::now();
        if g % 2 == 0 {
            let report = scheduler::tick(&store, at).expect("tick");
            ticks.push(start.elapsed().as_secs_f64() * 1e3);
            assert_eq!(report.fired as u64, DUE_PER_GROUP, "group {g}: {report:?}");
        } else {
            let fired = store.fire_due(at, usize::MAX, false).expect("fire");
            assert_eq!(fired as u64, DUE_PER_GROUP);
            let fired = Instant::now();
            store.flush().expect("flush");
            fires.push((fired - start).as_secs_f64() * 1e3);
            flushes.push(fired.elapsed().as_secs_f64() * 1e3);
        }
        let start = Instant::now();
        let owed = store.fan_out().expect("fan out");
        fan_outs.push(start.elapsed().as_secs_f64() * 1e3);
        assert_eq!(owed as u64, 2 * DUE_PER_GROUP, "group {g}");
    }
    for (name, samples) in [
        ("scheduler tick", &mut ticks),
        ("  of which firing", &mut fires),
        ("  of which flushing", &mut flushes),
        ("worker's fan-out", &mut fan_outs),
    ] {
        samples.sort_by(f64::total_cmp);
        println!(
            "{name:<20} {total} tours, {DUE_PER_GROUP} due   median {:>7.1} ms   best {:>7.1} ms   worst {:>7.1} ms   ({} samples)",
            samples[samples.len() / 2],
            samples[0],
            samples[samples.len() - 1],
            samples.len()
        );
    }
    drop(store);
    enqueue_and_deliver(1);
    if support::on_postgres() {
        // Three workers with their own names on one database, as three
        // instances run them (on sled one process delivers: claims are
        // needed, and taken, only on a shared store).
        enqueue_and_deliver(3);
    }
}

fn enqueue_and_deliver(workers: usize) {
    const PROPOSALS: usize = 1_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = support::open_store(dir.path(), 64 << 20);
    // The fake Slack's token belongs to this workspace (`auth.test`).
    let team = TeamId::parse(fake_slack::FakeSlack::TEAM).unwrap();
    // A Wednesday noon: working hours are open, though proposals need none.
    let now = Utc.with_ymd_and_hms(2026, 6, 3, 12, 0, 0).unwrap();
    let manager = UserId::parse("UBOSS").unwrap();
    let start = Instant::now();
    for i in 0..PROPOSALS {
        let member = UserId::parse(&format!("UE{i}")).unwrap();
        store
            .create_tour(&team, |id| {
                Tour::propose(
                    id,
                    &manager,
                    &member,
                    TourKind::Rotational,
                    Term::Months(12),
                    "Run support",
                    now,
                )
            })
            .expect("store")
            .expect("rule");
    }
    let enqueue = start.elapsed().as_secs_f64();

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let slack = fake_slack::FakeSlack::start().await;
        let api = Arc::new(SlackApi::new(
            &slack.base_url,
            alliance::config::Secret::new(fake_slack::FakeSlack::TOKEN),
            std::time::Duration::from_secs(5),
        ));
        let start = Instant::now();
        let drains = (0..workers).map(|n| {
            let pacer = Pacer::new(std::time::Duration::from_secs(1), 100_000);
            let deliverer = Deliverer::new(
                store.clone(),
                api.clone(),
                pacer,
                Default::default(),
                chrono_tz::UTC,
            )
            .with_owner(&format!("bench-{n}"));
            async move {
                let mut sent = 0;
                let mut now = now;
                for _ in 0..100_000 {
                    let report = deliverer.run_once(now).await.expect("pass");
                    sent += report.sent;
                    match report.next {
                        Some(next) => now = next.max(now + Duration::milliseconds(1)),
                        None => break,
                    }
                }
                sent
            }
        });
        let sent: usize = futures_util::future::join_all(drains).await.into_iter().sum();
        let deliver = start.elapsed().as_secs_f64();
        assert_eq!(sent, PROPOSALS);
        let posted = slack.posted();
        let keys: std::collections::BTreeSet<_> =
            posted.iter().filter_map(|m| m.metadata_key.clone()).collect();
        assert_eq!((posted.len(), keys.len()), (PROPOSALS, PROPOSALS), "each once");
        println!(
            "enqueue: {PROPOSALS} proposals, each flushed          {:>7.0} per second ({:.2} ms each)",
            PROPOSALS as f64 / enqueue,
            enqueue * 1e3 / PROPOSALS as f64
        );
        println!(
            "deliver: {PROPOSALS} DMs to the fake Slack, {workers} worker(s) {:>7.0} per second (conversations.open + chat.postMessage each, over loopback)",
            sent as f64 / deliver
        );
    });
}

/// `total` active tours. Ten groups of 1,000 were accepted the day before
/// their due day and end 30 days after it, so "30 days before the end" is the
/// one reminder due then (earlier milestones predate acceptance; later ones
/// and "ended" fall after the ten ticks). The rest end two years on.
fn load(store: &Store, team: &TeamId, base: DateTime<Utc>, total: u64) {
    let bulk = store.bulk_loader();
    for i in 0..total {
        let group = (i / DUE_PER_GROUP) as i64;
        let (accepted_at, to) = if group < GROUPS {
            let due = due_day(base, group);
            (
                due - Duration::days(1),
                (due + Duration::days(30)).date_naive(),
            )
        } else {
            (
                base - Duration::days(1),
                (base + Duration::days(730)).date_naive(),
            )
        };
        let from = accepted_at.date_naive();
        // Two tours per manager: person index entries stay small, as in life.
        let manager = UserId::parse(&format!("UM{}", i / 2)).unwrap();
        let member = UserId::parse(&format!("UE{i}")).unwrap();
        bulk.create_tour(team, |id| {
            let (proposed, _) = Tour::propose(
                id,
                &manager,
                &member,
                TourKind::Rotational,
                Term::Dates { from, to },
                "Keep the lights on",
                accepted_at,
            )?;
            proposed.accept(&member, accepted_at)
        })
        .expect("store")
        .expect("rule");
    }
    store.flush().expect("flush");
}
