//! The alumni network end to end: `/alumni` permissions for every command,
//! the directory's public and private parts, the liaison's keep-in-touch
//! reminders (cadence, touch, snooze, "not any more") and the boomerang.

mod common;

use alliance::clock::Clock;
use alliance::commands::notify;
use alliance::domain::{TeamId, UserId};
use chrono::{Duration, TimeZone, Utc};
use common::fake_slack::{FakeSlack, PostedMessage};
use common::{ADMIN, Bot, TEAM, drain, tuesday_9am};

const MANAGER: &str = "UMANAGER";
const FORMER: &str = "UFORMER";
const OTHER: &str = "UOTHER";
const STRANGER: &str = "USTRANGER";

fn last_to(slack: &FakeSlack, user: &str) -> Option<PostedMessage> {
    slack
        .posted()
        .into_iter()
        .rev()
        .find(|m| m.channel == format!("D{user}"))
}

fn alumnus(bot: &Bot, user: &str) -> Option<alliance::domain::alumni::Alumnus> {
    bot.store
        .alumnus(&TeamId::parse(TEAM).unwrap(), &UserId::parse(user).unwrap())
        .unwrap()
}

/// A bot where MANAGER managed a tour of FORMER (so may add them).
async fn with_former_report(slack: &FakeSlack) -> Bot {
    let bot = Bot::with_slack(slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UFORMER> rotational 1y Keep the lights on",
    )
    .await
    .assert_well_formed();
    // Declined: no tour reminders get in the way of the alumni ones.
    bot.tour(FORMER, "decline 1").await.assert_well_formed();
    drain(&bot, tuesday_9am()).await;
    bot
}

#[tokio::test]
async fn who_may_add_see_and_change_an_alumnus() {
    let slack = FakeSlack::start().await;
    let bot = with_former_report(&slack).await;

    // add: not a stranger; the former manager may, once.
    bot.command(STRANGER, "/alumni", "add <@UFORMER>")
        .await
        .assert_refused("can add them to the alumni network");
    assert!(alumnus(&bot, FORMER).is_none());
    let added = bot
        .command(
            MANAGER,
            "/alumni",
            "add <@UFORMER> left 2026-10-31 Moved to Lisbon &amp; loves sailing",
        )
        .await;
    added.assert_well_formed();
    assert!(added.contains("liaison"), "{}", added.text());
    bot.command(ADMIN, "/alumni", "add <@UFORMER>")
        .await
        .assert_refused("already in the alumni network");
    let a = alumnus(&bot, FORMER).unwrap();
    assert_eq!(
        (a.liaison.as_str(), a.left_on.unwrap().to_string()),
        (MANAGER, "2026-10-31".into())
    );
    assert_eq!(a.note.as_deref(), Some("Moved to Lisbon & loves sailing"));
    // An admin may add anyone, naming another liaison.
    bot.command(ADMIN, "/alumni", "add <@UOTHERGONE> liaison <@UOTHER>")
        .await
        .assert_well_formed();

    // The directory: everyone sees names; only the liaison and admins the note.
    let public = bot.command(STRANGER, "/alumni", "show <@UFORMER>").await;
    public.assert_well_formed();
    assert!(public.contains("<@UFORMER>") && !public.contains("Lisbon"));
    for steward in [MANAGER, ADMIN] {
        let private = bot.command(steward, "/alumni", "show <@UFORMER>").await;
        assert!(private.contains("Lisbon"), "{}", private.text());
    }
    assert!(
        bot.command(STRANGER, "/alumni", "list")
            .await
            .contains("<@UOTHERGONE>")
    );
    assert!(
        !bot.command(STRANGER, "/alumni", "list sailing")
            .await
            .contains("<@UFORMER>")
    );
    assert!(
        bot.command(MANAGER, "/alumni", "list sailing")
            .await
            .contains("<@UFORMER>")
    );
    assert!(
        bot.tour(STRANGER, "alumni list")
            .await
            .contains("<@UFORMER>")
    );

    // touch, liaison, rehire, remove: the liaison or an admin, nobody else.
    for text in [
        "touch <@UFORMER> coffee",
        "liaison <@UFORMER> <@USTRANGER>",
        "rehire <@UFORMER>",
        "remove <@UFORMER>",
    ] {
        bot.command(STRANGER, "/alumni", text)
            .await
            .assert_refused("<@UFORMER>");
    }
    assert_eq!(alumnus(&bot, FORMER), Some(a.clone()), "nothing changed");
    bot.command(MANAGER, "/alumni", "touch <@UFORMER> Coffee in town")
        .await
        .assert_well_formed();
    assert_eq!(alumnus(&bot, FORMER).unwrap().contacts.len(), 1);
    bot.command(ADMIN, "/alumni", "liaison <@UFORMER> <@UOTHER>")
        .await
        .assert_well_formed();
    bot.command(MANAGER, "/alumni", "touch <@UFORMER>")
        .await
        .assert_refused("liaison or an admin");
    let rehired = bot.command(OTHER, "/alumni", "rehire <@UFORMER>").await;
    rehired.assert_well_formed();
    assert!(alumnus(&bot, FORMER).unwrap().returning);
    assert!(
        rehired.0.to_string().contains(notify::PROPOSE_FOR),
        "{}",
        rehired.0
    );
    let asked = bot.command(OTHER, "/alumni", "remove <@UFORMER>").await;
    asked.assert_well_formed();
    assert!(alumnus(&bot, FORMER).is_some(), "only asked, not removed");
    bot.click_ephemeral(&slack, OTHER, &asked, notify::ALUMNI_REMOVE)
        .await;
    assert!(alumnus(&bot, FORMER).is_none());
    bot.command(OTHER, "/alumni", "show <@UFORMER>")
        .await
        .assert_refused("isn't in the alumni network");

    // Bad input changes nothing and shows the usage.
    bot.command(MANAGER, "/alumni", "add @former")
        .await
        .assert_problem("/alumni add");
    bot.command(MANAGER, "/alumni", "frobnicate")
        .await
        .assert_problem("/alumni help");
    bot.command(MANAGER, "/alumni", "add <@UFORMER> left someday")
        .await
        .assert_problem("/alumni add");
    assert!(alumnus(&bot, FORMER).is_none());
}

#[tokio::test]
async fn a_directory_for_admins_hides_alumni_from_everyone_else() {
    let slack = FakeSlack::start().await;
    let mut config = common::config(Some(&slack), &[]);
    config.alumni_directory_for_everyone = false;
    let bot = Bot::launch(
        tempfile::tempdir().unwrap(),
        config,
        Clock::starting_at(tuesday_9am()),
    )
    .await;
    bot.command(ADMIN, "/alumni", "add <@UFORMER> liaison <@UMANAGER>")
        .await
        .assert_well_formed();
    let hidden = bot.command(STRANGER, "/alumni", "show <@UFORMER>").await;
    let missing = bot.command(STRANGER, "/alumni", "show <@UNOBODY>").await;
    hidden.assert_refused("isn't in the alumni network");
    assert_eq!(
        hidden.text().replace("UFORMER", "X"),
        missing.text().replace("UNOBODY", "X"),
        "the same answer as for nobody"
    );
    assert!(
        !bot.command(STRANGER, "/alumni", "list")
            .await
            .contains("UFORMER")
    );
    assert!(
        bot.command(MANAGER, "/alumni", "list")
            .await
            .contains("<@UFORMER>")
    );
}

#[tokio::test]
async fn the_liaison_is_reminded_to_keep_in_touch_and_touch_snooze_and_stop_work() {
    let slack = FakeSlack::start().await;
    let bot = with_former_report(&slack).await;
    bot.command(MANAGER, "/alumni", "add <@UFORMER>").await;
    assert_eq!(bot.tick(tuesday_9am() + Duration::days(180)).enqueued, 0);

    // `alliance reminders` (the same check as delivery) names the liaison.
    let six_months = Utc.with_ymd_and_hms(2027, 5, 24, 10, 0, 0).unwrap();
    let due = bot.store.due_reminders(six_months, 10).unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(
        bot.store.would_reach(&due[0]).unwrap(),
        vec![UserId::parse(MANAGER).unwrap()]
    );

    // Six months on (the bot restarted with the calendar), the liaison hears.
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, six_months, Some(dir)).await;
    assert_eq!(bot.tick(six_months).enqueued, 1);
    drain(&bot, six_months).await;
    let reminder = last_to(&slack, MANAGER).unwrap();
    assert_eq!(
        reminder.metadata_key.as_deref(),
        Some("tour:0:keep-in-touch:UFORMER:n1:2027-05-24:UMANAGER")
    );
    assert!(
        reminder.text.contains("No contact logged yet"),
        "{}",
        reminder.text
    );

    // Snooze a week: it comes back once.
    bot.click(MANAGER, &reminder, notify::SNOOZE_WEEK, None)
        .await;
    let week = six_months + Duration::days(7) + Duration::minutes(1);
    assert_eq!(bot.tick(week).enqueued, 1);
    drain(&bot, week).await;
    let again = last_to(&slack, MANAGER).unwrap();
    assert!(
        again.metadata_key.as_deref().unwrap().ends_with(":s1"),
        "{:?}",
        again.metadata_key
    );

    // "Logged a contact" (on 24 May) restarts the cadence: nothing a year
    // after adding them, the next one six months after the contact.
    bot.click(MANAGER, &again, notify::ALUMNI_TOUCH, None).await;
    assert_eq!(alumnus(&bot, FORMER).unwrap().contacts.len(), 1);
    let year = Utc.with_ymd_and_hms(2027, 11, 24, 9, 30, 0).unwrap();
    assert_eq!(bot.tick(year).enqueued, 0);
    let after_touch = Utc.with_ymd_and_hms(2027, 11, 24, 10, 30, 0).unwrap();
    assert_eq!(bot.tick(after_touch).enqueued, 1);
    drain(&bot, after_touch).await;
    let third = last_to(&slack, MANAGER).unwrap();
    assert_eq!(
        third.metadata_key.as_deref(),
        Some("tour:0:keep-in-touch:UFORMER:n1:2027-11-24:UMANAGER")
    );
    assert!(
        third.text.contains("Last contact: 2027-05-24"),
        "{}",
        third.text
    );

    // A stranger's click changes nothing; "Not any more" stops the series.
    bot.click(STRANGER, &third, notify::ALUMNI_STOP, None).await;
    assert!(!alumnus(&bot, FORMER).unwrap().reminders_off);
    bot.click(MANAGER, &third, notify::ALUMNI_STOP, None).await;
    assert!(alumnus(&bot, FORMER).unwrap().reminders_off);
    let much_later = after_touch + Duration::days(400);
    bot.tick(much_later);
    let before_end = slack.posted().len();
    drain(&bot, much_later).await;
    assert!(
        slack.posted()[before_end..].iter().all(|m| !m
            .metadata_key
            .as_deref()
            .unwrap_or_default()
            .contains("keep-in-touch")),
        "no more keep-in-touch reminders"
    );
}

#[tokio::test]
async fn a_keep_in_touch_reminder_snoozed_past_the_next_one_comes_once() {
    let slack = FakeSlack::start().await;
    let bot = with_former_report(&slack).await;
    bot.command(MANAGER, "/alumni", "add <@UFORMER>").await;
    let six_months = Utc.with_ymd_and_hms(2027, 5, 24, 10, 0, 0).unwrap();
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, six_months, Some(dir)).await;
    bot.tick(six_months);
    drain(&bot, six_months).await;
    let reminder = last_to(&slack, MANAGER).unwrap();
    // Snoozed past the next one, due on 24 November.
    bot.click(MANAGER, &reminder, notify::SNOOZE_UNTIL, Some("2027-12-01"))
        .await;
    for at in [
        Utc.with_ymd_and_hms(2027, 11, 24, 10, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 12, 1, 10, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2028, 5, 24, 10, 0, 0).unwrap(),
    ] {
        bot.tick(at);
        drain(&bot, at).await;
    }
    let keys: Vec<String> = slack
        .posted()
        .into_iter()
        .filter(|m| m.channel == format!("D{MANAGER}"))
        .filter_map(|m| m.metadata_key)
        .filter(|k| k.contains(":keep-in-touch:"))
        .collect();
    assert_eq!(
        keys,
        [
            "tour:0:keep-in-touch:UFORMER:n1:2027-05-24:UMANAGER",
            "tour:0:keep-in-touch:UFORMER:n1:2027-12-01:UMANAGER:s1",
            "tour:0:keep-in-touch:UFORMER:n3:2028-05-24:UMANAGER",
        ]
    );
}

#[tokio::test]
async fn a_snoozed_keep_in_touch_reminder_is_dropped_once_a_contact_is_logged() {
    let slack = FakeSlack::start().await;
    let bot = with_former_report(&slack).await;
    bot.command(MANAGER, "/alumni", "add <@UFORMER>").await;
    let six_months = Utc.with_ymd_and_hms(2027, 5, 24, 10, 0, 0).unwrap();
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, six_months, Some(dir)).await;
    bot.tick(six_months);
    drain(&bot, six_months).await;
    let reminder = last_to(&slack, MANAGER).unwrap();
    bot.click(MANAGER, &reminder, notify::SNOOZE_WEEK, None)
        .await;
    // The liaison gets in touch before the week is up, and logs it.
    bot.command(MANAGER, "/alumni", "touch <@UFORMER> Coffee in Lisbon")
        .await
        .assert_well_formed();
    let week = six_months + Duration::days(7) + Duration::minutes(1);
    bot.tick(week);
    drain(&bot, week).await;
    let snoozed: Vec<String> = slack
        .posted()
        .into_iter()
        .filter_map(|m| m.metadata_key)
        .filter(|k| k.contains(":keep-in-touch:") && k.ends_with(":s1"))
        .collect();
    assert!(snoozed.is_empty(), "the contact was logged: {snoozed:?}");
}

#[tokio::test]
async fn rehire_offers_the_propose_form_for_the_boomerang() {
    let slack = FakeSlack::start().await;
    let bot = with_former_report(&slack).await;
    bot.command(MANAGER, "/alumni", "add <@UFORMER>").await;
    let reply = bot.command(MANAGER, "/alumni", "rehire <@UFORMER>").await;
    // The reply is ephemeral; Slack sends its button clicks like any other.
    let message = PostedMessage {
        channel: "D0CHANNEL".into(),
        ts: "1.000001".into(),
        text: reply.text(),
        blocks: reply.0["blocks"].clone(),
        metadata_key: None,
    };
    assert_eq!(
        bot.click(MANAGER, &message, notify::PROPOSE_FOR, None)
            .await,
        200
    );
    let opened = slack.calls_to("views.open");
    let view = &opened.last().expect("the propose form").body["view"];
    assert_eq!(view["callback_id"], alliance::commands::form::CALLBACK_ID);
    assert!(
        view.to_string().contains("\"initial_user\":\"UFORMER\""),
        "{view}"
    );
}

#[tokio::test]
async fn a_departed_persons_reminders_go_to_their_liaison() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-11-01 to 2027-01-05 Close the year well",
    )
    .await;
    bot.tour("UMEMBER", "accept 1").await;
    drain(&bot, tuesday_9am()).await;
    // The manager leaves the company; an admin keeps them in the network.
    bot.command(ADMIN, "/alumni", "add <@UMANAGER> liaison <@UOTHER>")
        .await
        .assert_well_formed();
    let event = serde_json::json!({
        "type": "event_callback", "team_id": TEAM, "event_id": "Ev0USERCHANGE",
        "api_app_id": "A0APP", "event_time": 1,
        "event": {"type": "user_change", "user": {"id": MANAGER, "deleted": true, "is_bot": false}},
    });
    let response = bot
        .post_signed(event.to_string().as_bytes(), "application/json")
        .await;
    assert_eq!(response.status(), 200);
    // The member's account is deactivated too, and they are no alumnus.
    slack.set_user("UMEMBER", "UTC", true);

    let milestone = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    assert_eq!(bot.tick(milestone).enqueued, 2);
    drain(&bot, milestone).await;
    let posted = slack.posted();
    assert!(
        !posted.iter().any(|m| m.channel == "DUMANAGER"
            && m.metadata_key
                .as_deref()
                .unwrap_or_default()
                .contains("ending")),
        "nothing to the deactivated manager"
    );
    let to_liaison = last_to(&slack, OTHER).expect("the liaison hears");
    assert_eq!(
        to_liaison.metadata_key.as_deref(),
        Some("tour:1:ending:30d:2026-12-06:UMANAGER:via-liaison")
    );
    assert!(
        to_liaison.blocks.to_string().contains("alumni liaison"),
        "{}",
        to_liaison.blocks
    );
    let failed = bot
        .store
        .outbox_entry(
            &TeamId::parse(TEAM).unwrap(),
            "tour:1:ending:30d:2026-12-06:UMEMBER",
        )
        .unwrap()
        .unwrap();
    assert!(
        matches!(
            failed.state,
            alliance::store::outbox::OutboxState::Failed { .. }
        ),
        "no liaison: recorded as failed, {:?}",
        failed.state
    );
}

/// MANAGER's tour of FORMER, accepted and then completed: the last tour a
/// directory can show.
async fn with_completed_tour(slack: &FakeSlack) -> Bot {
    let bot = Bot::with_slack(slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UFORMER> transformational 2y Rebuild the billing platform",
    )
    .await
    .assert_well_formed();
    bot.tour(FORMER, "accept 1").await.assert_well_formed();
    bot
}

fn complete(bot: &Bot, id: u64) {
    bot.store
        .update_tour(
            &TeamId::parse(TEAM).unwrap(),
            alliance::domain::TourId(id),
            |t| t.complete(&UserId::parse(MANAGER).unwrap(), tuesday_9am()),
        )
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn someone_on_a_running_tour_or_with_a_future_left_date_is_not_added() {
    let slack = FakeSlack::start().await;
    let bot = with_completed_tour(&slack).await;

    // Still on tour 1: the way out is `/tour leave`, said plainly.
    for text in ["add <@UFORMER> left 2026-12-20", "add <@UFORMER>"] {
        for who in [MANAGER, ADMIN] {
            let refused = bot.command(who, "/alumni", text).await;
            refused.assert_well_formed();
            let said = refused.text();
            assert!(
                said.contains("still on tour #1")
                    && said.contains("/tour leave 1 successor")
                    && !said.contains("Usage:"),
                "{who} {text}: {said}"
            );
        }
    }
    assert!(alumnus(&bot, FORMER).is_none());

    // Leaving: they are asked before their last day; nothing to add now.
    bot.tour(MANAGER, "leave 1 successor <@UOTHER> on 2026-12-20")
        .await
        .assert_well_formed();
    let leaving = bot.command(MANAGER, "/alumni", "add <@UFORMER>").await;
    assert!(
        leaving.contains("planned for 2026-12-20") && !leaving.contains("Usage:"),
        "{}",
        leaving.text()
    );
    assert!(alumnus(&bot, FORMER).is_none());

    // Someone with no running tour: a future date is refused, today is fine.
    let future = bot
        .command(ADMIN, "/alumni", "add <@UGONE> left 2026-11-25")
        .await;
    future.assert_well_formed();
    assert!(
        future.contains("2026-11-25") && future.contains("future") && !future.contains("Usage:"),
        "{}",
        future.text()
    );
    assert!(alumnus(&bot, "UGONE").is_none());
    bot.command(ADMIN, "/alumni", "add <@UGONE> left 2026-11-24")
        .await
        .assert_well_formed();
    assert_eq!(
        alumnus(&bot, "UGONE").unwrap().left_on.unwrap().to_string(),
        "2026-11-24"
    );
}

#[tokio::test]
async fn the_directory_shows_the_last_tour_to_each_as_they_may_see_it() {
    let slack = FakeSlack::start().await;
    let bot = with_completed_tour(&slack).await;
    complete(&bot, 1);
    bot.command(MANAGER, "/alumni", "add <@UFORMER> left 2026-11-24")
        .await
        .assert_well_formed();
    assert_eq!(
        alumnus(&bot, FORMER).unwrap().last_tour,
        Some(alliance::domain::TourId(1)),
        "the tour they left from is kept with the record"
    );

    // Everyone: the kind and when it started, not the tour's term sheet.
    for text in ["list", "show <@UFORMER>"] {
        let public = bot.command(STRANGER, "/alumni", text).await;
        public.assert_well_formed();
        let said = public.text();
        assert!(
            said.contains("last tour: transformational, from 2026-11-24")
                && !said.contains("billing")
                && !said.contains("#1"),
            "{text}: {said}"
        );
    }
    // Its parties (here the liaison too) and admins: its number and mission.
    for who in [MANAGER, ADMIN] {
        let said = bot.command(who, "/alumni", "list").await.text();
        assert!(
            said.contains("last tour *#1*") && said.contains("Rebuild the billing platform"),
            "{who}: {said}"
        );
    }
}

#[tokio::test]
async fn search_finds_what_the_searcher_may_see_and_the_help_says_what_that_is() {
    let slack = FakeSlack::start().await;
    let bot = with_completed_tour(&slack).await;
    complete(&bot, 1);
    bot.command(MANAGER, "/alumni", "add <@UFORMER> Moved to Lisbon")
        .await
        .assert_well_formed();
    bot.command(
        MANAGER,
        "/alumni",
        "touch <@UFORMER> Great engineer, wants to mentor",
    )
    .await
    .assert_well_formed();
    let finds = |reply: common::Reply| reply.contains("<@UFORMER>");

    // The liaison and admins: notes and the contact log too.
    for who in [MANAGER, ADMIN] {
        for text in [
            "list eng",
            "list lisbon",
            "list GREAT mentor",
            "list billing",
        ] {
            assert!(
                finds(bot.command(who, "/alumni", text).await),
                "{who} {text}"
            );
        }
    }
    // Everyone else: names, liaisons, the kind of their last tour.
    for text in [
        "list <@UFORMER>",
        "list <@UFORMER|former>",
        "list uformer",
        "list <@UMANAGER>",
        "list transformational",
    ] {
        assert!(
            finds(bot.command(STRANGER, "/alumni", text).await),
            "{text}"
        );
    }
    for text in ["list eng", "list lisbon", "list billing"] {
        let reply = bot.command(STRANGER, "/alumni", text).await;
        assert!(!finds(reply), "a stranger can't search {text}");
    }
    let help = bot.command(STRANGER, "/alumni", "help").await.text();
    assert!(
        help.contains("searches") && help.contains("contact log"),
        "{help}"
    );
}

#[tokio::test]
async fn removing_an_alumnus_asks_first_and_only_the_asker_confirms() {
    let slack = FakeSlack::start().await;
    let bot = with_former_report(&slack).await;
    bot.command(MANAGER, "/alumni", "add <@UFORMER> Loves sailing")
        .await
        .assert_well_formed();
    let kept = alumnus(&bot, FORMER).unwrap();

    let asked = bot.command(MANAGER, "/alumni", "remove <@UFORMER>").await;
    asked.assert_well_formed();
    let text = asked.text();
    assert!(
        text.contains("Remove <@UFORMER> from the alumni network?")
            && text.contains("cannot be undone")
            && !text.contains("Usage:"),
        "{text}"
    );
    assert!(asked.0.to_string().contains("\"style\":\"danger\""));
    assert_eq!(
        alumnus(&bot, FORMER),
        Some(kept.clone()),
        "asking removes nothing"
    );

    // Someone else's press on the prompt is refused and changes nothing.
    bot.click_ephemeral(&slack, ADMIN, &asked, notify::ALUMNI_REMOVE)
        .await;
    assert_eq!(alumnus(&bot, FORMER), Some(kept.clone()));

    // Keep them: nothing removed, the prompt says so.
    bot.click_ephemeral(&slack, MANAGER, &asked, notify::ALUMNI_REMOVE_CANCEL)
        .await;
    let kept_answer = common::responded(&slack, 0).await;
    assert!(
        kept_answer.body["text"]
            .as_str()
            .unwrap()
            .contains("Nothing was removed"),
        "{}",
        kept_answer.body
    );
    assert_eq!(alumnus(&bot, FORMER), Some(kept));

    // Asked again and confirmed: removed, and the prompt is replaced.
    let asked = bot.command(MANAGER, "/alumni", "remove <@UFORMER>").await;
    bot.click_ephemeral(&slack, MANAGER, &asked, notify::ALUMNI_REMOVE)
        .await;
    assert!(alumnus(&bot, FORMER).is_none());
    let removed = common::responded(&slack, 1).await;
    assert!(
        removed.body["text"]
            .as_str()
            .unwrap()
            .contains("Removed <@UFORMER>"),
        "{}",
        removed.body
    );
    assert_eq!(removed.body["replace_original"], true);

    // A second press: nothing left to remove, and it says so.
    bot.click_ephemeral(&slack, MANAGER, &asked, notify::ALUMNI_REMOVE)
        .await;
    let again = common::responded(&slack, 2).await;
    assert!(
        again.body["text"]
            .as_str()
            .unwrap()
            .contains("isn't in the alumni network"),
        "{}",
        again.body
    );
    // Who may not remove is told at once, without a prompt.
    bot.command(MANAGER, "/alumni", "add <@UFORMER>").await;
    let refused = bot.command(STRANGER, "/alumni", "remove <@UFORMER>").await;
    assert!(common::find_action(&refused.0["blocks"], notify::ALUMNI_REMOVE).is_none());
}
