//! Mattermost's slash commands end to end: the bot on loopback with its
//! Mattermost routes, a fake Mattermost server on `127.0.0.1:0` that answers
//! `POST /api/v4/users/usernames` (and can fail or hang on command), and
//! commands posted as Mattermost posts them: a form with the command's
//! token in `Authorization: Token …`.

mod common;

use alliance::clock::Clock;
use alliance::domain::{TeamId, UserId};
use axum::extract::State;
use axum::routing::post;
use common::{Bot, config, tuesday_9am};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "mm-command-token-tour";
const TEAM_ID: &str = "ifjbhc7aqbbd3bhqzb6orpkkbh";
const MANAGER: &str = "hk7b3ydqwjgxbx6ijdmitqj9ah";
const ANA: &str = "p8ue5iqx7fgkdmrf9n4xkh3tsw";

#[derive(Default)]
struct FakeMattermost {
    /// username → id
    users: Vec<(&'static str, &'static str)>,
    asked: Vec<Value>,
    /// The next lookups answer 503.
    failing: bool,
    /// Authorization headers seen.
    auth: Vec<String>,
}

type Shared = Arc<Mutex<FakeMattermost>>;

async fn usernames(
    State(state): State<Shared>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let names: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    use axum::response::IntoResponse;
    let mut fake = state.lock().unwrap();
    fake.asked.push(names.clone());
    fake.auth.push(
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    );
    if fake.failing {
        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let found: Vec<Value> = names
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| fake.users.iter().find(|(u, _)| Some(*u) == n.as_str()))
        .map(|(u, id)| json!({"id": id, "username": u}))
        .collect();
    (
        [("content-type", "application/json")],
        Value::Array(found).to_string(),
    )
        .into_response()
}

async fn fake_mattermost() -> (String, Shared) {
    let state: Shared = Arc::new(Mutex::new(FakeMattermost {
        users: vec![("ana", ANA), ("boss", MANAGER)],
        ..Default::default()
    }));
    let app = axum::Router::new()
        .route("/api/v4/users/usernames", post(usernames))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), state)
}

async fn bot(url: &str) -> Bot {
    let config = config(
        None,
        &[
            (
                "MATTERMOST_COMMAND_TOKENS",
                &format!("other-token, {TOKEN}"),
            ),
            ("MATTERMOST_URL", url),
            ("MATTERMOST_BOT_TOKEN", "mm-bot-token"),
        ],
    );
    Bot::launch(
        tempfile::tempdir().unwrap(),
        config,
        Clock::starting_at(tuesday_9am()),
    )
    .await
}

/// Posts a slash command as Mattermost does; the status and the JSON answer.
async fn command(bot: &Bot, token: Option<&str>, user: &str, text: &str) -> (u16, Value) {
    let body = serde_urlencoded::to_string([
        ("channel_id", "dm7w1fdjmfbz8rk6ibfuw9zq4e"),
        ("command", "/tour"),
        ("team_id", TEAM_ID),
        ("team_domain", "acme"),
        ("text", text),
        ("user_id", user),
        ("user_name", if user == MANAGER { "boss" } else { "ana" }),
        ("trigger_id", "x"),
        ("response_url", "http://127.0.0.1:1/hooks/commands/x"),
    ])
    .unwrap();
    let mut request = bot
        .client
        .post(bot.url("/mattermost/command"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn team() -> TeamId {
    TeamId::mattermost(TEAM_ID).unwrap()
}

#[tokio::test]
async fn a_proposal_on_mattermost_resolves_the_member_and_answers_in_markdown() {
    let (url, fake) = fake_mattermost().await;
    let bot = bot(&url).await;
    let (status, answer) = command(
        &bot,
        Some(TOKEN),
        MANAGER,
        "propose @ana rotational 1y Ship the <new> billing & invoices",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["response_type"], "ephemeral");
    let text = answer["text"].as_str().unwrap();
    assert!(text.contains("Proposed tour **#1** to @ana"), "{text}");
    assert!(text.contains("Ship the <new> billing & invoices"), "{text}");
    assert!(!text.contains("<@") && !text.contains("&amp;"), "{text}");
    {
        let fake = fake.lock().unwrap();
        assert_eq!(fake.asked, [json!(["ana"])]);
        assert_eq!(fake.auth, ["Bearer mm-bot-token"]);
    }
    let ana = UserId::parse(ANA).unwrap();
    let tours = bot.store.tours_of(&team(), &ana).unwrap();
    assert_eq!(tours.len(), 1);
    assert_eq!(tours[0].manager.as_str(), MANAGER);
    assert_eq!(tours[0].mission, "Ship the <new> billing & invoices");

    // Ana accepts; her list names her manager.
    let (_, answer) = command(&bot, Some(TOKEN), ANA, "accept 1").await;
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("You accepted tour **#1** with @boss"),
        "{answer}"
    );
    let (_, answer) = command(&bot, Some(TOKEN), ANA, "list").await;
    let list = answer["text"].as_str().unwrap();
    assert!(list.starts_with("**Your tours**"), "{list}");
    assert!(list.contains("@boss → @ana"), "{list}");

    // A Slack workspace on the same store sees none of it.
    let slack_team = TeamId::parse(common::TEAM).unwrap();
    assert!(bot.store.tours_in_team(&slack_team, 10).unwrap().is_empty());
    assert_eq!(bot.store.tours_in_team(&team(), 10).unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_refused_and_nothing_is_written() {
    let (url, fake) = fake_mattermost().await;
    let bot = bot(&url).await;
    for token in [None, Some("wrong"), Some(""), Some("mm-command-token-tou")] {
        let (status, _) = command(&bot, token, MANAGER, "propose @ana rotational 1y Forged").await;
        assert_eq!(status, 401, "{token:?}");
    }
    assert!(bot.store.tours_in_team(&team(), 10).unwrap().is_empty());
    assert!(
        fake.lock().unwrap().asked.is_empty(),
        "nothing was looked up"
    );
    // Ids that are not Mattermost's: a precise 400.
    let (status, _) = command(&bot, Some(TOKEN), "U123", "list").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_unknown_name_or_a_failing_lookup_gets_a_clear_answer_and_changes_nothing() {
    let (url, fake) = fake_mattermost().await;
    let bot = bot(&url).await;
    let (status, answer) =
        command(&bot, Some(TOKEN), MANAGER, "propose @anna rotational 1y X").await;
    assert_eq!(status, 200);
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("No one on this Mattermost server is called `@anna`"),
        "{answer}"
    );
    fake.lock().unwrap().failing = true;
    let (status, answer) =
        command(&bot, Some(TOKEN), MANAGER, "propose @ana rotational 1y X").await;
    assert_eq!(status, 200);
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("Please try again"),
        "{answer}"
    );
    assert!(bot.store.tours_in_team(&team(), 10).unwrap().is_empty());
    // A command that names nobody needs no lookup and still works.
    let (_, answer) = command(&bot, Some(TOKEN), MANAGER, "list team").await;
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("You haven't proposed any tours"),
        "{answer}"
    );
    // A typo gets the usage line, in Markdown.
    let (_, answer) = command(&bot, Some(TOKEN), MANAGER, "lst").await;
    assert!(
        answer["text"].as_str().unwrap().contains("/tour list"),
        "{answer}"
    );
}
