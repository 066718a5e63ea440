//! Socket Mode end to end: `App::serve` as `alliance serve` runs it, with
//! `SLACK_APP_TOKEN`, against the fake Slack's WebSocket server on
//! loopback. A command, a button and an event come as envelopes and go
//! through the HTTP path's dispatcher; acks carry the answers; `/readyz`
//! follows the socket; `/slack/events` is not served; a `disconnect` is
//! followed by a new socket that works; a refused app token stops `serve`
//! with a line naming it.
//!
//! And what keeps it whole: two sockets at once, a refresh that opens the
//! new socket before the old closes (and loses no envelope sent in
//! between), `too_many_websockets` closing first, silent and dropped
//! sockets replaced, an envelope re-sent after its ack was lost having one
//! effect, the ack budget holding while the store stalls (and the late
//! answer still reaching the person), and shutdown acking what is in hand.
//! Time is an argument: tests that need a short budget or watchdog pass a
//! [`Timing`].

mod common;

use alliance::app::App;
use alliance::clock::Clock;
use alliance::config::Secret;
use alliance::domain::{Status, TeamId, TourId};
use alliance::slack::http::ANSWER_BUDGET;
use alliance::slack::socket::Timing;
use alliance::store::Store;
use common::counting::{self, Counts};
use common::fake_slack::{FakeSlack, SocketEvent};
use common::{TEAM, config, find_action, tuesday_9am};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

struct Running {
    addr: SocketAddr,
    store: Store,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn serve(slack: &FakeSlack, app_token: &str) -> Running {
    serve_with(slack, app_token, Timing::default(), ANSWER_BUDGET)
        .await
        .0
}

/// `serve` with `timing` and an answer budget, on a store that can be told
/// to stall.
async fn serve_with(
    slack: &FakeSlack,
    app_token: &str,
    timing: Timing,
    budget: Duration,
) -> (Running, Arc<Counts>) {
    let dir = tempfile::tempdir().unwrap();
    let config = config(Some(slack), &[("SLACK_APP_TOKEN", app_token)]);
    assert!(config.socket_mode, "an app token means Socket Mode");
    let (store, counts) = counting::open(dir.path());
    let app = App::new(
        config,
        store.clone(),
        Secret::new(""),
        Clock::starting_at(tuesday_9am()),
    )
    .with_socket_timing(timing)
    .with_answer_budget(budget);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));
    let running = Running {
        addr,
        store,
        stop,
        task,
        _dir: dir,
    };
    (running, counts)
}

fn command(user: &str, text: &str) -> Value {
    json!({
        "token": "x", "team_id": TEAM, "team_domain": "alliance-test",
        "channel_id": format!("D{user}"), "user_id": user, "command": "/tour", "text": text,
        "api_app_id": "A0APP", "response_url": "https://hooks.slack.com/commands/T0TEST/1/SECRET",
        "trigger_id": "1234.5678.abcdef",
    })
}

async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = common::http_client()
        .get(format!("http://{addr}{path}"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// `/metrics` shows each of `lines` (whole lines, with their newline).
async fn metrics_show(addr: SocketAddr, lines: &[&str]) {
    let (_, metrics) = get(addr, "/metrics").await;
    for line in lines {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

/// Waits (real time, up to 5 s) until `check` holds.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen");
}

#[tokio::test]
async fn commands_buttons_and_events_come_over_the_socket() {
    let slack = FakeSlack::start().await;
    let bot = serve(&slack, FakeSlack::APP_TOKEN).await;
    slack.wait_for_sockets(1).await;
    eventually("ready", async || get(bot.addr, "/readyz").await.0 == 200).await;
    let (status, _) = get(bot.addr, "/healthz").await;
    assert_eq!(status, 200);
    let posted = common::http_client()
        .post(format!("http://{}/slack/events", bot.addr))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 404, "no request URL in Socket Mode");

    // A command: its answer is the ack's payload.
    let id = slack.send_envelope(
        "slash_commands",
        command(
            "UMANAGER",
            "propose <@UMEMBER> rotational 1y Run the support rotation",
        ),
    );
    let ack = slack.ack_of(&id).await;
    assert_eq!(ack["payload"]["response_type"], "ephemeral", "{ack}");
    assert!(
        ack["payload"]["text"]
            .as_str()
            .unwrap()
            .contains("Proposed tour #1"),
        "{ack}"
    );
    let team = TeamId::parse(TEAM).unwrap();
    assert!(bot.store.tour(&team, TourId(1)).unwrap().is_some());
    // A mistake is answered the same way, with its usage line.
    let id = slack.send_envelope("slash_commands", command("UMANAGER", "propse"));
    let ack = slack.ack_of(&id).await;
    assert!(ack.to_string().contains("Did you mean"), "{ack}");

    // The worker posts the proposal; its Accept button comes back as an
    // interactive envelope.
    let mut dm = None;
    eventually("the proposal is posted", async || {
        dm = slack.posted().into_iter().find(|m| m.channel == "DUMEMBER");
        dm.is_some()
    })
    .await;
    let dm = dm.unwrap();
    let (block_id, value) = find_action(&dm.blocks, "tour.accept").expect("an Accept button");
    let click = json!({
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "alliance-test"},
        "user": {"id": "UMEMBER", "username": "member", "team_id": TEAM},
        "api_app_id": "A0APP", "trigger_id": "1234.5678.abcdef",
        "response_url": "https://hooks.slack.com/actions/T0TEST/1/SECRET",
        "container": {"type": "message", "message_ts": dm.ts, "channel_id": dm.channel},
        "channel": {"id": dm.channel}, "message": {"ts": dm.ts, "text": dm.text},
        "actions": [{"action_id": "tour.accept", "block_id": block_id, "value": value,
                     "type": "button", "action_ts": "1764000000.000001"}],
    });
    let id = slack.send_envelope("interactive", click);
    slack.ack_of(&id).await;
    assert_eq!(
        bot.store.tour(&team, TourId(1)).unwrap().unwrap().status,
        Status::Active
    );

    // An event: opening the Home tab publishes it.
    let event = json!({
        "type": "event_callback", "team_id": TEAM, "event_id": "Ev0SOCKET1",
        "api_app_id": "A0APP", "event_time": 1,
        "event": {"type": "app_home_opened", "user": "UMEMBER", "channel": "DUMEMBER", "tab": "home"},
    });
    let id = slack.send_envelope("events_api", event);
    let ack = slack.ack_of(&id).await;
    assert!(
        ack.get("payload").is_none(),
        "an event's ack is bare: {ack}"
    );
    eventually("the Home tab is published", async || {
        !slack.calls_to("views.publish").is_empty()
    })
    .await;

    // A form with a mistake: the error is shown on the form.
    let submission = json!({
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "alliance-test"},
        "user": {"id": "UMANAGER", "team_id": TEAM},
        "api_app_id": "A0APP", "trigger_id": "2222.3333.form",
        "view": {"id": "V0FORM", "type": "modal", "callback_id": "tour.extend",
                 "private_metadata": "1",
                 "state": {"values": {"length": {"length.text":
                     {"type": "plain_text_input", "value": "forever"}}}}},
    });
    let id = slack.send_envelope("interactive", submission);
    let ack = slack.ack_of(&id).await;
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(ack["payload"]["errors"]["length"].is_string(), "{ack}");

    // Slack asks to reconnect: a new socket, which works.
    slack.wait_for_sockets(2).await;
    slack.disconnect("refresh_requested");
    slack.wait_for_sockets(3).await;
    let id = slack.send_envelope("slash_commands", command("UMEMBER", "list"));
    let ack = slack.ack_of(&id).await;
    assert!(ack.to_string().contains("Your tours"), "{ack}");
    eventually("the refreshed socket closes", async || {
        slack.sockets_open() == 2
    })
    .await;
    assert_eq!(
        slack.calls_to("apps.connections.open").len(),
        3,
        "one URL per socket"
    );
    metrics_show(
        bot.addr,
        &[
            "alliance_socket_mode_connections 2\n",
            "alliance_socket_mode_reconnects_total{reason=\"refresh_requested\"} 1\n",
            "alliance_socket_mode_acks_past_budget_total 0\n",
        ],
    )
    .await;

    let _ = bot.stop.send(());
    bot.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_refused_app_token_stops_serve_and_names_it() {
    let slack = FakeSlack::start().await;
    let bot = serve(&slack, "xapp-not-this-one").await;
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), bot.task)
        .await
        .expect("serve stops by itself")
        .unwrap();
    let error = ended.expect_err("a refused token is an error");
    assert!(error.to_string().contains("SLACK_APP_TOKEN"), "{error}");
    assert_eq!(slack.sockets_opened(), 0);
}

/// A member's check-in answer as a `message.im` event.
fn dm_event(event_id: &str, user: &str, text: &str) -> Value {
    json!({
        "token": "legacy", "team_id": TEAM, "api_app_id": "A0APP",
        "type": "event_callback", "event_id": event_id, "event_time": 1795000000,
        "event": {
            "type": "message", "channel_type": "im", "channel": format!("D{user}"),
            "user": user, "text": text, "ts": "1795000000.000100",
            "event_ts": "1795000000.000100"
        }
    })
}

fn position(log: &[SocketEvent], event: SocketEvent) -> usize {
    log.iter()
        .position(|e| *e == event)
        .unwrap_or_else(|| panic!("{event:?} in {log:?}"))
}

#[tokio::test]
async fn a_refresh_opens_the_new_socket_first_and_loses_nothing() {
    let slack = FakeSlack::start().await;
    let bot = serve(&slack, FakeSlack::APP_TOKEN).await;
    eventually("two sockets", async || slack.sockets_open() == 2).await;

    // Asked to go, the newest socket still takes what Slack sends it
    // meanwhile, even once its replacement has said hello, and closes
    // only after that.
    slack.disconnect("refresh_requested");
    let id = slack.send_envelope("slash_commands", command("UMEMBER", "list"));
    let ack = slack.ack_of(&id).await;
    assert!(ack.to_string().contains("no tours"), "{ack}");
    slack.wait_for_sockets(3).await;
    let id = slack.send_envelope_on(1, "slash_commands", command("UMEMBER", "list"));
    let ack = slack.ack_of(&id).await;
    assert!(ack.to_string().contains("no tours"), "{ack}");
    eventually("the old socket closes", async || {
        slack.socket_log().contains(&SocketEvent::Closed(1))
    })
    .await;
    let log = slack.socket_log();
    assert!(
        position(&log, SocketEvent::Opened(2)) < position(&log, SocketEvent::Closed(1)),
        "the new socket opened before the old one closed: {log:?}"
    );
    assert!(
        !log.contains(&SocketEvent::Closed(0)),
        "the other socket stays: {log:?}"
    );
    eventually("two sockets again", async || slack.sockets_open() == 2).await;

    // Too many sockets: this one closes first, the next waits a backoff.
    slack.disconnect("too_many_websockets");
    eventually("a socket in place of the one closed", async || {
        slack.sockets_opened() == 4 && slack.sockets_open() == 2
    })
    .await;
    let log = slack.socket_log();
    assert!(
        position(&log, SocketEvent::Closed(2)) < position(&log, SocketEvent::Opened(3)),
        "closed before the next opened: {log:?}"
    );
    metrics_show(
        bot.addr,
        &[
            "alliance_socket_mode_reconnects_total{reason=\"refresh_requested\"} 1\n",
            "alliance_socket_mode_reconnects_total{reason=\"too_many_websockets\"} 1\n",
        ],
    )
    .await;
    let _ = bot.stop.send(());
    bot.task.await.unwrap().unwrap();
    eventually("shutdown closes every socket", async || {
        slack.sockets_open() == 0
    })
    .await;
}

#[tokio::test]
async fn silent_and_dropped_sockets_are_replaced() {
    let slack = FakeSlack::start().await;
    let timing = Timing {
        silent: Duration::from_millis(1000),
        ping_every: Duration::from_millis(200),
        ..Timing::default()
    };
    let (bot, _) = serve_with(&slack, FakeSlack::APP_TOKEN, timing, ANSWER_BUDGET).await;
    eventually("two sockets", async || slack.sockets_open() == 2).await;

    slack.silence();
    eventually("the silent socket is replaced", async || {
        slack.sockets_opened() >= 3 && slack.sockets_open() == 2
    })
    .await;
    slack.drop_socket();
    eventually("the dropped socket is replaced", async || {
        slack.sockets_opened() >= 4 && slack.sockets_open() == 2
    })
    .await;
    let id = slack.send_envelope("slash_commands", command("UMEMBER", "list"));
    assert!(slack.ack_of(&id).await.to_string().contains("no tours"));
    let (_, metrics) = get(bot.addr, "/metrics").await;
    for reason in ["silent", "closed"] {
        let line = format!("alliance_socket_mode_reconnects_total{{reason=\"{reason}\"}} ");
        let count: u64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix(&line))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line} in {metrics}"));
        assert!(count >= 1, "{line}{count}");
    }
    let _ = bot.stop.send(());
    bot.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_envelope_sent_again_after_its_ack_was_lost_has_one_effect() {
    let slack = FakeSlack::start().await;
    let bot = serve(&slack, FakeSlack::APP_TOKEN).await;
    eventually("two sockets", async || slack.sockets_open() == 2).await;
    let team = TeamId::parse(TEAM).unwrap();
    let member = alliance::domain::UserId::parse("UMEMBER").unwrap();
    for (user, text) in [
        (
            "UMANAGER",
            "propose <@UMEMBER> rotational 1y Run the support rotation",
        ),
        ("UMEMBER", "accept 1"),
        ("UMANAGER", "checkin 1"),
    ] {
        let id = slack.send_envelope("slash_commands", command(user, text));
        let ack = slack.ack_of(&id).await;
        assert!(ack["payload"]["text"].is_string(), "{ack}");
    }
    let step = || {
        bot.store
            .chat(&team, &member)
            .unwrap()
            .current
            .map(|c| c.step())
    };
    eventually("the first question is asked", async || step() == Some(0)).await;
    let asked = |slack: &FakeSlack| slack.count_posted(|m| m.channel == "DUMEMBER");
    eventually("the question is posted", async || asked(&slack) >= 2).await;
    let before = asked(&slack);

    // The answer arrives, its ack is lost with the socket, Slack sends it
    // again on the other one.
    let answer = dm_event("Ev0LOST", "UMEMBER", "Going well");
    let id = slack.send_and_lose_the_ack("events_api", answer.clone());
    eventually("the lost socket is replaced", async || {
        slack.sockets_opened() == 3 && slack.sockets_open() == 2
    })
    .await;
    assert_eq!(step(), Some(1), "the answer was taken");
    slack.resend(&id, "events_api", answer);
    slack.ack_of(&id).await;
    assert_eq!(step(), Some(1), "and taken once");
    eventually("the next question is posted", async || {
        asked(&slack) == before + 1
    })
    .await;
    let _ = bot.stop.send(());
    bot.task.await.unwrap().unwrap();
    assert_eq!(asked(&slack), before + 1, "one question in reply");
}

#[tokio::test]
async fn the_ack_leaves_within_its_budget_while_the_store_stalls() {
    let slack = FakeSlack::start().await;
    let short = Duration::from_millis(300);
    let (bot, counts) = serve_with(&slack, FakeSlack::APP_TOKEN, Timing::default(), short).await;
    eventually("two sockets", async || slack.sockets_open() == 2).await;
    let team = TeamId::parse(TEAM).unwrap();
    let mut propose = command(
        "UMANAGER",
        "propose <@UMEMBER> rotational 1y Run the support rotation",
    );
    propose["response_url"] = json!(format!("{}respond", slack.base_url));

    counts.hold();
    let id = slack.send_envelope("slash_commands", propose);
    let ack = slack.ack_of(&id).await;
    assert!(ack.get("payload").is_none(), "a bare ack in time: {ack}");
    assert!(
        counts.waiting() >= 1,
        "the command is still waiting on the store"
    );
    assert!(bot.store.tour(&team, TourId(1)).unwrap().is_none());
    metrics_show(
        bot.addr,
        &["alliance_socket_mode_acks_past_budget_total 1\n"],
    )
    .await;

    // The store comes back: the change is made and its answer still
    // reaches the person, through the command's response_url.
    counts.release();
    common::late_answer_says(&slack, "Proposed tour #1").await;
    assert!(bot.store.tour(&team, TourId(1)).unwrap().is_some());
    let _ = bot.stop.send(());
    bot.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_acks_the_envelopes_in_hand_before_closing() {
    let slack = FakeSlack::start().await;
    let (bot, counts) = serve_with(
        &slack,
        FakeSlack::APP_TOKEN,
        Timing::default(),
        ANSWER_BUDGET,
    )
    .await;
    eventually("two sockets", async || slack.sockets_open() == 2).await;
    let team = TeamId::parse(TEAM).unwrap();

    // A command is in hand (waiting on the store) when serve is told to stop.
    counts.hold();
    let id = slack.send_envelope(
        "slash_commands",
        command(
            "UMANAGER",
            "propose <@UMEMBER> rotational 1y Run the support rotation",
        ),
    );
    eventually("the command reaches the store", async || {
        counts.waiting() >= 1
    })
    .await;
    let _ = bot.stop.send(());
    eventually("the idle socket closes", async || {
        slack.socket_log().contains(&SocketEvent::Closed(0))
    })
    .await;
    assert_eq!(
        slack.sockets_open(),
        1,
        "the socket holding the envelope waits"
    );
    counts.release();
    bot.task.await.unwrap().unwrap();
    let ack = slack.ack_of(&id).await;
    assert!(
        ack["payload"]["text"]
            .as_str()
            .unwrap()
            .contains("Proposed tour #1"),
        "{ack}"
    );
    eventually("every socket closed", async || slack.sockets_open() == 0).await;
    assert!(bot.store.tour(&team, TourId(1)).unwrap().is_some());
}

#[tokio::test]
async fn a_rate_limited_connection_request_waits_and_is_not_fatal() {
    let slack = FakeSlack::start().await;
    slack.fail_next(
        "apps.connections.open",
        2,
        common::fake_slack::Failure::RateLimited {
            retry_after_secs: 1,
        },
    );
    let bot = serve(&slack, FakeSlack::APP_TOKEN).await;
    eventually("two sockets after the wait", async || {
        slack.sockets_open() == 2
    })
    .await;
    assert_eq!(
        slack.calls_to("apps.connections.open").len(),
        4,
        "two refused, two answered: no storm of retries"
    );
    metrics_show(
        bot.addr,
        &[
            "alliance_slack_api_retry_after_seconds_total{method=\"apps.connections.open\"} 2.0\n",
            "alliance_socket_mode_connections 2\n",
        ],
    )
    .await;
    let _ = bot.stop.send(());
    bot.task.await.unwrap().unwrap();
}
