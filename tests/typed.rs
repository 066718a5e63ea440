//! Nothing needs Slack's buttons: every button the bot sends has a typed
//! command that does the same, through the same rule, as the person who
//! types it — over real HTTP, signed as Slack signs, against the fake
//! Slack. Snoozes come back when they said, Done stops a kind for one
//! person, a handover and the alumni answer are recorded, the company's
//! side of a check-in lands in history, a 1:1 is logged as moved, the
//! keep-in-touch reminders stop or wait, and the confirmations can be
//! typed. Last, a walk over every button a scenario makes the bot send:
//! each one is in the README's table with its typed command, so a new
//! button without one fails here.

mod common;

use alliance::commands::parse;
use alliance::domain::checkin::Delivered;
use alliance::domain::one_on_one::Outcome;
use alliance::domain::{Status, TeamId, Tour, TourId, UserId};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_slack::{FakeSlack, PostedMessage};
use common::{Bot, Reply, TEAM, drain, tuesday_9am};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const SUCCESSOR: &str = "USUCCESSOR";
const FORMER: &str = "UFORMER";
const STRANGER: &str = "USTRANGER";

fn team() -> TeamId {
    TeamId::parse(TEAM).unwrap()
}

fn u(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn tour(bot: &Bot, id: u64) -> Tour {
    bot.store.tour(&team(), TourId(id)).unwrap().unwrap()
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

/// The keys of the messages posted to `user`, oldest first.
fn keys_to(slack: &FakeSlack, user: &str) -> Vec<String> {
    to(slack, user)
        .into_iter()
        .filter_map(|m| m.metadata_key)
        .collect()
}

/// The same bot, its clock at `now`: the commands that follow happen then.
async fn restart_at(bot: Bot, slack: &FakeSlack, now: DateTime<Utc>) -> Bot {
    let dir = bot.stop().await;
    Bot::with_slack(slack, now, Some(dir)).await
}

/// Tour 1, MANAGER → MEMBER, 2026-11-01 to 2027-06-30, with an objective
/// for each side, accepted, check-ins a year apart (so that they stay out
/// of the way); its messages delivered.
async fn with_active_tour(slack: &FakeSlack) -> Bot {
    let bot = Bot::with_slack(slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-11-01 to 2027-06-30 Run the support rotation",
    )
    .await
    .assert_well_formed();
    bot.tour(MANAGER, "objective 1 add company Halve the response time")
        .await
        .assert_well_formed();
    bot.tour(
        MANAGER,
        "objective 1 add member A course on incident command",
    )
    .await
    .assert_well_formed();
    assert!(bot.tour(MEMBER, "accept 1").await.contains("You accepted"));
    bot.tour(MANAGER, "checkin 1 every 12m")
        .await
        .assert_well_formed();
    drain(&bot, bot.now()).await;
    bot
}

#[tokio::test]
async fn typed_snooze_brings_a_tour_reminder_back_then_and_done_stops_that_kind_for_one() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;

    // Nothing came yet: nothing to snooze. Strangers act on nothing.
    bot.tour(MEMBER, "snooze 1 ending 1w")
        .await
        .assert_refused("No plan-the-next-tour reminders about tour *#1* came to you yet");
    for text in ["snooze 1 1w", "done 1 ending"] {
        bot.tour(STRANGER, text)
            .await
            .assert_refused("There is no tour #1 that you can act on");
    }
    bot.tour(MEMBER, "snooze 1 soon")
        .await
        .assert_problem("/tour snooze");

    // 180 days before the end, both are told to plan the next tour.
    let first = at(2027, 1, 1, 9, 0);
    assert_eq!(bot.tick(first).enqueued, 2);
    drain(&bot, first).await;
    for who in [MEMBER, MANAGER] {
        assert_eq!(
            keys_to(&slack, who).last().map(String::as_str),
            Some(format!("tour:1:ending:180d:2027-01-01:{who}").as_str())
        );
    }

    // The member snoozes it to a date, the manager for a week.
    let bot = restart_at(bot, &slack, at(2027, 1, 1, 9, 30)).await;
    bot.tour(MEMBER, "snooze 1 ending until 2027-01-01")
        .await
        .assert_refused("give a date after today");
    let snoozed = bot.tour(MEMBER, "snooze #1 ending until 2027-01-12").await;
    snoozed.assert_well_formed();
    assert!(
        snoozed.contains("Snoozed until 2027-01-12: I'll bring tour *#1* up again then."),
        "{}",
        snoozed.text()
    );
    assert!(
        bot.tour(MANAGER, "snooze 1 1w")
            .await
            .contains("Snoozed until 2027-01-08")
    );

    // Each comes back when they said, to them only.
    assert_eq!(bot.tick(at(2027, 1, 8, 9, 29)).enqueued, 0);
    assert_eq!(bot.tick(at(2027, 1, 8, 9, 31)).enqueued, 1);
    drain(&bot, at(2027, 1, 8, 9, 31)).await;
    assert_eq!(
        keys_to(&slack, MANAGER).last().map(String::as_str),
        Some("tour:1:ending:180d:2027-01-08:UMANAGER:s1")
    );
    assert_eq!(bot.tick(at(2027, 1, 11, 23, 59)).enqueued, 0);
    assert_eq!(bot.tick(at(2027, 1, 12, 0, 0)).enqueued, 1);
    drain(&bot, at(2027, 1, 12, 9, 0)).await;
    assert_eq!(
        keys_to(&slack, MEMBER).last().map(String::as_str),
        Some("tour:1:ending:180d:2027-01-12:UMEMBER:s1")
    );

    // Done, typed: no more of that kind for the member; the manager still hears.
    let done = bot.tour(MEMBER, "done 1 ending").await;
    done.assert_well_formed();
    assert!(
        done.contains("Done: no more plan-the-next-tour reminders about tour *#1* for you"),
        "{}",
        done.text()
    );
    bot.tour(MEMBER, "done 1 checkin")
        .await
        .assert_refused("Check-ins can't be switched off");
    let ninety = at(2027, 4, 1, 9, 0);
    bot.tick(ninety);
    drain(&bot, ninety).await;
    assert!(
        keys_to(&slack, MANAGER)
            .iter()
            .any(|k| k.starts_with("tour:1:ending:90d:")),
        "{:?}",
        keys_to(&slack, MANAGER)
    );
    assert!(
        !keys_to(&slack, MEMBER)
            .iter()
            .any(|k| k.starts_with("tour:1:ending:90d:")),
        "{:?}",
        keys_to(&slack, MEMBER)
    );
}

#[tokio::test]
async fn typed_snooze_pauses_a_check_in_until_then() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    bot.tour(MEMBER, "checkin 1").await.assert_well_formed();
    drain(&bot, bot.now()).await;
    assert!(last_to(&slack, MEMBER).text.contains("Question 1 of 4"));

    // Only the member's own conversation is theirs to pause.
    bot.tour(MANAGER, "snooze 1 checkin 1w")
        .await
        .assert_refused("There's no check-in of yours on tour #1 waiting to be paused");
    let paused = bot.tour(MEMBER, "snooze 1 check-in 1w").await;
    paused.assert_well_formed();
    assert!(
        paused.contains("Your check-in on tour *#1* is paused. I'll ask again on 2026-12-01"),
        "{}",
        paused.text()
    );
    let back = bot.now() + Duration::weeks(1);
    assert_eq!(bot.tick(back - Duration::minutes(1)).enqueued, 0);
    assert_eq!(bot.tick(back + Duration::minutes(1)).enqueued, 1);
    drain(&bot, back + Duration::minutes(1)).await;
    let again = last_to(&slack, MEMBER);
    assert!(
        again.text.contains("Back to your check-in on tour *#1*")
            && again.text.contains("Question 1 of 4"),
        "{}",
        again.text
    );
}

#[tokio::test]
async fn typed_handover_accept_and_alumni_answers_are_recorded_as_the_buttons_record_them() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    bot.tour(MANAGER, "leave 1 successor <@USUCCESSOR> on 2026-12-18")
        .await
        .assert_well_formed();
    drain(&bot, bot.now()).await;

    // Only the named successor accepts the handover, once.
    bot.tour(STRANGER, "handover 1 accept")
        .await
        .assert_refused("There is no tour #1 that you can see");
    bot.tour(MEMBER, "handover 1 accept")
        .await
        .assert_refused("Only <@USUCCESSOR> (the successor) can accept the handover of tour #1");
    let accepted = bot.tour(SUCCESSOR, "handover 1 accept").await;
    accepted.assert_well_formed();
    assert!(
        accepted.contains(
            "You accepted the handover of tour *#1* from <@UMEMBER>, whose last day is 2026-12-18"
        ),
        "{}",
        accepted.text()
    );
    assert!(tour(&bot, 1).exit.unwrap().handover_accepted);
    bot.tour(SUCCESSOR, "handover 1 accept")
        .await
        .assert_refused("already answered");
    drain(&bot, bot.now()).await;
    for who in [MEMBER, MANAGER] {
        assert!(
            last_to(&slack, who).text.contains(
                "handover of tour *#1* (Run the support rotation) was accepted by <@USUCCESSOR>"
            ),
            "{who} is told"
        );
    }
    // The Accept handover button afterwards changes nothing either.
    let asked = last_to(&slack, SUCCESSOR);
    bot.click(SUCCESSOR, &asked, "tour.accept_handover", None)
        .await;
    let history = bot.store.history(&team(), TourId(1)).unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|e| matches!(e.event, alliance::domain::Event::HandoverAccepted))
            .count(),
        1
    );

    // The alumni question is the leaving member's; typed, it can be answered
    // before it is asked, and then it is not asked.
    bot.tour(MANAGER, "stay-in-touch 1 join")
        .await
        .assert_refused("Only <@UMEMBER>");
    let joined = bot
        .tour(
            MEMBER,
            "stay-in-touch 1 join ada@example.org &amp; +44 20 7946 0000",
        )
        .await;
    joined.assert_well_formed();
    assert!(
        joined.contains(
            "you join the alumni network on your last day, with <@UMANAGER> as your liaison"
        ) && joined.contains("Only they and the people team will see the contact you left"),
        "{}",
        joined.text()
    );
    let choice = tour(&bot, 1).exit.unwrap().alumni.unwrap();
    assert!(choice.join);
    assert_eq!(
        choice.contact.as_deref(),
        Some("ada@example.org & +44 20 7946 0000")
    );
    bot.tour(MEMBER, "stay-in-touch 1 no")
        .await
        .assert_refused("You already answered for tour #1: you join the alumni network");
    assert!(tour(&bot, 1).exit.unwrap().alumni.unwrap().join);
    let history = bot.tour(MANAGER, "history 1").await.text();
    assert!(!history.contains("ada@example.org"), "{history}");

    let ask_day = at(2026, 12, 11, 9, 0);
    bot.tick(ask_day);
    drain(&bot, ask_day).await;
    assert!(
        !keys_to(&slack, MEMBER)
            .iter()
            .any(|k| k.contains("alumni-ask")),
        "answered, so not asked: {:?}",
        keys_to(&slack, MEMBER)
    );
    // On the last day they become an alumnus, with the contact they left.
    let last_day = at(2026, 12, 18, 9, 0);
    bot.tick(last_day);
    drain(&bot, last_day).await;
    let alumnus = bot.store.alumnus(&team(), &u(MEMBER)).unwrap().unwrap();
    assert_eq!(alumnus.liaison, u(MANAGER));
    assert_eq!(
        alumnus.contact.as_deref(),
        Some("ada@example.org & +44 20 7946 0000")
    );

    // "No, thanks", typed, on another tour.
    bot.tour(
        MANAGER,
        "propose <@UOTHER> rotational 1y Keep the build green",
    )
    .await;
    bot.tour("UOTHER", "accept 2").await.assert_well_formed();
    bot.tour(MANAGER, "leave 2 successor <@USUCCESSOR>")
        .await
        .assert_well_formed();
    let declined = bot.tour("UOTHER", "stay-in-touch 2 No, thanks").await;
    assert!(
        declined.contains("Thank you for answering. Nothing more will be kept about you"),
        "{}",
        declined.text()
    );
    assert!(!tour(&bot, 2).exit.unwrap().alumni.unwrap().join);
}

#[tokio::test]
async fn typed_delivered_answers_record_the_companys_side_in_history() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    bot.tour(MANAGER, "checkin 1 delivered 2 yes")
        .await
        .assert_refused("No check-in of tour *#1* is recorded yet");
    bot.tour(MEMBER, "checkin 1 Going well, the course starts in March")
        .await
        .assert_well_formed();
    drain(&bot, bot.now()).await;
    let summary = last_to(&slack, MANAGER);
    assert!(summary.blocks.to_string().contains("checkin.delivered_yes"));

    // The manager answers for the company; the member may not; objective 1
    // is the company's own (what the member delivers), not a promise.
    bot.tour(MEMBER, "checkin 1 delivered 2 yes")
        .await
        .assert_refused("Only <@UMANAGER> (the manager)");
    bot.tour(STRANGER, "checkin 1 delivered 2 yes")
        .await
        .assert_refused("There is no tour #1 that you can see");
    bot.tour(MANAGER, "checkin 1 delivered 1 yes")
        .await
        .assert_refused("Check-in 1 of tour #1 has no question about objective 1");
    let recorded = bot.tour(MANAGER, "checkin 1 delivered 2 partly").await;
    recorded.assert_well_formed();
    assert!(
        recorded.contains("Recorded for check-in 1 of tour *#1*") && recorded.contains("*partly*"),
        "{}",
        recorded.text()
    );
    // Once: typed again, or the button on the summary, changes nothing.
    bot.tour(MANAGER, "checkin 1 delivered 2 no")
        .await
        .assert_refused("already answered");
    bot.click(MANAGER, &summary, "checkin.delivered_yes", None)
        .await;
    let record = bot.store.checkin(&team(), TourId(1), 1).unwrap().unwrap();
    assert_eq!(record.promises[0].delivered, Some(Delivered::Partly));

    // Two more check-ins, answered yes and no: each lands in history.
    for (n, answer) in [(2, "yes"), (3, "no")] {
        bot.tour(MEMBER, &format!("checkin 1 Check-in number {n}"))
            .await
            .assert_well_formed();
        assert!(
            bot.tour(MANAGER, &format!("checkin 1 delivered #2 {answer}"))
                .await
                .contains(&format!("Recorded for check-in {n} of tour *#1*"))
        );
    }
    let history = bot.tour(MEMBER, "history 1").await.text();
    for (n, answer) in [(1, "partly"), (2, "yes"), (3, "no")] {
        let line = format!(
            "answered for the company about objective 2 (check-in {n}): delivered? *{answer}*"
        );
        assert!(history.contains(&line), "{line} in {history}");
    }
    // Notes that start with "delivered" are still notes.
    bot.tour(MEMBER, "checkin 1 delivered the first incident review")
        .await
        .assert_well_formed();
    let record = bot.store.checkin(&team(), TourId(1), 4).unwrap().unwrap();
    assert_eq!(
        record.notes.as_deref(),
        Some("delivered the first incident review")
    );
}

#[tokio::test]
async fn typed_moved_logs_a_1on1_and_typed_snooze_brings_its_question_back() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMEMBER> every week on tuesday at 10:00",
    )
    .await
    .assert_well_formed();
    bot.command(MANAGER, "/1on1", "snooze <@UMEMBER> 1w")
        .await
        .assert_refused("No question about your 1:1 with <@UMEMBER> came to you yet");

    // An hour after the slot the manager is asked whether it happened.
    let asked_at = at(2026, 11, 24, 11, 0);
    for _ in 0..3 {
        bot.tick(asked_at);
        drain(&bot, asked_at).await;
    }
    let slot = "2026-11-24T10:00:00Z";
    assert_eq!(
        keys_to(&slack, MANAGER).last().map(String::as_str),
        Some(format!("tour:0:1on1:UMANAGER:UMEMBER:happened:{slot}:UMANAGER").as_str())
    );

    // Only the manager snoozes it; it comes back on the day.
    let bot = restart_at(bot, &slack, at(2026, 11, 24, 11, 5)).await;
    bot.command(MEMBER, "/1on1", "snooze <@UMANAGER> 1w")
        .await
        .assert_refused("Only the manager of this 1:1, <@UMANAGER>");
    bot.command(STRANGER, "/1on1", "snooze <@UMANAGER> 1w")
        .await
        .assert_refused("There is no 1:1 between you and <@UMANAGER>");
    let snoozed = bot
        .command(MANAGER, "/1on1", "snooze <@UMEMBER> until 2026-11-26")
        .await;
    assert!(
        snoozed.contains(
            "Snoozed until 2026-11-26: I'll bring your 1:1 with <@UMEMBER> up again then"
        ),
        "{}",
        snoozed.text()
    );
    assert_eq!(bot.tick(at(2026, 11, 25, 23, 59)).enqueued, 0);
    assert_eq!(bot.tick(at(2026, 11, 26, 0, 0)).enqueued, 1);
    drain(&bot, at(2026, 11, 26, 9, 0)).await;
    let again = last_to(&slack, MANAGER);
    assert_eq!(
        again.metadata_key.as_deref(),
        Some(format!("tour:0:1on1:UMANAGER:UMEMBER:happened:{slot}:UMANAGER:s1").as_str())
    );

    // Moved, typed: the 1:1 of that slot is logged as moved, by its manager only.
    bot.command(MEMBER, "/1on1", "moved <@UMANAGER>")
        .await
        .assert_refused("Only the manager of this 1:1, <@UMANAGER>");
    let moved = bot.command(MANAGER, "/1on1", "moved <@UMEMBER>").await;
    moved.assert_well_formed();
    assert!(
        moved.contains("Logged your 1:1 with <@UMEMBER>") && moved.contains("as *moved*"),
        "{}",
        moved.text()
    );
    let o = bot
        .store
        .one_on_one(&team(), &u(MANAGER), &u(MEMBER))
        .unwrap()
        .unwrap();
    let logged = o.meetings.last().unwrap();
    assert_eq!(
        (logged.outcome, logged.slot),
        (Outcome::Moved, at(2026, 11, 24, 10, 0))
    );
    // The question's Moved button afterwards logs nothing more.
    bot.click(MANAGER, &again, "oneonone.moved", None).await;
    let o = bot
        .store
        .one_on_one(&team(), &u(MANAGER), &u(MEMBER))
        .unwrap()
        .unwrap();
    assert_eq!(o.meetings.len(), 1);
}

/// MANAGER managed a declined tour of FORMER, and added them to the alumni
/// network on 2026-11-24: the liaison.
async fn with_alumnus(slack: &FakeSlack) -> Bot {
    let bot = Bot::with_slack(slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UFORMER> rotational 1y Keep the lights on",
    )
    .await
    .assert_well_formed();
    bot.tour(FORMER, "decline 1").await.assert_well_formed();
    bot.command(MANAGER, "/alumni", "add <@UFORMER>")
        .await
        .assert_well_formed();
    drain(&bot, bot.now()).await;
    bot
}

#[tokio::test]
async fn typed_alumni_snooze_and_stop_do_what_the_keep_in_touch_buttons_do() {
    let slack = FakeSlack::start().await;
    let bot = with_alumnus(&slack).await;
    bot.command(MANAGER, "/alumni", "snooze <@UFORMER> 1w")
        .await
        .assert_refused("No keep-in-touch reminder about <@UFORMER> came to you yet");
    for text in ["snooze <@UFORMER> 1w", "stop <@UFORMER>"] {
        bot.command(STRANGER, "/alumni", text)
            .await
            .assert_refused("Only <@UFORMER>'s liaison or an admin can do that");
    }

    // Six months on the liaison is reminded; snoozed a week, it comes back.
    let six_months = at(2027, 5, 24, 10, 0);
    let bot = restart_at(bot, &slack, six_months).await;
    assert_eq!(bot.tick(six_months).enqueued, 1);
    drain(&bot, six_months).await;
    assert_eq!(
        keys_to(&slack, MANAGER).last().map(String::as_str),
        Some("tour:0:keep-in-touch:UFORMER:n1:2027-05-24:UMANAGER")
    );
    let snoozed = bot
        .command(MANAGER, "/alumni", "snooze <@UFORMER> 1 week")
        .await;
    assert!(
        snoozed.contains("Snoozed until 2027-05-31: I'll remind you about <@UFORMER> then"),
        "{}",
        snoozed.text()
    );
    let week = six_months + Duration::weeks(1) + Duration::minutes(1);
    assert_eq!(bot.tick(week).enqueued, 1);
    drain(&bot, week).await;
    assert_eq!(
        keys_to(&slack, MANAGER).last().map(String::as_str),
        Some("tour:0:keep-in-touch:UFORMER:n1:2027-05-31:UMANAGER:s1")
    );

    // Not any more, typed: no more reminders until a contact is logged.
    let stopped = bot.command(MANAGER, "/alumni", "stop <@UFORMER>").await;
    stopped.assert_well_formed();
    assert!(
        stopped.contains("No more keep-in-touch reminders about <@UFORMER>"),
        "{}",
        stopped.text()
    );
    let alumnus = bot.store.alumnus(&team(), &u(FORMER)).unwrap().unwrap();
    assert!(alumnus.reminders_off);
    let much_later = six_months + Duration::days(400);
    bot.tick(much_later);
    let before = keys_to(&slack, MANAGER).len();
    drain(&bot, much_later).await;
    assert_eq!(keys_to(&slack, MANAGER).len(), before);
}

#[tokio::test]
async fn confirmations_can_be_typed_and_only_for_oneself() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;

    // /tour complete <id> confirm completes at once; the prompt says so.
    let prompt = bot.tour(MEMBER, "complete 1").await;
    assert!(
        prompt.contains("or type `/tour complete 1 confirm`"),
        "{}",
        prompt.text()
    );
    assert_eq!(
        tour(&bot, 1).status,
        Status::Active,
        "asking changes nothing"
    );
    bot.tour(STRANGER, "complete 1 confirm")
        .await
        .assert_refused("There is no tour #1 that you can see");
    let completed = bot.tour(MEMBER, "complete 1 confirm").await;
    completed.assert_well_formed();
    assert!(
        completed.contains("Tour *#1* is completed"),
        "{}",
        completed.text()
    );
    assert_eq!(tour(&bot, 1).status, Status::Completed);
    bot.tour(MANAGER, "complete 1 confirm")
        .await
        .assert_refused("Tour *#1* is already completed; nothing changed.");
    drain(&bot, bot.now()).await;
    assert_eq!(
        keys_to(&slack, MANAGER).last().map(String::as_str),
        Some("tour:1:completed:UMANAGER"),
        "the other party is asked what comes next"
    );

    // /alumni remove @x confirm removes, for the liaison only.
    bot.tour(
        MANAGER,
        "propose <@UFORMER> rotational 1y Keep the lights on",
    )
    .await;
    bot.tour(FORMER, "decline 2").await;
    bot.command(MANAGER, "/alumni", "add <@UFORMER>").await;
    assert!(
        bot.command(MANAGER, "/alumni", "remove <@UFORMER>")
            .await
            .contains("or type `/alumni remove <@UFORMER> confirm`")
    );
    bot.command(STRANGER, "/alumni", "remove <@UFORMER> confirm")
        .await;
    assert!(bot.store.alumnus(&team(), &u(FORMER)).unwrap().is_some());
    let removed = bot
        .command(MANAGER, "/alumni", "remove <@UFORMER> confirm")
        .await;
    assert!(
        removed.contains("Removed <@UFORMER> from the alumni network"),
        "{}",
        removed.text()
    );
    assert!(bot.store.alumnus(&team(), &u(FORMER)).unwrap().is_none());

    // /tour forget-me confirm erases the one who types it, nobody else.
    bot.tour(MANAGER, "forget-me <@UMEMBER> confirm")
        .await
        .assert_refused("You can only erase your own data here.");
    assert_eq!(tour(&bot, 1).member, u(MEMBER));
    let prompt = bot.tour(MEMBER, "forget-me").await;
    assert!(prompt.contains("or type `/tour forget-me confirm`"));
    let erased = bot.tour(MEMBER, "forget-me confirm").await;
    erased.assert_well_formed();
    assert!(
        erased.contains("Your data was erased from Alliance. Your tour stays for the other party"),
        "{}",
        erased.text()
    );
    assert_ne!(tour(&bot, 1).member, u(MEMBER));
    assert!(
        bot.tour(MEMBER, "forget-me confirm")
            .await
            .contains("There is nothing of yours left to erase")
    );
}

// ---------------------------------------------------------------------------
// Every button has a typed equivalent, written down.

/// Every `action_id` of an element in `blocks` (a message or a view).
fn action_ids(blocks: &Value, into: &mut BTreeSet<String>) {
    for block in blocks.as_array().into_iter().flatten() {
        for element in block["elements"].as_array().into_iter().flatten() {
            if let Some(id) = element["action_id"].as_str() {
                into.insert(id.to_string());
            }
        }
        if let Some(id) = block["accessory"]["action_id"].as_str() {
            into.insert(id.to_string());
        }
    }
}

/// The rows of the README's "Buttons and their typed equivalents" table:
/// (action ids, typed commands), each the backticked words of its column.
fn readme_table() -> Vec<(Vec<String>, Vec<String>)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("## Buttons and their typed equivalents")
        .expect("the README has the table's section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let ticked = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(|w| w.replace("\\|", "|"))
            .collect()
    };
    // The commands of a cell: its backticked words that are commands (a
    // slash command, or a word written in a DM).
    let commands = |cell: &str| -> Vec<String> {
        ticked(cell)
            .into_iter()
            .filter(|w| w.starts_with('/') || w == "later")
            .collect()
    };
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| button") && !l.starts_with("| ---"))
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            assert_eq!(cells.len(), 4, "button | where | action id | typed: {row}");
            (ticked(cells[2]), commands(cells[3]))
        })
        .collect()
}

/// Whether `typed` (`/tour snooze <id> …`) starts like one of the help's
/// usage lines (or is a word written in the check-in's DM).
fn is_a_command(typed: &str) -> bool {
    let usages = parse::ALL_USAGES
        .iter()
        .chain(parse::ALUMNI_USAGES.iter())
        .chain(parse::ONE_ON_ONE_USAGES.iter())
        .flat_map(|u| u.split("   or   "));
    let words: Vec<&str> = typed.split_whitespace().take(2).collect();
    let head = words.join(" ");
    typed == "later" || usages.into_iter().any(|u| u.starts_with(&head))
}

#[tokio::test]
async fn every_button_the_bot_sends_is_in_the_readme_with_its_typed_command() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    let mut replies: Vec<Reply> = Vec::new();

    // Proposals (one left waiting), a check-in's summary and its first
    // question, a 1:1 with its question, an alumnus with their reminder.
    for i in 0..16 {
        bot.tour(
            MANAGER,
            &format!("propose <@UTEAM{i:02}> rotational 1y Team tour {i}"),
        )
        .await
        .assert_well_formed();
    }
    bot.tour(MEMBER, "checkin 1 Going well").await;
    bot.tour(MANAGER, "checkin 1").await;
    bot.command(
        MANAGER,
        "/1on1",
        "<@UMEMBER> every week on tuesday at 10:00",
    )
    .await;
    bot.tour(
        MANAGER,
        "propose <@UFORMER> rotational 1y Keep the lights on",
    )
    .await;
    bot.tour(FORMER, "decline 18").await;
    bot.command(MANAGER, "/alumni", "add <@UFORMER>").await;
    replies.push(bot.command(MANAGER, "/alumni", "rehire <@UFORMER>").await);
    replies.push(bot.command(MANAGER, "/alumni", "remove <@UFORMER>").await);
    replies.push(bot.tour(STRANGER, "forget-me").await);
    // A tour to complete (its prompt, then the press) and one to leave.
    bot.tour(MANAGER, "propose <@UDONE> rotational 1y Ship the ledger")
        .await;
    bot.tour("UDONE", "accept 19").await;
    let prompt = bot.tour("UDONE", "complete 19").await;
    bot.press_on_reply(&slack, "UDONE", &prompt, "tour.complete")
        .await;
    replies.push(prompt);
    bot.tour(MANAGER, "propose <@ULEAVING> rotational 1y Run the on-call")
        .await;
    bot.tour("ULEAVING", "accept 20").await;
    bot.tour(MANAGER, "leave 20 successor <@USUCCESSOR> on 2026-12-04")
        .await;
    for who in [MANAGER, MEMBER] {
        let event = json!({
            "type": "event_callback", "team_id": TEAM, "event_id": format!("EvHOME{who}"),
            "api_app_id": "A0APP", "event_time": 1,
            "event": {"type": "app_home_opened", "user": who, "channel": format!("D{who}"), "tab": "home"},
        });
        bot.post_signed(event.to_string().as_bytes(), "application/json")
            .await;
    }
    for now in [
        at(2026, 11, 24, 11, 0), // the 1:1's question, the alumni ask
        at(2026, 11, 27, 9, 0),  // proposals waiting
        at(2026, 12, 1, 9, 0),   // the handover checklist
        at(2027, 1, 1, 9, 0),    // plan the next tour
        at(2027, 5, 24, 10, 0),  // keep in touch
    ] {
        for _ in 0..3 {
            bot.tick(now);
            drain(&bot, now).await;
        }
    }

    let mut sent = BTreeSet::new();
    for m in slack.posted().into_iter().chain(slack.updated()) {
        action_ids(&m.blocks, &mut sent);
    }
    for reply in &replies {
        action_ids(&reply.0["blocks"], &mut sent);
    }
    for _ in 0..500 {
        if slack.calls_to("views.publish").len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for call in slack.calls_to("views.publish") {
        action_ids(&call.body["view"]["blocks"], &mut sent);
    }

    let table = readme_table();
    let documented: BTreeSet<String> = table.iter().flat_map(|(ids, _)| ids.clone()).collect();
    let missing: Vec<&String> = sent.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "buttons the bot sends with no typed equivalent in the README: {missing:?}"
    );
    let never_sent: Vec<&String> = documented.difference(&sent).collect();
    assert!(
        never_sent.is_empty(),
        "rows of the README table this scenario never saw (extend it, or drop the row): {never_sent:?}"
    );
    for (ids, typed) in &table {
        assert!(!typed.is_empty(), "{ids:?} names no typed command");
        for command in typed {
            assert!(
                is_a_command(command),
                "{ids:?}: `{command}` is not a command the help shows"
            );
        }
    }
}
