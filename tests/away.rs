//! Away and what is coming, end to end: `/tour away` holds a person's
//! reminders while they are away (answers to actions still reach them),
//! what fell due meanwhile comes once when they are back, one message per
//! series; `/tour upcoming` lists what the bot will send them and when.
//! The scheduler and the outbox are driven at chosen times against a fake
//! Slack.

mod common;

use alliance::domain::{TeamId, UserId};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_slack::FakeSlack;
use common::{Bot, TEAM, drain};

const ALICE: &str = "UALICE";
const BOB: &str = "UBOB";
const CAROL: &str = "UCAROL";

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

/// The keys of what was posted to `user`, in order.
fn keys_to(slack: &FakeSlack, user: &str) -> Vec<String> {
    slack
        .posted()
        .into_iter()
        .filter(|m| m.channel == format!("D{user}"))
        .filter_map(|m| m.metadata_key)
        .collect()
}

async fn restart(bot: Bot, slack: &FakeSlack, now: DateTime<Utc>) -> Bot {
    let dir = bot.stop().await;
    Bot::with_slack(slack, now, Some(dir)).await
}

/// One tick and a drain at `now`.
async fn run_at(bot: &Bot, now: DateTime<Utc>) {
    bot.tick(now);
    drain(bot, now).await;
}

/// From Tuesday 2026-11-10: Bob is the member of Alice's tour 1 (active,
/// its first check-in due Thursday 10 December) and the manager of Carol's
/// tour 2, which ends on Tuesday 1 December with nothing decided (so
/// "ended with no decision" comes to both on Wednesdays from the 2nd).
async fn bob_between_two_tours(slack: &FakeSlack) -> Bot {
    let bot = Bot::with_slack(slack, at(2026, 11, 10, 9), None).await;
    bot.tour(ALICE, "propose <@UBOB> rotational 1y Run the platform team")
        .await
        .assert_well_formed();
    bot.tour(BOB, "accept 1").await.assert_well_formed();
    bot.tour(
        BOB,
        "propose <@UCAROL> rotational from 2026-10-01 to 2026-12-01 Wind down the old API",
    )
    .await
    .assert_well_formed();
    bot.tour(CAROL, "accept 2").await.assert_well_formed();
    drain(&bot, bot.now()).await;
    // "Ends in 7 days" for tour 2, in everyone's working hours (a Tokyo
    // afternoon, a UTC morning).
    run_at(&bot, at(2026, 11, 24, 8)).await;
    run_at(&bot, at(2026, 11, 24, 9)).await;
    bot
}

#[tokio::test]
async fn three_weeks_away_hold_the_reminders_and_bring_one_of_each_back() {
    let slack = FakeSlack::start().await;
    let bot = bob_between_two_tours(&slack).await;
    let bot = restart(bot, &slack, at(2026, 12, 1, 10)).await;

    // Back on Monday 28 December.
    let away = bot.tour(BOB, "away until 2026-12-28").await;
    away.assert_well_formed();
    assert!(
        away.contains("You're away until Monday 2026-12-28"),
        "{}",
        away.text()
    );
    assert!(bot.tour(BOB, "away").await.contains("You're away until"));
    let before = keys_to(&slack, BOB).len();

    for day in [2, 9, 10, 16] {
        run_at(&bot, at(2026, 12, day, 9)).await;
    }
    // An answer to an action still reaches him: Alice proposes his next tour.
    let bot = restart(bot, &slack, at(2026, 12, 17, 10)).await;
    bot.tour(ALICE, "next 1 rotational 1y Grow the platform team")
        .await
        .assert_well_formed();
    drain(&bot, bot.now()).await;
    run_at(&bot, at(2026, 12, 21, 9)).await;
    // What falls due while he is away is moved once, to his return; the
    // passes after it write nothing more for it.
    let wednesday = at(2026, 12, 23, 9);
    bot.tick(wednesday);
    assert!(bot.deliver(wednesday).await.later >= 1);
    drain(&bot, wednesday).await;
    let again = bot.deliver(wednesday + Duration::seconds(10)).await;
    assert_eq!((again.sent, again.later), (0, 0), "{again:?}");

    let during: Vec<String> = keys_to(&slack, BOB)[before..].to_vec();
    assert_eq!(during, ["tour:3:proposal"], "only the answer: {during:?}");
    let carol = keys_to(&slack, CAROL);
    for week in [
        "w0:2026-12-02",
        "w1:2026-12-09",
        "w2:2026-12-16",
        "w3:2026-12-23",
    ] {
        assert!(
            carol.contains(&format!("tour:2:ended:{week}:UCAROL")),
            "Carol's copies are not held: {carol:?}"
        );
    }

    // Back: one message per series, the latest of each, in working hours.
    run_at(&bot, at(2026, 12, 28, 0)).await;
    assert_eq!(keys_to(&slack, BOB).len(), before + 1, "not before 09:00");
    run_at(&bot, at(2026, 12, 28, 9)).await;
    let mut back: Vec<String> = keys_to(&slack, BOB)[before + 1..].to_vec();
    back.sort();
    assert_eq!(
        back,
        [
            "tour:1:checkin:n1:2026-12-10:UBOB",
            "tour:2:ended:w3:2026-12-23:UBOB",
            "tour:3:waiting:UBOB",
        ]
    );
    // And the series goes on as planned.
    run_at(&bot, at(2026, 12, 30, 9)).await;
    assert_eq!(
        keys_to(&slack, BOB).last().map(String::as_str),
        Some("tour:2:ended:w4:2026-12-30:UBOB")
    );
}

#[tokio::test]
async fn an_occurrence_due_the_night_of_the_return_stands_in_for_the_one_held() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, at(2026, 11, 10, 9), None).await;
    // Ends Sunday 20 December: "ended with no decision" on Mondays from the 21st.
    bot.tour(
        ALICE,
        "propose <@UBOB> rotational from 2026-10-01 to 2026-12-20 Wind down the old API",
    )
    .await
    .assert_well_formed();
    bot.tour(BOB, "accept 1").await.assert_well_formed();
    drain(&bot, bot.now()).await;
    for day in [10, 14] {
        run_at(&bot, at(2026, 12, day, 9)).await;
    }
    let bot = restart(bot, &slack, at(2026, 12, 16, 10)).await;
    bot.tour(BOB, "away until 2026-12-28")
        .await
        .assert_well_formed();
    // Back on Monday the 28th, the day the series falls due again.
    for now in [
        at(2026, 12, 21, 9),
        at(2026, 12, 28, 0),
        at(2026, 12, 28, 9),
    ] {
        run_at(&bot, now).await;
    }
    let ended: Vec<String> = keys_to(&slack, BOB)
        .into_iter()
        .filter(|k| k.contains(":ended:"))
        .collect();
    assert_eq!(
        ended,
        ["tour:1:ended:w1:2026-12-28:UBOB"],
        "one, the latest"
    );
}

#[tokio::test]
async fn away_off_brings_what_waited_now_and_mistakes_are_answered_plainly() {
    let slack = FakeSlack::start().await;
    let bot = bob_between_two_tours(&slack).await;
    let bot = restart(bot, &slack, at(2026, 12, 1, 10)).await;
    bot.tour(BOB, "away until 2027-01-11")
        .await
        .assert_well_formed();
    run_at(&bot, at(2026, 12, 2, 9)).await;
    run_at(&bot, at(2026, 12, 9, 9)).await;
    let before = keys_to(&slack, BOB).len();

    // Back early, on Thursday the 10th.
    let bot = restart(bot, &slack, at(2026, 12, 10, 11)).await;
    let off = bot.tour(BOB, "away off").await;
    off.assert_well_formed();
    assert!(off.contains("Welcome back"), "{}", off.text());
    run_at(&bot, at(2026, 12, 10, 11)).await;
    let back: Vec<String> = keys_to(&slack, BOB)[before..].to_vec();
    assert!(
        back.contains(&"tour:2:ended:w1:2026-12-09:UBOB".to_string())
            && !back.iter().any(|k| k.contains(":ended:w0:")),
        "the latest of the series, now: {back:?}"
    );
    assert!(
        bot.tour(BOB, "away off").await.contains("You weren't away"),
        "a second off changes nothing"
    );

    // Refusals of well-formed commands are plain answers; mistakes show the usage.
    for (text, says) in [
        ("away until 2026-12-10", "after today"),
        ("away until 2028-06-01", "a year"),
    ] {
        let reply = bot.tour(BOB, text).await;
        reply.assert_well_formed();
        assert!(reply.contains(says), "{text}: {}", reply.text());
        assert!(!reply.contains("Usage:"), "{text}: {}", reply.text());
    }
    for text in ["away until", "away until soon", "away sometime"] {
        bot.tour(BOB, text).await.assert_problem("/tour away");
    }
    let store = &bot.store;
    assert!(
        store
            .away(&TeamId::parse(TEAM).unwrap(), &UserId::parse(BOB).unwrap())
            .unwrap()
            .is_none(),
        "nothing was set by the refusals"
    );
}

#[tokio::test]
async fn the_home_tab_shows_who_is_away() {
    let slack = FakeSlack::start().await;
    let bot = bob_between_two_tours(&slack).await;
    let bot = restart(bot, &slack, at(2026, 12, 1, 10)).await;
    bot.tour(BOB, "away until 2026-12-28")
        .await
        .assert_well_formed();
    let team = TeamId::parse(TEAM).unwrap();
    let view = |user: &str| {
        alliance::slack::blocks::home_view(
            &bot.state()
                .engine
                .home_view(&team, &UserId::parse(user).unwrap(), 0, bot.now())
                .unwrap(),
        )
        .to_string()
    };
    assert!(
        view(BOB).contains("You're away until Monday 2026-12-28"),
        "{}",
        view(BOB)
    );
    // His manager sees it with her team's tours; nobody else does.
    assert!(
        view(ALICE).contains("<@UBOB> is away until Monday 2026-12-28"),
        "{}",
        view(ALICE)
    );
    assert!(!view(CAROL).contains("away until"), "{}", view(CAROL));
}

/// The lines of `/tour upcoming` for `user`, past its header.
async fn upcoming(bot: &Bot, user: &str) -> (String, Vec<String>) {
    let reply = bot.tour(user, "upcoming").await;
    reply.assert_well_formed();
    let text = reply.0["text"].as_str().unwrap_or_default().to_string();
    let lines = text
        .lines()
        .filter(|l| l.starts_with("• "))
        .map(str::to_string)
        .collect();
    (text, lines)
}

#[tokio::test]
async fn upcoming_lists_what_will_come_and_when_in_ones_own_zone() {
    let slack = FakeSlack::start().await;
    slack.set_user(BOB, "Asia/Tokyo", false);
    let bot = bob_between_two_tours(&slack).await;
    let bot = restart(bot, &slack, at(2026, 12, 1, 10)).await;

    let (text, lines) = upcoming(&bot, BOB).await;
    assert!(
        text.contains("next 30 days") && text.contains("times in Asia/Tokyo, your Slack time zone"),
        "{text}"
    );
    // Midnight UTC is 09:00 in Tokyo: the start of his working day.
    assert_eq!(
        lines,
        [
            "• Wed 2026-12-02 09:00 — #2 ended with no decision (weekly, until one is made)",
            "• Wed 2026-12-09 09:00 — #2 ended with no decision (weekly, until one is made)",
            "• Thu 2026-12-10 09:00 — check-in on #1",
            "• Wed 2026-12-16 09:00 — #2 ended with no decision (weekly, until one is made)",
            "• Wed 2026-12-23 09:00 — #2 ended with no decision (weekly, until one is made)",
            "• Wed 2026-12-30 09:00 — #2 ended with no decision (weekly, until one is made)",
        ],
        "{text}"
    );
    for internal in ["ended:w", "checkin:n", "tour:"] {
        assert!(!text.contains(internal), "{internal} in {text}");
    }
    // Only what is his: Carol's list has her own copies and nothing of Bob's.
    let (_, carol) = upcoming(&bot, CAROL).await;
    assert!(
        carol.len() == 5 && carol.iter().all(|l| l.contains("#2 ended")),
        "{carol:?}"
    );

    // Snoozed until the 22nd, then away until the 28th: the list follows.
    run_at(&bot, at(2026, 12, 2, 0)).await;
    let first = slack
        .posted()
        .into_iter()
        .rev()
        .find(|m| m.metadata_key.as_deref() == Some("tour:2:ended:w0:2026-12-02:UBOB"))
        .expect("the first one came");
    bot.click(BOB, &first, "reminder.snooze_until", Some("2026-12-22"))
        .await;
    let (_, lines) = upcoming(&bot, BOB).await;
    assert_eq!(
        lines,
        [
            "• Thu 2026-12-10 09:00 — check-in on #1",
            "• Tue 2026-12-22 09:00 — #2 ended with no decision (weekly, until one is made) (snoozed)",
            "• Wed 2026-12-30 09:00 — #2 ended with no decision (weekly, until one is made)",
        ]
    );
    bot.tour(BOB, "away until 2026-12-28")
        .await
        .assert_well_formed();
    let (text, lines) = upcoming(&bot, BOB).await;
    assert!(
        text.contains("You're away until Monday 2026-12-28"),
        "{text}"
    );
    assert_eq!(
        lines,
        [
            "• Mon 2026-12-28 09:00 — #2 ended with no decision (weekly, until one is made) (snoozed)",
            "• Mon 2026-12-28 09:00 — check-in on #1",
            "• Wed 2026-12-30 09:00 — #2 ended with no decision (weekly, until one is made)",
        ]
    );
}
