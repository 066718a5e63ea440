//! The App Home tab: published when someone opens it (after the ack), and
//! again through the outbox when one of their tours changes; valid blocks,
//! within Slack's limit, paged for a large team, private to its viewer.

mod common;

use alliance::commands::home;
use chrono::Duration;
use common::fake_slack::{FakeSlack, PostedMessage};
use common::{Bot, TEAM, tuesday_9am};
use serde_json::{Value, json};

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const STRANGER: &str = "USTRANGER";

async fn open_home(bot: &Bot, user: &str, event_id: &str) -> u16 {
    let event = json!({
        "type": "event_callback", "team_id": TEAM, "event_id": event_id,
        "api_app_id": "A0APP", "event_time": 1,
        "event": {"type": "app_home_opened", "user": user, "channel": format!("D{user}"), "tab": "home"},
    });
    bot.post_signed(event.to_string().as_bytes(), "application/json")
        .await
        .status()
        .as_u16()
}

/// The views published for `user` so far, oldest first.
async fn published(slack: &FakeSlack, user: &str, at_least: usize) -> Vec<Value> {
    // The publish follows the answer on its own task: wait for it to land.
    for _ in 0..500 {
        let views: Vec<Value> = slack
            .calls_to("views.publish")
            .into_iter()
            .filter(|c| c.body["user_id"] == user)
            .map(|c| c.body["view"].clone())
            .collect();
        if views.len() >= at_least {
            return views;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no views.publish for {user}");
}

/// Slack's rules for a Home view, as far as we use blocks.
fn assert_valid_home(view: &Value) {
    assert_eq!(view["type"], "home");
    let blocks = view["blocks"].as_array().expect("blocks");
    assert!(
        !blocks.is_empty() && blocks.len() <= 100,
        "{} blocks",
        blocks.len()
    );
    for block in blocks {
        match block["type"].as_str().unwrap() {
            "header" => assert!(block["text"]["text"].as_str().unwrap().chars().count() <= 150),
            "section" => assert!(block["text"]["text"].as_str().unwrap().chars().count() <= 3000),
            "context" | "divider" => {}
            "actions" => assert!(block["elements"].as_array().unwrap().len() <= 25),
            "image" => {
                assert!(block["slack_file"]["id"].is_string(), "{block}");
                assert!(!block["alt_text"].as_str().unwrap().is_empty());
            }
            other => panic!("unexpected block {other}"),
        }
    }
}

#[tokio::test]
async fn opening_the_home_tab_publishes_ones_own_tours_and_changes_refresh_it() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    assert_eq!(open_home(&bot, MEMBER, "Ev0HOME1").await, 200);
    let first = published(&slack, MEMBER, 1).await;
    assert_valid_home(&first[0]);
    let text = first[0].to_string();
    assert!(
        text.contains("Keep the lights on") && text.contains("proposed"),
        "{text}"
    );
    assert!(
        text.contains(home::TALK),
        "a member of an open tour may ask to talk"
    );

    // The manager's view shows what is due; a stranger's shows nothing of theirs.
    open_home(&bot, MANAGER, "Ev0HOME2").await;
    let manager = published(&slack, MANAGER, 1).await;
    assert!(
        manager[0]
            .to_string()
            .contains("waiting for <@UMEMBER>'s answer")
    );
    // A manager who is on no tour themselves is not told "no tours yet".
    assert!(
        manager[0]
            .to_string()
            .contains("You aren't the member of a tour yourself")
            && !manager[0].to_string().contains("You have no tours yet"),
        "{}",
        manager[0]
    );
    open_home(&bot, STRANGER, "Ev0HOME3").await;
    let stranger = published(&slack, STRANGER, 1).await;
    assert_valid_home(&stranger[0]);
    assert!(stranger[0].to_string().contains("You have no tours yet"));
    assert!(!stranger[0].to_string().contains("Keep the lights on"));
    assert!(!stranger[0].to_string().contains(home::TALK));

    // Accepting changes the tour: both (who have opened Home) get it again.
    bot.tour(MEMBER, "accept 1").await;
    bot.deliver(tuesday_9am() + Duration::seconds(2)).await;
    let again = published(&slack, MEMBER, 2).await;
    assert!(again[1].to_string().contains("active"), "{}", again[1]);
    let manager = published(&slack, MANAGER, 2).await;
    assert!(!manager[1].to_string().contains("waiting for"));
    assert_eq!(
        published(&slack, STRANGER, 1).await.len(),
        1,
        "nothing of theirs changed"
    );

    // A 1:1 and a check-in conversation waiting show up too.
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMEMBER> every week on thursday at 10:00",
    )
    .await
    .assert_well_formed();
    bot.tour(MANAGER, "checkin 1").await.assert_well_formed();
    let before = slack.calls_to("views.publish").len();
    open_home(&bot, MEMBER, "Ev0HOME4").await;
    let mut latest = Value::Null;
    for _ in 0..500 {
        let calls = slack.calls_to("views.publish");
        if calls.len() > before {
            latest = calls.last().unwrap().body["view"].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_valid_home(&latest);
    let text = latest.to_string();
    assert!(
        text.contains("Upcoming 1:1s") && text.contains("with <@UMANAGER>"),
        "{text}"
    );
    assert!(text.contains("Check-ins waiting for you"), "{text}");
}

#[tokio::test]
async fn a_large_team_is_paged_within_slacks_block_limit() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    for i in 0..40 {
        bot.tour(
            MANAGER,
            &format!("propose <@UM{i:02}> rotational 1y Mission number {i}"),
        )
        .await;
    }
    open_home(&bot, MANAGER, "Ev0HOMEBIG").await;
    let view = published(&slack, MANAGER, 1).await.remove(0);
    assert_valid_home(&view);
    let text = view.to_string();
    assert!(text.contains("page 1 of 3"), "{text}");
    assert!(
        text.contains("Mission number 39") && !text.contains("Mission number 10"),
        "{text}"
    );

    // "Next page" publishes page 2.
    let message = PostedMessage {
        channel: "DUMANAGER".into(),
        ts: "1.000001".into(),
        text: String::new(),
        blocks: view["blocks"].clone(),
        metadata_key: None,
    };
    assert_eq!(bot.click(MANAGER, &message, home::PAGE, None).await, 200);
    let views = published(&slack, MANAGER, 2).await;
    let page2 = views[1].to_string();
    assert_valid_home(&views[1]);
    assert!(
        page2.contains("page 2 of 3") && page2.contains("Mission number 10"),
        "{page2}"
    );
}

#[tokio::test]
async fn the_timeline_button_draws_into_the_dm_and_the_tab_shows_the_latest() {
    let slack = FakeSlack::start().await;
    let now = tuesday_9am();
    let bot = Bot::with_slack(&slack, now, None).await;
    open_home(&bot, STRANGER, "Ev0TL1").await;
    let stranger = published(&slack, STRANGER, 1).await;
    assert!(
        !stranger[0].to_string().contains(home::TIMELINE),
        "no tours, no picture"
    );
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    bot.tour(MEMBER, "accept 1").await;
    assert_eq!(open_home(&bot, MANAGER, "Ev0TL2").await, 200);
    let view = published(&slack, MANAGER, 1).await.remove(0);
    assert!(!view.to_string().contains("slack_file"), "none drawn yet");
    let message = PostedMessage {
        channel: "DUMANAGER".into(),
        ts: "1.000001".into(),
        text: String::new(),
        blocks: view["blocks"].clone(),
        metadata_key: None,
    };
    let before = published(&slack, MANAGER, 1).await.len();
    assert_eq!(
        bot.click(MANAGER, &message, home::TIMELINE, None).await,
        200
    );
    let mut at = now + Duration::seconds(1);
    for _ in 0..20 {
        match bot.deliver(at).await.next {
            Some(next) if next <= at + Duration::minutes(1) => at = next.max(at),
            _ => break,
        }
    }
    let files = slack.shared_files();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].shared[0].0, "DUMANAGER");
    // Published again, with the picture as an image block.
    let views = published(&slack, MANAGER, before + 1).await;
    let latest = views.last().unwrap();
    assert_valid_home(latest);
    let image = latest["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "image")
        .unwrap_or_else(|| panic!("no image in {latest}"));
    assert_eq!(image["slack_file"]["id"], files[0].id.as_str());
}
