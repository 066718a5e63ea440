//! Three `alliance serve` processes on one PostgreSQL database, as behind a
//! load balancer: signed commands spread over all three while one of them
//! is SIGKILLed again and again (and started again), during commands,
//! deliveries and scheduler ticks. At the end every acknowledged command is
//! in the database, every message owed was posted exactly once (the fake
//! Slack counts by idempotency key), and every reminder that was due went
//! out once.
//!
//! PostgreSQL only: `scripts/test` starts the server and sets
//! `ALLIANCE_TEST_DATABASE_URL`.

mod common;

use alliance::domain::{TeamId, Term, Tour, TourId, TourKind, UserId};
use alliance::store::Store;
use alliance::store::outbox::OutboxState;
use alliance::store::postgres::create_database;
use common::fake_slack::FakeSlack;
use common::served::{Server, try_command};
use common::{SECRET, TEAM};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const MANAGER: &str = "UBOSS";
/// Tours proposed ten days ago and never answered: their "still waiting"
/// reminders are due when the instances start.
const SEEDED: u64 = 12;
/// Proposals sent while instances die.
const COMMANDS: usize = 36;

fn member(n: usize) -> String {
    format!("UMEMBER{n}")
}

/// Reminders in any hour of any day, a tick every second, a 1 s Web API
/// bound (so a claim of a killed instance runs out in 6 s), no pacing to
/// speak of.
const CONFIG: &str = r#"
[scheduler]
tick = "* * * * * *"
[slack]
api_timeout_secs = 1
per_channel_interval_ms = 100
messages_per_minute = 60000
[reminders]
working_hours_start = "00:00"
working_hours_end = "23:59"
working_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_one_killed_again_and_again_lose_nothing_and_send_once() {
    let server = std::env::var("ALLIANCE_TEST_DATABASE_URL").expect(
        "ALLIANCE_TEST_DATABASE_URL is not set: run the tests with scripts/test, \
         which starts a throwaway PostgreSQL",
    );
    let url = create_database(&server, &format!("instances_{}", std::process::id())).unwrap();
    let team = TeamId::parse(TEAM).unwrap();

    // Reminders already due: tours proposed ten days ago.
    {
        let store = Store::open_postgres(&url, 2).unwrap();
        let ten_days_ago = chrono::Utc::now() - chrono::Duration::days(10);
        for n in 0..SEEDED as usize {
            store
                .create_tour(&team, |id| {
                    Tour::propose(
                        id,
                        &UserId::parse(MANAGER).unwrap(),
                        &UserId::parse(&format!("USEEDED{n}")).unwrap(),
                        TourKind::Rotational,
                        Term::Months(12),
                        "Seeded long ago",
                        ten_days_ago,
                    )
                })
                .unwrap()
                .unwrap();
        }
    }

    let slack = FakeSlack::start().await;
    // A post takes a while, so a kill often lands in the middle of one:
    // before Slack stored it, or after (then the taker must find it).
    slack.delay("chat.postMessage", Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alliance.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let config = config.to_str().unwrap().to_string();
    let start = || {
        Server::start(
            &[
                ("SLACK_SIGNING_SECRET", SECRET),
                ("SLACK_BOT_TOKEN", FakeSlack::TOKEN),
                ("SLACK_API_URL", &slack.base_url),
                ("ALLIANCE_STORE_BACKEND", "postgres"),
                ("DATABASE_URL", &url),
                ("ALLIANCE_LOG", "info"),
            ],
            &["--config", &config],
        )
    };
    let mut instances = [start(), start(), start()];
    let client = common::http_client();

    // Commands round-robin; every fourth one, an instance is killed (in
    // turn) and a new one started in its place, as an orchestrator would.
    let mut acknowledged: BTreeMap<TourId, String> = BTreeMap::new();
    let mut kills = 0;
    for n in 0..COMMANDS {
        if n % 4 == 3 {
            let victim = (n / 4) % instances.len();
            instances[victim].child.kill().unwrap(); // SIGKILL
            instances[victim].child.wait().unwrap();
            kills += 1;
            instances[victim] = start();
        }
        let text = format!("propose <@{}> rotational 1y Mission {n}", member(n));
        // A load balancer retries a connection that failed on another
        // instance; a command that got an answer is never repeated.
        let mut answer = None;
        for attempt in 0..instances.len() {
            let addr = instances[(n + attempt) % instances.len()].addr.clone();
            if let Ok(reply) = try_command(&client, &addr, MANAGER, &text).await {
                answer = Some(reply);
                break;
            }
        }
        let (status, body) = answer.expect("some instance answered");
        assert_eq!(status, 200, "{body}");
        let id = body
            .split("Proposed tour #")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("not a proposal: {body}"));
        acknowledged.insert(TourId(id), format!("Mission {n}"));
    }

    // Deliveries and ticks go on; keep killing for a few seconds more.
    let store = Store::open_postgres(&url, 2).unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut last_kill = Instant::now();
    let outbox = loop {
        if kills < 18 && last_kill.elapsed() > Duration::from_millis(700) {
            let victim = kills % instances.len();
            instances[victim].child.kill().unwrap();
            instances[victim].child.wait().unwrap();
            kills += 1;
            instances[victim] = start();
            last_kill = Instant::now();
        }
        let outbox = store.outbox_all().unwrap();
        // Each seeded tour owes its proposal and two reminders.
        let owed = SEEDED as usize * 3 + COMMANDS;
        let settled = outbox.len() >= owed && outbox.iter().all(|e| !e.state.is_open());
        if kills >= 18 && settled {
            break outbox;
        }
        let open: Vec<_> = outbox.iter().filter(|e| e.state.is_open()).collect();
        assert!(
            Instant::now() < deadline,
            "still owed after 90 s ({} entries of {owed}): {open:#?}\n{}",
            outbox.len(),
            instances.iter().map(Server::logs).collect::<String>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // Every acknowledged command is there.
    for (id, mission) in &acknowledged {
        let tour = store.tour(&team, *id).unwrap().expect("acknowledged");
        assert_eq!(&tour.mission, mission);
    }
    assert_eq!(acknowledged.len(), COMMANDS);

    // Every message owed was posted exactly once.
    let mut posted: BTreeMap<String, usize> = BTreeMap::new();
    for message in slack.posted() {
        let key = message.metadata_key.expect("every post carries its key");
        *posted.entry(key).or_default() += 1;
    }
    let twice: Vec<_> = posted.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "posted more than once: {twice:?}");
    let sent: BTreeSet<String> = outbox
        .iter()
        .filter(|e| matches!(e.state, OutboxState::Sent { .. }))
        .map(|e| e.key.clone())
        .collect();
    assert_eq!(
        sent,
        outbox.iter().map(|e| e.key.clone()).collect(),
        "every entry was sent (none failed or dropped)"
    );
    assert_eq!(
        sent,
        posted.keys().cloned().collect(),
        "what went is what was owed"
    );

    // Every seeded tour's due reminder went out (to its member and its
    // manager), and each acknowledged proposal reached its member.
    for id in 1..=SEEDED {
        for key in [
            format!("tour:{id}:waiting:USEEDED{}", id - 1),
            format!("tour:{id}:waiting-manager:{MANAGER}"),
        ] {
            assert!(sent.contains(&key), "{key}: {sent:?}");
        }
    }
    for id in acknowledged.keys() {
        assert!(
            sent.contains(&format!("tour:{}:proposal", id.0)),
            "tour {}: {sent:?}",
            id.0
        );
    }
    assert!(kills >= 18);
    // How often a taker had to ask whether a killed instance's post landed.
    eprintln!(
        "{kills} kills; {} posts; {} checks of an uncertain post",
        slack.posted().len(),
        slack.calls_to("conversations.history").len()
    );
}
