//! The end of a tour, end to end: extend, complete, the next tour and the
//! early exit through handover to the alumni network — commands and buttons
//! over signed HTTP, the scheduler and the outbox driven at chosen times, and
//! the fake Slack Web API recording what people receive.

mod common;

use alliance::commands::{home, modals, notify};
use alliance::domain::schedule::Series;
use alliance::domain::{Status, TeamId, TourId, UserId};
use chrono::{Duration, TimeZone, Utc};
use common::fake_slack::{FakeSlack, PostedMessage};
use common::{Bot, TEAM, drain, find_action, tuesday_9am};
use serde_json::json;

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const SUCCESSOR: &str = "USUCCESSOR";
const STRANGER: &str = "USTRANGER";

fn last_to(slack: &FakeSlack, user: &str) -> PostedMessage {
    slack
        .posted()
        .into_iter()
        .rev()
        .find(|m| m.channel == format!("D{user}"))
        .unwrap_or_else(|| panic!("nothing posted to {user}"))
}

fn keys(slack: &FakeSlack) -> Vec<String> {
    slack
        .posted()
        .into_iter()
        .filter_map(|m| m.metadata_key)
        .collect()
}

/// A bot with tour 1 (manager → member, 2026-11-01 to 2027-06-30) accepted
/// and its messages delivered.
async fn with_active_tour(slack: &FakeSlack) -> Bot {
    let bot = Bot::with_slack(slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-11-01 to 2027-06-30 Run the support rotation",
    )
    .await
    .assert_well_formed();
    bot.tour(MEMBER, "accept 1").await.assert_well_formed();
    drain(&bot, tuesday_9am()).await;
    bot
}

fn tour(bot: &Bot, id: u64) -> alliance::domain::Tour {
    bot.store
        .tour(&TeamId::parse(TEAM).unwrap(), TourId(id))
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn extending_moves_the_end_tells_the_other_party_and_replans_the_milestones() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    let reply = bot.tour(MEMBER, "extend 1 6m").await;
    reply.assert_well_formed();
    assert!(reply.contains("2027-12-30"), "{}", reply.text());
    drain(&bot, tuesday_9am()).await;
    let told = last_to(&slack, MANAGER);
    assert_eq!(
        told.metadata_key.as_deref(),
        Some("tour:1:extended:2:UMANAGER")
    );
    assert!(told.text.contains("2027-12-30"), "{}", told.text);
    assert!(
        bot.tour(MANAGER, "history 1")
            .await
            .contains("extended the tour by 6 months: 2027-06-30 → 2027-12-30")
    );

    // The old "30 days before" (2027-05-31) is no longer owed; the new one is.
    // (The monthly check-in fires at these ticks too; it is not counted.)
    let old_milestone = Utc.with_ymd_and_hms(2027, 5, 31, 9, 0, 0).unwrap();
    bot.tick(old_milestone);
    let ending: Vec<String> = bot
        .store
        .outbox_all()
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .filter(|k| k.contains(":ending:"))
        .collect();
    assert!(ending.is_empty(), "{ending:?}");
    let new_milestone = Utc.with_ymd_and_hms(2027, 11, 30, 9, 0, 0).unwrap();
    assert!(bot.tick(new_milestone).enqueued >= 2);
    drain(&bot, new_milestone).await;
    let keys = keys(&slack);
    assert!(
        keys.contains(&"tour:1:ending:30d:2027-11-30:UMEMBER".to_string()),
        "{keys:?}"
    );
    assert!(!keys.iter().any(|k| k.contains("2027-05-31")), "{keys:?}");

    bot.tour(STRANGER, "extend 1 6m")
        .await
        .assert_refused("There is no tour #1 that you can see.");
    bot.tour(MEMBER, "extend 1 soon")
        .await
        .assert_problem("/tour extend");
    assert_eq!(tour(&bot, 1).ends_on.unwrap().to_string(), "2027-12-30");
}

#[tokio::test]
async fn completing_asks_about_the_next_tour_whose_form_links_the_chain() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    bot.tour(MANAGER, "objective 1 add company Halve the backlog")
        .await;
    let prompt = bot.tour(MEMBER, "complete 1").await;
    prompt.assert_well_formed();
    assert_eq!(
        bot.press_on_reply(&slack, MEMBER, &prompt, notify::COMPLETE)
            .await,
        200
    );
    assert_eq!(tour(&bot, 1).status, Status::Completed);
    drain(&bot, tuesday_9am()).await;
    let to_manager = last_to(&slack, MANAGER);
    assert_eq!(
        to_manager.metadata_key.as_deref(),
        Some("tour:1:completed:UMANAGER")
    );
    assert!(
        to_manager
            .text
            .contains("is completed. Its one objective is still open."),
        "{}",
        to_manager.text
    );
    let to_member = last_to(&slack, MEMBER);
    assert!(find_action(&to_member.blocks, notify::PROPOSE_NEXT).is_none());
    assert!(
        bot.tour(MANAGER, "history 1")
            .await
            .contains("objective 1 still open")
    );

    // The manager's button opens the propose form for the next tour.
    assert_eq!(
        bot.click(MANAGER, &to_manager, notify::PROPOSE_NEXT, None)
            .await,
        200
    );
    let opened = slack.calls_to("views.open");
    let view = &opened.last().expect("a form opened").body["view"];
    // The tour it follows, then the message it answers once submitted.
    assert_eq!(
        view["private_metadata"].as_str().unwrap().lines().next(),
        Some("1")
    );
    use alliance::commands::form::*;
    let text = |v: &str| json!({ "type": "plain_text_input", "value": v });
    let values = json!({
        BLOCK_MEMBER: { ACTION_MEMBER: {"type": "users_select", "selected_user": MEMBER} },
        BLOCK_KIND: { ACTION_KIND: {"type": "static_select", "selected_option": {"value": "transformational"}} },
        BLOCK_TERM: { ACTION_TERM: text("2y") },
        BLOCK_MISSION: { ACTION_MISSION: text("Build the support platform") },
        BLOCK_COMPANY_OBJECTIVES: { ACTION_COMPANY_OBJECTIVES: text("") },
        BLOCK_MEMBER_OBJECTIVES: { ACTION_MEMBER_OBJECTIVES: text("") },
    });
    let answer = bot
        .submit_view(MANAGER, CALLBACK_ID, "1", values.clone())
        .await;
    assert_eq!(answer["response_action"], "clear", "{answer}");
    assert_eq!(tour(&bot, 2).previous, Some(TourId(1)));
    assert_eq!(tour(&bot, 1).next, Some(TourId(2)));
    let card = bot.tour(MEMBER, "show 2").await;
    assert!(
        card.contains("#1 (completed) → *#2* (this, proposed)"),
        "{}",
        card.text()
    );

    // While #2 is open, no second next tour; a typed one by the member is refused.
    let again = bot
        .submit_view(MANAGER, CALLBACK_ID, "1", values.clone())
        .await;
    assert_eq!(again["response_action"], "errors", "{again}");
    bot.tour(MEMBER, "next 1 rotational 1y Something else")
        .await
        .assert_refused("Only <@UMANAGER> (the manager) can propose the next tour after tour #1.");
    bot.tour(STRANGER, "next 1 rotational 1y Something else")
        .await
        .assert_refused("There is no tour #1 that you can see.");
    // Once #2 is declined, the manager may try again, typed.
    bot.tour(MEMBER, "decline 2").await;
    bot.tour(MANAGER, "next 1 rotational 1y Run the new region")
        .await
        .assert_well_formed();
    assert_eq!(tour(&bot, 3).previous, Some(TourId(1)));
    let card = bot.tour(MANAGER, "show 1").await;
    assert!(
        card.contains("*#1* (this, completed) → #3"),
        "{}",
        card.text()
    );
}

#[tokio::test]
async fn an_early_exit_runs_through_handover_to_the_alumni_network() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    let now = tuesday_9am();

    // Planned from the reminder's button: the exit form.
    let reply = bot
        .tour(
            MANAGER,
            "leave 1 successor <@USUCCESSOR> on 2026-12-18 Runbook in the wiki",
        )
        .await;
    reply.assert_well_formed();
    drain(&bot, now).await;
    let asked = last_to(&slack, SUCCESSOR);
    assert_eq!(
        asked.metadata_key.as_deref(),
        Some("tour:1:handover:USUCCESSOR")
    );
    assert!(asked.text.contains("Runbook in the wiki"), "{}", asked.text);
    let told = last_to(&slack, MEMBER);
    assert_eq!(told.metadata_key.as_deref(), Some("tour:1:leave:UMEMBER"));
    // The member reads about their own last day, not about themselves.
    assert!(
        told.text.contains("your last day is 2026-12-18") && !told.text.contains("<@UMEMBER>"),
        "{}",
        told.text
    );

    // Only the successor can accept the handover.
    bot.click(STRANGER, &asked, notify::ACCEPT_HANDOVER, None)
        .await;
    assert!(!tour(&bot, 1).exit.unwrap().handover_accepted);
    bot.click(SUCCESSOR, &asked, notify::ACCEPT_HANDOVER, None)
        .await;
    assert!(tour(&bot, 1).exit.unwrap().handover_accepted);
    drain(&bot, now).await;
    assert!(
        slack
            .updated()
            .iter()
            .any(|m| m.text.contains("accepted") || m.blocks.to_string().contains("You accepted"))
    );

    // A week later: the checklist, to both.
    let week = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    assert_eq!(bot.tick(week).enqueued, 2);
    drain(&bot, week).await;
    let checklist = last_to(&slack, MANAGER);
    assert!(
        checklist
            .text
            .contains("☑ successor (<@USUCCESSOR>) accepted"),
        "{}",
        checklist.text
    );
    assert!(checklist.text.contains("☐ alumni question answered"));
    assert!(
        checklist
            .text
            .contains("<@UMEMBER>'s last day is 2026-12-18"),
        "{}",
        checklist.text
    );
    let own = last_to(&slack, MEMBER);
    assert!(
        own.text
            .starts_with("Handover for tour *#1*: your last day is"),
        "{}",
        own.text
    );

    // Seven days before the last day the member is asked, privately.
    let ask_day = Utc.with_ymd_and_hms(2026, 12, 11, 9, 0, 0).unwrap();
    bot.tick(ask_day);
    drain(&bot, ask_day).await;
    let question = last_to(&slack, MEMBER);
    assert_eq!(
        question.metadata_key.as_deref(),
        Some("tour:1:alumni-ask:UMEMBER")
    );
    assert!(
        keys(&slack)
            .iter()
            .all(|k| !k.contains("alumni-ask:UMANAGER"))
    );
    assert_eq!(
        bot.click(MEMBER, &question, notify::ALUMNI_JOIN, None)
            .await,
        200
    );
    let form = slack.calls_to("views.open");
    assert_eq!(
        form.last().unwrap().body["view"]["callback_id"],
        modals::ALUMNI
    );
    // The manager cannot answer for them, even with a forged submission.
    let contact = json!({ "contact": { "contact.text": {"type": "plain_text_input", "value": "ada@example.org"} } });
    let forged = bot
        .submit_view(MANAGER, modals::ALUMNI, "1", contact.clone())
        .await;
    assert_eq!(forged["response_action"], "errors", "{forged}");
    let answer = bot.submit_view(MEMBER, modals::ALUMNI, "1", contact).await;
    assert_eq!(answer["response_action"], "clear", "{answer}");
    assert!(
        !bot.tour(MANAGER, "history 1")
            .await
            .contains("ada@example.org"),
        "the contact is not in history"
    );

    // The last day: the tour ends, the manager is told, and the member is an alumnus.
    let last_day = Utc.with_ymd_and_hms(2026, 12, 18, 9, 0, 0).unwrap();
    bot.tick(last_day);
    drain(&bot, last_day).await;
    assert_eq!(tour(&bot, 1).status, Status::Left);
    let told = last_to(&slack, MANAGER);
    assert_eq!(told.metadata_key.as_deref(), Some("tour:1:left:UMANAGER"));
    assert!(told.text.contains("alumni liaison"), "{}", told.text);
    let alumnus = bot
        .store
        .alumnus(
            &TeamId::parse(TEAM).unwrap(),
            &UserId::parse(MEMBER).unwrap(),
        )
        .unwrap()
        .expect("an alumnus");
    assert_eq!(alumnus.liaison.as_str(), MANAGER);
    assert_eq!(alumnus.contact.as_deref(), Some("ada@example.org"));
    assert_eq!(alumnus.last_tour, Some(TourId(1)));
    // Nothing more about the exit is owed after it.
    let later = last_day + Duration::days(30);
    assert_eq!(bot.tick(later).enqueued, 0);
}

#[tokio::test]
async fn exit_buttons_open_forms_whose_submissions_follow_the_rules() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    // The 30-days-before reminder carries Extend and Plan exit.
    let milestone = Utc.with_ymd_and_hms(2027, 5, 31, 9, 0, 0).unwrap();
    bot.tick(milestone);
    drain(&bot, milestone).await;
    let reminder = last_to(&slack, MEMBER);
    bot.click(MEMBER, &reminder, notify::EXTEND, None).await;
    let view = slack.calls_to("views.open").last().unwrap().body["view"].clone();
    assert_eq!(view["callback_id"], modals::EXTEND);
    let length =
        |v: &str| json!({ "length": { "length.text": {"type": "plain_text_input", "value": v} } });
    let bad = bot
        .submit_view(MEMBER, modals::EXTEND, "1", length("forever"))
        .await;
    assert_eq!(bad["response_action"], "errors", "{bad}");
    let ok = bot
        .submit_view(MEMBER, modals::EXTEND, "1", length("3m"))
        .await;
    assert_eq!(ok["response_action"], "clear", "{ok}");
    assert_eq!(tour(&bot, 1).ends_on.unwrap().to_string(), "2027-09-30");
    let stranger = bot
        .submit_view(STRANGER, modals::EXTEND, "1", length("3m"))
        .await;
    assert_eq!(stranger["response_action"], "errors", "{stranger}");

    bot.click(MANAGER, &last_to(&slack, MANAGER), notify::PLAN_EXIT, None)
        .await;
    let view = slack.calls_to("views.open").last().unwrap().body["view"].clone();
    assert_eq!(view["callback_id"], modals::EXIT);
    let exit = |successor: &str, day: Option<&str>| {
        json!({
            "successor": { "successor.user": {"type": "users_select", "selected_user": successor} },
            "last_day": { "last_day.date": {"type": "datepicker", "selected_date": day} },
            "notes": { "notes.text": {"type": "plain_text_input", "value": "on call handover\nthen docs"} },
        })
    };
    let past = bot
        .submit_view(
            MANAGER,
            modals::EXIT,
            "1",
            exit(SUCCESSOR, Some("2026-11-01")),
        )
        .await;
    assert_eq!(past["response_action"], "errors", "{past}");
    let ok = bot
        .submit_view(
            MANAGER,
            modals::EXIT,
            "1",
            exit(SUCCESSOR, Some("2027-06-30")),
        )
        .await;
    assert_eq!(ok["response_action"], "clear", "{ok}");
    let exit = tour(&bot, 1).exit.unwrap();
    assert_eq!(exit.on.to_string(), "2027-06-30");
    assert_eq!(exit.notes.as_deref(), Some("on call handover then docs"));
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// Tour 1 runs to 2027-06-30; tour 2, its next tour, is accepted now.
async fn with_scheduled_next(slack: &FakeSlack) -> Bot {
    let bot = with_active_tour(slack).await;
    bot.tour(MANAGER, "next 1 rotational 1y Run the new region")
        .await
        .assert_well_formed();
    let accepted = bot.tour(MEMBER, "accept 2").await;
    accepted.assert_well_formed();
    assert!(
        accepted.contains("It is scheduled: it starts the day after tour *#1* ends and runs 2027-07-01 → 2028-07-01"),
        "{}",
        accepted.text()
    );
    drain(&bot, tuesday_9am()).await;
    bot
}

#[tokio::test]
async fn a_next_tour_accepted_before_its_predecessor_ends_is_scheduled_after_it() {
    let slack = FakeSlack::start().await;
    let bot = with_scheduled_next(&slack).await;
    let next = tour(&bot, 2);
    assert_eq!(
        (next.starts_on, next.ends_on),
        (Some(day("2027-07-01")), Some(day("2028-07-01")))
    );
    assert!(
        last_to(&slack, MANAGER)
            .text
            .contains("It is scheduled: it runs 2027-07-01 → 2028-07-01"),
        "{}",
        last_to(&slack, MANAGER).text
    );

    // show, list and the chain say so; the tour it follows still runs.
    let card = bot.tour(MEMBER, "show 2").await;
    assert!(
        card.contains("*Status* scheduled · 2027-07-01 → 2028-07-01")
            && card.contains("Starts on 2027-07-01, after tour #1")
            && card.contains("#1 (active (its next tour is agreed)) → *#2* (this, scheduled)"),
        "{}",
        card.text()
    );
    let list = bot.tour(MEMBER, "list").await;
    assert!(
        list.contains("*#2* · rotational · *scheduled* · 2027-07-01 → 2028-07-01")
            && list.contains("*#1* · rotational · *active (its next tour is agreed)*"),
        "{}",
        list.text()
    );
    let home = alliance::slack::blocks::home_view(
        &home::view(
            &bot.store,
            chrono_tz::Tz::UTC,
            &TeamId::parse(TEAM).unwrap(),
            &UserId::parse(MANAGER).unwrap(),
            0,
            tuesday_9am(),
        )
        .unwrap(),
    )
    .to_string();
    assert!(home.contains("*scheduled*"), "{home}");
    assert!(
        !home.contains("plan the next tour together"),
        "the next tour is agreed: {home}"
    );

    // No reminder of either tour comes before tour 1 ends: not tour 2's
    // runway or check-ins, and tour 1's plan-the-next-tour ones are done.
    let due = bot
        .store
        .due_reminders(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(), 1000)
        .unwrap();
    let end_of_1 = Utc.with_ymd_and_hms(2027, 7, 1, 0, 0, 0).unwrap();
    let early: Vec<String> = due
        .iter()
        .filter(|d| d.tour == TourId(2) && d.at < end_of_1)
        .map(|d| format!("{} at {}", d.series.key(), d.at))
        .collect();
    assert!(early.is_empty(), "{early:?}");
    let planned: Vec<String> = due
        .iter()
        .filter(|d| d.tour == TourId(2))
        .map(|d| format!("{} {}", d.series.key(), d.at.date_naive()))
        .collect();
    assert!(
        planned.contains(&"checkin:n1 2027-08-01".to_string())
            && planned.contains(&"ending:30d 2028-06-01".to_string()),
        "{planned:?}"
    );
    assert!(
        !due.iter().any(
            |d| d.tour == TourId(1) && matches!(d.series, Series::Ending(_) | Series::Ended(_))
        ),
        "{due:?}"
    );
    let milestone = Utc.with_ymd_and_hms(2027, 5, 31, 9, 0, 0).unwrap();
    bot.tick(milestone);
    let owed: Vec<String> = bot
        .store
        .outbox_all()
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .filter(|k| k.contains(":ending:") || k.contains(":ended:"))
        .collect();
    assert!(owed.is_empty(), "{owed:?}");

    // Once tour 1 has ended, tour 2 runs and tour 1 is not awaiting anything.
    let later = Utc.with_ymd_and_hms(2027, 7, 2, 9, 0, 0).unwrap();
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, later, Some(dir)).await;
    assert!(bot.tour(MEMBER, "show 2").await.contains("*Status* active"));
    let card = bot.tour(MEMBER, "show 1").await;
    assert!(
        card.contains("*Status* ended (its next tour followed)"),
        "{}",
        card.text()
    );
    bot.tick(later + Duration::days(1));
    assert!(
        !bot.store
            .outbox_all()
            .unwrap()
            .iter()
            .any(|e| e.key.contains(":ended:")),
        "no 'ended with no decision' for a tour that was followed"
    );
}

#[tokio::test]
async fn a_scheduled_next_tour_moves_with_the_tour_it_follows() {
    let slack = FakeSlack::start().await;
    let bot = with_scheduled_next(&slack).await;

    // Extending tour 1 moves tour 2 on, keeping its length.
    let extended = bot.tour(MEMBER, "extend 1 3m").await;
    assert!(
        extended.contains("Tour *#2*, which follows it, now runs 2027-10-01 → 2028-10-01"),
        "{}",
        extended.text()
    );
    assert_eq!(tour(&bot, 2).starts_on, Some(day("2027-10-01")));
    assert!(
        bot.tour(MANAGER, "history 2").await.contains(
            "moved this tour with the one it follows: it now runs 2027-10-01 → 2028-10-01"
        )
    );
    drain(&bot, tuesday_9am()).await;
    let told = last_to(&slack, MANAGER);
    assert!(
        told.blocks
            .to_string()
            .contains("Tour *#2*, which follows it, runs 2027-10-01 → 2028-10-01"),
        "{}",
        told.blocks
    );

    // Completing tour 1 early (confirmed with its button) lets tour 2
    // start tomorrow.
    let prompt = bot.tour(MANAGER, "complete 1").await;
    let asked = slack.calls_to("respond").len();
    assert_eq!(
        bot.press_on_reply(&slack, MANAGER, &prompt, notify::COMPLETE)
            .await,
        200
    );
    let answered = common::responses(&slack, asked + 1).await;
    let completed = answered[asked].body["text"].as_str().unwrap_or_default();
    assert!(
        completed.contains("Tour *#2*, which follows it, now runs 2026-11-25 → 2027-11-25"),
        "{completed}"
    );
    let next = tour(&bot, 2);
    assert_eq!(
        (next.starts_on, next.ends_on),
        (Some(day("2026-11-25")), Some(day("2027-11-25")))
    );
    // Not started yet: it can't be completed, left or checked in on.
    for (text, expected) in [
        (
            "complete 2",
            "Tour #2 starts on 2026-11-25, so it can't be completed yet.",
        ),
        (
            "leave 2 successor <@USUCCESSOR>",
            "Tour #2 starts on 2026-11-25, so it can't be ended early yet.",
        ),
        (
            "checkin 2 Fine",
            "Tour #2 starts on 2026-11-25, so it can't be checked in on yet.",
        ),
    ] {
        bot.tour(MEMBER, text).await.assert_refused(expected);
    }
}

#[tokio::test]
async fn an_exit_or_its_manager_calls_off_a_scheduled_next_tour() {
    let slack = FakeSlack::start().await;
    let bot = with_scheduled_next(&slack).await;
    let reply = bot.tour(MEMBER, "leave 1 successor <@USUCCESSOR>").await;
    assert!(
        reply.contains("Tour *#2*, which was to follow it, is called off."),
        "{}",
        reply.text()
    );
    assert_eq!(tour(&bot, 2).status, Status::Withdrawn);
    assert!(
        bot.store
            .due_reminders(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(), 1000)
            .unwrap()
            .iter()
            .all(|d| d.tour != TourId(2)),
        "a called-off tour owes nothing"
    );
    assert!(
        bot.tour(MANAGER, "history 2").await.contains(
            "planned the member's exit from the tour before it, so this one was called off"
        )
    );

    // The manager calls off a scheduled tour; the one it followed needs a
    // decision again.
    let slack = FakeSlack::start().await;
    let bot = with_scheduled_next(&slack).await;
    bot.tour(MEMBER, "withdraw 2")
        .await
        .assert_refused("Only <@UMANAGER> (the manager) can call off tour #2.");
    let reply = bot.tour(MANAGER, "withdraw 2").await;
    assert!(
        reply.contains("You called off tour *#2*, which was to start on 2027-07-01.")
            && reply.contains("Tour *#1* has no next tour now"),
        "{}",
        reply.text()
    );
    assert_eq!(tour(&bot, 2).status, Status::Withdrawn);
    assert_eq!(tour(&bot, 1).status, Status::Active);
    drain(&bot, tuesday_9am()).await;
    assert!(
        last_to(&slack, MEMBER)
            .text
            .contains("<@UMANAGER> called off tour *#2*, which was to start on 2027-07-01"),
        "{}",
        last_to(&slack, MEMBER).text
    );
    // The plan-the-next-tour reminders of tour 1 are owed again.
    assert!(
        bot.store
            .due_reminders(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(), 1000)
            .unwrap()
            .iter()
            .any(|d| d.tour == TourId(1) && d.series == Series::Ending(30))
    );
}

#[tokio::test]
async fn a_member_has_one_tour_at_a_time() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack).await;
    // Tour 1's manager is pointed to the next tour; anyone else to dates
    // after it.
    bot.tour(MANAGER, "propose <@UMEMBER> rotational 1y A second team")
            .await.assert_refused("<@UMEMBER> already has tour #1 (2026-11-01 → 2027-06-30), and a member has one tour at a time. To follow it, propose the next tour (`/tour next 1");
    bot.tour(
        STRANGER,
        "propose <@UMEMBER> rotational from 2027-03-01 to 2028-03-01 Another team",
    )
    .await
    .assert_refused("Give dates that start after 2027-06-30");
    bot.tour(
            MANAGER,
            "next 1 rotational from 2027-06-01 to 2028-06-01 Overlapping",
        )
        .await.assert_refused("Tour #1 runs until 2027-06-30, and a member has one tour at a time: the tour after it can start on 2027-07-01 at the earliest.");
    assert!(
        bot.store
            .tour(&TeamId::parse(TEAM).unwrap(), TourId(2))
            .unwrap()
            .is_none()
    );

    // Dates after it are fine, and scheduled once accepted.
    bot.tour(
        STRANGER,
        "propose <@UMEMBER> rotational from 2027-07-01 to 2028-06-30 Another team",
    )
    .await
    .assert_well_formed();
    let accepted = bot.tour(MEMBER, "accept 2").await;
    assert!(
        accepted.contains("It is scheduled: it runs 2027-07-01 → 2028-06-30"),
        "{}",
        accepted.text()
    );
    // Extending tour 1 into it is refused.
    bot.tour(MEMBER, "extend 1 1m").await.assert_refused("Tour #1 would then overlap tour #2 (2027-07-01 → 2028-06-30), and a member has one tour at a time.");
    assert_eq!(tour(&bot, 1).ends_on, Some(day("2027-06-30")));
}
