//! Every press of a bot's button answers, and none can undo an answer: the
//! message is updated in place (or the presser is told privately), and a
//! second press on a message already answered — a stale copy, a replay, a
//! double click — changes nothing and says so. Forms opened from a button
//! answer that message too once submitted.

mod common;

use alliance::commands::{modals, notify};
use alliance::domain::schedule::Series;
use alliance::domain::{TeamId, TourId, UserId};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_slack::{FakeSlack, PostedMessage};
use common::{Bot, TEAM, drain, tuesday_9am};
use serde_json::json;

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const SUCCESSOR: &str = "USUCCESSOR";
const STRANGER: &str = "USTRANGER";

fn team() -> TeamId {
    TeamId::parse(TEAM).unwrap()
}

fn u(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

fn last_to(slack: &FakeSlack, user: &str) -> PostedMessage {
    slack
        .posted()
        .into_iter()
        .rev()
        .find(|m| m.channel == format!("D{user}"))
        .unwrap_or_else(|| panic!("nothing posted to {user}"))
}

/// What the message `m` shows now, after any in-place updates.
fn now_shows(slack: &FakeSlack, m: &PostedMessage) -> Option<String> {
    slack
        .updated()
        .into_iter()
        .rev()
        .find(|u| u.ts == m.ts)
        .map(|u| format!("{}\n{}", u.text, u.blocks))
}

fn tour(bot: &Bot, id: u64) -> alliance::domain::Tour {
    bot.store.tour(&team(), TourId(id)).unwrap().unwrap()
}

fn forms_opened(slack: &FakeSlack) -> usize {
    slack.calls_to("views.open").len()
}

/// The form the last `views.open` showed: its `private_metadata`.
fn last_form_metadata(slack: &FakeSlack) -> String {
    slack.calls_to("views.open").last().unwrap().body["view"]["private_metadata"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Tour 1 (manager → member, 2026-11-01 to 2027-06-30), accepted.
async fn with_active_tour(slack: &FakeSlack, at: DateTime<Utc>) -> Bot {
    let bot = Bot::with_slack(slack, at, None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-11-01 to 2027-06-30 Run the support rotation",
    )
    .await
    .assert_well_formed();
    bot.tour(MEMBER, "accept 1").await.assert_well_formed();
    drain(&bot, at).await;
    bot
}

#[tokio::test]
async fn the_alumni_answer_is_given_once_and_its_message_shows_it() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack, tuesday_9am()).await;
    bot.tour(MANAGER, "leave 1 successor <@USUCCESSOR> on 2026-12-18")
        .await
        .assert_well_formed();
    let ask_day = Utc.with_ymd_and_hms(2026, 12, 11, 9, 0, 0).unwrap();
    bot.tick(ask_day);
    drain(&bot, ask_day).await;
    let question = last_to(&slack, MEMBER);
    assert!(
        question.text.contains("alumni network"),
        "{}",
        question.text
    );

    // Join opens its form for the leaving member only: anyone else, and a
    // button about a tour that does not exist, is refused up front.
    let forged = PostedMessage {
        blocks: serde_json::from_str(
            &question
                .blocks
                .to_string()
                .replace("1|alumni-ask|0", "99|alumni-ask|0"),
        )
        .unwrap(),
        ..question.clone()
    };
    for (who, message) in [
        (STRANGER, &question),
        (MANAGER, &question),
        (SUCCESSOR, &question),
        (MEMBER, &forged),
    ] {
        assert_eq!(
            bot.click(who, message, notify::ALUMNI_JOIN, None).await,
            200
        );
        assert_eq!(forms_opened(&slack), 0, "{who}: no form");
    }
    drain(&bot, ask_day + Duration::minutes(2)).await;
    for who in [STRANGER, MANAGER, SUCCESSOR] {
        let told = last_to(&slack, who);
        assert!(
            told.text.contains("no tour #1 that you can act on")
                || told.text.contains("Only <@UMEMBER>"),
            "{who} is told why, privately: {}",
            told.text
        );
    }
    assert!(last_to(&slack, MEMBER).text.contains("no tour #99"));

    // The member joins through the form; the question shows the answer.
    bot.click(MEMBER, &question, notify::ALUMNI_JOIN, None)
        .await;
    assert_eq!(forms_opened(&slack), 1);
    let metadata = last_form_metadata(&slack);
    let contact = json!({ "contact": { "contact.text": {"type": "plain_text_input", "value": "ada@example.org"} } });
    let answer = bot
        .submit_view(MEMBER, modals::ALUMNI, &metadata, contact.clone())
        .await;
    assert_eq!(answer["response_action"], "clear", "{answer}");
    drain(&bot, ask_day + Duration::minutes(3)).await;
    let shown = now_shows(&slack, &question).expect("the question is updated in place");
    assert!(
        shown.contains("you join the alumni network on your last day")
            && !shown.contains(notify::ALUMNI_DECLINE),
        "{shown}"
    );

    // A stale "No, thanks" (an old copy still showing its buttons) changes
    // nothing and says so; so does Join again, and the same form again.
    bot.click(MEMBER, &question, notify::ALUMNI_DECLINE, None)
        .await;
    bot.click(MEMBER, &question, notify::ALUMNI_JOIN, None)
        .await;
    assert_eq!(forms_opened(&slack), 1, "no second form");
    let again = bot
        .submit_view(MEMBER, modals::ALUMNI, &metadata, contact)
        .await;
    assert_eq!(again["response_action"], "errors", "{again}");
    let choice = tour(&bot, 1).exit.unwrap().alumni.unwrap();
    assert!(choice.join, "the join stands");
    assert_eq!(choice.contact.as_deref(), Some("ada@example.org"));
    drain(&bot, ask_day + Duration::minutes(4)).await;
    let shown = now_shows(&slack, &question).unwrap();
    let today = bot.now().date_naive();
    assert!(
        shown.contains(&format!("You answered this on {today}")),
        "{shown}"
    );

    // A later copy of the question (another message) meets the same rule.
    let copy = PostedMessage {
        ts: "1999999999.000001".into(),
        ..question.clone()
    };
    bot.click(MEMBER, &copy, notify::ALUMNI_DECLINE, None).await;
    assert!(tour(&bot, 1).exit.unwrap().alumni.unwrap().join);
    drain(&bot, ask_day + Duration::minutes(5)).await;
    assert!(
        last_to(&slack, MEMBER)
            .text
            .contains("You already answered for tour #1: you join the alumni network"),
        "{}",
        last_to(&slack, MEMBER).text
    );
}

#[tokio::test]
async fn no_thanks_is_final_too_and_join_then_opens_no_form() {
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack, tuesday_9am()).await;
    bot.tour(MEMBER, "leave 1 successor <@USUCCESSOR> on 2026-12-01")
        .await
        .assert_well_formed();
    let soon = tuesday_9am() + Duration::minutes(1);
    bot.tick(soon);
    drain(&bot, soon).await;
    let question = last_to(&slack, MEMBER);
    assert!(
        question.text.contains("alumni network"),
        "{}",
        question.text
    );
    bot.click(MEMBER, &question, notify::ALUMNI_DECLINE, None)
        .await;
    drain(&bot, soon).await;
    assert!(
        now_shows(&slack, &question)
            .unwrap()
            .contains("Thank you for answering")
    );
    bot.click(MEMBER, &question, notify::ALUMNI_JOIN, None)
        .await;
    assert_eq!(forms_opened(&slack), 0);
    assert!(!tour(&bot, 1).exit.unwrap().alumni.unwrap().join);
}

fn snoozes(bot: &Bot, who: &str) -> Vec<alliance::store::reminders::DueReminder> {
    let far = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    bot.store
        .due_reminders(far, usize::MAX)
        .unwrap()
        .into_iter()
        .filter(|d| d.series == Series::Ending(30) && d.to.as_ref() == Some(&u(who)))
        .collect()
}

#[tokio::test]
async fn a_second_press_on_a_reminder_changes_nothing_and_says_so() {
    let slack = FakeSlack::start().await;
    let milestone = Utc.with_ymd_and_hms(2027, 5, 31, 9, 0, 0).unwrap();
    let bot = with_active_tour(&slack, tuesday_9am()).await;
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, milestone, Some(dir)).await;
    bot.tick(milestone);
    drain(&bot, milestone).await;
    let reminder = last_to(&slack, MEMBER);
    assert!(
        reminder.text.contains("ends in 30 days"),
        "{}",
        reminder.text
    );

    bot.click(MEMBER, &reminder, notify::SNOOZE_WEEK, None)
        .await;
    assert_eq!(snoozes(&bot, MEMBER).len(), 1);
    let snoozed_until = snoozes(&bot, MEMBER)[0].at;
    drain(&bot, milestone).await;
    assert!(
        now_shows(&slack, &reminder)
            .unwrap()
            .contains("Snoozed until")
    );

    // The same message pressed again (a stale copy, a double click).
    bot.click(MEMBER, &reminder, notify::SNOOZE_UNTIL, Some("2027-06-20"))
        .await;
    bot.click(MEMBER, &reminder, notify::DONE, None).await;
    bot.click(MEMBER, &reminder, notify::EXTEND, None).await;
    let snoozed = snoozes(&bot, MEMBER);
    assert_eq!(snoozed.len(), 1, "no second snooze: {snoozed:?}");
    assert_eq!(snoozed[0].at, snoozed_until);
    assert_eq!(forms_opened(&slack), 0, "Extend opens no form any more");
    let mut out = Vec::new();
    bot.store.export(None, &mut out, &mut |_| {}).unwrap();
    let export: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(
        export["dismissed"].as_array().unwrap().is_empty(),
        "Done did not switch anything off"
    );
    drain(&bot, milestone).await;
    let shown = now_shows(&slack, &reminder).unwrap();
    assert!(
        shown.contains("Snoozed until") && shown.contains("You answered this on 2027-05-31"),
        "{shown}"
    );

    // The manager's copy of the milestone is theirs to answer: Extend's
    // form, once submitted, answers that message in place.
    let theirs = last_to(&slack, MANAGER);
    assert!(theirs.text.contains("ends in 30 days"), "{}", theirs.text);
    bot.click(MANAGER, &theirs, notify::EXTEND, None).await;
    assert_eq!(forms_opened(&slack), 1);
    let metadata = last_form_metadata(&slack);
    let length =
        json!({ "length": { "length.text": {"type": "plain_text_input", "value": "3m"} } });
    let ok = bot
        .submit_view(MANAGER, modals::EXTEND, &metadata, length)
        .await;
    assert_eq!(ok["response_action"], "clear", "{ok}");
    assert_eq!(tour(&bot, 1).ends_on.unwrap().to_string(), "2027-09-30");
    drain(&bot, milestone).await;
    let shown = now_shows(&slack, &theirs).expect("the reminder is answered in place");
    assert!(shown.contains("2027-09-30"), "{shown}");
    bot.click(MANAGER, &theirs, notify::SNOOZE_WEEK, None).await;
    assert!(
        snoozes(&bot, MANAGER).is_empty(),
        "answered: no snooze after it"
    );
}

#[tokio::test]
async fn accepting_twice_from_the_proposal_says_it_was_answered() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    drain(&bot, tuesday_9am()).await;
    let proposal = last_to(&slack, MEMBER);
    bot.click(MEMBER, &proposal, notify::ACCEPT, None).await;
    drain(&bot, tuesday_9am()).await;
    assert!(
        now_shows(&slack, &proposal)
            .unwrap()
            .contains("now *active*")
    );
    bot.click(MEMBER, &proposal, notify::DECLINE, None).await;
    assert_eq!(tour(&bot, 1).status, alliance::domain::Status::Active);
    drain(&bot, tuesday_9am()).await;
    assert!(
        last_to(&slack, MEMBER)
            .text
            .contains("You answered this on 2026-11-24"),
        "{}",
        last_to(&slack, MEMBER).text
    );
}

#[tokio::test]
async fn logging_a_contact_twice_from_one_reminder_logs_one() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.command(
        common::ADMIN,
        "/alumni",
        "add <@UFORMER> liaison <@UMANAGER>",
    )
    .await
    .assert_well_formed();
    let six_months = Utc.with_ymd_and_hms(2027, 5, 24, 10, 0, 0).unwrap();
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, six_months, Some(dir)).await;
    assert_eq!(bot.tick(six_months).enqueued, 1);
    drain(&bot, six_months).await;
    let reminder = last_to(&slack, MANAGER);
    for _ in 0..2 {
        bot.click(MANAGER, &reminder, notify::ALUMNI_TOUCH, None)
            .await;
    }
    bot.click(MANAGER, &reminder, notify::ALUMNI_STOP, None)
        .await;
    let a = bot.store.alumnus(&team(), &u("UFORMER")).unwrap().unwrap();
    assert_eq!(a.contacts.len(), 1, "one contact logged");
    assert!(!a.reminders_off, "a stale Not any more changed nothing");
    drain(&bot, six_months + Duration::seconds(5)).await;
    assert!(
        now_shows(&slack, &reminder)
            .unwrap()
            .contains("You answered this on 2027-05-24")
    );
}

#[tokio::test]
async fn a_check_in_question_is_paused_once_per_message() {
    use alliance::commands::checkin;
    let slack = FakeSlack::start().await;
    let bot = with_active_tour(&slack, tuesday_9am()).await;
    bot.tour(MANAGER, "checkin 1").await.assert_well_formed();
    let soon = tuesday_9am() + Duration::minutes(1);
    drain(&bot, soon).await;
    let question = last_to(&slack, MEMBER);
    bot.click(MEMBER, &question, checkin::LATER, None).await;
    let paused = |bot: &Bot| {
        bot.store
            .chat(&team(), &u(MEMBER))
            .unwrap()
            .current
            .and_then(|c| c.paused.map(|p| (p.until, c.pauses)))
    };
    let first = paused(&bot).expect("paused for three hours");
    bot.click(MEMBER, &question, checkin::SNOOZE_WEEK, None)
        .await;
    assert_eq!(
        paused(&bot),
        Some(first),
        "the stale Snooze changed nothing"
    );
    drain(&bot, soon + Duration::minutes(1)).await;
    let shown = now_shows(&slack, &question).unwrap();
    assert!(
        shown.contains("is paused") && shown.contains("You answered this on"),
        "{shown}"
    );
}
