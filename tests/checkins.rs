//! Check-ins end to end: the Events API (`message.im` and `app_home_opened`,
//! signed JSON callbacks, retries with `X-Slack-Retry-Num`), the check-in
//! conversation over DMs — through a server restart, with `skip`, `stop`
//! and `later`, one conversation at a time — the manager's summary and the
//! company's side, and `/tour checkin` with its permissions. The scheduler
//! and the outbox are driven at chosen times; the fake Slack records what
//! people receive.

mod common;

use alliance::commands::checkin;
use alliance::domain::checkin::Delivered;
use alliance::domain::{TeamId, TourId, UserId};
use alliance::slack::verify;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_slack::{FakeSlack, PostedMessage};
use common::{ADMIN, Bot, SECRET, TEAM, find_action, tuesday_9am};
use serde_json::json;

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const OTHER_MANAGER: &str = "UOTHERMGR";
const STRANGER: &str = "USTRANGER";
/// The bot's own user, as Slack names it in `authorizations`.
const BOT_USER: &str = "UALLIANCEBOT";

fn team() -> TeamId {
    TeamId::parse(TEAM).unwrap()
}

fn u(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

/// Delivers everything owed up to `at` (or the bot's now, if later).
async fn drain(bot: &Bot, at: DateTime<Utc>) {
    let mut now = at.max(bot.now());
    for _ in 0..50 {
        match bot.deliver(now).await.next {
            Some(next) if next <= now + Duration::seconds(5) => now = next.max(now),
            _ => return,
        }
    }
    panic!("the outbox did not drain");
}

fn to(slack: &FakeSlack, user: &str) -> Vec<PostedMessage> {
    slack
        .posted()
        .into_iter()
        .filter(|m| m.channel == format!("D{user}"))
        .collect()
}

fn last_to(slack: &FakeSlack, user: &str) -> PostedMessage {
    to(slack, user)
        .pop()
        .unwrap_or_else(|| panic!("nothing posted to {user}"))
}

/// All the text of a message as Slack shows it.
fn shown(m: &PostedMessage) -> String {
    format!("{}\n{}", m.text, m.blocks)
}

/// A `message.im` event from `user`, as Slack sends it.
fn dm_event(event_id: &str, user: &str, text: &str) -> serde_json::Value {
    json!({
        "token": "legacy", "team_id": TEAM, "api_app_id": "A0APP",
        "type": "event_callback", "event_id": event_id, "event_time": 1795000000,
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": true}],
        "event": {
            "type": "message", "channel_type": "im", "channel": format!("D{user}"),
            "user": user, "text": text, "ts": "1795000000.000100",
            "event_ts": "1795000000.000100"
        }
    })
}

/// Posts a signed Events API callback; `retry` sets `X-Slack-Retry-Num`.
async fn post_event(bot: &Bot, body: &serde_json::Value, retry: Option<u32>) -> u16 {
    let body = body.to_string();
    let ts = bot.now().timestamp().to_string();
    let mut request = bot
        .client
        .post(bot.url("/slack/events"))
        .header("content-type", "application/json")
        .header(verify::TIMESTAMP_HEADER, &ts)
        .header(
            verify::SIGNATURE_HEADER,
            verify::sign(SECRET.as_bytes(), &ts, body.as_bytes()),
        );
    if let Some(n) = retry {
        request = request
            .header("X-Slack-Retry-Num", n.to_string())
            .header("X-Slack-Retry-Reason", "http_timeout");
    }
    request.body(body).send().await.unwrap().status().as_u16()
}

/// The member writes `text` to the bot (a fresh event id each time).
async fn say(bot: &Bot, user: &str, text: &str) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let id = format!("Ev{:08}", N.fetch_add(1, Ordering::Relaxed));
    assert_eq!(post_event(bot, &dm_event(&id, user, text), None).await, 200);
}

fn tour(bot: &Bot, id: u64) -> alliance::domain::Tour {
    bot.store.tour(&team(), TourId(id)).unwrap().unwrap()
}

/// Tour `id`: `manager` → MEMBER, a year from today, accepted, with one
/// objective for each side; its messages delivered.
async fn active_tour(bot: &Bot, manager: &str, id: u64) {
    bot.tour(
        manager,
        "propose <@UMEMBER> rotational 1y Run the payments team",
    )
    .await
    .assert_well_formed();
    bot.tour(
        manager,
        &format!("objective {id} add company Ship the new ledger"),
    )
    .await
    .assert_well_formed();
    bot.tour(
        manager,
        &format!("objective {id} add member A conference talk &amp; the course"),
    )
    .await
    .assert_well_formed();
    bot.tour(MEMBER, &format!("accept {id}"))
        .await
        .assert_well_formed();
    drain(bot, bot.now()).await;
}

#[tokio::test]
async fn a_monthly_check_in_survives_a_restart_and_ends_with_the_managers_side() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    active_tour(&bot, MANAGER, 1).await;

    // A month later the check-in falls due at midnight and waits for the
    // member's working hours; its message is the first question.
    let due = Utc.with_ymd_and_hms(2026, 12, 24, 0, 0, 5).unwrap();
    assert_eq!(bot.tick(due).enqueued, 1);
    assert_eq!(bot.deliver(due).await.later, 1, "held for the morning");
    assert!(
        bot.store.chat(&team(), &u(MEMBER)).unwrap().is_idle(),
        "nothing is asked before the question goes out"
    );
    // The server restarts that morning; the conversation starts after it.
    let morning = Utc.with_ymd_and_hms(2026, 12, 24, 9, 0, 0).unwrap();
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, morning, Some(dir)).await;
    drain(&bot, morning).await;
    let first = last_to(&slack, MEMBER);
    assert_eq!(
        first.metadata_key.as_deref(),
        Some("tour:1:checkin:n1:2026-12-24:UMEMBER")
    );
    let text = shown(&first);
    assert!(
        text.contains("Time for your check-in on tour *#1*")
            && text.contains("Question 1 of 4")
            && text.contains("Ship the new ledger"),
        "{text}"
    );
    for button in [checkin::LATER, checkin::SNOOZE_WEEK, checkin::SNOOZE_UNTIL] {
        assert!(find_action(&first.blocks, button).is_some(), "{button}");
    }

    say(&bot, MEMBER, "On track: the ledger ships in March").await;
    drain(&bot, morning).await;
    let text = shown(&last_to(&slack, MEMBER));
    assert!(
        text.contains("Question 2 of 4") && text.contains("A conference talk &amp; the course"),
        "{text}"
    );

    // Another restart in the middle: the next answer continues from there.
    let dir = bot.stop().await;
    let later = morning + Duration::hours(3);
    let bot = Bot::with_slack(&slack, later, Some(dir)).await;
    say(&bot, MEMBER, "The talk is accepted &amp; scheduled").await;
    drain(&bot, later).await;
    assert!(shown(&last_to(&slack, MEMBER)).contains("Question 3 of 4"));
    say(&bot, MEMBER, "skip").await;
    drain(&bot, later).await;
    let text = shown(&last_to(&slack, MEMBER));
    assert!(
        text.contains("Question 4 of 4") && text.contains("<@UMANAGER>"),
        "the support question names the manager: {text}"
    );
    say(&bot, MEMBER, "An hour a week with <@UMANAGER>").await;
    drain(&bot, later).await;
    let thanks = shown(&last_to(&slack, MEMBER));
    assert!(
        thanks.contains("Check-in 1 on tour *#1* is recorded"),
        "{thanks}"
    );

    // What is kept.
    let record = bot.store.checkin(&team(), TourId(1), 1).unwrap().unwrap();
    let said: Vec<Option<&str>> = record.answers.iter().map(|a| a.text.as_deref()).collect();
    assert_eq!(
        said,
        [
            Some("On track: the ledger ships in March"),
            Some("The talk is accepted & scheduled"),
            None,
            Some("An hour a week with <@UMANAGER>")
        ]
    );
    assert!(bot.store.chat(&team(), &u(MEMBER)).unwrap().is_idle());
    let t = tour(&bot, 1);
    assert_eq!((t.checkins, t.checkin_from), (1, Some(later.date_naive())));
    assert!(
        bot.tour(MEMBER, "history 1")
            .await
            .contains("answered check-in 1 in a conversation")
    );

    // The manager's summary, with the company's side to answer.
    let summary = last_to(&slack, MANAGER);
    assert_eq!(
        summary.metadata_key.as_deref(),
        Some("tour:1:checked-in:1:UMANAGER")
    );
    let text = shown(&summary);
    assert!(
        text.contains("answered check-in 1")
            && text.contains("The talk is accepted &amp; scheduled")
            && text.contains("no answer")
            && text.contains("did we deliver what we promised this period?"),
        "{text}"
    );
    assert_eq!(
        find_action(&summary.blocks, checkin::DELIVERED_PARTLY)
            .unwrap()
            .1
            .as_deref(),
        Some("1|1|2"),
        "about objective 2, the member-side one"
    );
    // Only the manager answers for the company; once.
    assert_eq!(
        bot.click(MEMBER, &summary, checkin::DELIVERED_YES, None)
            .await,
        200
    );
    bot.click(MANAGER, &summary, checkin::DELIVERED_PARTLY, None)
        .await;
    bot.click(MANAGER, &summary, checkin::DELIVERED_NO, None)
        .await;
    let record = bot.store.checkin(&team(), TourId(1), 1).unwrap().unwrap();
    assert_eq!(record.promises[0].delivered, Some(Delivered::Partly));
    drain(&bot, later).await;
    let updated = slack.updated().pop().expect("the summary is updated");
    assert!(
        shown(&updated).contains("delivered: *partly*")
            && find_action(&updated.blocks, checkin::DELIVERED_YES).is_none(),
        "{}",
        shown(&updated)
    );
    assert!(
        bot.tour(MANAGER, "history 1").await.contains(
            "answered for the company about objective 2 (check-in 1): delivered? *partly*"
        )
    );
    let notes: Vec<String> = to(&slack, MEMBER).iter().map(shown).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Only <@UMANAGER> (the manager)")),
        "the member is told why not: {notes:?}"
    );

    // The next check-in counts from this one (a Sunday: it waits for
    // Monday morning).
    let next = Utc.with_ymd_and_hms(2027, 1, 24, 0, 0, 5).unwrap();
    assert_eq!(bot.tick(next - Duration::days(1)).enqueued, 0);
    assert!(bot.tick(next).enqueued >= 1);
    let monday = Utc.with_ymd_and_hms(2027, 1, 25, 9, 0, 0).unwrap();
    let before = to(&slack, MEMBER).len();
    drain(&bot, monday).await;
    let keys: Vec<Option<String>> = to(&slack, MEMBER)[before..]
        .iter()
        .map(|m| m.metadata_key.clone())
        .collect();
    assert_eq!(
        keys,
        [Some("tour:1:checkin:n1:2027-01-24:UMEMBER".to_string())]
    );
}

#[tokio::test]
async fn a_retried_event_has_one_effect_and_bots_are_not_answered() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    active_tour(&bot, MANAGER, 1).await;
    bot.tour(MANAGER, "checkin 1").await.assert_well_formed();
    drain(&bot, bot.now()).await;
    let posted = slack.posted().len();
    let step = |bot: &Bot| {
        bot.store
            .chat(&team(), &u(MEMBER))
            .unwrap()
            .current
            .unwrap()
            .step()
    };
    assert_eq!(step(&bot), 0);

    let answer = dm_event("Ev0RETRY", MEMBER, "Going well");
    assert_eq!(post_event(&bot, &answer, None).await, 200);
    assert_eq!(post_event(&bot, &answer, Some(1)).await, 200);
    assert_eq!(post_event(&bot, &answer, Some(2)).await, 200);
    assert_eq!(step(&bot), 1, "one answer, however often it arrives");
    drain(&bot, bot.now()).await;
    assert_eq!(slack.posted().len(), posted + 1, "one question in reply");

    // The bot's own messages, other bots', edits and channel messages.
    let mut own = dm_event("Ev0OWN", BOT_USER, "Question 2 of 4");
    own["event"]["channel"] = json!("DUMEMBER");
    let mut other_bot = dm_event("Ev0BOT", MEMBER, "beep");
    other_bot["event"]["bot_id"] = json!("B0OTHER");
    let mut edited = dm_event("Ev0EDIT", MEMBER, "edited");
    edited["event"]["subtype"] = json!("message_changed");
    let mut channel = dm_event("Ev0CHAN", MEMBER, "in a channel");
    channel["event"]["channel_type"] = json!("channel");
    for ignored in [own, other_bot, edited, channel] {
        assert_eq!(post_event(&bot, &ignored, None).await, 200);
    }
    assert_eq!(step(&bot), 1, "nothing was taken as an answer");
    drain(&bot, bot.now()).await;
    assert_eq!(slack.posted().len(), posted + 1, "and nothing answered");

    // App Home opening is acknowledged and changes nothing yet.
    let before = bot.store.raw_entries().unwrap().len();
    let home = json!({
        "type": "event_callback", "team_id": TEAM, "event_id": "Ev0HOME",
        "event": {"type": "app_home_opened", "user": MEMBER, "channel": "DUMEMBER", "tab": "home"}
    });
    assert_eq!(post_event(&bot, &home, None).await, 200);
    assert_eq!(bot.store.raw_entries().unwrap().len(), before);

    // Unsigned, an event is refused and has no effect.
    let forged = dm_event("Ev0FORGED", MEMBER, "stop").to_string();
    let status = bot
        .client
        .post(bot.url("/slack/events"))
        .header("content-type", "application/json")
        .body(forged)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    assert_eq!(step(&bot), 1);

    // Event ids are forgotten a day later (Slack retries within minutes).
    assert!(
        bot.store
            .event_seen(
                &team(),
                &alliance::domain::EventId::parse("Ev0RETRY").unwrap()
            )
            .unwrap()
    );
    bot.tick(bot.now() + Duration::hours(25));
    assert!(
        !bot.store
            .event_seen(
                &team(),
                &alliance::domain::EventId::parse("Ev0RETRY").unwrap()
            )
            .unwrap()
    );
}

#[tokio::test]
async fn skip_stop_and_later_work_at_any_step() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    active_tour(&bot, MANAGER, 1).await;

    // Started by the manager: the member hears who asked.
    let started = bot.tour(MANAGER, "checkin 1").await;
    assert!(
        started.contains("started a check-in on tour *#1* with <@UMEMBER>"),
        "{}",
        started.text()
    );
    drain(&bot, bot.now()).await;
    let first = last_to(&slack, MEMBER);
    assert!(
        shown(&first).contains("<@UMANAGER> asked for a check-in on tour *#1*"),
        "{}",
        shown(&first)
    );
    say(&bot, MEMBER, "skip").await;
    say(&bot, MEMBER, "Later.").await;
    drain(&bot, bot.now()).await;
    assert!(shown(&last_to(&slack, MEMBER)).contains("Paused"));

    // Three hours on, the question comes back (in working hours).
    let resume = bot.now() + Duration::hours(3) + Duration::seconds(1);
    assert_eq!(bot.tick(resume).enqueued, 1);
    drain(&bot, resume).await;
    let back = last_to(&slack, MEMBER);
    assert!(
        shown(&back).contains("Back to your check-in on tour *#1*")
            && shown(&back).contains("Question 2 of 4"),
        "{}",
        shown(&back)
    );

    // Snooze a week from the button: the message says so in place.
    assert_eq!(
        bot.click(MEMBER, &back, checkin::SNOOZE_WEEK, None).await,
        200
    );
    drain(&bot, resume).await;
    assert!(
        shown(&slack.updated().pop().unwrap()).contains("is paused"),
        "the clicked question is replaced"
    );
    let week = bot.now() + Duration::weeks(1) + Duration::seconds(1);
    assert_eq!(bot.tick(week - Duration::days(1)).enqueued, 0);
    assert_eq!(bot.tick(week).enqueued, 1);
    drain(&bot, week).await;
    assert!(shown(&last_to(&slack, MEMBER)).contains("Question 2 of 4"));
    // The bot's clock catches up with the week (a restart does it here).
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, week + Duration::minutes(1), Some(dir)).await;

    // Pause, then answer anyway: the conversation goes on and the stale
    // resume is dropped when it comes.
    say(&bot, MEMBER, "later").await;
    say(&bot, MEMBER, "The talk got accepted").await;
    drain(&bot, bot.now()).await;
    assert!(shown(&last_to(&slack, MEMBER)).contains("Question 3 of 4"));
    let stale = bot.now() + Duration::hours(3) + Duration::seconds(1);
    assert_eq!(bot.tick(stale).enqueued, 1);
    assert_eq!(bot.deliver(stale).await.dropped, 1);

    // stop keeps what was answered.
    say(&bot, MEMBER, "STOP").await;
    drain(&bot, bot.now()).await;
    assert!(shown(&last_to(&slack, MEMBER)).contains("Stopped — what you answered is kept"));
    let record = bot.store.checkin(&team(), TourId(1), 1).unwrap().unwrap();
    assert!(record.stopped);
    let said: Vec<Option<&str>> = record.answers.iter().map(|a| a.text.as_deref()).collect();
    assert_eq!(said, [None, Some("The talk got accepted"), None, None]);
    assert!(shown(&last_to(&slack, MANAGER)).contains("stopped before the last question"));

    // stop with nothing answered records nothing; a DM with nothing asked
    // gets a pointer.
    bot.tour(MEMBER, "checkin 1").await.assert_well_formed();
    say(&bot, MEMBER, "stop").await;
    drain(&bot, bot.now()).await;
    assert!(shown(&last_to(&slack, MEMBER)).contains("no check-in is recorded"));
    assert!(bot.store.checkin(&team(), TourId(1), 2).unwrap().is_none());
    say(&bot, MEMBER, "hello?").await;
    drain(&bot, bot.now()).await;
    assert!(shown(&last_to(&slack, MEMBER)).contains("There's no check-in waiting"));
}

#[tokio::test]
async fn snooze_until_a_picked_date_pauses_a_started_check_in() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    active_tour(&bot, MANAGER, 1).await;
    bot.tour(MEMBER, "checkin 1").await;
    drain(&bot, bot.now()).await;
    let first = last_to(&slack, MEMBER);
    assert!(
        shown(&first).contains("Question 1 of 4"),
        "{}",
        shown(&first)
    );

    // The date picker carries no value: what it acts on is its block's.
    let picked = (bot.now() + Duration::days(10)).date_naive().to_string();
    assert_eq!(
        bot.click(MEMBER, &first, checkin::SNOOZE_UNTIL, Some(&picked))
            .await,
        200
    );
    drain(&bot, bot.now()).await;
    let updated = slack.updated().pop().expect("the question is replaced");
    assert!(shown(&updated).contains("is paused"), "{}", shown(&updated));
    let back = bot.now() + Duration::days(10);
    assert_eq!(bot.tick(back - Duration::days(1)).enqueued, 0);
    assert_eq!(
        bot.tick(back).enqueued,
        1,
        "it asks again on the picked day"
    );
}

#[tokio::test]
async fn a_check_in_snoozed_past_the_next_one_comes_back_once_on_the_day() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    active_tour(&bot, MANAGER, 1).await;
    // The monthly check-in of Thursday 24 December.
    let morning = Utc.with_ymd_and_hms(2026, 12, 24, 9, 0, 0).unwrap();
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, morning, Some(dir)).await;
    bot.tick(morning);
    drain(&bot, morning).await;
    let first = last_to(&slack, MEMBER);
    assert!(
        shown(&first).contains("Question 1 of 4"),
        "{}",
        shown(&first)
    );

    // Snoozed until Monday 1 February, past the next one (24 January).
    bot.click(MEMBER, &first, checkin::SNOOZE_UNTIL, Some("2027-02-01"))
        .await;
    drain(&bot, morning).await;
    let before = to(&slack, MEMBER).len();
    for at in [
        Utc.with_ymd_and_hms(2027, 1, 24, 0, 0, 5).unwrap(),
        Utc.with_ymd_and_hms(2027, 1, 25, 9, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 1, 29, 9, 0, 0).unwrap(),
    ] {
        bot.tick(at);
        drain(&bot, at).await;
    }
    let early: Vec<String> = to(&slack, MEMBER)[before..].iter().map(shown).collect();
    assert!(early.is_empty(), "nothing before the day: {early:?}");

    let back = Utc.with_ymd_and_hms(2027, 2, 1, 9, 0, 0).unwrap();
    bot.tick(back);
    drain(&bot, back).await;
    bot.tick(back + Duration::hours(1));
    drain(&bot, back + Duration::hours(1)).await;
    let after: Vec<String> = to(&slack, MEMBER)[before..].iter().map(shown).collect();
    assert_eq!(after.len(), 1, "exactly one on the day: {after:?}");
    assert!(
        after[0].contains("Back to your check-in on tour *#1*")
            && after[0].contains("Question 1 of 4"),
        "{}",
        after[0]
    );
}

#[tokio::test]
async fn a_member_in_two_tours_is_asked_one_conversation_at_a_time() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    active_tour(&bot, MANAGER, 1).await;
    // A second tour running beside the first: since a member has one tour
    // at a time, only data from before that rule has it, so it is written
    // through the store's single-tour path, as an older Alliance did.
    let now = bot.now();
    bot.store
        .create_tour(&team(), |id| {
            alliance::domain::Tour::propose(
                id,
                &u(OTHER_MANAGER),
                &u(MEMBER),
                alliance::domain::TourKind::Rotational,
                alliance::domain::Term::Months(12),
                "Run the payments team",
                now,
            )
        })
        .unwrap()
        .unwrap();
    bot.store
        .update_tour(&team(), TourId(2), |t| t.accept(&u(MEMBER), now))
        .unwrap()
        .unwrap();
    for text in [
        "objective 2 add company Ship the new ledger",
        "objective 2 add member A conference talk &amp; the course",
    ] {
        bot.tour(OTHER_MANAGER, text).await.assert_well_formed();
    }
    drain(&bot, now).await;

    // Both fall due on the same day; tour 1's opens, tour 2's waits.
    let due = Utc.with_ymd_and_hms(2026, 12, 24, 9, 0, 0).unwrap();
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, due, Some(dir)).await;
    assert_eq!(bot.tick(due).enqueued, 2);
    drain(&bot, due).await;
    let posted = to(&slack, MEMBER);
    let [.., first, second] = posted.as_slice() else {
        panic!()
    };
    assert!(shown(first).contains("Question 1 of 4") && shown(first).contains("tour *#1*"));
    assert!(
        shown(second).contains("It starts as soon as we finish the one on tour *#1*"),
        "{}",
        shown(second)
    );
    let busy = bot.tour(OTHER_MANAGER, "checkin 2").await;
    assert!(busy.contains("already under way"), "{}", busy.text());

    for answer in ["Fine", "Fine too", "Nothing", "Nothing"] {
        say(&bot, MEMBER, answer).await;
    }
    drain(&bot, bot.now()).await;
    let posted = to(&slack, MEMBER);
    let [.., thanks, next] = posted.as_slice() else {
        panic!()
    };
    assert!(
        shown(thanks).contains("Check-in 1 on tour *#1* is recorded"),
        "{}",
        shown(thanks)
    );
    assert!(
        shown(next).contains("Next, your check-in on tour *#2*")
            && shown(next).contains("Question 1 of 4"),
        "{}",
        shown(next)
    );
    say(&bot, MEMBER, "Tour two is on track").await;
    let chat = bot.store.chat(&team(), &u(MEMBER)).unwrap();
    assert_eq!(chat.current.as_ref().map(|c| c.tour), Some(TourId(2)));
    assert_eq!(chat.current.unwrap().answers.len(), 1);
    assert!(shown(&last_to(&slack, MANAGER)).contains("answered check-in 1"));

    // Started by hand while busy: it waits its turn.
    let queued = bot.tour(MANAGER, "checkin 1").await;
    assert!(
        queued.contains("<@UMEMBER> is in the middle of the check-in on tour *#2*"),
        "{}",
        queued.text()
    );
}

#[tokio::test]
async fn tour_checkin_records_notes_sets_the_cadence_and_refuses_strangers() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    active_tour(&bot, MANAGER, 1).await;
    bot.tour(MANAGER, "next 1 rotational 1y Not yet accepted")
        .await
        .assert_well_formed();

    // A stranger hears exactly what a tour that does not exist gets.
    for text in ["checkin 1", "checkin 1 Sneaky notes", "checkin 1 every 2m"] {
        let refused = bot.tour(STRANGER, text).await;
        refused.assert_refused("There is no tour #1 that you can see.");
        let missing = bot.tour(STRANGER, &text.replace(" 1", " 99")).await;
        assert_eq!(
            refused.text().replace("#1", "#X"),
            missing.text().replace("#99", "#X"),
            "{text}"
        );
    }
    // Admins see tours but act on none; a proposal has no check-ins yet.
    bot.tour(ADMIN, "checkin 1 Notes")
        .await
        .assert_refused("can check in on tour #1");
    let proposed = bot.tour(MANAGER, "checkin 2").await;
    proposed.assert_refused("Tour #2 is proposed");
    assert!(proposed.contains("proposed"), "{}", proposed.text());
    bot.tour(MANAGER, "withdraw 2").await.assert_well_formed();
    bot.tour(MEMBER, "checkin 1 every 13m")
        .await
        .assert_problem("/tour checkin");
    assert_eq!(tour(&bot, 1).checkins, 0);
    assert!(bot.store.chat(&team(), &u(MEMBER)).unwrap().is_idle());

    // Notes by the member: the manager gets them, with the company's side.
    let recorded = bot
        .tour(MEMBER, "checkin 1 Good month &amp; the ledger is ahead")
        .await;
    recorded.assert_well_formed();
    assert!(
        recorded.contains("Recorded check-in 1"),
        "{}",
        recorded.text()
    );
    drain(&bot, bot.now()).await;
    let summary = last_to(&slack, MANAGER);
    assert!(
        shown(&summary).contains("Good month &amp; the ledger is ahead")
            && find_action(&summary.blocks, checkin::DELIVERED_YES).is_some(),
        "{}",
        shown(&summary)
    );
    // Notes by the manager: the member gets them, with no buttons.
    bot.tour(MANAGER, "checkin 1 Talked it through over lunch")
        .await
        .assert_well_formed();
    drain(&bot, bot.now()).await;
    let told = last_to(&slack, MEMBER);
    assert!(
        shown(&told).contains("Talked it through over lunch")
            && find_action(&told.blocks, checkin::DELIVERED_YES).is_none(),
        "{}",
        shown(&told)
    );
    let history = bot.tour(MEMBER, "history 1").await;
    assert!(
        history.contains("recorded check-in 1: “Good month &amp; the ledger is ahead”")
            && history.contains("recorded check-in 2"),
        "{}",
        history.text()
    );

    // The cadence: every 2 months from today; the old date owes nothing.
    let every = bot.tour(MEMBER, "checkin 1 every 2 months").await;
    every.assert_well_formed();
    assert!(
        every.contains("every 2 months") && every.contains("2027-01-24"),
        "{}",
        every.text()
    );
    assert!(
        bot.tour(MANAGER, "history 1")
            .await
            .contains("set check-ins to every 2 months")
    );
    assert_eq!(tour(&bot, 1).checkin_every_months, Some(2));
    let a_month_on = Utc.with_ymd_and_hms(2026, 12, 24, 9, 0, 0).unwrap();
    assert_eq!(bot.tick(a_month_on).enqueued, 0);
    let two_months_on = Utc.with_ymd_and_hms(2027, 1, 24, 9, 0, 0).unwrap();
    assert_eq!(bot.tick(two_months_on).enqueued, 1);
}
