//! The test harness: Alliance served on `127.0.0.1:0` over real HTTP, on a
//! real sled store in a temporary directory, and requests signed exactly as
//! Slack signs them.
#![allow(dead_code)] // each test binary uses part of the harness

pub mod counting;
pub mod fake_slack;
pub mod served;

use alliance::app::App;
use alliance::clock::Clock;
use alliance::config::{Config, Secret};
use alliance::delivery::{Deliverer, Report};
use alliance::scheduler;
use alliance::slack::http;
use alliance::slack::verify;
use alliance::store::Store;
use chrono::{DateTime, Utc};
use fake_slack::FakeSlack;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

pub const SECRET: &str = "test-signing-secret-8f742231b10e";
pub const TEAM: &str = "T0TEST";
pub const ADMIN: &str = "UADMIN";

/// What [`Bot::tick`] did: due reminders fired, and messages they owe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TickReport {
    pub due: usize,
    pub enqueued: usize,
}

/// Alliance on loopback. Built by [`App::new`] exactly as `serve` builds it,
/// but only the HTTP side runs on its own: tests drive the scheduler and the
/// delivery worker with [`Bot::tick`] and [`Bot::deliver`] at chosen times.
pub struct Bot {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub clock: Clock,
    pub store: Store,
    pub deliverer: Option<Arc<Deliverer>>,
    /// Mattermost's delivery worker, when configured.
    pub mattermost_deliverer: Option<Arc<Deliverer>>,
    app_state: Arc<http::AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// An HTTP client for talking to the bot (with the TLS provider installed,
/// as reqwest requires even for plain HTTP).
pub fn http_client() -> reqwest::Client {
    alliance::slack::api::install_crypto_provider();
    reqwest::Client::new()
}

pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The configuration a test bot runs with: the real loader, defaults plus
/// these environment values.
pub fn config(slack: Option<&FakeSlack>, extra: &[(&str, &str)]) -> Config {
    let mut env: Vec<(String, String)> = vec![("ALLIANCE_ADMINS".into(), ADMIN.into())];
    if let Some(slack) = slack {
        env.push(("SLACK_API_URL".into(), slack.base_url.clone()));
        env.push(("SLACK_BOT_TOKEN".into(), FakeSlack::TOKEN.into()));
    }
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::load_with(None, &|name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .unwrap()
}

impl Bot {
    /// No Slack Web API (no bot token), the system clock.
    pub async fn start() -> Bot {
        Bot::start_in(tempfile::tempdir().unwrap()).await
    }

    pub async fn start_in(dir: tempfile::TempDir) -> Bot {
        Bot::launch(dir, config(None, &[]), Clock::System).await
    }

    /// Talking to `slack`, with a clock that reads `start` now.
    pub async fn with_slack(
        slack: &FakeSlack,
        start: DateTime<Utc>,
        dir: Option<tempfile::TempDir>,
    ) -> Bot {
        let mut config = config(Some(slack), &[]);
        // A hanging Slack must time out quickly in tests.
        config.api_timeout = Duration::from_millis(500);
        Bot::launch(
            dir.unwrap_or_else(|| tempfile::tempdir().unwrap()),
            config,
            Clock::starting_at(start),
        )
        .await
    }

    pub async fn launch(dir: tempfile::TempDir, config: Config, clock: Clock) -> Bot {
        let store = open_when_released(dir.path()).await;
        Bot::launch_on(dir, store, config, clock).await
    }

    /// Like [`Bot::with_slack`], on a store whose writes are counted.
    pub async fn with_slack_counted(
        slack: &FakeSlack,
        start: DateTime<Utc>,
    ) -> (Bot, Arc<counting::Counts>) {
        let dir = tempfile::tempdir().unwrap();
        let (store, counts) = counting::open(dir.path());
        let mut config = config(Some(slack), &[]);
        config.api_timeout = Duration::from_millis(500);
        let bot = Bot::launch_on(dir, store, config, Clock::starting_at(start)).await;
        (bot, counts)
    }

    pub async fn launch_on(
        dir: tempfile::TempDir,
        store: Store,
        config: Config,
        clock: Clock,
    ) -> Bot {
        Bot::launch_with(dir, store, config, clock, |app| app).await
    }

    /// [`Bot::launch_on`], with `adjust` applied to the app before it
    /// serves (a shorter answer budget, say).
    pub async fn launch_with(
        dir: tempfile::TempDir,
        store: Store,
        config: Config,
        clock: Clock,
        adjust: impl FnOnce(App) -> App,
    ) -> Bot {
        let timeout = config.request_timeout;
        // A bot restarted on the same store is the same instance: what it
        // held before (on PostgreSQL) is its own again at once.
        let instance = dir.path().display().to_string();
        let app = adjust(
            App::new(config, store, Secret::new(SECRET), clock.clone()).with_instance(&instance),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let state = app.state.clone();
        let store = state.engine.store().clone();
        let app_state = state.clone();
        let others = app.mattermost.clone().unwrap_or_default();
        let task = tokio::spawn(http::serve_with(listener, state, timeout, others, async {
            let _ = stopped.await;
        }));
        Bot {
            addr,
            client: http_client(),
            dir,
            clock,
            store,
            deliverer: app.deliverer.clone(),
            mattermost_deliverer: app.mattermost_deliverer.clone(),
            app_state,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server gracefully and hands back its data directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        drop(self);
        dir
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// What the HTTP receiver runs on: the engine, the clock.
    pub fn state(&self) -> &http::AppState {
        &self.app_state
    }

    /// One scheduler tick at `now`, then the first step of the worker's
    /// next pass: fanning what fired out into the outbox, without sending.
    /// (`deliver` alone does both steps of a pass, as `serve` does.)
    pub fn tick(&self, now: DateTime<Utc>) -> TickReport {
        let due = scheduler::tick(&self.store, now).unwrap().fired;
        let enqueued = self.store.fan_out().unwrap();
        TickReport { due, enqueued }
    }

    /// One delivery pass at `now`.
    pub async fn deliver(&self, now: DateTime<Utc>) -> Report {
        self.deliverer
            .as_ref()
            .expect("a bot with Slack")
            .run_once(now)
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Posts `body` signed as Slack would, with timestamp `ts`.
    pub async fn post_signed_at(
        &self,
        body: &[u8],
        content_type: &str,
        ts: i64,
    ) -> reqwest::Response {
        let ts = ts.to_string();
        self.client
            .post(self.url("/slack/events"))
            .header("content-type", content_type)
            .header(verify::TIMESTAMP_HEADER, &ts)
            .header(
                verify::SIGNATURE_HEADER,
                verify::sign(SECRET.as_bytes(), &ts, body),
            )
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
    }

    /// Signed with the bot's own clock, as a Slack in sync with it would.
    pub async fn post_signed(&self, body: &[u8], content_type: &str) -> reqwest::Response {
        self.post_signed_at(body, content_type, self.now().timestamp())
            .await
    }

    /// Runs a slash command as `user` and returns Slack's view of the answer.
    pub async fn command(&self, user: &str, command: &str, text: &str) -> Reply {
        let response = self
            .post_signed(slash_body(user, command, text).as_bytes(), FORM)
            .await;
        assert_eq!(response.status(), 200, "{command} {text}");
        assert_eq!(response.headers()["content-type"], "application/json");
        Reply(response.json().await.unwrap())
    }

    pub async fn tour(&self, user: &str, text: &str) -> Reply {
        self.command(user, "/tour", text).await
    }

    /// Clicks a button (or picks a date) on a message the bot sent.
    pub async fn click(
        &self,
        user: &str,
        message: &fake_slack::PostedMessage,
        action_id: &str,
        selected_date: Option<&str>,
    ) -> u16 {
        let (block_id, value) = find_action(&message.blocks, action_id)
            .unwrap_or_else(|| panic!("no {action_id} in {}", message.blocks));
        let mut action = serde_json::json!({
            "action_id": action_id, "block_id": block_id, "type": "button",
            "action_ts": format!("{}.{:06}", self.now().timestamp(), rand_suffix()),
        });
        if let Some(value) = value {
            action["value"] = value.into();
        }
        if let Some(date) = selected_date {
            action["selected_date"] = date.into();
            action["type"] = "datepicker".into();
        }
        let payload = serde_json::json!({
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "alliance-test"},
            "user": {"id": user, "username": "someone", "team_id": TEAM},
            "api_app_id": "A0APP",
            "trigger_id": "1234.5678.abcdef",
            "response_url": "https://hooks.slack.com/actions/T0TEST/1/SECRET",
            "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel, "is_ephemeral": false},
            "channel": {"id": message.channel},
            "message": {"ts": message.ts, "text": message.text},
            "actions": [action],
        });
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.post_signed(body.as_bytes(), FORM)
            .await
            .status()
            .as_u16()
    }
}

impl Bot {
    /// Clicks the button `action_id` of an ephemeral answer (`reply`) as
    /// `user`, with a `response_url` on the fake Slack (as Slack would send
    /// one of its hooks); returns the HTTP status.
    pub async fn click_ephemeral(
        &self,
        slack: &FakeSlack,
        user: &str,
        reply: &Reply,
        action_id: &str,
    ) -> u16 {
        let (block_id, value) = find_action(&reply.0["blocks"], action_id)
            .unwrap_or_else(|| panic!("no {action_id} in {}", reply.0));
        let payload = serde_json::json!({
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "alliance-test"},
            "user": {"id": user, "username": "someone", "team_id": TEAM},
            "api_app_id": "A0APP",
            "trigger_id": "1234.5678.abcdef",
            // The fake routes one path segment after its base: a hook's path in one.
            "response_url": format!("{}respond", slack.base_url),
            "container": {"type": "message", "message_ts": "1795000000.000100",
                          "channel_id": "D0CHANNEL", "is_ephemeral": true},
            "actions": [{"action_id": action_id, "block_id": block_id, "type": "button",
                         "value": value,
                         "action_ts": format!("{}.{:06}", self.now().timestamp(), rand_suffix())}],
        });
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.post_signed(body.as_bytes(), FORM)
            .await
            .status()
            .as_u16()
    }

    /// Submits a modal as `user` (a signed `view_submission`) and returns
    /// Slack's view of the answer (`{}` for a plain acknowledgement).
    pub async fn submit_view(
        &self,
        user: &str,
        callback_id: &str,
        private_metadata: &str,
        values: Value,
    ) -> Value {
        let payload = serde_json::json!({
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "alliance-test"},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0APP",
            "trigger_id": "2222.3333.form",
            "view": {
                "id": "V0FORM", "type": "modal", "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
            }
        });
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        let response = self.post_signed(body.as_bytes(), FORM).await;
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        if bytes.is_empty() {
            return serde_json::json!({});
        }
        serde_json::from_slice(&bytes).unwrap()
    }
}

/// A Tuesday morning in UTC (2026-11-24 09:00), inside default working
/// hours: where most end-to-end stories start.
pub fn tuesday_9am() -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()
}

/// Delivers everything owed by `now`, letting pacing move time on by a few
/// seconds; returns the time it got to.
pub async fn drain(bot: &Bot, mut now: DateTime<Utc>) -> DateTime<Utc> {
    for _ in 0..50 {
        match bot.deliver(now).await.next {
            Some(next) if next <= now + chrono::Duration::seconds(5) => now = next.max(now),
            _ => return now,
        }
    }
    panic!("the outbox did not drain");
}

/// The `n`-th (from 0) answer posted to a `response_url`, waited for: it
/// is sent right after the click's answer, outside the request.
pub async fn responded(slack: &FakeSlack, n: usize) -> fake_slack::Call {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(call) = slack.calls_to("respond").get(n).cloned() {
                return call;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("an answer through the response_url")
}

/// Runs the `alliance` binary with `args` and only `env`, feeding `stdin`;
/// returns its exit code, stdout and stderr.
pub fn run_binary(args: &[&str], env: &[(&str, &str)], stdin: &str) -> (i32, String, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alliance"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Opens the store, waiting briefly for a bot stopped a moment ago to let go
/// of sled's file lock (its background flusher drops it asynchronously).
/// With `ALLIANCE_TEST_BACKEND=postgres` (`scripts/test`'s second run), the
/// store is a database of the test server instead, one per directory.
async fn open_when_released(path: &std::path::Path) -> Store {
    if std::env::var("ALLIANCE_TEST_BACKEND").as_deref() == Ok("postgres") {
        return postgres_store_for(path);
    }
    for _ in 0..100 {
        match Store::open(path, 16 << 20) {
            Ok(store) => return store,
            Err(alliance::store::StoreError::Locked(_)) => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the store stayed locked");
}

/// The store a bot launched on `dir` opens, on the backend of this run
/// (to fill it before the bot starts).
pub fn store_for(dir: &std::path::Path) -> Store {
    if std::env::var("ALLIANCE_TEST_BACKEND").as_deref() == Ok("postgres") {
        postgres_store_for(dir)
    } else {
        Store::open(dir, 16 << 20).unwrap()
    }
}

/// The PostgreSQL store that belongs to `dir`: a new database the first
/// time (its name kept in the directory), the same one when the bot there
/// restarts.
pub fn postgres_store_for(dir: &std::path::Path) -> Store {
    use alliance::store::postgres::{create_database, with_dbname};
    let server = std::env::var("ALLIANCE_TEST_DATABASE_URL").expect(
        "ALLIANCE_TEST_DATABASE_URL is not set: run the tests with scripts/test, \
         which starts a throwaway PostgreSQL",
    );
    let marker = dir.join(".postgres-database");
    let url = match std::fs::read_to_string(&marker) {
        Ok(name) => with_dbname(&server, name.trim()),
        Err(_) => {
            let name = format!("it_{}_{}", std::process::id(), rand_suffix());
            let url = create_database(&server, &name).unwrap();
            std::fs::write(&marker, &name).unwrap();
            url
        }
    };
    Store::open_postgres(&url, 8).unwrap()
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The block id and value of the element with `action_id` in `blocks`.
pub fn find_action(blocks: &Value, action_id: &str) -> Option<(Option<String>, Option<String>)> {
    blocks.as_array()?.iter().find_map(|block| {
        let element = block["elements"]
            .as_array()?
            .iter()
            .find(|e| e["action_id"] == action_id)?;
        Some((
            block["block_id"].as_str().map(str::to_string),
            element["value"].as_str().map(str::to_string),
        ))
    })
}

pub const FORM: &str = "application/x-www-form-urlencoded";

/// A slash-command body with every field Slack sends.
pub fn slash_body(user: &str, command: &str, text: &str) -> String {
    serde_urlencoded::to_string([
        ("token", "legacy-verification-token"),
        ("team_id", TEAM),
        ("team_domain", "alliance-test"),
        ("channel_id", "D0CHANNEL"),
        ("channel_name", "directmessage"),
        ("user_id", user),
        ("user_name", "someone"),
        ("command", command),
        ("text", text),
        ("api_app_id", "A0APP"),
        ("is_enterprise_install", "false"),
        (
            "response_url",
            "https://hooks.slack.com/commands/T0TEST/1/SECRET-RESPONSE-URL",
        ),
        (
            "trigger_id",
            "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
        ),
    ])
    .unwrap()
}

/// A slash command's JSON answer.
pub struct Reply(pub Value);

impl Reply {
    /// All visible text: the fallback and every block's text.
    pub fn text(&self) -> String {
        let mut out = self.0["text"].as_str().unwrap_or_default().to_string();
        for block in self.0["blocks"].as_array().into_iter().flatten() {
            for t in [&block["text"]["text"]].into_iter().chain(
                block["elements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| &e["text"]),
            ) {
                if let Some(t) = t.as_str() {
                    out.push('\n');
                    out.push_str(t);
                }
            }
        }
        out
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.text().contains(needle)
    }

    /// The answer is private and within Slack's limits.
    pub fn assert_well_formed(&self) -> &Self {
        assert_eq!(self.0["response_type"], "ephemeral", "{}", self.0);
        let blocks = self.0["blocks"].as_array().expect("blocks");
        assert!(
            !blocks.is_empty() && blocks.len() <= 50,
            "{} blocks",
            blocks.len()
        );
        for block in blocks {
            match block["type"].as_str().unwrap() {
                "header" => assert!(block["text"]["text"].as_str().unwrap().chars().count() <= 150),
                "section" => {
                    assert!(block["text"]["text"].as_str().unwrap().chars().count() <= 3000)
                }
                "context" | "divider" => {}
                "actions" => {
                    let elements = block["elements"].as_array().expect("elements");
                    assert!((1..=25).contains(&elements.len()), "{block}");
                }
                other => panic!("unexpected block type {other}"),
            }
        }
        self
    }

    /// A person's mistake in what they typed: private, friendly, with the
    /// usage line, no Rust.
    #[track_caller]
    pub fn assert_problem(&self, usage_fragment: &str) -> &Self {
        let text = self.text();
        assert!(text.contains("Usage: `"), "no usage line: {text}");
        assert!(
            text.contains(usage_fragment),
            "usage lacks {usage_fragment:?}: {text}"
        );
        self.assert_no_rust()
    }

    /// A rule's refusal of a well-formed command: private, said plainly
    /// (`why` is in it), without the usage line a typo gets, no Rust.
    #[track_caller]
    pub fn assert_refused(&self, why: &str) -> &Self {
        let text = self.text();
        assert!(text.contains(why), "expected {why:?}: {text}");
        assert!(!text.contains("Usage:"), "a refusal, not a typo: {text}");
        self.assert_no_rust()
    }

    #[track_caller]
    fn assert_no_rust(&self) -> &Self {
        self.assert_well_formed();
        let text = self.text();
        for rust in [
            "Error(",
            "Err(",
            "called `",
            "panicked",
            "unwrap",
            "ParseIntError",
            "StoreError",
            "::",
        ] {
            assert!(!text.contains(rust), "Rust leaked ({rust}): {text}");
        }
        self
    }
}

impl Bot {
    /// Presses the button `action_id` of a slash command's private answer
    /// as `user`, with a `response_url` on `slack` (as Slack sends one of its
    /// hooks with every press); returns the HTTP status.
    pub async fn press_on_reply(
        &self,
        slack: &FakeSlack,
        user: &str,
        reply: &Reply,
        action_id: &str,
    ) -> u16 {
        let (block_id, value) = find_action(&reply.0["blocks"], action_id)
            .unwrap_or_else(|| panic!("no {action_id} in {}", reply.0));
        let payload = serde_json::json!({
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "alliance-test"},
            "user": {"id": user, "username": "someone", "team_id": TEAM},
            "api_app_id": "A0APP",
            "trigger_id": "1234.5678.abcdef",
            // The fake routes one path segment after its base.
            "response_url": format!("{}respond", slack.base_url),
            "container": {"type": "message", "message_ts": "1795000000.000100",
                          "channel_id": "D0CHANNEL", "is_ephemeral": true},
            "actions": [{"action_id": action_id, "block_id": block_id, "type": "button",
                         "value": value,
                         "action_ts": format!("{}.{:06}", self.now().timestamp(), rand_suffix())}],
        });
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.post_signed(body.as_bytes(), FORM)
            .await
            .status()
            .as_u16()
    }
}

/// The first answer that came too late for its request, waited for at
/// the command's `response_url`: private to the person, and saying `says`.
pub async fn late_answer_says(slack: &FakeSlack, says: &str) {
    let late = responded(slack, 0).await;
    assert_eq!(late.body["response_type"], "ephemeral", "{:?}", late.body);
    let text = late.body["text"].as_str().unwrap_or_default();
    assert!(text.contains(says), "{says} in {:?}", late.body);
}

/// The first `n` answers posted to a `response_url` (they follow the HTTP
/// answer on their own task), waiting up to ten seconds for them.
pub async fn responses(slack: &FakeSlack, n: usize) -> Vec<fake_slack::Call> {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let calls = slack.calls_to("respond");
            if calls.len() >= n {
                return calls;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("fewer than {n} answers through the response_url"))
}
