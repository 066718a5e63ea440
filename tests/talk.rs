//! The Right of First Conversation (`/tour talk`): the member's manager is
//! told privately, and nobody else — not a stranger, not an admin, not
//! `list all`, not another person's export — ever sees it; a full export
//! (the operator's backup) still owes it after a restore.

mod common;

use alliance::domain::{TeamId, UserId};
use alliance::store::outbox::OutboxEntry;
use common::fake_slack::FakeSlack;
use common::{ADMIN, Bot, TEAM, drain, store_for, tuesday_9am};

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const STRANGER: &str = "USTRANGER";
const NOTE: &str = "I would like to talk about moving to the platform team";

fn export(bot: &Bot, person: Option<&str>) -> String {
    let mut out = Vec::new();
    let person = person.map(|p| UserId::parse(p).unwrap());
    bot.store
        .export(person.as_ref(), &mut out, &mut |_| {})
        .unwrap();
    String::from_utf8(out).unwrap()
}

fn talk_entries(bot: &Bot) -> Vec<OutboxEntry> {
    bot.store
        .outbox_all()
        .unwrap()
        .into_iter()
        .filter(|e| e.key.starts_with("talk:"))
        .collect()
}

#[tokio::test]
async fn the_manager_alone_is_told_and_the_note_does_not_outlive_delivery() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    bot.tour(MEMBER, "accept 1").await;
    drain(&bot, tuesday_9am()).await;

    let reply = bot.tour(MEMBER, &format!("talk {NOTE}")).await;
    reply.assert_well_formed();
    assert!(
        reply.contains("<@UMANAGER>") && reply.contains("safe"),
        "{}",
        reply.text()
    );
    // Before delivery: nobody else can find it anywhere.
    for (who, text) in [
        (ADMIN, "list all"),
        (ADMIN, "show 1"),
        (ADMIN, "history 1"),
        (STRANGER, "list <@UMEMBER>"),
        (MANAGER, "history 1"),
    ] {
        let seen = bot.tour(who, text).await;
        assert!(
            !seen.contains("platform team") && !seen.contains("conversation"),
            "{who} {text}: {}",
            seen.text()
        );
    }
    // Not in another person's export, not even the manager's; in the
    // asker's own, and in the full export (the backup: see below).
    assert!(!export(&bot, Some(MANAGER)).contains("talk:"));
    assert!(!export(&bot, Some(STRANGER)).contains("talk:"));
    assert!(export(&bot, Some(MEMBER)).contains("platform team"));

    drain(&bot, tuesday_9am()).await;
    let to_manager = slack
        .posted()
        .into_iter()
        .rev()
        .find(|m| m.channel == "DUMANAGER")
        .unwrap();
    assert!(
        to_manager
            .metadata_key
            .as_deref()
            .unwrap()
            .starts_with("talk:UMEMBER:"),
        "{:?}",
        to_manager.metadata_key
    );
    assert!(to_manager.text.contains(NOTE), "{}", to_manager.text);
    assert!(
        to_manager
            .blocks
            .to_string()
            .contains("Right of First Conversation")
    );
    assert!(
        slack
            .posted()
            .iter()
            .all(|m| m.channel == "DUMANAGER" || !m.text.contains("platform team")),
        "only the manager receives it"
    );
    let kept = talk_entries(&bot);
    assert_eq!(kept.len(), 1);
    assert!(
        !serde_json::to_string(&kept[0])
            .unwrap()
            .contains("platform team"),
        "the note is dropped once delivered"
    );

    // Erasing the member removes the request entirely.
    bot.store
        .erase_person(
            &UserId::parse(MEMBER).unwrap(),
            Some(&TeamId::parse(TEAM).unwrap()),
        )
        .unwrap();
    assert!(talk_entries(&bot).is_empty());
}

#[tokio::test]
async fn without_a_current_tour_there_is_no_manager_to_ask() {
    let bot = Bot::start().await;
    bot.tour(MEMBER, "talk")
        .await
        .assert_refused("You have no current tour");
    // A manager of a tour is not its member: no manager of theirs is known.
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    bot.tour(MANAGER, "talk")
        .await
        .assert_refused("You have no current tour");
    // A declined proposal is no current tour either.
    bot.tour(MEMBER, "decline 1").await;
    bot.tour(MEMBER, "talk")
        .await
        .assert_refused("You have no current tour");
    assert!(talk_entries(&bot).is_empty());
    let long = "x".repeat(600);
    bot.tour(MANAGER, "propose <@UMEMBER> rotational 1y Second try")
        .await;
    bot.tour(MEMBER, &format!("talk {long}"))
        .await
        .assert_problem("/tour talk");
    assert!(talk_entries(&bot).is_empty());
    bot.tour(MEMBER, "talk").await.assert_well_formed();
    assert_eq!(talk_entries(&bot).len(), 1);
}

#[tokio::test]
async fn a_backup_taken_before_delivery_still_owes_the_request_after_a_restore() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    bot.tour(MEMBER, "accept 1").await;
    drain(&bot, tuesday_9am()).await;
    bot.tour(MEMBER, &format!("talk {NOTE}"))
        .await
        .assert_well_formed();
    let owed = bot.store.outbox_all().unwrap().len();

    // The backup holds everything the bot still owes, the request included.
    let backup = export(&bot, None);
    let json: serde_json::Value = serde_json::from_str(&backup).unwrap();
    assert_eq!(json["outbox"].as_array().unwrap().len(), owed, "{backup}");
    assert!(
        backup.contains(NOTE),
        "the note travels until it is delivered"
    );

    // Restored elsewhere, the request is still owed and reaches the manager.
    let dir = bot.stop().await;
    drop(dir);
    let restored_dir = tempfile::tempdir().unwrap();
    {
        let store = store_for(restored_dir.path());
        store.import(backup.as_bytes(), &mut |_| {}).unwrap();
        assert_eq!(export_of(&store), backup, "the round trip is exact");
    }
    let bot = Bot::with_slack(&slack, tuesday_9am(), Some(restored_dir)).await;
    assert_eq!(talk_entries(&bot).len(), 1);
    drain(&bot, tuesday_9am()).await;
    let to_manager = slack
        .posted()
        .into_iter()
        .filter(|m| m.channel == "DUMANAGER")
        .filter(|m| m.text.contains(NOTE))
        .count();
    assert_eq!(to_manager, 1, "delivered once, after the restore");
    assert!(
        !serde_json::to_string(&talk_entries(&bot)[0])
            .unwrap()
            .contains(NOTE),
        "and dropped once delivered, as before"
    );
}

fn export_of(store: &alliance::store::Store) -> String {
    let mut out = Vec::new();
    store.export(None, &mut out, &mut |_| {}).unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn asking_again_within_seven_days_is_answered_kindly_and_sends_nothing() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational 1y Keep the lights on",
    )
    .await;
    bot.tour(MEMBER, "accept 1").await;
    bot.tour(MEMBER, &format!("talk {NOTE}"))
        .await
        .assert_well_formed();
    drain(&bot, tuesday_9am()).await;

    let again = bot.tour(MEMBER, "talk Still keen to talk").await;
    again.assert_well_formed();
    let text = again.text();
    assert!(
        text.contains("already asked <@UMANAGER>")
            && text.contains("2026-11-24")
            && text.contains("2026-12-01")
            && !text.contains("Usage:"),
        "a friendly private answer, not a usage line: {text}"
    );
    assert_eq!(talk_entries(&bot).len(), 1, "nothing more is owed");

    // Six days on, still once; seven days after the first ask, again.
    let dir = bot.stop().await;
    let six_days = tuesday_9am() + chrono::Duration::days(6);
    let bot = Bot::with_slack(&slack, six_days, Some(dir)).await;
    assert!(bot.tour(MEMBER, "talk").await.contains("already asked"));
    assert_eq!(talk_entries(&bot).len(), 1);
    let dir = bot.stop().await;
    let week = tuesday_9am() + chrono::Duration::days(7);
    let bot = Bot::with_slack(&slack, week, Some(dir)).await;
    assert!(
        bot.tour(MEMBER, "talk")
            .await
            .contains("I've told <@UMANAGER>")
    );
    assert_eq!(talk_entries(&bot).len(), 2);

    // Another manager is another pair: once the tour is handed to them,
    // the first request to them goes at once.
    assert!(
        bot.tour(MANAGER, "reassign 1 <@UNEWBOSS>")
            .await
            .contains("You handed tour *#1* to <@UNEWBOSS>")
    );
    bot.tour(MEMBER, "talk").await;
    assert!(
        talk_entries(&bot)
            .iter()
            .any(|e| e.recipient().as_str() == "UNEWBOSS"),
        "the new manager is asked"
    );
}
