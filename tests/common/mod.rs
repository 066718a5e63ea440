//! The test harness: Alliance served on `127.0.0.1:0` over real HTTP, on a
//! real sled store in a temporary directory, and requests signed exactly as
//! Slack signs them.
#![allow(dead_code)] // each test binary uses part of the harness

pub mod fake_slack;

use alliance::commands::Engine;
use alliance::config::Secret;
use alliance::domain::UserId;
use alliance::slack::http::{self, AppState};
use alliance::slack::verify;
use alliance::store::Store;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

pub const SECRET: &str = "test-signing-secret-8f742231b10e";
pub const TEAM: &str = "T0TEST";
pub const ADMIN: &str = "UADMIN";

pub struct Bot {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Bot {
    pub async fn start() -> Bot {
        Bot::start_in(tempfile::tempdir().unwrap()).await
    }

    pub async fn start_in(dir: tempfile::TempDir) -> Bot {
        let store = Store::open(dir.path(), 16 << 20).unwrap();
        let admins = [UserId::parse(ADMIN).unwrap()].into_iter().collect();
        let state = Arc::new(AppState {
            engine: Engine::new(store, admins),
            signing_secret: Secret::new(SECRET),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(http::serve(
            listener,
            state,
            Duration::from_secs(10),
            async {
                let _ = stopped.await;
            },
        ));
        Bot {
            addr,
            client: reqwest::Client::new(),
            dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server gracefully and hands back its data directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
        self.dir
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

    pub async fn post_signed(&self, body: &[u8], content_type: &str) -> reqwest::Response {
        self.post_signed_at(body, content_type, now_unix()).await
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
                other => panic!("unexpected block type {other}"),
            }
        }
        self
    }

    /// A person's mistake: private, friendly, with the usage line, no Rust.
    pub fn assert_problem(&self, usage_fragment: &str) -> &Self {
        self.assert_well_formed();
        let text = self.text();
        assert!(text.contains("Usage: `"), "no usage line: {text}");
        assert!(
            text.contains(usage_fragment),
            "usage lacks {usage_fragment:?}: {text}"
        );
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
