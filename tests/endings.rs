//! The end of a tour, end to end: extend, complete, the next tour and the
//! early exit through handover to the alumni network — commands and buttons
//! over signed HTTP, the scheduler and the outbox driven at chosen times, and
//! the fake Slack Web API recording what people receive.

mod common;

use alliance::commands::{modals, notify};
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
            .contains("extended the tour by 6 month(s): 2027-06-30 → 2027-12-30")
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
        .assert_problem("/tour extend");
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
    bot.tour(MEMBER, "complete 1").await.assert_well_formed();
    drain(&bot, tuesday_9am()).await;
    let to_manager = last_to(&slack, MANAGER);
    assert_eq!(
        to_manager.metadata_key.as_deref(),
        Some("tour:1:completed:UMANAGER")
    );
    assert!(to_manager.text.contains("0 of 1"), "{}", to_manager.text);
    let to_member = last_to(&slack, MEMBER);
    assert!(find_action(&to_member.blocks, notify::PROPOSE_NEXT).is_none());
    assert!(
        bot.tour(MANAGER, "history 1")
            .await
            .contains("objective(s) 1 still open")
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
        .assert_problem("/tour next");
    bot.tour(STRANGER, "next 1 rotational 1y Something else")
        .await
        .assert_problem("/tour next");
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
