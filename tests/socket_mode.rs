//! Socket Mode end to end: `App::serve` as `alliance serve` runs it, with
//! `SLACK_APP_TOKEN`, against the fake Slack's WebSocket server on
//! loopback. A command, a button and an event come as envelopes and go
//! through the HTTP path's dispatcher; acks carry the answers; `/readyz`
//! follows the socket; `/slack/events` is not served; a `disconnect` is
//! followed by a new socket that works; a refused app token stops `serve`
//! with a line naming it.

mod common;

use alliance::app::App;
use alliance::clock::Clock;
use alliance::config::Secret;
use alliance::domain::{Status, TeamId, TourId};
use alliance::store::Store;
use common::fake_slack::FakeSlack;
use common::{TEAM, config, find_action, tuesday_9am};
use serde_json::{Value, json};
use std::net::SocketAddr;

struct Running {
    addr: SocketAddr,
    store: Store,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn serve(slack: &FakeSlack, app_token: &str) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let config = config(Some(slack), &[("SLACK_APP_TOKEN", app_token)]);
    assert!(config.socket_mode, "an app token means Socket Mode");
    let store = Store::open(dir.path(), 1 << 20).unwrap();
    let app = App::new(
        config,
        store.clone(),
        Secret::new(""),
        Clock::starting_at(tuesday_9am()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        store,
        stop,
        task,
        _dir: dir,
    }
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

    // Slack asks to reconnect: a new socket, which works.
    slack.disconnect("refresh_requested");
    slack.wait_for_sockets(2).await;
    let id = slack.send_envelope("slash_commands", command("UMEMBER", "list"));
    let ack = slack.ack_of(&id).await;
    assert!(ack.to_string().contains("Your tours"), "{ack}");
    assert_eq!(
        slack.calls_to("apps.connections.open").len(),
        2,
        "one URL per socket"
    );
    let (_, metrics) = get(bot.addr, "/metrics").await;
    for line in [
        "alliance_socket_mode_connections 1\n",
        "alliance_socket_mode_reconnects_total{reason=\"refresh_requested\"} 1\n",
        "alliance_socket_mode_acks_past_budget_total 0\n",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }

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
