//! What an operator sees, over real HTTP: `/metrics` after real traffic
//! (the counters move by exactly what was sent, the outbox figures follow
//! what is owed, no ids in labels), `/readyz`, and `server.metrics = false`.

mod common;

use alliance::clock::Clock;
use alliance::slack::verify;
use common::fake_slack::FakeSlack;
use common::{Bot, FORM, SECRET, config, drain, slash_body, tuesday_9am};

async fn scrape(bot: &Bot) -> String {
    let response = common::http_client()
        .get(bot.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    response.text().await.unwrap()
}

/// The value of the sample `line` (its name and labels), or 0 if absent.
fn sample(text: &str, line: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

async fn post_with_signature(bot: &Bot, body: &str, signature: &str) -> u16 {
    common::http_client()
        .post(bot.url("/slack/events"))
        .header("content-type", FORM)
        .header(verify::TIMESTAMP_HEADER, bot.now().timestamp().to_string())
        .header(verify::SIGNATURE_HEADER, signature)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn metrics_count_what_was_served_and_what_is_owed() {
    let bot = Bot::start().await;
    let before = scrape(&bot).await;
    let ok = "alliance_http_requests_total{route=\"/slack/events\",status=\"200\"}";
    let refused = "alliance_http_requests_total{route=\"/slack/events\",status=\"401\"}";
    assert_eq!(sample(&before, ok), 0.0);
    assert_eq!(
        sample(&before, "alliance_outbox_waiting{lane=\"answers\"}"),
        0.0
    );

    bot.tour(
        "UMANAGER",
        "propose <@UMEMBER> rotational 1y Run the support rotation",
    )
    .await
    .assert_well_formed();
    bot.tour("UMANAGER", "list").await.assert_well_formed();
    let body = slash_body("UMANAGER", "/tour", "list");
    // Forged: hex of the wrong length is a mismatch; no `v0=` is a format.
    assert_eq!(post_with_signature(&bot, &body, "v0=deadbeef").await, 401);
    let ts = bot.now().timestamp().to_string();
    let wrong_secret = verify::sign(b"not-the-secret", &ts, body.as_bytes());
    assert_eq!(post_with_signature(&bot, &body, &wrong_secret).await, 401);
    assert_eq!(post_with_signature(&bot, &body, "v1=abc").await, 401);
    let huge = "x".repeat(70 * 1024);
    assert_eq!(bot.post_signed(huge.as_bytes(), FORM).await.status(), 413);

    let after = scrape(&bot).await;
    assert_eq!(sample(&after, ok), 2.0, "{after}");
    assert_eq!(sample(&after, refused), 3.0, "{after}");
    assert_eq!(
        sample(
            &after,
            "alliance_http_requests_total{route=\"/slack/events\",status=\"413\"}"
        ),
        1.0,
        "{after}"
    );
    for (reason, n) in [("mismatch", 2.0), ("bad_format", 1.0)] {
        let line = format!("alliance_slack_signature_refusals_total{{reason=\"{reason}\"}}");
        assert_eq!(sample(&after, &line), n, "{reason}: {after}");
    }
    assert_eq!(
        sample(
            &after,
            "alliance_http_request_duration_seconds_count{route=\"/slack/events\"}"
        ),
        6.0,
        "{after}"
    );
    // The proposal owes the member a message (no bot token: it waits).
    assert_eq!(
        sample(&after, "alliance_outbox_waiting{lane=\"answers\"}"),
        1.0,
        "{after}"
    );
    assert!(sample(&after, "alliance_store_size_bytes") > 0.0, "{after}");
    assert!(after.contains("alliance_build_info{version=\""), "{after}");
    for id in ["UMANAGER", "UMEMBER", "T0TEST", SECRET] {
        assert!(!after.contains(id), "{id} in the metrics");
    }
    // The scrape itself is counted under its own route.
    let again = scrape(&bot).await;
    assert!(
        sample(
            &again,
            "alliance_http_requests_total{route=\"/metrics\",status=\"200\"}"
        ) >= 2.0,
        "{again}"
    );
}

#[tokio::test]
async fn readyz_says_ready_and_metrics_can_be_switched_off() {
    let bot = Bot::start().await;
    let ready = common::http_client()
        .get(bot.url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready\n");
    bot.stop().await;

    let mut off = config(None, &[]);
    off.metrics = false;
    let bot = Bot::launch(tempfile::tempdir().unwrap(), off, Clock::System).await;
    let response = common::http_client()
        .get(bot.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    // Commands work as before.
    bot.tour("UMANAGER", "list").await.assert_well_formed();
}

#[tokio::test]
async fn metrics_count_the_workers_sends_and_slacks_answers() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        "UMANAGER",
        "propose <@UMEMBER> rotational 1y Run the support rotation",
    )
    .await
    .assert_well_formed();
    drain(&bot, tuesday_9am()).await;
    let posted = slack.calls_to("chat.postMessage").len() as f64;
    assert!(posted >= 1.0);
    let text = scrape(&bot).await;
    assert_eq!(
        sample(&text, "alliance_outbox_messages_total{fate=\"sent\"}"),
        posted,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "alliance_slack_api_calls_total{method=\"chat.postMessage\",outcome=\"ok\"}"
        ),
        posted,
        "{text}"
    );
    assert!(
        sample(
            &text,
            "alliance_slack_api_calls_total{method=\"auth.test\",outcome=\"ok\"}"
        ) >= 1.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "alliance_outbox_waiting{lane=\"answers\"}"),
        0.0,
        "{text}"
    );
    // (The scheduler's figures are checked with its loop, in
    // `scheduler::tests`: test bots tick by hand.)
}

/// A store that stalls past the answer budget: Slack still gets its answer
/// in time (an empty 200, not a 503 after the request timeout, which Slack
/// would show as a failure of a change that was in fact made), and once
/// the store is back the change is made and the command's answer reaches
/// the person through its response_url.
#[tokio::test]
async fn a_command_that_outlives_the_budget_is_answered_in_time_and_later_in_full() {
    let slack = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (store, counts) = common::counting::open(dir.path());
    let bot = Bot::launch_with(
        dir,
        store,
        config(Some(&slack), &[]),
        Clock::starting_at(tuesday_9am()),
        |app| app.with_answer_budget(std::time::Duration::from_millis(300)),
    )
    .await;
    let body = slash_body(
        "UMANAGER",
        "/tour",
        "propose <@UMEMBER> rotational 1y Run the support rotation",
    )
    .replace(
        "https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0TEST%2F1%2FSECRET-RESPONSE-URL",
        &serde_urlencoded::to_string([("u", format!("{}respond", slack.base_url))]).unwrap()[2..],
    );
    assert!(body.contains("respond"), "{body}");
    counts.hold();
    let response = bot.post_signed(body.as_bytes(), FORM).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.bytes().await.unwrap().is_empty(),
        "an empty answer in time"
    );
    assert!(
        counts.waiting() >= 1,
        "the command still waits on the store"
    );
    let team = alliance::domain::TeamId::parse(common::TEAM).unwrap();
    assert!(
        bot.store
            .tour(&team, alliance::domain::TourId(1))
            .unwrap()
            .is_none()
    );

    counts.release();
    common::late_answer_says(&slack, "Proposed tour #1").await;
    assert!(
        bot.store
            .tour(&team, alliance::domain::TourId(1))
            .unwrap()
            .is_some()
    );
}
