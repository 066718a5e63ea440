//! The Slack Web API client against the fake Slack, over real HTTP on
//! loopback: each method's request shape and answer, how every kind of
//! failure is classified, recovery of a post whose answer was lost, and the
//! token kept out of everything printable.

mod common;

use alliance::config::Secret;
use alliance::domain::UserId;
use alliance::message::Message;
use alliance::slack::api::{ApiError, Posted, SlackApi, UserInfo};
use common::fake_slack::{Failure, FakeSlack};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const JSON: &str = "application/json; charset=utf-8";
const FORM: &str = "application/x-www-form-urlencoded";
/// Short, so the hanging cases stay quick; loopback answers in milliseconds.
const TIMEOUT: Duration = Duration::from_millis(300);

fn api(slack: &FakeSlack) -> SlackApi {
    SlackApi::new(&slack.base_url, Secret::new(FakeSlack::TOKEN), TIMEOUT)
}

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

fn an_hour_ago() -> i64 {
    chrono::Utc::now().timestamp() - 3600
}

/// Every call carried the bot token as a bearer token.
fn assert_all_authorized(slack: &FakeSlack) {
    let expected = format!("Bearer {}", FakeSlack::TOKEN);
    for call in slack.calls() {
        assert_eq!(
            call.authorization.as_deref(),
            Some(expected.as_str()),
            "{}",
            call.method
        );
    }
}

#[tokio::test]
async fn post_message_sends_json_with_metadata_and_returns_channel_and_ts() {
    let slack = FakeSlack::start().await;
    let message = Message::text("Your tour *#3* starts today");
    let posted = api(&slack)
        .post_message("DU1", &message, Some("outbox-42"))
        .await
        .unwrap();

    let stored = slack.posted();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        posted,
        Posted {
            channel: "DU1".into(),
            ts: stored[0].ts.clone()
        }
    );
    assert_eq!(stored[0].metadata_key.as_deref(), Some("outbox-42"));

    let calls = slack.calls_to("chat.postMessage");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].content_type.as_deref(), Some(JSON));
    assert_eq!(
        calls[0].body,
        json!({
            "channel": "DU1",
            "text": message.text,
            "blocks": alliance::slack::blocks::to_json(&message)["blocks"],
            "metadata": {"event_type": "alliance_outbox", "event_payload": {"key": "outbox-42"}},
        })
    );
    assert_all_authorized(&slack);
}

#[tokio::test]
async fn post_message_without_a_key_sends_no_metadata() {
    let slack = FakeSlack::start().await;
    let api = api(&slack);
    let first = api
        .post_message("DU1", &Message::text("one"), None)
        .await
        .unwrap();
    let second = api
        .post_message("DU1", &Message::text("two"), None)
        .await
        .unwrap();
    assert_ne!(first.ts, second.ts);

    let body = &slack.calls_to("chat.postMessage")[0].body;
    assert!(body.get("metadata").is_none(), "{body}");
    assert_eq!(slack.posted()[0].metadata_key, None);
}

#[tokio::test]
async fn update_message_edits_what_was_posted() {
    let slack = FakeSlack::start().await;
    let api = api(&slack);
    let posted = api
        .post_message("DU1", &Message::text("before"), None)
        .await
        .unwrap();
    let after = Message::text("after");
    api.update_message(&posted.channel, &posted.ts, &after)
        .await
        .unwrap();

    let call = &slack.calls_to("chat.update")[0];
    assert_eq!(call.content_type.as_deref(), Some(JSON));
    assert_eq!(
        call.body,
        json!({
            "channel": "DU1",
            "ts": posted.ts,
            "text": "after",
            "blocks": alliance::slack::blocks::to_json(&after)["blocks"],
        })
    );
    let updated = slack.updated();
    assert_eq!(updated.len(), 1);
    assert_eq!(
        (updated[0].ts.as_str(), updated[0].text.as_str()),
        (posted.ts.as_str(), "after")
    );

    // A message that does not exist is Slack's refusal, not a retry.
    assert_eq!(
        api.update_message("DU1", "1.000001", &after).await,
        Err(ApiError::Permanent("message_not_found".into()))
    );
}

#[tokio::test]
async fn open_dm_returns_the_d_channel() {
    let slack = FakeSlack::start().await;
    assert_eq!(api(&slack).open_dm(&user("U1")).await.unwrap(), "DU1");

    let call = &slack.calls_to("conversations.open")[0];
    assert_eq!(call.content_type.as_deref(), Some(JSON));
    assert_eq!(call.body, json!({"users": "U1"}));
    assert_all_authorized(&slack);
}

#[tokio::test]
async fn user_info_is_a_form_read() {
    let slack = FakeSlack::start().await;
    slack.set_user("U2", "Europe/Berlin", true);
    let api = api(&slack);

    assert_eq!(
        api.user_info(&user("U2")).await.unwrap(),
        UserInfo {
            tz: Some("Europe/Berlin".into()),
            deleted: true,
            is_bot: false,
            name: Some("Name of U2".into()),
        }
    );
    assert_eq!(
        api.user_info(&user("U3")).await.unwrap(),
        UserInfo {
            tz: Some("UTC".into()),
            deleted: false,
            is_bot: false,
            name: Some("Name of U3".into()),
        }
    );

    let call = &slack.calls_to("users.info")[0];
    assert_eq!(call.content_type.as_deref(), Some(FORM));
    assert_eq!(call.body, json!({"user": "U2"}));
    assert_all_authorized(&slack);
}

#[tokio::test]
async fn open_view_sends_the_trigger_and_the_view() {
    let slack = FakeSlack::start().await;
    let view = json!({
        "type": "modal",
        "title": {"type": "plain_text", "text": "Check-in"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    });
    api(&slack)
        .open_view("398738663015.47445629121.803a0b", &view)
        .await
        .unwrap();

    let call = &slack.calls_to("views.open")[0];
    assert_eq!(call.content_type.as_deref(), Some(JSON));
    assert_eq!(
        call.body,
        json!({"trigger_id": "398738663015.47445629121.803a0b", "view": view})
    );
}

#[tokio::test]
async fn a_post_whose_answer_was_lost_is_found_by_its_key() {
    let slack = FakeSlack::start().await;
    let api = api(&slack);
    api.post_message("DU1", &Message::text("other"), Some("key-other"))
        .await
        .unwrap();
    api.post_message("DU2", &Message::text("elsewhere"), Some("key-1"))
        .await
        .unwrap();

    slack.fail_next("chat.postMessage", 1, Failure::PostThenHang);
    let lost = api
        .post_message("DU1", &Message::text("lost answer"), Some("key-1"))
        .await;
    assert_eq!(lost, Err(ApiError::Transient("timeout".into())));
    let stored = slack.posted().pop().unwrap();
    assert_eq!(stored.text, "lost answer");

    let oldest = an_hour_ago();
    assert_eq!(
        api.find_posted("DU1", oldest, "key-1").await.unwrap(),
        Some(Posted {
            channel: "DU1".into(),
            ts: stored.ts
        })
    );
    // Another key, another channel, or only older messages: not found.
    assert_eq!(api.find_posted("DU1", oldest, "key-2").await.unwrap(), None);
    assert_eq!(api.find_posted("DU3", oldest, "key-1").await.unwrap(), None);
    let future = chrono::Utc::now().timestamp() + 3600;
    assert_eq!(api.find_posted("DU1", future, "key-1").await.unwrap(), None);

    let call = &slack.calls_to("conversations.history")[0];
    assert_eq!(call.content_type.as_deref(), Some(FORM));
    assert_eq!(call.body["channel"], "DU1");
    assert_eq!(call.body["oldest"], oldest.to_string());
    assert_eq!(call.body["include_all_metadata"], "true");
    assert_eq!(call.body["limit"], "200");
    assert!(call.body.get("cursor").is_none());
    assert_all_authorized(&slack);
}

#[tokio::test]
async fn find_posted_follows_the_cursor() {
    let slack = FakeSlack::start().await;
    let api = api(&slack);
    // The oldest message ends up on the second page of 200, newest first.
    let first = api
        .post_message("DU1", &Message::text("first"), Some("key-first"))
        .await
        .unwrap();
    for i in 0..200 {
        api.post_message("DU1", &Message::text("filler"), Some(&format!("k{i}")))
            .await
            .unwrap();
    }
    assert_eq!(
        api.find_posted("DU1", an_hour_ago(), "key-first")
            .await
            .unwrap(),
        Some(first)
    );
    let pages = slack.calls_to("conversations.history");
    assert_eq!(pages.len(), 2);
    assert!(
        pages[1].body["cursor"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );

    // A key on the first page takes one call.
    assert!(
        api.find_posted("DU1", an_hour_ago(), "k199")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(slack.calls_to("conversations.history").len(), 3);
}

#[tokio::test]
async fn http_429_is_rate_limited_for_the_header_duration() {
    let slack = FakeSlack::start().await;
    let api = api(&slack);
    slack.fail_next(
        "chat.postMessage",
        1,
        Failure::RateLimited {
            retry_after_secs: 7,
        },
    );
    let err = api
        .post_message("DU1", &Message::text("hi"), None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ApiError::RateLimited {
            retry_after: Duration::from_secs(7)
        }
    );
    assert_eq!(err.code(), "ratelimited");
    // One attempt only: the client did not wait and retry by itself.
    assert_eq!(slack.calls_to("chat.postMessage").len(), 1);
    assert!(slack.posted().is_empty());

    // The next call goes through.
    api.post_message("DU1", &Message::text("hi"), None)
        .await
        .unwrap();
    assert_eq!(slack.posted().len(), 1);
}

#[tokio::test]
async fn server_errors_are_transient() {
    let slack = FakeSlack::start().await;
    let api = api(&slack);
    slack.fail_always("users.info", Failure::Status(500));
    for _ in 0..2 {
        let err = api.user_info(&user("U1")).await.unwrap_err();
        assert_eq!(err, ApiError::Transient("http_500".into()));
    }
    slack.fail_next("conversations.open", 1, Failure::Status(503));
    assert_eq!(
        api.open_dm(&user("U1")).await,
        Err(ApiError::Transient("http_503".into()))
    );
    slack.fail_next(
        "conversations.open",
        1,
        Failure::SlackError("internal_error"),
    );
    assert_eq!(
        api.open_dm(&user("U1")).await,
        Err(ApiError::Transient("internal_error".into()))
    );

    slack.heal("users.info");
    assert!(api.user_info(&user("U1")).await.is_ok());
    // No hidden retries: one call per attempt.
    assert_eq!(slack.calls_to("users.info").len(), 3);
}

#[tokio::test]
async fn slack_refusals_are_permanent() {
    let slack = FakeSlack::start().await;
    let api = api(&slack);
    for code in ["channel_not_found", "invalid_auth", "account_inactive"] {
        slack.fail_next("chat.postMessage", 1, Failure::SlackError(code));
        let err = api
            .post_message("C1", &Message::text("hi"), Some("k"))
            .await
            .unwrap_err();
        assert_eq!(err, ApiError::Permanent(code.into()));
        assert_eq!(err.code(), code);
    }
    slack.fail_next("views.open", 1, Failure::Status(404));
    assert_eq!(
        api.open_view("1.2.3", &json!({"type": "modal"})).await,
        Err(ApiError::Permanent("http_404".into()))
    );
    assert!(slack.posted().is_empty());
}

#[tokio::test]
async fn a_wrong_token_is_refused_for_good() {
    let slack = FakeSlack::start().await;
    let api = SlackApi::new(&slack.base_url, Secret::new("xoxb-wrong"), TIMEOUT);
    assert_eq!(
        api.open_dm(&user("U1")).await,
        Err(ApiError::Permanent("invalid_auth".into()))
    );
    assert_eq!(
        slack.calls()[0].authorization.as_deref(),
        Some("Bearer xoxb-wrong")
    );
}

#[tokio::test]
async fn a_hanging_slack_times_out_as_transient_and_blocks_nobody() {
    let slack = FakeSlack::start().await;
    let api = api(&slack);
    slack.fail_always("conversations.history", Failure::Hang);

    let hung = async {
        let started = Instant::now();
        let result = api.find_posted("DU1", 0, "k").await;
        (result, started.elapsed())
    };
    // While one call hangs, the fake keeps answering others.
    let other = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        api.open_dm(&user("U1")).await
    };
    let ((result, elapsed), other) = tokio::join!(hung, other);

    assert_eq!(result, Err(ApiError::Transient("timeout".into())));
    assert!(elapsed >= TIMEOUT, "{elapsed:?}");
    assert!(elapsed < TIMEOUT * 4, "{elapsed:?}");
    assert_eq!(other.unwrap(), "DU1");
}

#[tokio::test]
async fn an_unreachable_slack_is_transient() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let api = SlackApi::new(
        &format!("http://{addr}/api"),
        Secret::new(FakeSlack::TOKEN),
        TIMEOUT,
    );
    assert_eq!(
        api.open_dm(&user("U1")).await,
        Err(ApiError::Transient("connect".into()))
    );
}

#[tokio::test]
async fn a_base_url_without_the_final_slash_works() {
    let slack = FakeSlack::start().await;
    let base = slack.base_url.trim_end_matches('/');
    let api = SlackApi::new(base, Secret::new(FakeSlack::TOKEN), TIMEOUT);
    assert_eq!(api.open_dm(&user("U7")).await.unwrap(), "DU7");
}

#[tokio::test]
async fn an_unknown_method_is_permanent() {
    // The fake's own rule, so tests notice a misspelt method.
    let slack = FakeSlack::start().await;
    let response = common::http_client()
        .post(format!("{}chat.postMesage", slack.base_url))
        .bearer_auth(FakeSlack::TOKEN)
        .form(&[("channel", "C1")])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"ok": false, "error": "unknown_method"}));
}

#[tokio::test]
async fn the_token_is_in_nothing_printable() {
    let slack = FakeSlack::start().await;
    let api = api(&slack);
    let shown = format!("{api:?}");
    assert!(!shown.contains(FakeSlack::TOKEN), "{shown}");

    let mut errors = Vec::new();
    slack.fail_next(
        "chat.postMessage",
        1,
        Failure::RateLimited {
            retry_after_secs: 2,
        },
    );
    slack.fail_next("chat.postMessage", 1, Failure::Status(500));
    slack.fail_next("chat.postMessage", 1, Failure::SlackError("invalid_auth"));
    slack.fail_next("chat.postMessage", 1, Failure::Hang);
    for _ in 0..4 {
        errors.push(
            api.post_message("DU1", &Message::text("hi"), None)
                .await
                .unwrap_err(),
        );
    }
    let wrong = SlackApi::new(&slack.base_url, Secret::new("xoxb-wrong-secret"), TIMEOUT);
    errors.push(wrong.open_dm(&user("U1")).await.unwrap_err());
    assert!(!format!("{wrong:?}").contains("xoxb-wrong-secret"));

    for err in &errors {
        for printed in [err.to_string(), format!("{err:?}"), err.code().to_string()] {
            assert!(!printed.contains(FakeSlack::TOKEN), "{printed}");
            assert!(!printed.contains("xoxb-wrong-secret"), "{printed}");
            assert!(!printed.contains("xoxb"), "{printed}");
        }
    }
}
