//! Mattermost end to end: the bot on loopback with its Mattermost routes
//! and delivery worker, a fake Mattermost server on `127.0.0.1:0` (people by
//! username and id, the bot's own id, DM channels, posts it keeps with their
//! props, updates, a channel's posts since a time; a lookup that fails and a
//! post that lands and then never answers, on command), and commands posted
//! as Mattermost posts them: a form with the command's token in
//! `Authorization: Token …`.

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

const BOT: &str = "b0tb0tb0tb0tb0tb0tb0tb0tb0";

#[derive(Default)]
struct FakeMattermost {
    /// username → id
    users: Vec<(&'static str, &'static str)>,
    asked: Vec<Value>,
    /// The next lookups answer 503.
    failing: bool,
    /// The next lookups never answer.
    hanging: bool,
    /// Authorization headers seen.
    auth: Vec<String>,
    /// Every post created: (id, channel, message, props), in order.
    posts: Vec<(String, String, String, Value)>,
    /// The next post is stored, then never answered.
    post_then_hang: bool,
    /// Every `PUT` of a post: (id, message, props).
    updates: Vec<(String, String, Value)>,
    /// The next this many posts are refused with 429 (`X-Ratelimit-Reset: 3`).
    rate_limited: usize,
    /// Posts refused so far.
    refused: usize,
    /// The next this many posts are stored, then answered 503.
    stored_then_503: usize,
    /// Posts people wrote in their DM with the bot: (id, channel, user,
    /// message, create_at in ms).
    written: Vec<(String, String, String, String, i64)>,
    /// Every file uploaded: (id, channel, filename, bytes, the posts it
    /// was attached to).
    files: Vec<Uploaded>,
    /// Every dialog opened: the body of `actions/dialogs/open`.
    dialogs: Vec<Value>,
    /// Told each time a dialog is opened.
    dialog_opened: Arc<tokio::sync::Notify>,
}

type Shared = Arc<Mutex<FakeMattermost>>;

/// A file uploaded: (id, channel, filename, bytes, the posts it was
/// attached to).
type Uploaded = (String, String, String, Vec<u8>, Vec<String>);

async fn usernames(
    State(state): State<Shared>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let names: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    use axum::response::IntoResponse;
    let hanging = state.lock().unwrap().hanging;
    if hanging {
        std::future::pending::<()>().await;
    }
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

fn json_answer(value: Value) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([("content-type", "application/json")], value.to_string()).into_response()
}

async fn me() -> axum::response::Response {
    json_answer(json!({"id": BOT, "username": "alliance", "is_bot": true}))
}

async fn user(
    State(state): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    let fake = state.lock().unwrap();
    let name = fake.users.iter().find(|(_, i)| *i == id).map(|(u, _)| *u);
    json_answer(json!({
        "id": id, "username": name.unwrap_or("someone"), "delete_at": 0, "is_bot": false,
        // Ana lets her device say; everyone else chose Berlin.
        "timezone": if id == ANA {
            json!({"useAutomaticTimezone": "true", "automaticTimezone": "America/Los_Angeles", "manualTimezone": "Europe/Berlin"})
        } else {
            json!({"useAutomaticTimezone": "false", "manualTimezone": "Europe/Berlin", "automaticTimezone": ""})
        },
    }))
}

async fn users_by_id(
    State(state): State<Shared>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let ids: Vec<String> = serde_json::from_slice(&body).unwrap();
    let fake = state.lock().unwrap();
    let found: Vec<Value> = fake
        .users
        .iter()
        .filter(|(_, id)| ids.iter().any(|i| i == id))
        .map(|(u, id)| json!({"id": id, "username": u}))
        .collect();
    json_answer(Value::Array(found))
}

async fn direct(body: axum::body::Bytes) -> axum::response::Response {
    let pair: Vec<String> = serde_json::from_slice(&body).unwrap();
    assert_eq!(pair.len(), 2, "a DM is between two people");
    assert!(pair.contains(&BOT.to_string()), "the bot is one of them");
    let other = pair.iter().find(|p| *p != BOT).unwrap();
    json_answer(json!({"id": format!("dm{}", &other[..24])}))
}

async fn create_post(
    State(state): State<Shared>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let post: Value = serde_json::from_slice(&body).unwrap();
    {
        let mut fake = state.lock().unwrap();
        if fake.rate_limited > 0 {
            fake.rate_limited -= 1;
            fake.refused += 1;
            use axum::response::IntoResponse;
            return (
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                [("x-ratelimit-reset", "3"), ("x-ratelimit-remaining", "0")],
                "limit exceeded",
            )
                .into_response();
        }
    }
    let (id, hang) = {
        let mut fake = state.lock().unwrap();
        let id = format!("p{:025}", fake.posts.len() + 1);
        for file in post["file_ids"].as_array().into_iter().flatten() {
            let file = file.as_str().unwrap();
            if let Some(uploaded) = fake.files.iter_mut().find(|f| f.0 == file)
                && uploaded.1 == post["channel_id"].as_str().unwrap()
            {
                uploaded.4.push(id.clone());
            }
        }
        fake.posts.push((
            id.clone(),
            post["channel_id"].as_str().unwrap().to_string(),
            post["message"].as_str().unwrap().to_string(),
            post["props"].clone(),
        ));
        let failed = fake.stored_then_503 > 0;
        fake.stored_then_503 = fake.stored_then_503.saturating_sub(1);
        if failed {
            use axum::response::IntoResponse;
            return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        (id, std::mem::take(&mut fake.post_then_hang))
    };
    if hang {
        std::future::pending::<()>().await;
    }
    json_answer(json!({"id": id, "channel_id": post["channel_id"]}))
}

async fn one_post(
    State(state): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    let fake = state.lock().unwrap();
    match fake.posts.iter().find(|(i, _, _, _)| *i == id) {
        Some((i, c, m, p)) => {
            json_answer(json!({"id": i, "channel_id": c, "message": m, "props": p}))
        }
        None => {
            use axum::response::IntoResponse;
            axum::http::StatusCode::NOT_FOUND.into_response()
        }
    }
}

async fn update_post(
    State(state): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let update: Value = serde_json::from_slice(&body).unwrap();
    let mut fake = state.lock().unwrap();
    let message = update["message"].as_str().unwrap_or_default().to_string();
    let props = update["props"].clone();
    fake.updates
        .push((id.clone(), message.clone(), props.clone()));
    if let Some(post) = fake.posts.iter_mut().find(|(i, _, _, _)| *i == id) {
        post.2 = message;
        post.3 = props;
    }
    json_answer(json!({"id": id}))
}

async fn channel_posts(
    State(state): State<Shared>,
    axum::extract::Path(channel): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    let fake = state.lock().unwrap();
    let since: i64 = query.get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut posts: serde_json::Map<String, Value> = fake
        .posts
        .iter()
        .filter(|(_, c, _, _)| *c == channel)
        .map(|(id, c, m, p)| {
            (
                id.clone(),
                json!({"id": id, "channel_id": c, "message": m, "props": p, "user_id": BOT, "type": ""}),
            )
        })
        .collect();
    for (id, c, user, message, at) in &fake.written {
        if *c == channel && *at >= since {
            posts.insert(
                id.clone(),
                json!({"id": id, "channel_id": c, "user_id": user, "message": message,
                       "type": "", "create_at": at, "delete_at": 0}),
            );
        }
    }
    let order: Vec<&String> = posts.keys().collect();
    json_answer(json!({"order": order, "posts": posts}))
}

async fn open_dialog(
    State(state): State<Shared>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let body: Value = serde_json::from_slice(&body).unwrap();
    let mut fake = state.lock().unwrap();
    fake.dialogs.push(body);
    fake.dialog_opened.notify_one();
    json_answer(json!({"status": "OK"}))
}

async fn upload_file(
    State(state): State<Shared>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let mut fake = state.lock().unwrap();
    let id = format!("f{:025}", fake.files.len() + 1);
    fake.files.push((
        id.clone(),
        query["channel_id"].clone(),
        query["filename"].clone(),
        body.to_vec(),
        Vec::new(),
    ));
    json_answer(json!({"file_infos": [{"id": id, "name": query["filename"]}], "client_ids": []}))
}

async fn file_info(
    State(state): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    let fake = state.lock().unwrap();
    match fake.files.iter().find(|f| f.0 == id) {
        Some((id, channel, name, _, post)) => {
            json_answer(json!({"id": id, "channel_id": channel, "name": name,
                   "post_id": post.first().cloned().unwrap_or_default()}))
        }
        None => {
            use axum::response::IntoResponse;
            axum::http::StatusCode::NOT_FOUND.into_response()
        }
    }
}

async fn fake_mattermost() -> (String, Shared) {
    let state: Shared = Arc::new(Mutex::new(FakeMattermost {
        users: vec![("ana", ANA), ("boss", MANAGER)],
        ..Default::default()
    }));
    let app = axum::Router::new()
        .route("/api/v4/users/usernames", post(usernames))
        .route("/api/v4/users/me", axum::routing::get(me))
        .route("/api/v4/users/ids", post(users_by_id))
        .route("/api/v4/users/{id}", axum::routing::get(user))
        .route("/api/v4/channels/direct", post(direct))
        .route("/api/v4/actions/dialogs/open", post(open_dialog))
        .route("/api/v4/files", post(upload_file))
        .route("/api/v4/files/{id}/info", axum::routing::get(file_info))
        .route("/api/v4/posts", post(create_post))
        .route(
            "/api/v4/posts/{id}",
            axum::routing::get(one_post).put(update_post),
        )
        .route(
            "/api/v4/channels/{id}/posts",
            axum::routing::get(channel_posts),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), state)
}

async fn bot(url: &str) -> Bot {
    bot_in(url, tempfile::tempdir().unwrap()).await
}

async fn bot_in(url: &str, dir: tempfile::TempDir) -> Bot {
    bot_with(url, dir, &[]).await
}

const ACTIONS_SECRET: &str = "mm-actions-secret";

async fn bot_with(url: &str, dir: tempfile::TempDir, extra: &[(&str, &str)]) -> Bot {
    let tokens = format!("other-token, {TOKEN}");
    let mut env = vec![
        ("MATTERMOST_COMMAND_TOKENS", tokens.as_str()),
        ("MATTERMOST_URL", url),
        ("MATTERMOST_BOT_TOKEN", "mm-bot-token"),
        ("MATTERMOST_TEAM_ID", TEAM_ID),
    ];
    env.extend_from_slice(extra);
    let mut config = config(None, &env);
    config.api_timeout = std::time::Duration::from_millis(500);
    Bot::launch(dir, config, Clock::starting_at(tuesday_9am())).await
}

/// Posts a slash command as Mattermost does; the status and the JSON answer.
async fn command(bot: &Bot, token: Option<&str>, user: &str, text: &str) -> (u16, Value) {
    let name = if user == MANAGER { "boss" } else { "ana" };
    command_as(bot, token, user, name, text).await
}

/// [`command`], with the `user_name` Mattermost sends (empty: none).
async fn command_as(
    bot: &Bot,
    token: Option<&str>,
    user: &str,
    user_name: &str,
    text: &str,
) -> (u16, Value) {
    let body = serde_urlencoded::to_string([
        ("channel_id", "dm7w1fdjmfbz8rk6ibfuw9zq4e"),
        ("command", "/tour"),
        ("team_id", TEAM_ID),
        ("team_domain", "acme"),
        ("text", text),
        ("user_id", user),
        ("user_name", user_name),
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

/// The manager proposes tour 1 to Ana; the answer.
async fn propose(bot: &Bot) -> Value {
    let text = "propose @ana rotational 1y Ship billing";
    command(bot, Some(TOKEN), MANAGER, text).await.1
}

/// Tour 1: the manager proposes to Ana, who accepts; both on Mattermost.
async fn agreed_tour(bot: &Bot) {
    propose(bot).await;
    command(bot, Some(TOKEN), ANA, "accept 1").await;
}

/// Tour 1 proposed (Tuesday 24 Nov) and its DM sent; left unanswered, its
/// "waiting" reminder fires at `due` (it falls due on the 27th). How many
/// posts there were before the reminder's.
async fn waiting_reminder_fired(
    bot: &Bot,
    fake: &Shared,
    due: chrono::DateTime<chrono::Utc>,
) -> usize {
    propose(bot).await;
    deliver(bot, bot.now()).await;
    let before = fake.lock().unwrap().posts.len();
    assert!(bot.tick(due).due >= 1, "the reminder fired");
    before
}

/// Every button of a post, from its props.
fn actions_of(props: &Value) -> Vec<Value> {
    props["attachments"]
        .as_array()
        .unwrap_or_else(|| panic!("no attachments in {props}"))
        .iter()
        .flat_map(|a| a["actions"].as_array().unwrap().clone())
        .collect()
}

/// The shared count of the Mattermost team's check-in messages owed.
fn chats_owed(bot: &Bot) -> usize {
    bot.store
        .outbox_all()
        .unwrap()
        .into_iter()
        .filter(|e| e.team == team() && e.key.starts_with("chat:"))
        .count()
}

/// Waits until at least `n` check-in messages are owed; how many are.
async fn chats_owed_at_least(bot: &Bot, n: usize) -> usize {
    until("reading the answer", || chats_owed(bot) >= n).await;
    chats_owed(bot)
}

/// A reader of the bot's event stream at `ws_url`, as `serve` builds it.
fn events_of(bot: &Bot, url: &str, ws_url: &str) -> alliance::mattermost::events::Events {
    alliance::mattermost::events::Events {
        engine: bot.state().engine.clone(),
        clock: bot.clock.clone(),
        wake: bot.state().wake.clone(),
        api: Arc::new(
            alliance::mattermost::api::MattermostApi::new(
                url,
                alliance::config::Secret::new("mm-bot-token"),
                std::time::Duration::from_millis(500),
            )
            .with_websocket_url(ws_url),
        ),
        team: team(),
    }
}

/// Waits (a real-time poll: the reader is a socket) until `done`.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{what} never happened");
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
    // A lookup that never answers is given up on, with the same answer.
    {
        let mut fake = fake.lock().unwrap();
        fake.failing = false;
        fake.hanging = true;
    }
    let (status, answer) =
        command(&bot, Some(TOKEN), MANAGER, "propose @ana rotational 1y X").await;
    assert_eq!(status, 200);
    assert!(
        answer["text"].as_str().unwrap().contains("try again"),
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

#[tokio::test]
async fn the_proposal_reaches_the_member_by_dm_once_across_a_restart_mid_post() {
    let (url, fake) = fake_mattermost().await;
    let fake_state = fake.clone();
    let bot = bot(&url).await;
    let answer = propose(&bot).await;
    assert!(
        answer["text"].as_str().unwrap().contains("Proposed"),
        "{answer}"
    );
    // The post lands, and the bot dies before hearing so.
    fake.lock().unwrap().post_then_hang = true;
    let worker = bot
        .mattermost_deliverer
        .clone()
        .expect("Mattermost delivery");
    let now = bot.now();
    let cut =
        tokio::time::timeout(std::time::Duration::from_millis(300), worker.run_once(now)).await;
    assert!(cut.is_err(), "the pass was cut off mid-post");
    assert_eq!(fake.lock().unwrap().posts.len(), 1);
    drop(worker);
    let dir = bot.stop().await;

    let bot = bot_in(&url, dir).await;
    let at = deliver(&bot, bot.now() + chrono::Duration::minutes(5)).await;
    {
        let fake = fake.lock().unwrap();
        let to_ana: Vec<_> = fake
            .posts
            .iter()
            .filter(|(_, c, _, _)| c.starts_with(&format!("dm{}", &ANA[..24])))
            .collect();
        assert_eq!(
            to_ana.len(),
            1,
            "found after the restart, not posted again: {:?}",
            fake.posts
        );
        let (_, _, message, props) = to_ana[0];
        assert_eq!(props["alliance_key"], "tour:1:proposal");
        assert!(
            message.contains("@boss proposes a tour of duty to you: **#1**"),
            "{message}"
        );
        assert!(!message.contains("<@"), "{message}");
        let entry = bot
            .store
            .outbox_entry(&team(), "tour:1:proposal")
            .unwrap()
            .unwrap();
        assert!(
            matches!(
                entry.state,
                alliance::store::outbox::OutboxState::Sent { .. }
            ),
            "{entry:?}"
        );
    }
    // Ana accepts (her name unsaid): the manager's DM names her all the
    // same, learnt from Mattermost when it is posted.
    command_as(&bot, Some(TOKEN), ANA, "", "accept 1").await;
    deliver(&bot, at).await;
    let fake = fake_state.lock().unwrap();
    let accepted = fake
        .posts
        .iter()
        .find(|(_, _, _, p)| p["alliance_key"] == "tour:1:accepted")
        .expect("the manager was told");
    assert!(
        accepted.1.starts_with(&format!("dm{}", &MANAGER[..24])),
        "{accepted:?}"
    );
    assert!(
        accepted.2.starts_with("@ana accepted tour **#1**"),
        "{}",
        accepted.2
    );
}

/// Runs Mattermost's delivery from `at` until nothing more is due soon;
/// the time it got to.
async fn deliver(
    bot: &Bot,
    mut at: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    let worker = bot.mattermost_deliverer.clone().unwrap();
    for _ in 0..20 {
        match worker.run_once(at).await.unwrap().next {
            Some(next) if next <= at + chrono::Duration::minutes(1) => at = next.max(at),
            _ => break,
        }
    }
    at
}

async fn press(bot: &Bot, user: &str, post_id: &str, context: &Value) -> (u16, Value) {
    let body = json!({
        "user_id": user, "user_name": "", "channel_id": "dmchannel", "team_id": TEAM_ID,
        "post_id": post_id, "trigger_id": "t", "type": "", "context": context,
    });
    let response = bot
        .client
        .post(bot.url("/mattermost/actions"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_button_in_a_dm_is_pressed_by_its_person_and_a_forged_one_is_refused() {
    let (url, fake) = fake_mattermost().await;
    let bot = bot_with(
        &url,
        tempfile::tempdir().unwrap(),
        &[
            ("MATTERMOST_CALLBACK_URL", "https://alliance.example.com/"),
            ("MATTERMOST_ACTIONS_SECRET", ACTIONS_SECRET),
        ],
    )
    .await;
    propose(&bot).await;
    deliver(&bot, bot.now()).await;
    let (post_id, props) = {
        let fake = fake.lock().unwrap();
        let (id, _, _, props) = fake.posts[0].clone();
        (id, props)
    };
    let actions: Vec<Value> = actions_of(&props);
    let accept = actions
        .iter()
        .find(|a| a["name"] == "Accept")
        .unwrap_or_else(|| panic!("no Accept in {props}"));
    assert_eq!(
        accept["integration"]["url"],
        "https://alliance.example.com/mattermost/actions"
    );
    let context = accept["integration"]["context"].clone();
    let status = |bot: &Bot| {
        bot.store
            .tour(&team(), alliance::domain::TourId(1))
            .unwrap()
            .unwrap()
            .status
    };

    // Forged: another value under the same signature.
    let mut forged = context.clone();
    forged["value"] = "2".into();
    assert_eq!(press(&bot, ANA, &post_id, &forged).await.0, 403);
    let mut unsigned = context.clone();
    unsigned.as_object_mut().unwrap().remove("sig");
    assert_eq!(press(&bot, ANA, &post_id, &unsigned).await.0, 403);
    // The manager pressing the member's Accept: the rules say no.
    assert_eq!(press(&bot, MANAGER, &post_id, &context).await.0, 200);
    assert_eq!(status(&bot), alliance::domain::tour::Status::Proposed);

    // Ana presses it: accepted, and the post is replaced without buttons.
    let (code, body) = press(&bot, ANA, &post_id, &context).await;
    assert_eq!((code, body), (200, json!({})));
    assert_eq!(status(&bot), alliance::domain::tour::Status::Active);
    deliver(&bot, bot.now() + chrono::Duration::seconds(5)).await;
    let fake = fake.lock().unwrap();
    let (id, message, props) = fake.updates.last().expect("the post was updated in place");
    assert_eq!(id, &post_id);
    assert!(message.contains("now **active**"), "{message}");
    assert_eq!(
        props["alliance_key"], "tour:1:proposal",
        "the key stays with the post"
    );
    assert!(
        !props.to_string().contains("\"Accept\""),
        "no stale button: {props}"
    );
}

/// The same conversation typed on Slack and on Mattermost: the engine
/// decides the same (the tours, their history and what is owed), whatever
/// the rendering; only the ids differ.
#[tokio::test]
async fn the_same_conversation_on_slack_and_mattermost_decides_the_same() {
    let (url, _fake) = fake_mattermost().await;
    let bot = bot(&url).await;
    let steps: [(&str, &str); 4] = [
        (
            "boss",
            "propose @ana rotational from 2026-12-01 to 2027-12-01 Ship billing",
        ),
        ("ana", "accept 1"),
        (
            "boss",
            "objective 1 add member A mentor from the platform team",
        ),
        ("ana", "objective 1 add company Invoices in one click"),
    ];
    let slack_id = |who: &str| if who == "boss" { "USBOSS" } else { "USANA" };
    let mm_id = |who: &str| if who == "boss" { MANAGER } else { ANA };
    for (who, text) in steps {
        let slack_text = text.replace("@ana", "<@USANA>");
        bot.tour(slack_id(who), &slack_text)
            .await
            .assert_well_formed();
        let (status, _) = command(&bot, Some(TOKEN), mm_id(who), text).await;
        assert_eq!(status, 200);
    }
    let slack = TeamId::parse(common::TEAM).unwrap();
    let decided = |team: &TeamId, ids: [&str; 2]| {
        let tour = bot
            .store
            .tour(team, alliance::domain::TourId(1))
            .unwrap()
            .expect("the tour");
        // Everything but who (the ids) and when (the clock moves on).
        let mut text = serde_json::to_string(&tour).unwrap();
        let history: Vec<String> = bot
            .store
            .history(team, tour.id)
            .unwrap()
            .iter()
            .map(|e| serde_json::to_string(&e.event).unwrap())
            .collect();
        let [boss, ana] = ids;
        let neutral = |s: &str| s.replace(boss, "BOSS").replace(ana, "ANA");
        let mut owed: Vec<String> = bot
            .store
            .outbox_all()
            .unwrap()
            .into_iter()
            .filter(|e| &e.team == team)
            .map(|e| neutral(&e.key))
            .collect();
        owed.sort();
        text.push_str(&history.join("\n"));
        text.push_str(&owed.join("\n"));
        neutral(&text)
    };
    let on_slack = decided(&slack, ["USBOSS", "USANA"]);
    let on_mattermost = decided(&team(), [MANAGER, ANA]);
    // Instants differ between the two runs; compare without them.
    let strip = |s: &str| {
        let mut out = String::new();
        for part in s.split('"') {
            let looks_like_instant = part.len() >= 20
                && part.as_bytes()[4] == b'-'
                && part.contains('T')
                && part.ends_with('Z');
            out.push_str(if looks_like_instant { "<at>" } else { part });
            out.push('"');
        }
        out
    };
    assert_eq!(strip(&on_slack), strip(&on_mattermost));
    assert!(on_slack.contains("objective_added"), "{on_slack}");
}

/// A Mattermost workspace moves with `export` and `import` like a Slack
/// one, and erasing a Mattermost person erases them there.
#[tokio::test]
async fn export_import_and_erase_cover_a_mattermost_workspace() {
    let (url, _fake) = fake_mattermost().await;
    let bot = bot(&url).await;
    agreed_tour(&bot).await;
    let mut exported = Vec::new();
    bot.store.export(None, &mut exported, &mut |_| {}).unwrap();
    let text = String::from_utf8(exported.clone()).unwrap();
    assert!(
        text.contains(&format!("mm-{TEAM_ID}")),
        "the workspace is in it"
    );

    let restored = alliance::store::Store::in_memory();
    restored.import(&exported, &mut |_| {}).unwrap();
    let ana = UserId::parse(ANA).unwrap();
    let tours = restored.tours_of(&team(), &ana).unwrap();
    assert_eq!(tours.len(), 1);
    assert_eq!(tours[0].manager.as_str(), MANAGER);

    restored.erase_person(&ana, Some(&team())).unwrap();
    assert!(
        restored.tours_of(&team(), &ana).unwrap().is_empty(),
        "Ana is gone"
    );
    let mut after = Vec::new();
    restored.export(None, &mut after, &mut |_| {}).unwrap();
    assert!(
        !String::from_utf8(after).unwrap().contains(ANA),
        "nowhere in the export"
    );
}

/// A fake Mattermost event stream: each connection's `Authorization` is
/// recorded, and frames sent on the channel go to the newest connection.
// The handshake callback's error type is tungstenite's, large by design.
#[allow(clippy::result_large_err)]
async fn fake_events() -> (
    String,
    Arc<Mutex<Vec<String>>>,
    Arc<Mutex<Option<tokio::sync::mpsc::UnboundedSender<String>>>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/api/v4/websocket", listener.local_addr().unwrap());
    let auth = Arc::new(Mutex::new(Vec::new()));
    let newest: Arc<Mutex<Option<tokio::sync::mpsc::UnboundedSender<String>>>> =
        Arc::new(Mutex::new(None));
    let (seen, sender) = (auth.clone(), newest.clone());
    tokio::spawn(async move {
        use futures_util::SinkExt;
        while let Ok((tcp, _)) = listener.accept().await {
            let seen = seen.clone();
            let callback =
                move |req: &tokio_tungstenite::tungstenite::handshake::server::Request, res| {
                    let header = req
                        .headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    seen.lock().unwrap().push(header);
                    Ok(res)
                };
            let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
                continue;
            };
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
            *sender.lock().unwrap() = Some(tx);
            tokio::spawn(async move {
                while let Some(frame) = rx.recv().await {
                    if socket
                        .send(tokio_tungstenite::tungstenite::Message::Text(frame.into()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, auth, newest)
}

fn posted(post_id: &str, user: &str, message: &str) -> String {
    let post =
        json!({"id": post_id, "user_id": user, "channel_id": "dm", "message": message, "type": ""});
    json!({"event": "posted", "seq": 1, "data": {"channel_type": "D", "post": post.to_string()}})
        .to_string()
}

#[tokio::test]
async fn a_check_in_answered_in_the_dm_is_read_once_across_a_resend_and_a_restart() {
    let (url, _fake) = fake_mattermost().await;
    let (ws_url, auth, newest) = fake_events().await;
    let bot = bot(&url).await;
    agreed_tour(&bot).await;
    let (_, answer) = command(&bot, Some(TOKEN), MANAGER, "checkin 1").await;
    assert_eq!(answer["response_type"], "ephemeral", "{answer}");
    deliver(&bot, bot.now()).await;
    let asked = chats_owed(&bot);
    assert!(asked >= 1, "the check-in asked its first question");

    let events = |bot: &Bot| events_of(bot, &url, &ws_url);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let reader = tokio::spawn(events(&bot).run(stopped));
    let send = |frame: String| {
        let newest = newest.clone();
        async move {
            until("connecting", || newest.lock().unwrap().is_some()).await;
            let tx = newest.lock().unwrap().clone().unwrap();
            tx.send(frame).unwrap();
        }
    };
    // The bot's own post is not an answer.
    send(posted("p0000000000000000000000009", BOT, "a question")).await;
    send(posted(
        "p0000000000000000000000001",
        ANA,
        "We shipped the invoices",
    ))
    .await;
    let after_answer = chats_owed_at_least(&bot, asked + 1).await;
    // The server sends the same post again, then a new one: the frames
    // are read in order, so once the new one is answered the resend was
    // read too, and answered nothing.
    send(posted(
        "p0000000000000000000000001",
        ANA,
        "We shipped the invoices",
    ))
    .await;
    send(posted(
        "p0000000000000000000000002",
        ANA,
        "Nothing is blocked",
    ))
    .await;
    let after_second = chats_owed_at_least(&bot, after_answer + 1).await;
    assert_eq!(
        after_second,
        after_answer + 1,
        "the resend was not answered again"
    );
    let _ = stop.send(true);
    let _ = reader.await;

    // A restart: a new reader, the first post once more, then a new one.
    *newest.lock().unwrap() = None;
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let _reader = tokio::spawn(events(&bot).run(stopped));
    send(posted(
        "p0000000000000000000000001",
        ANA,
        "We shipped the invoices",
    ))
    .await;
    send(posted("p0000000000000000000000003", ANA, "More mentoring")).await;
    let after_restart = chats_owed_at_least(&bot, after_second + 1).await;
    assert_eq!(
        after_restart,
        after_second + 1,
        "not answered twice across a restart"
    );
    assert!(
        auth.lock()
            .unwrap()
            .iter()
            .all(|a| a == "Bearer mm-bot-token")
    );
}

/// Runs Mattermost's delivery from `start` until nothing is owed, however
/// long the waits (at most ten minutes on): the time it got to.
async fn drain(bot: &Bot, start: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    let worker = bot.mattermost_deliverer.clone().unwrap();
    let mut at = start;
    for _ in 0..50 {
        match worker.run_once(at).await.unwrap().next {
            Some(next) if at <= start + chrono::Duration::minutes(10) => at = next.max(at),
            _ => return at,
        }
    }
    panic!("the outbox did not drain")
}

#[tokio::test]
async fn a_post_stored_but_answered_503_is_found_not_posted_again() {
    let (url, fake) = fake_mattermost().await;
    let bot = bot(&url).await;
    agreed_tour(&bot).await;
    fake.lock().unwrap().stored_then_503 = 2;
    drain(&bot, bot.now()).await;
    let fake = fake.lock().unwrap();
    assert_eq!(fake.stored_then_503, 0, "both posts met a 503");
    let mut keys: Vec<&str> = fake
        .posts
        .iter()
        .map(|(_, _, _, p)| p["alliance_key"].as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys, ["tour:1:accepted", "tour:1:proposal"], "each once");
}

#[tokio::test]
async fn a_429_storm_is_waited_out_and_every_message_goes_once() {
    let (url, fake) = fake_mattermost().await;
    let bot = bot(&url).await;
    agreed_tour(&bot).await;
    fake.lock().unwrap().rate_limited = 5;
    let start = bot.now();
    let at = drain(&bot, start).await;
    let fake = fake.lock().unwrap();
    assert_eq!(fake.refused, 5);
    // Each refusal held every send for the 3 s the server named.
    let last_post_at = at;
    assert!(
        last_post_at - start >= chrono::Duration::seconds(15),
        "waited {} s",
        (last_post_at - start).num_seconds()
    );
    let mut keys: Vec<&str> = fake
        .posts
        .iter()
        .map(|(_, _, _, p)| p["alliance_key"].as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys, ["tour:1:accepted", "tour:1:proposal"], "each once");
}

#[tokio::test]
async fn a_reminder_waits_for_working_hours_in_the_zone_mattermost_prefers() {
    use chrono::TimeZone;
    let (url, fake) = fake_mattermost().await;
    let bot = bot(&url).await;
    let due = chrono::Utc
        .with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .unwrap();
    let before = waiting_reminder_fired(&bot, &fake, due).await;
    let worker = bot.mattermost_deliverer.clone().unwrap();
    // 12:00 UTC is 04:00 in Los Angeles, Ana's automatic zone (which she
    // chose over her manual Berlin): before working hours, so it waits.
    worker.run_once(due).await.unwrap();
    assert_eq!(
        fake.lock().unwrap().posts.len(),
        before,
        "not before 09:00 in Los Angeles"
    );
    // 17:00 UTC is 09:00 there: it goes, once.
    let open = chrono::Utc
        .with_ymd_and_hms(2026, 11, 27, 17, 0, 0)
        .unwrap();
    deliver(&bot, open).await;
    let fake = fake.lock().unwrap();
    let reminders: Vec<_> = fake.posts[before..]
        .iter()
        .filter(|(_, c, _, _)| c.starts_with(&format!("dm{}", &ANA[..24])))
        .collect();
    assert_eq!(reminders.len(), 1, "{:?}", fake.posts);
    assert!(
        reminders[0].3["alliance_key"]
            .as_str()
            .unwrap()
            .contains("waiting"),
        "{:?}",
        reminders[0]
    );
}

/// The `n`th dialog opened (from 1), once the bot has opened it (it opens
/// dialogs on a task of its own, after answering).
async fn opened_dialog(fake: &Shared, n: usize) -> Value {
    let notify = fake.lock().unwrap().dialog_opened.clone();
    for _ in 0..50 {
        if let Some(dialog) = fake.lock().unwrap().dialogs.get(n - 1) {
            return dialog.clone();
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), notify.notified()).await;
    }
    panic!("dialog {n} was never opened")
}

/// Submits an opened dialog as Mattermost does, as `user`; the status and
/// the JSON answer.
async fn submit_dialog(bot: &Bot, user: &str, opened: &Value, submission: Value) -> (u16, Value) {
    let url = opened["url"].as_str().unwrap();
    let path = url.strip_prefix("https://alliance.example.com").unwrap();
    let body = json!({
        "type": "dialog_submission",
        "callback_id": opened["dialog"]["callback_id"],
        "state": opened["dialog"]["state"],
        "user_id": user, "channel_id": "dmchannel", "team_id": TEAM_ID,
        "submission": submission, "cancelled": false,
    });
    let response = bot
        .client
        .post(bot.url(path))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn bot_with_buttons(url: &str) -> Bot {
    bot_with(
        url,
        tempfile::tempdir().unwrap(),
        &[
            ("MATTERMOST_CALLBACK_URL", "https://alliance.example.com/"),
            ("MATTERMOST_ACTIONS_SECRET", ACTIONS_SECRET),
        ],
    )
    .await
}

#[tokio::test]
async fn the_propose_form_is_a_dialog_whose_problems_show_inline_and_a_forged_one_is_refused() {
    let (url, fake) = fake_mattermost().await;
    let bot = bot_with_buttons(&url).await;
    let (status, answer) = command(&bot, Some(TOKEN), MANAGER, "propose").await;
    assert_eq!(status, 200);
    assert!(
        answer["text"]
            .as_str()
            .unwrap()
            .contains("/tour propose @person"),
        "it says how to type it too: {answer}"
    );
    let opened = opened_dialog(&fake, 1).await;
    assert_eq!(opened["trigger_id"], "x", "the command's trigger");
    assert_eq!(
        opened["url"],
        "https://alliance.example.com/mattermost/dialogs"
    );
    let dialog = &opened["dialog"];
    assert_eq!(dialog["title"], "Propose a tour");
    let names: Vec<&str> = dialog["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "member",
            "kind",
            "term",
            "mission",
            "company_objectives",
            "member_objectives"
        ]
    );
    assert_eq!(dialog["elements"][0]["data_source"], "users");

    // A term the parser would misread: inline, on the term, nothing made.
    let mut filled = json!({
        "member": ANA, "kind": "rotational", "term": "18m extra",
        "mission": "Ship billing", "company_objectives": "Invoices out on time\nA runbook",
    });
    let (status, answer) = submit_dialog(&bot, MANAGER, &opened, filled.clone()).await;
    assert_eq!(status, 200);
    assert!(
        answer["errors"]["term"]
            .as_str()
            .unwrap()
            .contains("length"),
        "{answer}"
    );
    assert!(bot.store.tours_in_team(&team(), 10).unwrap().is_empty());

    // Forged: the same state submitted as someone else, or altered.
    let (status, _) = submit_dialog(&bot, ANA, &opened, filled.clone()).await;
    assert_eq!(status, 403);
    let mut altered = opened.clone();
    altered["dialog"]["state"] = format!("{}7", dialog["state"].as_str().unwrap()).into();
    assert_eq!(
        submit_dialog(&bot, MANAGER, &altered, filled.clone())
            .await
            .0,
        403
    );
    let mut renamed = opened.clone();
    renamed["dialog"]["callback_id"] = "tour.extend".into();
    assert_eq!(
        submit_dialog(&bot, MANAGER, &renamed, filled.clone())
            .await
            .0,
        403
    );
    assert!(bot.store.tours_in_team(&team(), 10).unwrap().is_empty());

    // Fixed: proposed, with its objectives, and Ana has it by DM.
    filled["term"] = "18m".into();
    let (status, answer) = submit_dialog(&bot, MANAGER, &opened, filled).await;
    assert_eq!((status, answer), (200, json!({})));
    let tours = bot.store.tours_in_team(&team(), 10).unwrap();
    assert_eq!(tours.len(), 1);
    assert_eq!(tours[0].member.as_str(), ANA);
    assert_eq!(tours[0].mission, "Ship billing");
    assert_eq!(tours[0].objectives.len(), 2);
    deliver(&bot, bot.now()).await;
    let fake = fake.lock().unwrap();
    assert!(
        fake.posts
            .iter()
            .any(|(_, c, _, p)| c.starts_with(&format!("dm{}", &ANA[..24]))
                && p["alliance_key"] == "tour:1:proposal"),
        "{:?}",
        fake.posts
    );
}

#[tokio::test]
async fn a_date_picker_opens_a_dialog_and_the_date_snoozes_the_reminder() {
    use chrono::TimeZone;
    let (url, fake) = fake_mattermost().await;
    let bot = bot_with_buttons(&url).await;
    // The proposal waits unanswered; its reminder reaches Ana in her hours.
    let due = chrono::Utc
        .with_ymd_and_hms(2026, 11, 27, 17, 0, 0)
        .unwrap();
    let before = waiting_reminder_fired(&bot, &fake, due).await;
    deliver(&bot, due).await;
    let (post_id, props) = {
        let fake = fake.lock().unwrap();
        let (id, _, _, props) = fake.posts[before].clone();
        (id, props)
    };
    let actions: Vec<Value> = actions_of(&props);
    let picker = actions
        .iter()
        .find(|a| a["integration"]["context"]["date"] == true)
        .unwrap_or_else(|| panic!("no date picker in {props}"));
    assert_eq!(picker["name"], "Snooze until…");
    let (status, answer) = press(&bot, ANA, &post_id, &picker["integration"]["context"]).await;
    assert_eq!((status, answer), (200, json!({})));
    let opened = opened_dialog(&fake, 1).await;
    assert_eq!(opened["trigger_id"], "t", "the press's trigger");
    assert_eq!(opened["dialog"]["elements"][0]["name"], "date");

    let (status, answer) = submit_dialog(&bot, ANA, &opened, json!({"date": "next week"})).await;
    assert_eq!(status, 200);
    assert!(
        answer["errors"]["date"]
            .as_str()
            .unwrap()
            .contains("YYYY-MM-DD"),
        "{answer}"
    );
    let (status, answer) = submit_dialog(&bot, ANA, &opened, json!({"date": "2026-12-04"})).await;
    assert_eq!((status, answer), (200, json!({})));
    deliver(&bot, due + chrono::Duration::seconds(5)).await;
    let fake = fake.lock().unwrap();
    let (id, message, _) = fake
        .updates
        .last()
        .expect("the reminder was answered in place");
    assert_eq!(id, &post_id);
    assert!(message.contains("2026-12-04"), "{message}");
}

#[tokio::test]
async fn what_was_written_while_the_stream_was_down_is_read_once_on_connecting() {
    let (url, fake) = fake_mattermost().await;
    let (ws_url, _auth, newest) = fake_events().await;
    let bot = bot(&url).await;
    agreed_tour(&bot).await;
    command(&bot, Some(TOKEN), MANAGER, "checkin 1").await;
    deliver(&bot, bot.now()).await;
    let ana = UserId::parse(ANA).unwrap();
    let chat = bot.store.chat(&team(), &ana).unwrap();
    let opened = chat
        .current
        .as_ref()
        .expect("a check-in is talking to Ana")
        .opened_at;
    let answers = |bot: &Bot| {
        let chat = bot.store.chat(&team(), &ana).unwrap();
        chat.current
            .map(|c| c.answers.iter().filter(|a| a.is_some()).count())
            .unwrap_or(usize::MAX)
    };
    assert_eq!(answers(&bot), 0);
    // While no stream was read, Ana answered in her DM; she also wrote
    // before the check-in opened, which is no answer to it.
    let channel = format!("dm{}", &ANA[..24]);
    let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis();
    fake.lock().unwrap().written = vec![
        (
            "p0000000000000000000000007".into(),
            channel.clone(),
            ANA.into(),
            "Hello there".into(),
            ms(opened - chrono::Duration::hours(1)),
        ),
        (
            "p0000000000000000000000008".into(),
            channel.clone(),
            ANA.into(),
            "We shipped the invoices".into(),
            ms(opened + chrono::Duration::minutes(1)),
        ),
    ];
    let events = |bot: &Bot| events_of(bot, &url, &ws_url);
    // Connecting reads it: once the stream is up, the catch-up is done.
    let connected = || until("connecting", || newest.lock().unwrap().is_some());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let reader = tokio::spawn(events(&bot).run(stopped));
    connected().await;
    until("reading what was written while down", || answers(&bot) == 1).await;
    let _ = stop.send(true);
    let _ = reader.await;
    let after_first = chats_owed(&bot);
    let said: Vec<String> = bot
        .store
        .chat(&team(), &ana)
        .unwrap()
        .current
        .unwrap()
        .answers
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(
        said,
        ["We shipped the invoices"],
        "not the hello from before it opened"
    );

    // A restart reads the same DM again and answers nothing twice; a live
    // post after it still counts.
    *newest.lock().unwrap() = None;
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let _reader = tokio::spawn(events(&bot).run(stopped));
    connected().await;
    let tx = newest.lock().unwrap().clone().unwrap();
    tx.send(posted(
        "p0000000000000000000000009",
        ANA,
        "Nothing is blocked",
    ))
    .unwrap();
    until("reading the live post", || chats_owed(&bot) > after_first).await;
    // The live post was read after the catch-up (frames wait their turn),
    // so by now a second reading of the old one would have shown too.
    assert_eq!(
        chats_owed(&bot),
        after_first + 1,
        "the caught-up post was not answered twice"
    );
}

#[tokio::test]
async fn a_timeline_is_uploaded_into_the_dm_and_shared_once_across_a_restart_mid_share() {
    let (url, fake) = fake_mattermost().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = bot_in(&url, dir).await;
    agreed_tour(&bot).await;
    let (_, answer) = command(&bot, Some(TOKEN), MANAGER, "timeline").await;
    assert!(
        answer["text"].as_str().unwrap().contains("direct message"),
        "{answer}"
    );
    deliver(&bot, bot.now()).await;
    let manager_dm = format!("dm{}", &MANAGER[..24]);
    {
        let fake = fake.lock().unwrap();
        assert_eq!(
            fake.files.len(),
            1,
            "{:?}",
            fake.files.iter().map(|f| &f.2).collect::<Vec<_>>()
        );
        let (_, channel, name, bytes, post) = &fake.files[0];
        assert_eq!(channel, &manager_dm, "uploaded into the asker's DM");
        assert!(name.ends_with(".png"), "{name}");
        assert!(bytes.starts_with(b"\x89PNG"), "a picture");
        assert_eq!(post.len(), 1, "shared in one post");
        let (_, c, message, _) = fake.posts.iter().find(|p| p.0 == post[0]).unwrap();
        assert_eq!(c, &manager_dm);
        assert!(!message.contains("<@") && !message.is_empty(), "{message}");
    }

    // The share lands and the bot dies before hearing so: after a restart
    // it asks whether the file is attached, and does not share it again.
    command(&bot, Some(TOKEN), MANAGER, "timeline team").await;
    fake.lock().unwrap().post_then_hang = true;
    let cut = tokio::time::timeout(
        std::time::Duration::from_millis(1500),
        deliver(&bot, bot.now() + chrono::Duration::seconds(5)),
    )
    .await;
    let _ = cut;
    let posts_before = fake.lock().unwrap().posts.len();
    let files_before = fake.lock().unwrap().files.len();
    assert_eq!(files_before, 2);
    let dir = bot.stop().await;
    let bot = bot_in(&url, dir).await;
    deliver(&bot, bot.now() + chrono::Duration::minutes(5)).await;
    let fake = fake.lock().unwrap();
    assert_eq!(fake.files.len(), files_before, "not uploaded again");
    assert_eq!(fake.posts.len(), posts_before, "not shared again");
    assert!(
        fake.files.iter().all(|f| f.4.len() == 1),
        "each file in one post"
    );
}

#[tokio::test]
async fn the_rest_of_the_lifecycle_typed_and_an_extend_button_whose_dialog_answers_its_post() {
    use chrono::TimeZone;
    let (url, fake) = fake_mattermost().await;
    let bot = bot_with_buttons(&url).await;
    agreed_tour(&bot).await;
    let said = |answer: Value| answer["text"].as_str().unwrap().to_string();
    let (_, answer) = command(
        &bot,
        Some(TOKEN),
        MANAGER,
        "objective 1 add company Invoices on time",
    )
    .await;
    assert!(
        said(answer.clone()).contains("Invoices on time"),
        "{answer}"
    );
    let (_, answer) = command(&bot, Some(TOKEN), ANA, "show 1").await;
    let shown = said(answer);
    assert!(
        shown.contains("Ship billing") && shown.contains("Invoices on time"),
        "{shown}"
    );
    assert!(!shown.contains("<@") && shown.contains("@boss"), "{shown}");

    // Thirty days before the end, the manager's reminder offers Extend.
    let due = chrono::Utc
        .with_ymd_and_hms(2027, 10, 26, 10, 0, 0)
        .unwrap();
    deliver(&bot, bot.now()).await;
    // A 1:1 follows the manager's zone as Mattermost tells it, and says
    // so in Mattermost's name.
    let (_, answer) = command(
        &bot,
        Some(TOKEN),
        MANAGER,
        "1on1 @ana every week on tue at 10:00",
    )
    .await;
    let set_up = said(answer);
    assert!(
        set_up.contains("your Mattermost time zone") && !set_up.contains("Slack"),
        "{set_up}"
    );
    assert!(bot.tick(due).due >= 1);
    let before = fake.lock().unwrap().posts.len();
    deliver(&bot, due).await;
    let manager_dm = format!("dm{}", &MANAGER[..24]);
    let (post_id, props) = {
        let fake = fake.lock().unwrap();
        let (id, _, _, props) = fake.posts[before..]
            .iter()
            .find(|(_, c, m, _)| *c == manager_dm && m.contains("ends"))
            .unwrap_or_else(|| panic!("no ending reminder in {:?}", &fake.posts[before..]))
            .clone();
        (id, props)
    };
    let extend = actions_of(&props)
        .into_iter()
        .find(|a| a["name"] == "Extend")
        .unwrap_or_else(|| panic!("no Extend in {props}"));
    let (status, answer) = press(&bot, MANAGER, &post_id, &extend["integration"]["context"]).await;
    assert_eq!((status, answer), (200, json!({})));
    let opened = opened_dialog(&fake, 1).await;
    assert_eq!(opened["dialog"]["callback_id"], "tour.extend");
    let (_, answer) = submit_dialog(&bot, MANAGER, &opened, json!({"length": "forever"})).await;
    assert!(answer["errors"]["length"].is_string(), "{answer}");
    let (status, answer) = submit_dialog(&bot, MANAGER, &opened, json!({"length": "6m"})).await;
    assert_eq!((status, answer), (200, json!({})));
    let tour = bot
        .store
        .tour(&team(), alliance::domain::TourId(1))
        .unwrap()
        .unwrap();
    assert_eq!(
        tour.ends_on.map(|d| d.to_string()).as_deref(),
        Some("2028-05-24")
    );
    // The reminder's post now says what happened, without its buttons;
    // Ana hears of the extension.
    deliver(&bot, due + chrono::Duration::seconds(5)).await;
    {
        let fake = fake.lock().unwrap();
        let (_, message, props) = fake
            .updates
            .iter()
            .rev()
            .find(|(id, _, _)| *id == post_id)
            .expect("the reminder was answered in place");
        assert!(
            message.contains("2028-05-24") || message.contains("xtend"),
            "{message}"
        );
        assert!(!props.to_string().contains("\"Extend\""), "{props}");
        assert!(
            fake.posts
                .iter()
                .any(|(_, c, m, _)| c.starts_with(&format!("dm{}", &ANA[..24]))
                    && m.contains("extended")),
            "{:?}",
            fake.posts
        );
    }
    // The same dialog submitted again changes nothing.
    let (_, answer) = submit_dialog(&bot, MANAGER, &opened, json!({"length": "6m"})).await;
    assert!(
        answer["errors"]["length"]
            .as_str()
            .unwrap()
            .contains("You answered this"),
        "{answer}"
    );

    // Completing is confirmed, typed.
    let (_, answer) = command(&bot, Some(TOKEN), MANAGER, "complete 1").await;
    assert!(
        said(answer.clone()).contains("complete 1 confirm"),
        "{answer}"
    );
    let (_, answer) = command(&bot, Some(TOKEN), MANAGER, "complete 1 confirm").await;
    assert!(said(answer.clone()).contains("complete"), "{answer}");
    let tour = bot
        .store
        .tour(&team(), alliance::domain::TourId(1))
        .unwrap()
        .unwrap();
    assert_eq!(tour.status, alliance::domain::tour::Status::Completed);
}
