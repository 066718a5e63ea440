//! One-on-ones end to end: `/1on1` over signed HTTP, the scheduler and the
//! outbox driven at chosen times, the fake Slack telling each person's time
//! zone. A manager in New York and a member in Tokyo meet on Tuesdays at
//! 10:00 New York time; each gets the agenda on their own morning, the
//! manager is asked whether it happened, is nudged when none was held for
//! two weeks, and a stopped 1:1 sends nothing more. Only the two of them
//! see or change it.

mod common;

use alliance::commands::{notify, one_on_ones};
use alliance::domain::one_on_one::{OneOnOne, Outcome};
use alliance::domain::{TeamId, UserId};
use alliance::store::outbox::OutboxState;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_slack::{FakeSlack, PostedMessage};
use common::{ADMIN, Bot, TEAM, drain};
use serde_json::json;

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const STRANGER: &str = "USTRANGER";

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// Monday 2026-06-01, 12:00 in New York (EDT), 01:00 Tuesday in Tokyo.
fn monday_noon_ny() -> DateTime<Utc> {
    at(2026, 6, 1, 16, 0)
}

fn one_on_one(bot: &Bot) -> OneOnOne {
    bot.store
        .one_on_one(
            &TeamId::parse(TEAM).unwrap(),
            &UserId::parse(MANAGER).unwrap(),
            &UserId::parse(MEMBER).unwrap(),
        )
        .unwrap()
        .expect("the 1:1 is stored")
}

/// What the running bot does at `now`: scheduler ticks and delivery passes
/// until nothing more falls due (delivery may plan what a tick then fires).
async fn settle(bot: &Bot, now: DateTime<Utc>) {
    for _ in 0..10 {
        let fired = bot.tick(now).enqueued;
        drain(bot, now).await;
        if fired == 0 {
            return;
        }
    }
    panic!("the scheduler kept firing");
}

/// The 1:1 reminders (not notes) posted so far, as (channel, key).
fn reminders(slack: &FakeSlack) -> Vec<(String, String)> {
    slack
        .posted()
        .into_iter()
        .filter_map(|m| Some((m.channel, m.metadata_key?)))
        .filter(|(_, key)| key.starts_with("tour:0:1on1:"))
        .collect()
}

fn posted_with_key(slack: &FakeSlack, key: &str) -> PostedMessage {
    slack
        .posted()
        .into_iter()
        .find(|m| m.metadata_key.as_deref() == Some(key))
        .unwrap_or_else(|| panic!("nothing posted as {key}: {:?}", reminders(slack)))
}

/// The forms opened once there are at least `n` (a form opens right after
/// the click is answered, as Slack wants it).
async fn views_opened(slack: &FakeSlack, n: usize) -> Vec<common::fake_slack::Call> {
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let opened = slack.calls_to("views.open");
            if opened.len() >= n {
                return opened;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the form opens")
}

/// The same bot, restarted with its clock at `now`: the commands and
/// clicks that follow happen then.
async fn restart_at(bot: Bot, slack: &FakeSlack, now: DateTime<Utc>) -> Bot {
    let dir = bot.stop().await;
    Bot::with_slack(slack, now, Some(dir)).await
}

/// A fake Slack that puts the manager in New York and the member in Tokyo,
/// and a bot where the manager's tour with the member is active, with an
/// objective for each side (the company's done).
async fn with_tour(slack: &FakeSlack) -> Bot {
    slack.set_user(MANAGER, "America/New_York", false);
    slack.set_user(MEMBER, "Asia/Tokyo", false);
    let start = monday_noon_ny() - Duration::hours(1);
    let bot = Bot::with_slack(slack, start, None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> transformational 2y Lead the payments rewrite",
    )
    .await
    .assert_well_formed();
    bot.tour(MANAGER, "objective 1 add company Ship the new ledger")
        .await;
    bot.tour(MANAGER, "objective 1 add member A conference talk")
        .await;
    assert!(bot.tour(MEMBER, "accept 1").await.contains("You accepted"));
    bot.tour(MANAGER, "objective 1 done 1").await;
    drain(&bot, start).await;
    bot
}

#[tokio::test]
async fn the_agenda_arrives_on_each_ones_morning_and_done_records_the_notes() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    let now = monday_noon_ny();

    // Set up without a zone: Alliance has not seen the manager's yet.
    let reply = bot
        .command(
            MANAGER,
            "/1on1",
            "<@UMEMBER> every week on tuesday at 10:00",
        )
        .await;
    reply.assert_well_formed();
    assert!(
        reply.contains("every week on Tuesday at 10:00") && reply.contains("workspace's default"),
        "{}",
        reply.text()
    );
    bot.command(
        MEMBER,
        "/1on1",
        "agenda <@UMANAGER> add Conference budget &amp; travel",
    )
    .await
    .assert_well_formed();
    bot.command(MANAGER, "/1on1", "agenda <@UMEMBER> add Promotion path")
        .await
        .assert_well_formed();
    // A check-in recorded as notes: the agenda brings it up.
    bot.tour(MANAGER, "checkin 1 Waiting on database access from infra")
        .await
        .assert_well_formed();
    settle(&bot, now).await;
    let told = slack
        .posted()
        .into_iter()
        .find(|m| m.channel == "DUMEMBER" && m.text.contains("set up a 1:1 with you"))
        .expect("the member is told at once");
    assert!(told.text.contains("<@UMANAGER>"), "{}", told.text);
    assert!(
        reminders(&slack).is_empty(),
        "nothing before anyone's morning: {:?}",
        reminders(&slack)
    );

    // Tuesday 2 June, 10:00 EDT is 14:00Z, and 23:00 in Tokyo: the member's
    // morning is 09:00 JST (00:00Z), the manager's 09:00 EDT (13:00Z).
    let slot = "2026-06-02T14:00:00Z";
    settle(&bot, at(2026, 6, 1, 23, 59)).await;
    assert!(reminders(&slack).is_empty());
    settle(&bot, at(2026, 6, 2, 0, 0)).await;
    assert_eq!(
        reminders(&slack),
        [(
            "DUMEMBER".to_string(),
            format!("tour:0:1on1:UMANAGER:UMEMBER:agenda:{slot}:UMEMBER")
        )],
        "the member's agenda on Tokyo's Tuesday morning, for the slot in New York time"
    );
    let agenda = posted_with_key(
        &slack,
        &format!("tour:0:1on1:UMANAGER:UMEMBER:agenda:{slot}:UMEMBER"),
    );
    let blocks = agenda.blocks.to_string();
    for expected in [
        "<@UMANAGER>",
        "Lead the payments rewrite",
        "☑ 1. Ship the new ledger",
        "☐ 2. A conference talk",
        "Conference budget &amp; travel",
        "Promotion path",
        "Last check-in",
        "Waiting on database access from infra",
        "<!date^1780408800^",
    ] {
        assert!(blocks.contains(expected), "{expected} in {blocks}");
    }
    settle(&bot, at(2026, 6, 2, 12, 59)).await;
    assert_eq!(reminders(&slack).len(), 1, "not yet the manager's morning");
    settle(&bot, at(2026, 6, 2, 13, 0)).await;
    let to_manager = posted_with_key(
        &slack,
        &format!("tour:0:1on1:UMANAGER:UMEMBER:agenda:{slot}:UMANAGER"),
    );
    assert_eq!(to_manager.channel, "DUMANAGER");
    assert!(
        to_manager
            .blocks
            .to_string()
            .contains("Ship the new ledger")
            && to_manager.blocks.to_string().contains("<@UMEMBER>"),
        "{}",
        to_manager.blocks
    );
    assert_eq!(reminders(&slack).len(), 2, "one agenda each, no other");

    // An hour after the slot, the manager (only) is asked.
    settle(&bot, at(2026, 6, 2, 14, 59)).await;
    assert_eq!(reminders(&slack).len(), 2);
    settle(&bot, at(2026, 6, 2, 15, 0)).await;
    let asked = posted_with_key(
        &slack,
        &format!("tour:0:1on1:UMANAGER:UMEMBER:happened:{slot}:UMANAGER"),
    );
    assert_eq!(reminders(&slack).len(), 3, "nothing to the member");
    for button in [one_on_ones::DONE, one_on_ones::SKIPPED, one_on_ones::MOVED] {
        assert!(
            asked.blocks.to_string().contains(button),
            "{}",
            asked.blocks
        );
    }

    // Nobody but the manager logs it.
    let bot = restart_at(bot, &slack, at(2026, 6, 2, 15, 1)).await;
    let forms = slack.calls_to("views.open").len();
    bot.click(STRANGER, &asked, one_on_ones::DONE, None).await;
    bot.click(MEMBER, &asked, one_on_ones::SKIPPED, None).await;
    assert!(one_on_one(&bot).meetings.is_empty());

    // Done opens the notes form; its submission records the 1:1 as held.
    assert_eq!(
        bot.click(MANAGER, &asked, one_on_ones::DONE, None).await,
        200
    );
    let opened = views_opened(&slack, forms + 1).await;
    assert_eq!(opened.len(), forms + 1, "one form, the manager's");
    let view = &opened.last().expect("the notes form").body["view"];
    assert_eq!(view["callback_id"], one_on_ones::NOTES_VIEW);
    let answer = bot
        .submit_view(
            MANAGER,
            one_on_ones::NOTES_VIEW,
            view["private_metadata"].as_str().unwrap(),
            json!({"notes": {"notes.text": {"type": "plain_text_input", "value": "Ledger on track; talk proposal due Friday"}}}),
        )
        .await;
    assert_eq!(answer["response_action"], "clear", "{answer}");
    let o = one_on_one(&bot);
    assert_eq!(o.meetings.len(), 1);
    let meeting = &o.meetings[0];
    assert_eq!(meeting.outcome, Outcome::Held);
    assert_eq!(meeting.slot.to_rfc3339(), "2026-06-02T14:00:00+00:00");
    assert_eq!(
        meeting.notes.as_deref(),
        Some("Ledger on track; talk proposal due Friday")
    );
    assert_eq!(o.open_items().count(), 0, "the agenda was talked through");
    drain(&bot, at(2026, 6, 2, 15, 5)).await;
    let replaced = slack.updated();
    assert!(
        replaced
            .last()
            .is_some_and(|m| m.ts == asked.ts && m.text.contains("Logged")),
        "the question is replaced: {replaced:?}"
    );
    // Logged twice? The form is refused inline.
    let again = bot
        .submit_view(
            MANAGER,
            one_on_ones::NOTES_VIEW,
            view["private_metadata"].as_str().unwrap(),
            json!({}),
        )
        .await;
    assert_eq!(again["response_action"], "errors", "{again}");

    // The next week's agenda shows the last 1:1 and its notes.
    settle(&bot, at(2026, 6, 9, 0, 0)).await;
    let next = posted_with_key(
        &slack,
        "tour:0:1on1:UMANAGER:UMEMBER:agenda:2026-06-09T14:00:00Z:UMEMBER",
    );
    let blocks = next.blocks.to_string();
    assert!(
        blocks.contains("Ledger on track") && blocks.contains("Nothing added yet"),
        "{blocks}"
    );
}

#[tokio::test]
async fn no_one_on_one_for_two_weeks_nudges_the_manager_and_stop_ends_it_all() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    let setup = monday_noon_ny();
    let reply = bot
        .command(
            MANAGER,
            "/1on1",
            "<@UMEMBER> every week on tue at 10:00 tz America/New_York",
        )
        .await;
    assert!(reply.contains("as you said"), "{}", reply.text());
    settle(&bot, setup).await;
    for day in [2, 9] {
        for hour in [0, 13, 15] {
            settle(&bot, at(2026, 6, day, hour, 0)).await;
        }
    }
    // Two weeks after it was set up (to the second), none held.
    let due = one_on_one(&bot).since + Duration::days(14);
    let overdue_key = format!(
        "tour:0:1on1:UMANAGER:UMEMBER:overdue:{}:UMANAGER",
        due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    settle(&bot, due - Duration::minutes(1)).await;
    assert!(
        !reminders(&slack)
            .iter()
            .any(|(_, k)| k.contains(":overdue:")),
        "not before two weeks: {:?}",
        reminders(&slack)
    );
    settle(&bot, due).await;
    let nudge = posted_with_key(&slack, &overdue_key);
    assert_eq!(nudge.channel, "DUMANAGER");
    assert!(
        nudge
            .text
            .contains("No 1:1 with <@UMEMBER> has been held since 2026-06-01"),
        "{}",
        nudge.text
    );
    let to_member: Vec<_> = reminders(&slack)
        .into_iter()
        .filter(|(ch, _)| ch == "DUMEMBER")
        .collect();
    assert!(
        to_member.len() == 2 && to_member.iter().all(|(_, k)| k.contains(":agenda:")),
        "only agendas go to the member: {to_member:?}"
    );

    // Tuesday 16 June, 11:30 EDT: the manager snoozes the nudge a week,
    // then logs today's 1:1, so the snooze is moot when it comes back.
    let bot = restart_at(bot, &slack, at(2026, 6, 16, 15, 30)).await;
    bot.click(MANAGER, &nudge, notify::SNOOZE_WEEK, None).await;
    let done = bot
        .command(MANAGER, "/1on1", "done <@UMEMBER> Caught up at last")
        .await;
    done.assert_well_formed();
    assert!(
        done.contains("as *held*") && done.contains("Tuesday 2026-06-16"),
        "the latest slot begun: {}",
        done.text()
    );
    settle(&bot, at(2026, 6, 23, 15, 31)).await;
    let snoozed = bot
        .store
        .outbox_entry(&TeamId::parse(TEAM).unwrap(), &format!("{overdue_key}:s1"))
        .unwrap()
        .expect("the snooze came back");
    assert!(
        matches!(snoozed.state, OutboxState::Dropped { .. }),
        "{:?}",
        snoozed.state
    );
    let overdue: Vec<_> = reminders(&slack)
        .into_iter()
        .filter(|(_, k)| k.contains(":overdue:"))
        .collect();
    assert_eq!(overdue.len(), 1, "{overdue:?}");

    // The member stops it: the manager is told, and nothing more comes.
    let bot = restart_at(bot, &slack, at(2026, 6, 23, 16, 0)).await;
    bot.command(MEMBER, "/1on1", "stop <@UMANAGER>")
        .await
        .assert_well_formed();
    settle(&bot, at(2026, 6, 23, 16, 1)).await;
    assert!(
        slack
            .posted()
            .iter()
            .any(|m| m.channel == "DUMANAGER" && m.text.contains("stopped your 1:1")),
        "the manager is told"
    );
    let before = reminders(&slack).len();
    for day in [23, 29, 30] {
        settle(&bot, at(2026, 6, day, 16, 0)).await;
    }
    settle(&bot, at(2026, 9, 1, 16, 0)).await;
    assert_eq!(reminders(&slack).len(), before, "{:?}", reminders(&slack));
    assert!(
        bot.command(MANAGER, "/1on1", "list")
            .await
            .contains("No 1:1s yet")
    );
}

#[tokio::test]
async fn a_snoozed_overdue_nudge_holds_until_the_day_then_comes_once() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMEMBER> every week on tue at 10:00 tz America/New_York",
    )
    .await
    .assert_well_formed();
    settle(&bot, monday_noon_ny()).await;
    let due = one_on_one(&bot).since + Duration::days(14);
    settle(&bot, due).await;
    let nudge = slack
        .posted()
        .into_iter()
        .find(|m| {
            m.metadata_key
                .as_deref()
                .is_some_and(|k| k.contains(":overdue:"))
        })
        .expect("nudged after two weeks");

    // Snoozed until Saturday 27 June: the weekly nudge of the 22nd waits,
    // and the snoozed one comes on Monday morning, in working hours; the
    // one due that afternoon would come beside it, and is skipped.
    bot.click(MANAGER, &nudge, notify::SNOOZE_UNTIL, Some("2026-06-27"))
        .await;
    for now in [
        due + Duration::days(7),
        at(2026, 6, 27, 13, 0),
        at(2026, 6, 29, 13, 0),
        due + Duration::days(14),
        due + Duration::days(21),
    ] {
        settle(&bot, now).await;
    }
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let overdue: Vec<String> = reminders(&slack)
        .into_iter()
        .filter(|(_, k)| k.contains(":overdue:"))
        .map(|(_, k)| k)
        .collect();
    assert_eq!(
        overdue,
        [
            format!(
                "tour:0:1on1:UMANAGER:UMEMBER:overdue:{}:UMANAGER",
                stamp(due)
            ),
            format!(
                "tour:0:1on1:UMANAGER:UMEMBER:overdue:{}:UMANAGER:s1",
                stamp(due)
            ),
            format!(
                "tour:0:1on1:UMANAGER:UMEMBER:overdue:{}:UMANAGER",
                stamp(due + Duration::days(21))
            ),
        ],
        "nothing before the 27th, one after it, the next a week later"
    );
}

#[tokio::test]
async fn did_it_happen_snoozed_a_week_comes_once_not_beside_the_next_question() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMEMBER> every week on tue at 10:00 tz America/New_York",
    )
    .await
    .assert_well_formed();
    settle(&bot, monday_noon_ny()).await;
    // Tuesday 2 June, 10:00 EDT: asked at 11:00, snoozed at 13:00 for a week.
    settle(&bot, at(2026, 6, 2, 15, 0)).await;
    let asked = slack
        .posted()
        .into_iter()
        .find(|m| {
            m.metadata_key
                .as_deref()
                .is_some_and(|k| k.contains(":happened:"))
        })
        .expect("asked an hour after it began");
    let bot = restart_at(bot, &slack, at(2026, 6, 2, 17, 0)).await;
    bot.click(MANAGER, &asked, notify::SNOOZE_WEEK, None).await;
    for now in [
        at(2026, 6, 9, 15, 0),
        at(2026, 6, 9, 17, 1),
        at(2026, 6, 16, 15, 0),
    ] {
        settle(&bot, now).await;
    }
    let happened: Vec<String> = reminders(&slack)
        .into_iter()
        .filter(|(_, k)| k.contains(":happened:"))
        .map(|(_, k)| k)
        .collect();
    let key = |slot: &str| format!("tour:0:1on1:UMANAGER:UMEMBER:happened:{slot}:UMANAGER");
    assert_eq!(
        happened,
        [
            key("2026-06-02T14:00:00Z"),
            format!("{}:s1", key("2026-06-02T14:00:00Z")),
            key("2026-06-16T14:00:00Z"),
        ],
        "the 9 June question, due two hours before the snoozed one, is held"
    );
}

#[tokio::test]
async fn only_the_two_of_them_see_or_change_it_and_mistakes_show_the_usage() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    // Through `/tour 1on1 …`, the same handler.
    bot.tour(
        MANAGER,
        "1on1 <@UMEMBER> every 2 weeks on wednesday at 15:30",
    )
    .await
    .assert_well_formed();
    let before = one_on_one(&bot);

    // Refused plainly: who may not hears what a missing 1:1 gets.
    for (user, text, why) in [
        (
            STRANGER,
            "agenda <@UMEMBER>",
            "There is no 1:1 between you and",
        ),
        (
            STRANGER,
            "agenda <@UMANAGER> add Gossip",
            "There is no 1:1 between you and",
        ),
        (
            STRANGER,
            "done <@UMEMBER>",
            "There is no 1:1 between you and",
        ),
        (
            STRANGER,
            "skip <@UMEMBER>",
            "There is no 1:1 between you and",
        ),
        (
            STRANGER,
            "stop <@UMEMBER>",
            "There is no 1:1 between you and",
        ),
        (
            STRANGER,
            "stop <@UMANAGER>",
            "There is no 1:1 between you and",
        ),
        (
            ADMIN,
            "agenda <@UMEMBER>",
            "There is no 1:1 between you and",
        ),
        (MEMBER, "done <@UMANAGER>", "Only the manager of this 1:1"),
        (MEMBER, "skip <@UMANAGER>", "Only the manager of this 1:1"),
    ] {
        let reply = bot.command(user, "/1on1", text).await;
        reply.assert_refused(why);
        assert!(
            !reply.contains("every 2 weeks") && !reply.contains("Ship the new ledger"),
            "{user} {text}: {}",
            reply.text()
        );
    }
    let hidden = bot.command(STRANGER, "/1on1", "agenda <@UMEMBER>").await;
    let nobody = bot.command(STRANGER, "/1on1", "agenda <@UNOBODY>").await;
    assert_eq!(
        hidden.text().replace("UMEMBER", "X"),
        nobody.text().replace("UNOBODY", "X"),
        "the same answer as for a pair that never met"
    );
    assert!(
        bot.command(MEMBER, "/1on1", "done <@UMANAGER>")
            .await
            .contains("Only the manager of this 1:1, <@UMANAGER>")
    );
    assert!(
        !bot.command(STRANGER, "/1on1", "list")
            .await
            .contains("UMEMBER")
    );
    assert_eq!(one_on_one(&bot), before, "nothing changed");

    // Both parties see it: the member names the manager.
    let listed = bot.command(MEMBER, "/tour", "1on1 list").await;
    assert!(
        listed.contains("<@UMANAGER> manages it") && listed.contains("every 2 weeks on Wednesday"),
        "{}",
        listed.text()
    );
    let agenda = bot.command(MEMBER, "/1on1", "agenda <@UMANAGER>").await;
    agenda.assert_well_formed();
    assert!(agenda.contains("Ship the new ledger"), "{}", agenda.text());

    // Mistakes change nothing and show the usage line.
    for (text, usage) in [
        (
            "<@UMEMBER> every day on tuesday at 10:00",
            "/1on1 @member every",
        ),
        (
            "@member every week on tuesday at 10:00",
            "/1on1 @member every",
        ),
        (
            "<@UMEMBER> every week on tuesday at 10am",
            "/1on1 @member every",
        ),
        (
            "<@UMEMBER> every week on tuesday at 10:00 tz Mars/Base",
            "/1on1 @member every",
        ),
        ("agenda <@UMEMBER> add", "/1on1 agenda"),
        ("frobnicate", "/1on1 help"),
    ] {
        bot.command(MANAGER, "/1on1", text)
            .await
            .assert_problem(usage);
    }
    bot.tour(MANAGER, "1on1 done")
        .await
        .assert_problem("/1on1 done");
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMANAGER> every week on tuesday at 10:00",
    )
    .await
    .assert_refused("A 1:1 is with someone else");
    assert_eq!(one_on_one(&bot), before, "nothing changed");
    let help = bot.command(MANAGER, "/1on1", "").await;
    help.assert_well_formed();
    assert!(help.contains("/1on1 agenda @person"), "{}", help.text());
}

/// The 1:1 stored the other way round: `MEMBER` its manager.
fn reversed(bot: &Bot) -> Option<OneOnOne> {
    bot.store
        .one_on_one(
            &TeamId::parse(TEAM).unwrap(),
            &UserId::parse(MEMBER).unwrap(),
            &UserId::parse(MANAGER).unwrap(),
        )
        .unwrap()
}

/// The notes (not reminders) posted so far whose key has `part`, as
/// (channel, text).
fn notes_with(slack: &FakeSlack, part: &str) -> Vec<(String, String)> {
    slack
        .posted()
        .into_iter()
        .filter(|m| {
            m.metadata_key
                .as_deref()
                .is_some_and(|k| k.starts_with("tour:0:note:1on1:") && k.contains(part))
        })
        .map(|m| (m.channel, m.text))
        .collect()
}

#[tokio::test]
async fn a_1on1_logged_early_is_done_and_the_next_one_is_the_one_after() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMEMBER> every week on tuesday at 10:00 tz America/New_York",
    )
    .await
    .assert_well_formed();
    settle(&bot, monday_noon_ny()).await;
    // Tuesday 2 June's is held and logged the day after.
    let bot = restart_at(bot, &slack, at(2026, 6, 3, 15, 0)).await;
    assert!(
        bot.command(MANAGER, "/1on1", "done <@UMEMBER>")
            .await
            .contains("Tuesday 2026-06-02")
    );
    // Friday 5 June: the agenda of Tuesday 9 June's falls due, and waits
    // for each one's morning.
    settle(&bot, at(2026, 6, 5, 14, 0)).await;
    let before = reminders(&slack).len();

    // Monday 8 June: they meet a day early, and the manager logs it.
    let bot = restart_at(bot, &slack, at(2026, 6, 8, 16, 0)).await;
    let done = bot.command(MANAGER, "/1on1", "done <@UMEMBER>").await;
    done.assert_well_formed();
    assert!(
        done.contains("Tuesday 2026-06-09 at 10:00 (America/New_York) as *held*")
            && done.contains("The next one is Tuesday 2026-06-16"),
        "{}",
        done.text()
    );
    // Skip now means the one after it, and says so.
    let skip = bot.command(MANAGER, "/1on1", "skip <@UMEMBER>").await;
    skip.assert_well_formed();
    assert!(
        skip.contains("Tuesday 2026-06-16 at 10:00 (America/New_York) as *skipped*")
            && skip.contains("Tuesday 2026-06-09 at 10:00 (America/New_York) is logged already")
            && skip.contains("The next one is Tuesday 2026-06-23"),
        "{}",
        skip.text()
    );
    // Again (a holiday): the one after that, naming all it passed over.
    let again = bot.command(MANAGER, "/1on1", "skip <@UMEMBER>").await;
    assert!(
        again.contains("Tuesday 2026-06-23 at 10:00 (America/New_York) as *skipped*")
            && again.contains("(those of Tuesday 2026-06-09 at 10:00 (America/New_York) to Tuesday 2026-06-16 at 10:00 (America/New_York) are logged already)")
            && again.contains("The next one is Tuesday 2026-06-30"),
        "{}",
        again.text()
    );
    let listed = bot.command(MANAGER, "/1on1", "list").await;
    assert!(
        listed.contains("Next: Tuesday 2026-06-30"),
        "{}",
        listed.text()
    );
    let agenda = bot.command(MEMBER, "/1on1", "agenda <@UMANAGER>").await;
    assert!(
        agenda.contains("Tuesday 2026-06-30"),
        "the agenda is the next one's: {}",
        agenda.text()
    );
    assert_eq!(
        one_on_one(&bot)
            .meetings
            .iter()
            .map(|m| (m.slot.to_rfc3339(), m.outcome))
            .collect::<Vec<_>>(),
        [
            ("2026-06-02T14:00:00+00:00".to_string(), Outcome::Held),
            ("2026-06-09T14:00:00+00:00".to_string(), Outcome::Held),
            ("2026-06-16T14:00:00+00:00".to_string(), Outcome::Skipped),
            ("2026-06-23T14:00:00+00:00".to_string(), Outcome::Skipped),
        ]
    );

    // Nothing more about the logged ones; the next one's come.
    for (d, h) in [(9, 0), (9, 13), (9, 15)] {
        settle(&bot, at(2026, 6, d, h, 0)).await;
    }
    for d in [16, 23] {
        for (day, h) in [(d - 4, 14), (d, 0), (d, 13), (d, 15)] {
            settle(&bot, at(2026, 6, day, h, 0)).await;
        }
    }
    let about_logged: Vec<_> = reminders(&slack)
        .into_iter()
        .skip(before)
        .filter(|(_, k)| ["06-09T", "06-16T", "06-23T"].iter().any(|d| k.contains(d)))
        .collect();
    assert!(about_logged.is_empty(), "{about_logged:?}");
    for (d, h) in [(26, 14), (30, 0), (30, 13), (30, 15)] {
        settle(&bot, at(2026, 6, d, h, 0)).await;
    }
    let slot = "2026-06-30T14:00:00Z";
    for key in [
        format!("tour:0:1on1:UMANAGER:UMEMBER:agenda:{slot}:UMEMBER"),
        format!("tour:0:1on1:UMANAGER:UMEMBER:agenda:{slot}:UMANAGER"),
        format!("tour:0:1on1:UMANAGER:UMEMBER:happened:{slot}:UMANAGER"),
    ] {
        posted_with_key(&slack, &key);
    }
}

#[tokio::test]
async fn the_agenda_holds_every_tour_running_between_the_two() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    // A second tour between them and one of the member's with someone else,
    // both running beside tour 1 — only older data can hold that (a member
    // has one tour at a time now), so they are written through the store.
    let team = alliance::domain::TeamId::parse(common::TEAM).unwrap();
    let now = bot.now();
    for (manager, mission) in [
        (MANAGER, "Run the on-call rotation"),
        (STRANGER, "Mentor the interns"),
    ] {
        let (manager, member) = (
            alliance::domain::UserId::parse(manager).unwrap(),
            alliance::domain::UserId::parse(MEMBER).unwrap(),
        );
        let tour = bot
            .store
            .create_tour(&team, |id| {
                alliance::domain::Tour::propose(
                    id,
                    &manager,
                    &member,
                    alliance::domain::TourKind::Rotational,
                    alliance::domain::Term::Months(12),
                    mission,
                    now,
                )
            })
            .unwrap()
            .unwrap();
        bot.store
            .update_tour(&team, tour.id, |t| t.accept(&member, now))
            .unwrap()
            .unwrap();
    }
    // And a next tour agreed after tour 1: still to start, not talked about.
    bot.tour(MANAGER, "next 1 rotational 1y Design the next platform")
        .await
        .assert_well_formed();
    assert!(bot.tour(MEMBER, "accept 4").await.contains("scheduled"));
    // The member sets the 1:1 up: it is theirs to run, the tours are still
    // between the two of them.
    bot.command(
        MEMBER,
        "/1on1",
        "<@UMANAGER> every week on tuesday at 10:00",
    )
    .await
    .assert_well_formed();
    for (user, other) in [(MEMBER, "<@UMANAGER>"), (MANAGER, "<@UMEMBER>")] {
        let agenda = bot.command(user, "/1on1", &format!("agenda {other}")).await;
        agenda.assert_well_formed();
        let text = agenda.text();
        assert!(
            text.contains("Lead the payments rewrite")
                && text.contains("Run the on-call rotation")
                && text.contains("Ship the new ledger"),
            "{user}: {text}"
        );
        assert!(
            !text.contains("No tour of duty")
                && !text.contains("Mentor the interns")
                && !text.contains("Design the next platform"),
            "{user}: {text}"
        );
    }
    // The morning agenda, too.
    settle(&bot, monday_noon_ny()).await;
    settle(&bot, at(2026, 6, 2, 0, 0)).await;
    let sent: Vec<_> = slack
        .posted()
        .into_iter()
        .filter(|m| {
            m.metadata_key
                .as_deref()
                .is_some_and(|k| k.starts_with("tour:0:1on1:UMEMBER:UMANAGER:agenda:"))
        })
        .collect();
    assert!(!sent.is_empty(), "{:?}", reminders(&slack));
    let blocks = sent[0].blocks.to_string();
    assert!(
        blocks.contains("Lead the payments rewrite") && blocks.contains("Run the on-call rotation"),
        "{blocks}"
    );
}

#[tokio::test]
async fn one_1on1_per_pair_and_the_member_is_told_whose_it_is() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    let now = monday_noon_ny();
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMEMBER> every week on tuesday at 10:00 tz America/New_York",
    )
    .await
    .assert_well_formed();
    drain(&bot, now).await;
    let before = one_on_one(&bot);
    let posted = slack.posted().len();

    // The member, the other way round: a plain answer, nothing written.
    let reply = bot
        .command(MEMBER, "/1on1", "<@UMANAGER> every week on friday at 11:00")
        .await;
    reply.assert_well_formed();
    let text = reply.text();
    assert!(
        text.contains("You have a 1:1 with <@UMANAGER> already")
            && text.contains("every week on Tuesday at 10:00 (America/New_York)")
            && text.contains("<@UMANAGER> manages it")
            && text.contains("only they can change"),
        "{text}"
    );
    assert!(!text.contains("Usage:"), "a refusal, not a mistake: {text}");
    assert_eq!(reversed(&bot), None, "no second 1:1");
    assert_eq!(one_on_one(&bot), before, "nothing changed");
    drain(&bot, now).await;
    assert_eq!(slack.posted().len(), posted, "nobody was told anything");
    let listed = bot.command(MEMBER, "/1on1", "list").await;
    assert_eq!(
        listed.text().matches("*With <@UMANAGER>*").count(),
        1,
        "{}",
        listed.text()
    );

    // The manager typing it again changes it, as before.
    let changed = bot
        .command(
            MANAGER,
            "/1on1",
            "<@UMEMBER> every 2 weeks on thursday at 09:00",
        )
        .await;
    assert!(
        changed.contains("every 2 weeks on Thursday at 09:00"),
        "{}",
        changed.text()
    );

    // Once it is stopped, the member may set one up: the same 1:1, its
    // log and agenda kept, with the member as its manager.
    bot.command(MEMBER, "/1on1", "agenda <@UMANAGER> add Conference budget")
        .await
        .assert_well_formed();
    bot.command(MANAGER, "/1on1", "stop <@UMEMBER>")
        .await
        .assert_well_formed();
    let mine = bot
        .command(MEMBER, "/1on1", "<@UMANAGER> every week on friday at 11:00")
        .await;
    mine.assert_well_formed();
    assert!(
        mine.contains("Your 1:1 with <@UMANAGER>: every week on Friday at 11:00"),
        "{}",
        mine.text()
    );
    let moved = reversed(&bot).expect("the member's now");
    assert!(moved.is_active());
    assert_eq!(moved.open_items().count(), 1, "its agenda came along");
    assert!(
        bot.store
            .one_on_one(
                &TeamId::parse(TEAM).unwrap(),
                &UserId::parse(MANAGER).unwrap(),
                &UserId::parse(MEMBER).unwrap(),
            )
            .unwrap()
            .is_none(),
        "one record per pair"
    );
    // And now it is the manager who is told whose it is.
    let theirs = bot
        .command(
            MANAGER,
            "/1on1",
            "<@UMEMBER> every week on tuesday at 10:00",
        )
        .await;
    assert!(
        theirs.contains("<@UMEMBER> manages it") && !theirs.contains("Usage:"),
        "{}",
        theirs.text()
    );
}

#[tokio::test]
async fn a_zone_given_with_tz_stays_until_tz_slack() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    let now = monday_noon_ny();
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMEMBER> every week on tuesday at 10:00 tz Europe/Berlin",
    )
    .await
    .assert_well_formed();
    // Typed again without it: the zone stays, and the answer says so.
    let again = bot
        .command(
            MANAGER,
            "/1on1",
            "<@UMEMBER> every week on wednesday at 11:00",
        )
        .await;
    again.assert_well_formed();
    assert!(
        again.contains("every week on Wednesday at 11:00 (Europe/Berlin)")
            && again.contains("tz slack"),
        "{}",
        again.text()
    );
    let o = one_on_one(&bot);
    assert_eq!(
        (o.schedule.tz.as_str(), o.schedule.follows_slack),
        ("Europe/Berlin", false)
    );
    drain(&bot, now).await;
    let told = slack
        .posted()
        .into_iter()
        .rfind(|m| m.channel == "DUMEMBER" && m.text.contains("changed a 1:1 with you"))
        .expect("the member is told");
    assert!(told.text.contains("(Europe/Berlin)"), "{}", told.text);

    // `tz slack` lets it follow the manager's Slack zone again.
    let follow = bot
        .command(
            MANAGER,
            "/1on1",
            "<@UMEMBER> every week on wednesday at 11:00 tz slack",
        )
        .await;
    follow.assert_well_formed();
    assert!(follow.contains("follows it"), "{}", follow.text());
    assert!(one_on_one(&bot).schedule.follows_slack);
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMEMBER> every week on wednesday at 11:00 tz Mars/Base",
    )
    .await
    .assert_problem("Area/City|slack");
}

#[tokio::test]
async fn when_the_managers_slack_zone_moves_the_1on1_both_are_told_once() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    let setup = monday_noon_ny();
    let reply = bot
        .command(
            MANAGER,
            "/1on1",
            "<@UMEMBER> every week on tuesday at 10:00",
        )
        .await;
    assert!(reply.contains("(UTC)"), "{}", reply.text());
    // The first agenda is owed at once; delivering it to the manager looks
    // up their zone: New York. 10:00 UTC becomes 10:00 in New York.
    settle(&bot, setup).await;
    settle(&bot, at(2026, 6, 2, 0, 0)).await;
    let told = notes_with(&slack, ":zone:");
    assert_eq!(told.len(), 2, "{told:?}");
    let to = |channel: &str| {
        told.iter()
            .find(|(c, _)| c == channel)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("nothing to {channel}: {told:?}"))
    };
    let manager = to("DUMANAGER");
    assert!(
        manager.contains("your Slack time zone, America/New_York")
            && manager.contains("every week on Tuesday at 10:00 (America/New_York)")
            && manager.contains("<!date^1780408800^"),
        "{manager}"
    );
    let member = to("DUMEMBER");
    assert!(
        member.contains("<@UMANAGER>")
            && member.contains("America/New_York")
            && member.contains("<!date^1780408800^"),
        "{member}"
    );
    // Its reminders moved with it.
    settle(&bot, at(2026, 6, 2, 13, 0)).await;
    posted_with_key(
        &slack,
        "tour:0:1on1:UMANAGER:UMEMBER:agenda:2026-06-02T14:00:00Z:UMANAGER",
    );
    // Looking the zone up again (a day on, for the next agenda), the same,
    // says nothing more.
    let lookups = |slack: &FakeSlack| {
        slack
            .calls_to("users.info")
            .iter()
            .filter(|c| c.body["user"] == MANAGER)
            .count()
    };
    let looked = lookups(&slack);
    for (d, h) in [(2, 15), (3, 17), (5, 14)] {
        settle(&bot, at(2026, 6, d, h, 0)).await;
    }
    assert!(lookups(&slack) > looked, "looked up again");
    assert_eq!(notes_with(&slack, ":zone:").len(), 2);

    // The manager moves to London: their 1:1 goes along (10:00 there is
    // 09:00Z), and both hear of it once more, at the next lookup (Tuesday
    // morning's agenda), in their working hours: the manager at the
    // worker's next pass, the member on Tokyo's next morning.
    slack.set_user(MANAGER, "Europe/London", false);
    for t in [
        at(2026, 6, 9, 13, 0),
        at(2026, 6, 9, 13, 1),
        at(2026, 6, 10, 0, 0),
    ] {
        settle(&bot, t).await;
    }
    let told = notes_with(&slack, ":zone:");
    assert_eq!(told.len(), 4, "{told:?}");
    assert!(
        told[2..].iter().all(|(_, t)| t.contains("Europe/London")
            && t.contains("no longer at 10:00 (America/New_York)")
            && t.contains("Tuesday 2026-06-16 at 10:00 (Europe/London)")),
        "{told:?}"
    );
    for (d, h) in [(11, 13), (13, 9), (16, 8)] {
        settle(&bot, at(2026, 6, d, h, 0)).await;
    }
    assert_eq!(notes_with(&slack, ":zone:").len(), 4);
    posted_with_key(
        &slack,
        "tour:0:1on1:UMANAGER:UMEMBER:agenda:2026-06-16T09:00:00Z:UMEMBER",
    );
}
