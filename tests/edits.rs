//! Changing what was agreed, end to end: the successor's read-only view,
//! objective changes gathered into one message to the other party at most
//! once an hour, editing the mission and objectives, handing a tour to a new
//! manager, and `/tour complete`'s confirmation — signed commands and button
//! presses over real HTTP, the scheduler and the outbox driven at chosen
//! times, the fake Slack recording what people receive.

mod common;

use alliance::commands::notify;
use alliance::domain::{Status, TeamId, TourId};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_slack::{FakeSlack, PostedMessage};
use common::{ADMIN, Bot, TEAM, drain, responses, tuesday_9am};

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const SUCCESSOR: &str = "USUCCESSOR";
const NEW_MANAGER: &str = "UNEWBOSS";
const STRANGER: &str = "USTRANGER";

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn posted_to(slack: &FakeSlack, user: &str) -> Vec<PostedMessage> {
    slack
        .posted()
        .into_iter()
        .filter(|m| m.channel == format!("D{user}"))
        .collect()
}

/// The change messages `user` received, in order.
fn changes_to(slack: &FakeSlack, user: &str) -> Vec<PostedMessage> {
    posted_to(slack, user)
        .into_iter()
        .filter(|m| {
            m.metadata_key
                .as_deref()
                .is_some_and(|k| k.contains(":changes:"))
        })
        .collect()
}

/// Everything a person reads in a message: its text and every block's.
fn read(message: &PostedMessage) -> String {
    format!("{} {}", message.text, message.blocks)
}

fn tour(bot: &Bot, id: u64) -> alliance::domain::Tour {
    bot.store
        .tour(&TeamId::parse(TEAM).unwrap(), TourId(id))
        .unwrap()
        .unwrap()
}

async fn history_len(bot: &Bot, id: u64) -> usize {
    bot.tour(MANAGER, &format!("history {id}"))
        .await
        .text()
        .matches("UTC`")
        .count()
}

/// Tour 1, manager → member, proposed and accepted at 09:00 on a Tuesday,
/// its messages delivered.
async fn accepted_tour(slack: &FakeSlack, term: &str) -> Bot {
    let bot = Bot::with_slack(slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        &format!("propose <@UMEMBER> rotational {term} Run the support rotation"),
    )
    .await
    .assert_well_formed();
    bot.tour(MEMBER, "accept 1").await.assert_well_formed();
    drain(&bot, tuesday_9am()).await;
    bot
}

#[tokio::test]
async fn the_successor_reads_the_tour_they_take_over_and_can_change_nothing() {
    let bot = Bot::start().await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Run the support rotation",
    )
    .await;
    bot.tour(MANAGER, "objective 1 add company Halve the backlog")
        .await;
    bot.tour(MEMBER, "accept 1").await;
    bot.tour(MEMBER, "checkin 1 Talked about my workload, between us")
        .await
        .assert_well_formed();
    bot.tour(
        MEMBER,
        "leave 1 successor <@USUCCESSOR> The runbook is in the wiki",
    )
    .await
    .assert_well_formed();
    let team = TeamId::parse(TEAM).unwrap();
    let member = alliance::domain::UserId::parse(MEMBER).unwrap();
    bot.store
        .update_tour(&team, TourId(1), |t| {
            t.answer_alumni(&member, true, Some("ada@example.org"), bot.now())
        })
        .unwrap()
        .unwrap();

    let card = bot.tour(SUCCESSOR, "show 1").await;
    card.assert_well_formed();
    for shown in [
        "Run the support rotation",
        "Halve the backlog",
        "The runbook is in the wiki",
        "read-only for you",
    ] {
        assert!(card.contains(shown), "{shown}: {}", card.text());
    }
    let history = bot.tour(SUCCESSOR, "history 1").await;
    history.assert_well_formed();
    assert!(
        history.contains("planned the member's exit") && history.contains("added objective 1"),
        "{}",
        history.text()
    );
    for private in ["workload", "check-in", "alumni", "ada@example.org"] {
        assert!(
            !history.contains(private),
            "{private} is the parties' own: {}",
            history.text()
        );
    }
    assert!(
        bot.tour(MANAGER, "history 1").await.contains("workload"),
        "the parties still read it"
    );

    let before = history_len(&bot, 1).await;
    for text in [
        "objective 1 add company Rewrite everything",
        "objective 1 done 1",
        "extend 1 6m",
        "complete 1",
        "checkin 1 All good",
        "checkin 1 every 2m",
        "leave 1 successor <@USTRANGER>",
        "next 1 rotational 1y More support",
    ] {
        let reply = bot.tour(SUCCESSOR, text).await;
        reply.assert_refused("You can see tour #1 because you take over from <@UMEMBER>, but only its manager and its member can change it.");
    }
    assert_eq!(history_len(&bot, 1).await, before, "nothing changed");

    // Lists show one's own tours only; to anyone else the tour does not exist.
    assert!(
        bot.tour(SUCCESSOR, "list")
            .await
            .contains("You have no tours yet")
    );
    assert!(
        bot.tour(SUCCESSOR, "list <@UMEMBER>")
            .await
            .contains("There are no tours of <@UMEMBER> that you can see.")
    );
    assert!(
        bot.tour(STRANGER, "show 1")
            .await
            .contains("There is no tour #1 that you can see.")
    );

    // Once the member has left, the handover is over.
    let last_day = tour(&bot, 1).exit.unwrap().on;
    bot.tick(last_day.and_hms_opt(0, 0, 1).unwrap().and_utc());
    assert_eq!(tour(&bot, 1).status, Status::Left);
    assert!(
        bot.tour(SUCCESSOR, "show 1")
            .await
            .contains("There is no tour #1 that you can see.")
    );
}

#[tokio::test]
async fn objective_changes_reach_the_other_party_gathered_at_most_once_an_hour() {
    let slack = FakeSlack::start().await;
    let bot = accepted_tour(&slack, "1y").await;
    bot.tour(MANAGER, "objective 1 add company Ship the new ledger")
        .await
        .assert_well_formed();
    bot.tour(MANAGER, "objective 1 add member A conference talk")
        .await
        .assert_well_formed();
    bot.tour(MEMBER, "objective 1 add company Write the runbook")
        .await
        .assert_well_formed();

    drain(&bot, at(2026, 11, 24, 9, 30)).await;
    assert!(changes_to(&slack, MEMBER).is_empty(), "they gather first");
    drain(&bot, at(2026, 11, 24, 10, 1)).await;
    let to_member = changes_to(&slack, MEMBER);
    assert_eq!(to_member.len(), 1, "one message for both changes");
    let text = read(&to_member[0]);
    assert!(
        text.contains("Changes to your tour *#1*")
            && text.contains("Ship the new ledger")
            && text.contains("A conference talk")
            && text.contains("(what you get)"),
        "{text}"
    );
    assert!(
        !text.contains("Write the runbook"),
        "the member made that one: {text}"
    );
    let to_manager = changes_to(&slack, MANAGER);
    assert_eq!(to_manager.len(), 1);
    assert!(
        read(&to_manager[0]).contains("Write the runbook")
            && !read(&to_manager[0]).contains("Ship the new ledger"),
        "{}",
        read(&to_manager[0])
    );

    // An hour later, another change: a second message, with only that one.
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, at(2026, 11, 24, 10, 30), Some(dir)).await;
    bot.tour(MANAGER, "objective 1 done 1")
        .await
        .assert_well_formed();
    drain(&bot, at(2026, 11, 24, 11, 0)).await;
    assert_eq!(changes_to(&slack, MEMBER).len(), 1);
    drain(&bot, at(2026, 11, 24, 11, 31)).await;
    let to_member = changes_to(&slack, MEMBER);
    assert_eq!(to_member.len(), 2);
    let text = read(&to_member[1]);
    assert!(
        text.contains("marked objective 1 done") && !text.contains("A conference talk"),
        "{text}"
    );

    // A change late in the day waits for the next working morning.
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, at(2026, 11, 24, 17, 30), Some(dir)).await;
    bot.tour(MANAGER, "objective 1 add company A late idea")
        .await
        .assert_well_formed();
    drain(&bot, at(2026, 11, 24, 18, 31)).await;
    assert_eq!(changes_to(&slack, MEMBER).len(), 2, "not after 18:00");
    drain(&bot, at(2026, 11, 25, 9, 0)).await;
    let to_member = changes_to(&slack, MEMBER);
    assert_eq!(to_member.len(), 3);
    assert!(read(&to_member[2]).contains("A late idea"));
}

#[tokio::test]
async fn a_proposal_not_yet_delivered_shows_its_objectives_as_they_are_when_it_goes() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Run the support rotation",
    )
    .await;
    bot.tour(MANAGER, "objective 1 add company Halve the backlog")
        .await;
    bot.tour(MANAGER, "objective 1 add member A course of your choice")
        .await;
    drain(&bot, tuesday_9am() + Duration::seconds(5)).await;
    let proposal = posted_to(&slack, MEMBER);
    assert_eq!(proposal.len(), 1);
    let text = read(&proposal[0]);
    assert!(
        text.contains("Halve the backlog") && text.contains("A course of your choice"),
        "{text}"
    );
    drain(&bot, at(2026, 11, 24, 10, 1)).await;
    assert!(
        changes_to(&slack, MEMBER).is_empty(),
        "what the proposal showed is not told again"
    );

    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, at(2026, 11, 24, 10, 30), Some(dir)).await;
    bot.tour(MANAGER, "objective 1 add company Train two people")
        .await;
    drain(&bot, at(2026, 11, 24, 11, 31)).await;
    let told = changes_to(&slack, MEMBER);
    assert_eq!(told.len(), 1);
    let text = read(&told[0]);
    assert!(
        text.contains("Train two people") && !text.contains("Halve the backlog"),
        "{text}"
    );
}

#[tokio::test]
async fn the_mission_and_objectives_are_edited_with_history_and_a_notice() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(MANAGER, "propose <@UMEMBER> rotational 1y Run support")
        .await;
    bot.tour(MANAGER, "objective 1 add company Halve the backlog")
        .await;
    bot.tour(MEMBER, "objective 1 add member A course").await;
    drain(&bot, tuesday_9am()).await;

    // While proposed, the mission is the manager's offer.
    bot.tour(MEMBER, "mission 1 Run support, and nothing else")
        .await
        .assert_refused("its mission is <@UMANAGER>'s to change");
    let r = bot
        .tour(MANAGER, "mission 1 \"Run support and on-call\"")
        .await;
    r.assert_well_formed();
    assert!(
        r.contains("now reads:\n>Run support and on-call"),
        "{}",
        r.text()
    );
    bot.tour(MEMBER, "accept 1").await.assert_well_formed();

    let r = bot
        .tour(MEMBER, "objective 1 edit 1 Halve the backlog by June")
        .await;
    assert!(
        r.contains("Objective 1 of tour *#1* now reads: Halve the backlog by June"),
        "{}",
        r.text()
    );
    bot.tour(MANAGER, "objective 1 done 1").await;
    let r = bot.tour(MEMBER, "objective 1 undo 1").await;
    assert!(r.contains("is open again"), "{}", r.text());
    bot.tour(MEMBER, "objective 1 undo 1")
        .await
        .assert_refused("isn't done, so there is nothing to undo");
    let r = bot.tour(MANAGER, "objective 1 remove 2").await;
    assert!(
        r.contains("Removed objective 2 from tour *#1*: A course"),
        "{}",
        r.text()
    );
    let r = bot.tour(MEMBER, "objective 1 add member Mentoring").await;
    assert!(
        r.contains("Added objective 3"),
        "never renumbered: {}",
        r.text()
    );
    bot.tour(MEMBER, "objective 1 edit 2 Another course")
        .await
        .assert_refused("Objective 2 of tour #1 was removed.");
    bot.tour(MEMBER, "objective 1 done 2")
        .await
        .assert_refused("Objective 2 of tour #1 was removed.");
    bot.tour(MEMBER, "objective 1 edit 9 x")
        .await
        .assert_refused("Tour #1 has no objective 9.");
    bot.tour(MEMBER, "mission 1 Run support and on-call")
        .await
        .assert_refused("already says exactly that");
    let r = bot.tour(MEMBER, "mission 1 Own support").await;
    assert!(r.contains("now reads:\n>Own support"), "{}", r.text());

    let before = history_len(&bot, 1).await;
    bot.tour(ADMIN, "objective 1 remove 1")
        .await
        .assert_refused("Only the manager or the member can remove objectives of tour #1.");
    bot.tour(ADMIN, "mission 1 Admins' idea")
        .await
        .assert_refused("Only the manager or the member can change the mission of tour #1.");
    bot.tour(STRANGER, "objective 1 edit 1 Mine now")
        .await
        .assert_refused("There is no tour #1 that you can see.");
    assert_eq!(
        history_len(&bot, 1).await,
        before,
        "refusals change nothing"
    );

    let card = bot.tour(MEMBER, "show 1").await;
    assert!(
        card.contains("○ 1. Halve the backlog by June")
            && card.contains("○ 3. Mentoring")
            && !card.contains("A course"),
        "{}",
        card.text()
    );
    assert!(
        bot.tour(MEMBER, "list")
            .await
            .contains("objectives 0/2 done"),
        "a removed objective is not counted"
    );
    let history = bot.tour(MEMBER, "history 1").await.text();
    for line in [
        "changed the mission from “Run support” to “Run support and on-call”",
        "changed objective 1 from “Halve the backlog” to “Halve the backlog by June”",
        "reopened objective 1",
        "removed objective 2: “A course”",
        "changed the mission from “Run support and on-call” to “Own support”",
    ] {
        assert!(history.contains(line), "{line}: {history}");
    }

    drain(&bot, at(2026, 11, 24, 10, 1)).await;
    let to_manager = changes_to(&slack, MANAGER);
    assert_eq!(to_manager.len(), 1);
    let text = read(&to_manager[0]);
    for change in [
        "A course",
        "changed objective 1 from",
        "reopened objective 1",
        "Mentoring",
        "to “Own support”",
    ] {
        assert!(text.contains(change), "{change}: {text}");
    }
    assert!(
        !text.contains("removed objective 2"),
        "the manager did that: {text}"
    );
    let to_member = changes_to(&slack, MEMBER);
    assert_eq!(to_member.len(), 1);
    let text = read(&to_member[0]);
    assert!(
        text.contains("marked objective 1 done") && text.contains("removed objective 2"),
        "{text}"
    );
}

#[tokio::test]
async fn a_tour_handed_to_a_new_manager_moves_its_lists_reminders_and_messages() {
    let slack = FakeSlack::start().await;
    let bot = accepted_tour(&slack, "from 2026-11-01 to 2027-06-30").await;

    bot.tour(MEMBER, "reassign 1 <@UNEWBOSS>")
        .await
        .assert_refused(
            "Only <@UMANAGER> (the manager) or an Alliance admin can hand over tour #1.",
        );
    bot.tour(MANAGER, "reassign 1 <@UMEMBER>")
        .await
        .assert_refused("<@UMEMBER> is the member of tour #1, so they can't also be its manager.");
    bot.tour(STRANGER, "reassign 1 <@UNEWBOSS>")
        .await
        .assert_refused("There is no tour #1 that you can see.");
    let r = bot.tour(MANAGER, "reassign 1 <@UNEWBOSS>").await;
    r.assert_well_formed();
    assert!(
        r.contains("You handed tour *#1* to <@UNEWBOSS>")
            && r.contains("<@UMEMBER> and <@UNEWBOSS> are told."),
        "{}",
        r.text()
    );

    // Lists and visibility follow the manager.
    assert!(
        bot.tour(MANAGER, "list")
            .await
            .contains("You have no tours yet"),
        "the old manager's list no longer has it"
    );
    assert!(
        bot.tour(MANAGER, "show 1")
            .await
            .contains("There is no tour #1 that you can see.")
    );
    assert!(
        bot.tour(NEW_MANAGER, "list team")
            .await
            .contains("<@UNEWBOSS> → <@UMEMBER>")
    );
    assert!(
        bot.tour(MEMBER, "show 1")
            .await
            .contains("*Manager* <@UNEWBOSS> (before: <@UMANAGER>)")
    );
    assert!(
        bot.tour(MEMBER, "history 1")
            .await
            .contains("<@UMANAGER> made <@UNEWBOSS> the manager, taking over from <@UMANAGER>")
    );
    drain(&bot, tuesday_9am() + Duration::seconds(5)).await;
    let to_new = posted_to(&slack, NEW_MANAGER);
    assert_eq!(to_new.len(), 1);
    assert!(
        to_new[0].text.contains(
            "You are now the manager of tour *#1* with <@UMEMBER>, taking over from <@UMANAGER>"
        ),
        "{}",
        to_new[0].text
    );
    let to_member = posted_to(&slack, MEMBER).pop().unwrap();
    assert!(
        to_member
            .text
            .contains("Your manager for tour *#1* (Run the support rotation) is now <@UNEWBOSS>"),
        "{}",
        to_member.text
    );
    let old_count = posted_to(&slack, MANAGER).len();

    // The planned runway reminder goes to the new manager.
    let milestone = at(2027, 5, 31, 9, 0);
    bot.tick(milestone);
    drain(&bot, milestone).await;
    let keys: Vec<String> = slack
        .posted()
        .into_iter()
        .filter_map(|m| m.metadata_key)
        .collect();
    assert!(
        keys.contains(&"tour:1:ending:30d:2027-05-31:UNEWBOSS".to_string()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"tour:1:ending:30d:2027-05-31:UMEMBER".to_string()),
        "{keys:?}"
    );
    assert_eq!(posted_to(&slack, MANAGER).len(), old_count, "{keys:?}");
    let ended = at(2027, 7, 1, 9, 0);
    bot.tick(ended);
    drain(&bot, ended).await;
    assert_eq!(posted_to(&slack, MANAGER).len(), old_count);

    // Later in the series, an admin hands it back: the weekly reminder that
    // was planned for the second manager goes to the first again.
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, at(2027, 7, 2, 9, 0), Some(dir)).await;
    let r = bot.tour(ADMIN, "reassign 1 <@UMANAGER>").await;
    assert!(
        r.contains("<@UMANAGER> manages tour *#1* from now on, instead of <@UNEWBOSS>")
            && r.contains("<@UNEWBOSS>, <@UMEMBER> and <@UMANAGER> are told."),
        "{}",
        r.text()
    );
    let card = bot.tour(MEMBER, "show 1").await;
    assert!(
        card.contains("*Manager* <@UMANAGER> (before: <@UNEWBOSS>)")
            && card.contains("by <@UMANAGER> · `/tour history 1`"),
        "{}",
        card.text()
    );
    drain(&bot, at(2027, 7, 2, 9, 0) + Duration::seconds(5)).await;
    let to_old = posted_to(&slack, NEW_MANAGER).pop().unwrap();
    assert!(
        to_old
            .text
            .contains("You are no longer the manager of tour *#1*")
            && to_old.text.contains("<@UADMIN> made the change."),
        "{}",
        to_old.text
    );
    let second_count = posted_to(&slack, NEW_MANAGER).len();
    let week_later = at(2027, 7, 8, 9, 0);
    bot.tick(week_later);
    drain(&bot, week_later).await;
    // Readdressed as it was about to go: it goes on the worker's next pass.
    drain(&bot, week_later + Duration::minutes(1)).await;
    let keys: Vec<String> = slack
        .posted()
        .into_iter()
        .filter_map(|m| m.metadata_key)
        .collect();
    assert!(
        keys.contains(&"tour:1:ended:w1:2027-07-08:UMANAGER".to_string()),
        "{keys:?}"
    );
    assert_eq!(
        posted_to(&slack, NEW_MANAGER).len(),
        second_count,
        "{keys:?}"
    );
}

#[tokio::test]
async fn completing_asks_first_and_only_the_asker_can_confirm_once() {
    let slack = FakeSlack::start().await;
    let bot = accepted_tour(&slack, "1y").await;
    bot.tour(MANAGER, "objective 1 add company Halve the backlog")
        .await;
    bot.tour(MANAGER, "objective 1 add member A course").await;
    bot.tour(MEMBER, "objective 1 done 1").await;

    let prompt = bot.tour(MEMBER, "complete 1").await;
    prompt.assert_well_formed();
    assert!(
        prompt.contains("Complete tour #1?")
            && prompt.contains("1 of its 2 objectives is done; objective 2 stays open")
            && prompt.contains("You and <@UMANAGER> are both asked what comes next."),
        "{}",
        prompt.text()
    );
    assert!(common::find_action(&prompt.0["blocks"], notify::COMPLETE).is_some());
    assert!(common::find_action(&prompt.0["blocks"], notify::COMPLETE_CANCEL).is_some());
    assert_eq!(
        tour(&bot, 1).status,
        Status::Active,
        "asking changes nothing"
    );
    bot.tour(STRANGER, "complete 1")
        .await
        .assert_refused("There is no tour #1 that you can see.");

    // Someone else's press on her prompt is refused and changes nothing.
    assert_eq!(
        bot.press_on_reply(&slack, MANAGER, &prompt, notify::COMPLETE)
            .await,
        200
    );
    assert_eq!(tour(&bot, 1).status, Status::Active);
    drain(&bot, tuesday_9am() + Duration::seconds(5)).await;
    assert!(
        posted_to(&slack, MANAGER)
            .last()
            .unwrap()
            .text
            .contains("Only <@UMEMBER>, who asked to complete tour #1, can answer that"),
    );

    let before = history_len(&bot, 1).await;
    assert_eq!(
        bot.press_on_reply(&slack, MEMBER, &prompt, notify::COMPLETE)
            .await,
        200
    );
    let answered = responses(&slack, 1).await;
    assert_eq!(answered[0].body["replace_original"], true);
    let text = answered[0].body["text"].as_str().unwrap();
    assert!(
        text.contains("Tour *#1* is completed. 1 of its 2 objectives is done.")
            && text.contains("Your manager proposes the next tour"),
        "{text}"
    );
    assert_eq!(tour(&bot, 1).status, Status::Completed);
    assert_eq!(history_len(&bot, 1).await, before + 1);
    drain(&bot, tuesday_9am() + Duration::seconds(10)).await;
    let completed: Vec<String> = slack
        .posted()
        .into_iter()
        .filter_map(|m| m.metadata_key)
        .filter(|k| k.starts_with("tour:1:completed:"))
        .collect();
    assert_eq!(completed.len(), 2, "both are asked what comes next");

    // A second press changes nothing and says so.
    assert_eq!(
        bot.press_on_reply(&slack, MEMBER, &prompt, notify::COMPLETE)
            .await,
        200
    );
    let answered = responses(&slack, 2).await;
    assert!(
        answered[1].body["text"]
            .as_str()
            .unwrap()
            .contains("Tour *#1* is already completed; nothing changed."),
        "{}",
        answered[1].body
    );
    assert_eq!(history_len(&bot, 1).await, before + 1);
    drain(&bot, tuesday_9am() + Duration::seconds(15)).await;
    assert_eq!(
        slack
            .posted()
            .into_iter()
            .filter_map(|m| m.metadata_key)
            .filter(|k| k.starts_with("tour:1:completed:"))
            .count(),
        2
    );
    bot.tour(MEMBER, "complete 1")
        .await
        .assert_refused("Tour #1 is completed, so it can't be completed.");

    // Cancel leaves a tour as it is.
    bot.tour(MANAGER, "propose <@UMEMBER> rotational 1y More support")
        .await;
    bot.tour(MEMBER, "accept 2").await;
    let prompt = bot.tour(MANAGER, "complete 2").await;
    assert!(
        prompt.contains("It has no objectives written down"),
        "{}",
        prompt.text()
    );
    bot.press_on_reply(&slack, MANAGER, &prompt, notify::COMPLETE_CANCEL)
        .await;
    let answered = responses(&slack, 3).await;
    assert!(
        answered[2].body["text"]
            .as_str()
            .unwrap()
            .contains("Nothing changed: tour *#2* is still active."),
        "{}",
        answered[2].body
    );
    assert_eq!(tour(&bot, 2).status, Status::Active);
}
