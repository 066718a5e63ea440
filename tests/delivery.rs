//! Delivery end to end: commands over signed HTTP, the scheduler and the
//! outbox worker driven at chosen times, and a fake Slack Web API on loopback
//! that records every call and fails on command.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_slack::{Failure, FakeSlack, PostedMessage};
use common::{Bot, TickReport, find_action, tuesday_9am};
use std::collections::HashMap;

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";

fn dm(user: &str) -> String {
    format!("D{user}")
}

/// How many times each idempotency key was posted.
fn posts_per_key(slack: &FakeSlack) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for m in slack.posted() {
        *counts
            .entry(m.metadata_key.clone().unwrap_or_default())
            .or_insert(0) += 1;
    }
    counts
}

fn last_to(slack: &FakeSlack, user: &str) -> PostedMessage {
    slack
        .posted()
        .into_iter()
        .rev()
        .find(|m| m.channel == dm(user))
        .unwrap_or_else(|| panic!("nothing posted to {user}"))
}

/// Delivers until nothing is left, moving time on by `step` per pass.
async fn drain(
    bot: &Bot,
    mut now: DateTime<Utc>,
    step: Duration,
    max_passes: usize,
) -> DateTime<Utc> {
    for _ in 0..max_passes {
        let report = bot.deliver(now).await;
        if report.next.is_none() {
            return now;
        }
        now = report.next.unwrap().max(now + step);
    }
    panic!("the outbox did not drain in {max_passes} passes");
}

/// A bot on `slack` whose clock reads `start`, with one proposal from the
/// manager to the member made and its DM delivered.
async fn with_one_proposal(slack: &FakeSlack, start: DateTime<Utc>) -> Bot {
    let bot = Bot::with_slack(slack, start, None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    drain(&bot, start, Duration::seconds(1), 5).await;
    bot
}

#[tokio::test]
async fn a_proposal_dm_arrives_with_buttons_that_work_and_update_in_place() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Run the support rotation",
    )
    .await;
    bot.tour(MANAGER, "objective 1 add member A conference talk")
        .await;
    assert!(
        slack.posted().is_empty(),
        "no Slack call on the request path"
    );

    let report = bot.deliver(bot.now()).await;
    assert_eq!(report.sent, 1);
    let proposal = last_to(&slack, MEMBER);
    assert_eq!(proposal.metadata_key.as_deref(), Some("tour:1:proposal"));
    assert!(
        proposal.text.contains("proposes a tour of duty"),
        "{}",
        proposal.text
    );
    let blocks = proposal.blocks.to_string();
    assert!(
        blocks.contains("Run the support rotation") && blocks.contains("A conference talk"),
        "{blocks}"
    );
    assert!(
        find_action(&proposal.blocks, "tour.accept").is_some()
            && find_action(&proposal.blocks, "tour.decline").is_some()
    );
    assert_eq!(
        slack.calls_to("conversations.open").len(),
        1,
        "the DM channel is opened once"
    );

    // The manager cannot accept through someone else's button.
    assert_eq!(
        bot.click(MANAGER, &proposal, "tour.accept", None).await,
        200
    );
    assert!(
        bot.tour(MANAGER, "show 1")
            .await
            .contains("*Status* proposed")
    );

    assert_eq!(bot.click(MEMBER, &proposal, "tour.accept", None).await, 200);
    assert!(
        bot.tour(MEMBER, "show 1").await.contains("*Status* active"),
        "the button did what /tour accept does"
    );
    assert!(
        bot.tour(MEMBER, "history 1")
            .await
            .contains("<@UMEMBER> accepted")
    );
    drain(&bot, bot.now(), Duration::seconds(1), 10).await;

    let updated = slack.updated();
    let update = updated
        .iter()
        .find(|u| u.ts == proposal.ts)
        .expect("the proposal was updated in place");
    assert!(
        update.blocks.to_string().contains("now *active*"),
        "{}",
        update.blocks
    );
    assert!(
        find_action(&update.blocks, "tour.accept").is_none(),
        "no stale buttons"
    );
    let to_manager: Vec<String> = slack
        .posted()
        .into_iter()
        .filter(|m| m.channel == dm(MANAGER))
        .map(|m| m.text)
        .collect();
    assert!(
        to_manager.iter().any(|t| t.contains("accepted tour *#1*")),
        "{:?}",
        to_manager
    );
    let counts = posts_per_key(&slack);
    assert_eq!(counts.get("tour:1:proposal"), Some(&1));
    assert_eq!(counts.get("tour:1:accepted"), Some(&1));
    // The manager's refused click was answered privately.
    assert!(
        slack
            .posted()
            .iter()
            .any(|m| m.channel == dm(MANAGER) && m.text.contains("(the member) can accept"))
    );
}

#[tokio::test]
async fn decline_by_button_tells_the_manager_the_reason_free_way() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> transformational 2y Build the data team",
    )
    .await;
    bot.deliver(bot.now()).await;
    let proposal = last_to(&slack, MEMBER);
    bot.click(MEMBER, &proposal, "tour.decline", None).await;
    assert!(
        bot.tour(MANAGER, "show 1")
            .await
            .contains("*Status* declined")
    );
    drain(&bot, bot.now(), Duration::seconds(1), 10).await;
    assert!(last_to(&slack, MANAGER).text.contains("declined tour *#1*"));
}

#[tokio::test]
async fn a_429_storm_ends_with_every_message_delivered_exactly_once() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    for i in 0..12 {
        bot.tour(
            MANAGER,
            &format!("propose <@UMEMBER{i}> rotational 1y Mission {i}"),
        )
        .await;
    }
    slack.fail_next(
        "chat.postMessage",
        5,
        Failure::RateLimited {
            retry_after_secs: 3,
        },
    );
    let start = bot.now();
    drain(&bot, start, Duration::milliseconds(500), 200).await;

    let counts = posts_per_key(&slack);
    assert_eq!(counts.len(), 12, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    assert_eq!(
        slack.calls_to("chat.postMessage").len(),
        12 + 5,
        "each 429 was retried once it had waited"
    );
}

#[tokio::test]
async fn pacing_keeps_one_message_per_second_per_channel() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    // Three proposals to the same member: three DMs to one channel.
    for i in 0..3 {
        bot.tour(
            &format!("UBOSS{i}"),
            &format!("propose <@UMEMBER> rotational 1y Mission {i}"),
        )
        .await;
    }
    let now = bot.now();
    let first = bot.deliver(now).await;
    assert_eq!(first.sent, 1, "one message per channel per second");
    let next = first.next.expect("more to send");
    assert!(
        next > now && next <= now + Duration::seconds(1),
        "{next} vs {now}"
    );
    drain(&bot, next, Duration::seconds(1), 10).await;
    assert_eq!(slack.posted().len(), 3);
}

#[tokio::test]
async fn a_5xx_outage_backs_off_and_delivers_once_when_slack_is_back() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    slack.fail_always("chat.postMessage", Failure::Status(503));
    let mut now = bot.now();
    let mut waits = Vec::new();
    for _ in 0..4 {
        let report = bot.deliver(now).await;
        assert_eq!(report.sent, 0);
        let next = report.next.unwrap();
        waits.push((next - now).num_seconds());
        now = next;
    }
    assert!(
        waits.windows(2).all(|w| w[1] >= w[0]),
        "backoff grows: {waits:?}"
    );
    assert!(waits[0] >= 10, "{waits:?}");
    slack.heal("chat.postMessage");
    drain(&bot, now, Duration::seconds(1), 10).await;
    assert_eq!(posts_per_key(&slack).get("tour:1:proposal"), Some(&1));
    // Each retry of an attempt that might have arrived looked first.
    assert!(slack.calls_to("conversations.history").len() >= 4);
}

#[tokio::test]
async fn a_permanent_error_is_recorded_and_never_retried() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    slack.fail_next(
        "chat.postMessage",
        1,
        Failure::SlackError("channel_not_found"),
    );
    let report = bot.deliver(bot.now()).await;
    assert_eq!((report.sent, report.failed), (0, 1));
    for hours in 1..4 {
        bot.deliver(bot.now() + Duration::hours(hours)).await;
    }
    assert_eq!(slack.calls_to("chat.postMessage").len(), 1, "not retried");
    let team = alliance::domain::TeamId::parse(common::TEAM).unwrap();
    let entry = bot
        .store
        .outbox_entry(&team, "tour:1:proposal")
        .unwrap()
        .unwrap();
    assert!(
        matches!(&entry.state, alliance::store::outbox::OutboxState::Failed { error, .. } if error == "channel_not_found"),
        "{entry:?}"
    );
}

#[tokio::test]
async fn a_restart_in_the_middle_of_delivery_sends_nothing_twice() {
    let slack = FakeSlack::start().await;
    // Before the real clock: the fake stamps messages with it, and recovery
    // looks for messages posted since the attempt.
    let start = Utc.with_ymd_and_hms(2025, 11, 25, 9, 0, 0).unwrap();
    let bot = Bot::with_slack(&slack, start, None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    // Slack takes the message, then the bot dies before hearing back.
    slack.fail_next("chat.postMessage", 1, Failure::PostThenHang);
    let now = bot.now();
    let cut = tokio::time::timeout(std::time::Duration::from_millis(300), bot.deliver(now)).await;
    assert!(cut.is_err(), "the pass was cut off mid-call");
    assert_eq!(slack.posted().len(), 1);
    let dir = bot.stop().await;

    let bot = Bot::with_slack(&slack, start + Duration::minutes(5), Some(dir)).await;
    drain(&bot, bot.now(), Duration::seconds(1), 10).await;
    assert_eq!(
        posts_per_key(&slack).get("tour:1:proposal"),
        Some(&1),
        "recovered, not resent"
    );
    assert_eq!(slack.calls_to("chat.postMessage").len(), 1);
    let team = alliance::domain::TeamId::parse(common::TEAM).unwrap();
    let entry = bot
        .store
        .outbox_entry(&team, "tour:1:proposal")
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

#[tokio::test]
async fn a_reminder_that_fell_due_while_the_bot_was_down_goes_out_once_on_start() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    // Ends 2027-01-05: "7 days before" falls due 2026-12-29.
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-11-01 to 2027-01-05 Close the year well",
    )
    .await;
    bot.tour(MEMBER, "accept 1").await;
    drain(&bot, bot.now(), Duration::seconds(1), 10).await;
    let before = slack.posted().len();
    let dir = bot.stop().await;

    // Down from Tuesday 24 Nov until Thursday 31 Dec.
    let back = Utc.with_ymd_and_hms(2026, 12, 31, 10, 0, 0).unwrap();
    let bot = Bot::with_slack(&slack, back, Some(dir)).await;
    let report = bot.tick(back);
    assert!(report.enqueued >= 2, "{report:?}");
    drain(&bot, back, Duration::seconds(1), 20).await;
    assert_eq!(
        bot.tick(back + Duration::minutes(1)).enqueued,
        0,
        "a second tick owes nothing more"
    );
    drain(&bot, back + Duration::minutes(1), Duration::seconds(1), 5).await;

    let counts = posts_per_key(&slack);
    for key in [
        "tour:1:ending:30d:2026-12-06:UMEMBER",
        "tour:1:ending:30d:2026-12-06:UMANAGER",
        "tour:1:ending:7d:2026-12-29:UMEMBER",
        "tour:1:ending:7d:2026-12-29:UMANAGER",
    ] {
        assert_eq!(counts.get(key), Some(&1), "{key}: {counts:?}");
    }
    assert!(slack.posted().len() > before);
    // Only the manager proposes the next tour: the member's reminder asks
    // for the conversation instead.
    let to_manager = last_to(&slack, MANAGER);
    assert!(find_action(&to_manager.blocks, "tour.propose_next").is_some());
    assert!(find_action(&to_manager.blocks, "home.talk").is_none());
    let reminder = last_to(&slack, MEMBER);
    assert!(
        find_action(&reminder.blocks, "tour.propose_next").is_none(),
        "{}",
        reminder.blocks
    );
    for action in [
        "home.talk",
        "tour.extend",
        "tour.plan_exit",
        "reminder.snooze_week",
        "reminder.done",
    ] {
        assert!(
            find_action(&reminder.blocks, action).is_some(),
            "{action} on {}",
            reminder.blocks
        );
    }
}

/// The scheduler's tick only fires a reminder; the worker's next pass makes
/// it a message per person. A stop in between loses nothing and sends once.
#[tokio::test]
async fn a_reminder_fired_just_before_a_stop_is_sent_once_by_the_next_pass() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-12-01 to 2027-11-30 Run support",
    )
    .await;
    drain(&bot, bot.now(), Duration::seconds(1), 10).await;
    // "Proposal waiting" is due to the member three days on: a Friday morning.
    let due = tuesday_9am() + Duration::days(3);
    // The tick alone, as `serve` runs it.
    assert_eq!(alliance::scheduler::tick(&bot.store, due).unwrap().fired, 1);
    let team = alliance::domain::TeamId::parse(common::TEAM).unwrap();
    assert!(
        bot.store
            .outbox_entry(&team, "tour:1:waiting:UMEMBER")
            .unwrap()
            .is_none(),
        "fired, not yet a message"
    );
    assert_eq!(bot.store.fired_reminders(10).unwrap().len(), 1);
    let dir = bot.stop().await;

    let bot = Bot::with_slack(&slack, due, Some(dir)).await;
    assert_eq!(
        alliance::scheduler::tick(&bot.store, due).unwrap().fired,
        0,
        "it fired once"
    );
    drain(&bot, due, Duration::seconds(1), 10).await;
    drain(&bot, due + Duration::minutes(1), Duration::seconds(1), 10).await;
    assert_eq!(
        posts_per_key(&slack).get("tour:1:waiting:UMEMBER"),
        Some(&1)
    );
    assert!(bot.store.fired_reminders(10).unwrap().is_empty());
}

#[tokio::test]
async fn a_weekly_series_resumes_with_one_message_after_an_outage_and_goes_on() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    // Ends Monday 2026-11-30: "ended without a decision" is due 1 Dec, then weekly.
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-10-01 to 2026-11-30 Wind down the old API",
    )
    .await;
    bot.tour(MEMBER, "accept 1").await;
    drain(&bot, bot.now(), Duration::seconds(1), 10).await;
    let dir = bot.stop().await;

    // Down until Tuesday 22 Dec: three more weekly occurrences were missed.
    let back = Utc.with_ymd_and_hms(2026, 12, 22, 10, 0, 0).unwrap();
    let bot = Bot::with_slack(&slack, back, Some(dir)).await;
    assert_eq!(
        bot.tick(back),
        TickReport {
            due: 1,
            enqueued: 2
        },
        "only the live series is due: accepting ended the proposal's"
    );
    drain(&bot, back, Duration::seconds(1), 10).await;
    let week_later = back + Duration::days(7);
    assert_eq!(bot.tick(week_later).enqueued, 2, "the series goes on");
    drain(&bot, week_later, Duration::seconds(1), 10).await;

    let counts = posts_per_key(&slack);
    for who in [MEMBER, MANAGER] {
        let weekly: Vec<_> = counts
            .keys()
            .filter(|k| k.starts_with("tour:1:ended:") && k.ends_with(who))
            .cloned()
            .collect();
        assert_eq!(
            weekly.len(),
            2,
            "one catch-up, not one per week: {weekly:?}"
        );
        for key in [
            format!("tour:1:ended:w0:2026-12-01:{who}"),
            format!("tour:1:ended:w4:2026-12-29:{who}"),
        ] {
            assert_eq!(counts.get(&key), Some(&1), "{key}: {counts:?}");
        }
    }
}

#[tokio::test]
async fn night_time_reminders_wait_for_the_recipients_morning() {
    let slack = FakeSlack::start().await;
    slack.set_user(MEMBER, "Asia/Tokyo", false);
    // Proposed at 18:00 UTC on Monday: three days later is 03:00 Friday in Tokyo.
    let monday_evening = Utc.with_ymd_and_hms(2026, 11, 23, 18, 0, 0).unwrap();
    let bot = with_one_proposal(&slack, monday_evening).await;
    let proposals = slack.posted().len();

    let due = monday_evening + Duration::days(3) + Duration::seconds(5);
    assert_eq!(bot.tick(due).enqueued, 1);
    let report = bot.deliver(due).await;
    assert_eq!(
        report.sent, 0,
        "03:00 in Tokyo is not a time to write to anyone"
    );
    let morning = Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap(); // 09:00 in Tokyo
    assert_eq!(report.next, Some(morning));
    assert_eq!(bot.deliver(morning - Duration::seconds(1)).await.sent, 0);
    assert_eq!(bot.deliver(morning).await.sent, 1);
    assert_eq!(slack.posted().len(), proposals + 1);
    assert_eq!(
        last_to(&slack, MEMBER).metadata_key.as_deref(),
        Some("tour:1:waiting:UMEMBER")
    );
}

#[tokio::test]
async fn a_reminder_waiting_for_the_morning_is_dropped_if_the_tour_was_answered_meanwhile() {
    let slack = FakeSlack::start().await;
    slack.set_user(MEMBER, "Asia/Tokyo", false);
    let monday_evening = Utc.with_ymd_and_hms(2026, 11, 23, 18, 0, 0).unwrap();
    let bot = with_one_proposal(&slack, monday_evening).await;
    let due = monday_evening + Duration::days(3) + Duration::seconds(5);
    assert_eq!(bot.tick(due).enqueued, 1);
    assert_eq!(bot.deliver(due).await.later, 1, "held for the morning");

    // The member answers from their phone at 07:00 Tokyo time.
    bot.tour(MEMBER, "decline 1").await.assert_well_formed();
    let morning = Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap();
    let report = bot.deliver(morning).await;
    assert_eq!(report.dropped, 1, "{report:?}");
    let posted = posts_per_key(&slack);
    assert_eq!(posted.get("tour:1:waiting:UMEMBER"), None, "{posted:?}");
    assert_eq!(
        posted.get("tour:1:declined"),
        Some(&1),
        "the manager still hears"
    );
    assert_eq!(bot.deliver(morning + Duration::days(1)).await.sent, 0);
}

#[tokio::test]
async fn working_hours_follow_daylight_saving_time() {
    let slack = FakeSlack::start().await;
    slack.set_user(MEMBER, "America/New_York", false);
    // Proposed Thursday 2026-03-05 06:00 UTC: due Sunday 03-08 06:00 UTC, the
    // night New York springs forward. Monday 09:00 is then EDT (13:00 UTC).
    let thursday = Utc.with_ymd_and_hms(2026, 3, 5, 6, 0, 0).unwrap();
    let bot = with_one_proposal(&slack, thursday).await;
    let due = thursday + Duration::days(3) + Duration::seconds(5);
    bot.tick(due);
    let report = bot.deliver(due).await;
    assert_eq!(
        report.next,
        Some(Utc.with_ymd_and_hms(2026, 3, 9, 13, 0, 0).unwrap())
    );
}

#[tokio::test]
async fn snooze_brings_a_reminder_back_and_done_stops_it() {
    let slack = FakeSlack::start().await;
    let start = tuesday_9am();
    let bot = with_one_proposal(&slack, start).await;

    let friday = start + Duration::days(3) + Duration::minutes(1);
    assert_eq!(bot.tick(friday).enqueued, 1);
    drain(&bot, friday, Duration::seconds(1), 5).await;
    let reminder = last_to(&slack, MEMBER);
    assert_eq!(
        reminder.metadata_key.as_deref(),
        Some("tour:1:waiting:UMEMBER")
    );

    bot.click(MEMBER, &reminder, "reminder.snooze_week", None)
        .await;
    drain(&bot, bot.now(), Duration::seconds(1), 5).await;
    let update = slack
        .updated()
        .into_iter()
        .find(|u| u.ts == reminder.ts)
        .expect("updated in place");
    assert!(update.text.contains("Snoozed until"), "{}", update.text);

    // A week later it is back, once, for the member only.
    let week = bot.now() + Duration::weeks(1) + Duration::minutes(1);
    assert!(
        bot.tick(week).enqueued >= 1,
        "the snoozed reminder (and the manager's own) came due"
    );
    drain(&bot, week, Duration::seconds(1), 5).await;
    let again = last_to(&slack, MEMBER);
    assert_eq!(
        again.metadata_key.as_deref(),
        Some("tour:1:waiting:UMEMBER:s1")
    );

    // Snooze until a date in the past is refused; a date ahead works.
    bot.click(MEMBER, &again, "reminder.snooze_until", Some("2020-01-01"))
        .await;
    drain(&bot, week, Duration::seconds(1), 5).await;
    assert!(
        last_to(&slack, MEMBER)
            .text
            .contains("Pick a date after today")
    );
    bot.click(MEMBER, &again, "reminder.done", None).await;
    drain(&bot, week, Duration::seconds(1), 5).await;
    assert!(
        slack
            .updated()
            .iter()
            .any(|u| u.ts == again.ts && u.text.contains("Done"))
    );

    // Done: nothing more of this kind for the member, even from an earlier snooze.
    let later = week + Duration::weeks(3);
    bot.tick(later);
    drain(&bot, later, Duration::seconds(1), 5).await;
    assert!(
        !posts_per_key(&slack)
            .keys()
            .any(|k| k.starts_with("tour:1:waiting:UMEMBER:s2"))
    );
}

/// The keys of the messages about tour 1's `series` (`ended`, …) posted to
/// `user`, in the order they went.
fn series_to(slack: &FakeSlack, user: &str, series: &str) -> Vec<String> {
    slack
        .posted()
        .into_iter()
        .filter(|m| m.channel == dm(user))
        .filter_map(|m| m.metadata_key)
        .filter(|k| k.starts_with(&format!("tour:1:{series}:")))
        .collect()
}

/// A bot whose tour 1 ended on Tuesday 2026-12-01 with nothing decided, its
/// clock at `at`: "ended with no decision" comes on Wednesdays from 12-02.
async fn with_an_ended_tour(slack: &FakeSlack, at: DateTime<Utc>) -> Bot {
    let bot = Bot::with_slack(slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-10-01 to 2026-12-01 Wind down the old API",
    )
    .await;
    bot.tour(MEMBER, "accept 1").await;
    drain(&bot, bot.now(), Duration::seconds(1), 10).await;
    let dir = bot.stop().await;
    Bot::with_slack(slack, at, Some(dir)).await
}

/// One tick and a drain at each of these times (09:00 UTC is in working hours).
async fn days(bot: &Bot, times: &[DateTime<Utc>]) {
    for at in times {
        bot.tick(*at);
        drain(bot, *at, Duration::seconds(1), 10).await;
    }
}

fn dec(day: u32, hour: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, min, 0).unwrap()
}

#[tokio::test]
async fn snooze_until_a_date_holds_the_weekly_series_for_the_clicker_only() {
    let slack = FakeSlack::start().await;
    let bot = with_an_ended_tour(&slack, dec(2, 9, 0)).await;
    days(&bot, &[dec(2, 9, 0)]).await;
    let first = last_to(&slack, MEMBER);
    assert_eq!(
        first.metadata_key.as_deref(),
        Some("tour:1:ended:w0:2026-12-02:UMEMBER")
    );
    bot.click(MEMBER, &first, "reminder.snooze_until", Some("2026-12-22"))
        .await;
    drain(&bot, dec(2, 9, 1), Duration::seconds(1), 5).await;
    assert!(
        slack
            .updated()
            .iter()
            .any(|u| u.ts == first.ts && u.text.contains("Snoozed until 2026-12-22")),
        "the message says so in place"
    );

    days(
        &bot,
        &[
            dec(9, 9, 0),
            dec(16, 9, 0),
            dec(22, 9, 0),
            dec(23, 9, 0),
            dec(30, 9, 0),
        ],
    )
    .await;
    // Nothing before the 22nd, exactly one then; the weekly series goes on
    // a week after it, not the next day.
    assert_eq!(
        series_to(&slack, MEMBER, "ended"),
        [
            "tour:1:ended:w0:2026-12-02:UMEMBER",
            "tour:1:ended:w0:2026-12-22:UMEMBER:s1",
            "tour:1:ended:w4:2026-12-30:UMEMBER",
        ]
    );
    // The manager's copies are untouched.
    assert_eq!(
        series_to(&slack, MANAGER, "ended"),
        [
            "tour:1:ended:w0:2026-12-02:UMANAGER",
            "tour:1:ended:w1:2026-12-09:UMANAGER",
            "tour:1:ended:w2:2026-12-16:UMANAGER",
            "tour:1:ended:w3:2026-12-23:UMANAGER",
            "tour:1:ended:w4:2026-12-30:UMANAGER",
        ]
    );
}

#[tokio::test]
async fn snooze_a_week_brings_the_reminder_once_not_beside_the_next_one() {
    let slack = FakeSlack::start().await;
    let bot = with_an_ended_tour(&slack, dec(2, 9, 0)).await;
    days(&bot, &[dec(2, 9, 0)]).await;
    let first = last_to(&slack, MEMBER);
    // Read at lunch: a week on is 13:00 next Wednesday, four hours after
    // that morning's occurrence of the series.
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, dec(2, 13, 0), Some(dir)).await;
    bot.click(MEMBER, &first, "reminder.snooze_week", None)
        .await;
    days(
        &bot,
        &[dec(2, 13, 1), dec(9, 9, 0), dec(9, 13, 1), dec(16, 9, 0)],
    )
    .await;
    assert_eq!(
        series_to(&slack, MEMBER, "ended"),
        [
            "tour:1:ended:w0:2026-12-02:UMEMBER",
            "tour:1:ended:w0:2026-12-09:UMEMBER:s1",
            "tour:1:ended:w2:2026-12-16:UMEMBER",
        ],
        "one a week"
    );
    assert_eq!(series_to(&slack, MANAGER, "ended").len(), 3);
}

/// A `view_submission` payload for the propose form, as Slack sends it.
fn submission(
    user: &str,
    member: &str,
    kind: &str,
    term: Option<&str>,
    mission: &str,
    company: &str,
) -> String {
    use alliance::commands::form::*;
    let text = |v: Option<&str>| serde_json::json!({ "type": "plain_text_input", "value": v });
    let payload = serde_json::json!({
        "type": "view_submission",
        "team": {"id": common::TEAM, "domain": "alliance-test"},
        "user": {"id": user, "team_id": common::TEAM},
        "api_app_id": "A0APP",
        "trigger_id": "2222.3333.form",
        "view": {
            "id": "V0FORM", "type": "modal", "callback_id": CALLBACK_ID, "private_metadata": "",
            "state": {"values": {
                BLOCK_MEMBER: { ACTION_MEMBER: {"type": "users_select", "selected_user": member} },
                BLOCK_KIND: { ACTION_KIND: {"type": "static_select", "selected_option": {"value": kind}} },
                BLOCK_TERM: { ACTION_TERM: text(term) },
                BLOCK_MISSION: { ACTION_MISSION: text(Some(mission)) },
                BLOCK_COMPANY_OBJECTIVES: { ACTION_COMPANY_OBJECTIVES: text(Some(company)) },
                BLOCK_MEMBER_OBJECTIVES: { ACTION_MEMBER_OBJECTIVES: text(None) },
            }}
        }
    });
    serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
}

/// Posts a form submission and returns Slack's view of the answer.
async fn submit(bot: &Bot, body: &str) -> serde_json::Value {
    bot.post_signed(body.as_bytes(), common::FORM)
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn propose_without_arguments_opens_a_form_whose_submission_creates_the_tour() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    let response = bot
        .post_signed(
            common::slash_body(MANAGER, "/tour", "propose").as_bytes(),
            common::FORM,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        "",
        "acknowledged at once; the form opens beside"
    );
    let mut opened = Vec::new();
    for _ in 0..100 {
        opened = slack.calls_to("views.open");
        if !opened.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(opened.len(), 1);
    assert_eq!(
        opened[0].body["trigger_id"],
        "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    );
    assert_eq!(opened[0].body["view"]["callback_id"], "tour.propose");

    // A submission with a bad length is answered inline, and nothing is created.
    let bad = submission(
        MANAGER,
        MEMBER,
        "rotational",
        Some("18x"),
        "Run support",
        "",
    );
    let answer = submit(&bot, &bad).await;
    assert_eq!(answer["response_action"], "errors", "{answer}");
    assert!(
        answer["errors"]["term"]
            .as_str()
            .unwrap()
            .contains("isn't a length"),
        "{answer}"
    );
    assert!(
        bot.tour(MANAGER, "list team")
            .await
            .contains("You haven't proposed any tours")
    );

    let good = submission(
        MANAGER,
        MEMBER,
        "transformational",
        Some("2y"),
        "Lead the <payments> rewrite",
        "Ship the ledger\n\nMentor two juniors",
    );
    let answer = submit(&bot, &good).await;
    assert_eq!(answer, serde_json::json!({"response_action": "clear"}));
    let card = bot.tour(MEMBER, "show 1").await;
    assert!(
        card.contains("Lead the &lt;payments&gt; rewrite")
            && card.contains("2 years from acceptance"),
        "{}",
        card.text()
    );
    assert!(
        card.contains("○ 1. Ship the ledger") && card.contains("○ 2. Mentor two juniors"),
        "{}",
        card.text()
    );
    drain(&bot, bot.now(), Duration::seconds(1), 10).await;
    assert!(
        last_to(&slack, MANAGER)
            .text
            .contains("You proposed tour *#1*")
    );
    assert_eq!(
        last_to(&slack, MEMBER).metadata_key.as_deref(),
        Some("tour:1:proposal")
    );
}

// ---- A backlog: hundreds of reminders due at once ----

/// `n` members (`UM0001`…), each proposed a tour by `manager` on `at`,
/// through the store as a command would; the proposal DMs are delivered.
async fn proposals(bot: &Bot, manager: &str, members: &[String], at: DateTime<Utc>) {
    use alliance::domain::{TeamId, Term, Tour, TourKind, UserId};
    let team = TeamId::parse(common::TEAM).unwrap();
    let manager = UserId::parse(manager).unwrap();
    let loader = bot.store.bulk_loader();
    for member in members {
        let member = UserId::parse(member).unwrap();
        loader
            .create_tour(&team, |id| {
                Tour::propose(
                    id,
                    &manager,
                    &member,
                    TourKind::Rotational,
                    Term::Months(12),
                    "Keep the lights on",
                    at,
                )
            })
            .unwrap()
            .unwrap();
    }
    loader.flush().unwrap();
    drain(bot, at, Duration::seconds(1), 500).await;
}

fn members(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("UM{i:04}")).collect()
}

/// The posts carrying a `waiting` reminder, in the order Slack got them.
fn reminders_posted(slack: &FakeSlack) -> Vec<PostedMessage> {
    slack
        .posted()
        .into_iter()
        .filter(|m| {
            m.metadata_key
                .as_deref()
                .is_some_and(|k| k.contains(":waiting:"))
        })
        .collect()
}

#[tokio::test]
async fn a_pass_held_back_by_pacing_writes_nothing_for_what_it_does_not_send() {
    let slack = FakeSlack::start().await;
    let t0 = tuesday_9am();
    let (bot, counts) = Bot::with_slack_counted(&slack, t0 - Duration::days(3)).await;
    proposals(&bot, MANAGER, &members(300), t0 - Duration::days(3)).await;
    assert_eq!(
        bot.tick(t0).due,
        300,
        "every member's proposal-waiting reminder"
    );

    // The first pass sends what the ceiling lets out now; the reminders'
    // steady pace then holds the rest back.
    let first = bot.deliver(t0).await;
    assert!(first.sent >= 1, "{first:?}");
    let waiting = 300 - reminders_posted(&slack).len();
    assert!(waiting > 250, "{waiting} still waiting");

    // Passes at the same instant (a request wakes the worker, say) find
    // nothing they may send: they send nothing and write nothing.
    let before = counts.writes();
    for _ in 0..20 {
        let pass = bot.deliver(t0).await;
        assert_eq!((pass.sent, pass.later, pass.dropped), (0, 0, 0), "{pass:?}");
        assert!(pass.next.is_some_and(|n| n > t0), "{pass:?}");
    }
    assert_eq!(
        counts.writes(),
        before,
        "held-back passes wrote to the store"
    );

    // Draining the rest costs the same few writes per message, however long
    // the queue behind it is: count the writes of the next 40 messages.
    let mut now = t0;
    let (writes, sent) = (counts.writes(), reminders_posted(&slack).len());
    while reminders_posted(&slack).len() < sent + 40 {
        let pass = bot.deliver(now).await;
        now = pass.next.expect("more to send").max(now);
    }
    let per_message = (counts.writes() - writes) as f64 / 40.0;
    assert!(per_message <= 12.0, "{per_message} writes per message sent");

    drain(&bot, now, Duration::milliseconds(250), 2_000).await;
    let counts = posts_per_key(&slack);
    let reminders: Vec<_> = counts
        .iter()
        .filter(|(k, _)| k.contains(":waiting:"))
        .collect();
    assert_eq!(reminders.len(), 300, "every reminder went out");
    assert!(reminders.iter().all(|(_, n)| **n == 1), "and each once");
}

#[tokio::test]
async fn an_answer_goes_ahead_of_a_reminder_backlog() {
    let slack = FakeSlack::start().await;
    let t0 = tuesday_9am();
    // The bot's clock reads t0: the backlog fell due just before the proposal.
    let bot = Bot::with_slack(&slack, t0, None).await;
    proposals(&bot, MANAGER, &members(300), t0 - Duration::days(3)).await;
    bot.tick(t0);
    let mut now = t0;
    for _ in 0..10 {
        now = bot.deliver(now).await.next.unwrap().max(now);
    }
    let before = reminders_posted(&slack).len();
    assert!(before < 50, "{before} reminders sent before the proposal");

    // A manager proposes a tour while the reminders drain.
    bot.tour(
        "UNEWBOSS",
        "propose <@UNEWBIE> rotational 1y Run the help desk",
    )
    .await;
    // Passes run at the bot's time from here on, which is past the request's.
    now = now.max(bot.now());
    for _ in 0..3 {
        now = bot.deliver(now).await.next.unwrap().max(now);
    }
    let posted = slack.posted();
    let proposal = posted
        .iter()
        .position(|m| m.channel == dm("UNEWBIE"))
        .expect("the proposal DM went out");
    let reminders_before_it = posted[..proposal]
        .iter()
        .filter(|m| {
            m.metadata_key
                .as_deref()
                .is_some_and(|k| k.contains(":waiting:"))
        })
        .count();
    assert!(
        reminders_before_it <= before + 1,
        "the proposal waited behind {reminders_before_it} reminders"
    );
    drain(&bot, now, Duration::milliseconds(250), 2_000).await;
    assert_eq!(
        reminders_posted(&slack).len(),
        300,
        "and the backlog still drains"
    );
}

#[tokio::test]
async fn one_person_with_many_reminders_does_not_hold_up_everyone_else() {
    let slack = FakeSlack::start().await;
    let t0 = tuesday_9am();
    let bot = Bot::with_slack(&slack, t0 - Duration::days(3), None).await;
    // UBUSY is proposed 30 tours by 30 managers before anyone else is.
    let start = t0 - Duration::days(3);
    for i in 1..=30 {
        proposals(&bot, &format!("UBOSS{i:02}"), &["UBUSY".to_string()], start).await;
    }
    proposals(&bot, MANAGER, &members(30), start).await;
    bot.tick(t0);
    drain(&bot, t0, Duration::milliseconds(250), 2_000).await;
    let order: Vec<String> = reminders_posted(&slack)
        .into_iter()
        .map(|m| m.channel)
        .collect();
    assert_eq!(order.len(), 60);
    // Each person gets at most one message a second, so the others' come
    // between UBUSY's, not after all thirty of them.
    let last_other = order.iter().rposition(|c| *c != dm("UBUSY")).unwrap();
    assert!(
        last_other < 45,
        "the last of the others came {last_other}th: {order:?}"
    );
}

#[tokio::test]
async fn messages_owed_to_another_workspace_stay_in_the_outbox_and_are_never_sent() {
    let slack = FakeSlack::start().await;
    let t0 = tuesday_9am();
    let bot = Bot::with_slack(&slack, t0, None).await;
    // The shell's trial workspace shares the store.
    let shell = alliance::commands::Request {
        team: alliance::domain::TeamId::parse("TLOCAL").unwrap(),
        user: alliance::domain::UserId::parse("UALICE").unwrap(),
        command: "/tour".into(),
        text: "propose <@UBOB> rotational 1y Try the bot".into(),
    };
    bot.state().engine.handle(&shell, t0);
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    drain(&bot, t0, Duration::seconds(1), 20).await;
    let posted = slack.posted();
    assert_eq!(posted.len(), 1, "only this workspace's proposal went");
    assert_eq!(posted[0].channel, dm(MEMBER));
    let local = bot
        .store
        .outbox_entry(&shell.team, "tour:1:proposal")
        .unwrap()
        .expect("kept");
    assert!(
        local.state.is_open(),
        "still owed, never sent: {:?}",
        local.state
    );
    assert_eq!(slack.calls_to("auth.test").len(), 1, "asked once");
}

#[tokio::test]
async fn a_message_a_pass_itself_makes_owed_goes_on_the_next_pass_at_once() {
    let slack = FakeSlack::start().await;
    // A Thursday morning: the member's reminder came on Monday.
    let t0 = tuesday_9am() + Duration::days(2);
    let start = t0 - Duration::days(6) - Duration::hours(1);
    let bot = Bot::with_slack(&slack, start, None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    drain(&bot, start, Duration::seconds(1), 5).await;
    // The member's "proposal waiting" comes and goes; the manager's fires
    // and is fanned out. Then the tour changes hands, and the people are
    // told.
    let member_day = start + Duration::days(3) + Duration::hours(2);
    bot.tick(member_day);
    for _ in 0..3 {
        bot.deliver(member_day).await;
    }
    bot.tick(t0);
    assert!(
        bot.tour(MANAGER, "reassign 1 <@UNEWBOSS>")
            .await
            .contains("You handed tour *#1*")
    );
    for _ in 0..3 {
        bot.deliver(member_day + Duration::seconds(10)).await;
    }
    assert!(
        posts_per_key(&slack)
            .keys()
            .all(|k| !k.contains(":waiting-manager")),
        "not yet"
    );
    // The pass that finds the old manager's reminder owes it to the new one
    // instead: that message is due now, so the pass says so.
    let now = t0 + Duration::seconds(5);
    let pass = bot.deliver(now).await;
    assert!(
        pass.next.is_some_and(|n| n <= now),
        "the readdressed reminder would wait for the next wake-up: {pass:?}"
    );
    drain(&bot, now, Duration::seconds(1), 10).await;
    assert!(
        slack
            .posted()
            .iter()
            .any(|m| m.metadata_key.as_deref() == Some("tour:1:waiting-manager:UNEWBOSS")),
        "{:?}",
        posts_per_key(&slack)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_during_a_large_fan_out_is_committed_between_its_batches() {
    use alliance::store::TreeName;
    let slack = FakeSlack::start().await;
    let t0 = tuesday_9am();
    let (bot, counts) = Bot::with_slack_counted(&slack, t0).await;
    // Thousands of reminders fired at once (the first morning of a month).
    let team = alliance::domain::TeamId::parse(common::TEAM).unwrap();
    let loader = bot.store.bulk_loader();
    let manager = alliance::domain::UserId::parse(MANAGER).unwrap();
    for i in 0..1_000 {
        let member = alliance::domain::UserId::parse(&format!("UM{i:05}")).unwrap();
        loader
            .create_tour(&team, |id| {
                alliance::domain::Tour::propose(
                    id,
                    &manager,
                    &member,
                    alliance::domain::TourKind::Rotational,
                    alliance::domain::Term::Months(12),
                    "Keep the lights on",
                    t0 - Duration::days(3),
                )
            })
            .unwrap()
            .unwrap();
    }
    loader.flush().unwrap();
    let fired = alliance::scheduler::tick(&bot.store, t0).unwrap().fired;
    assert_eq!(fired, 1_000);
    let fan_out_commits = |log: &[Vec<TreeName>]| {
        log.iter()
            .filter(|trees| trees.contains(&TreeName::Outbox) && !trees.contains(&TreeName::Tours))
            .count()
    };
    let before = counts.log().len();
    // The worker's first step, on its blocking thread, as in a pass.
    let store = bot.store.clone();
    let fanning = tokio::task::spawn_blocking(move || store.fan_out().unwrap());
    while fan_out_commits(&counts.log()[before..]) == 0 {
        tokio::task::yield_now().await;
    }
    // A manager proposes a tour while it runs.
    let reply = bot
        .tour(
            "UNEWBOSS",
            "propose <@UNEWBIE> rotational 1y Run the help desk",
        )
        .await;
    assert!(reply.contains("Proposed tour"), "{}", reply.text());
    assert_eq!(fanning.await.unwrap(), 1_000);
    // The order of commits: the command's (it writes a tour) came while
    // fan-out batches were still to come, not after all of them.
    let log = counts.log()[before..].to_vec();
    let command = log
        .iter()
        .position(|trees| trees.contains(&TreeName::Tours))
        .expect("the command committed");
    let after = fan_out_commits(&log[command..]);
    assert!(
        after > 0,
        "the command waited for the whole fan-out: {} batches before it, none after",
        fan_out_commits(&log[..command])
    );
}
