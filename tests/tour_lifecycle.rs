//! The `/tour` lifecycle and every permission rule, end to end: signed
//! slash commands over real HTTP to a server on a real sled store.

mod common;

use common::{ADMIN, Bot};

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const STRANGER: &str = "USTRANGER";

async fn propose(bot: &Bot) -> u64 {
    let reply = bot
        .tour(
            MANAGER,
            "propose <@UMEMBER|mia> transformational 2y \"Lead the payments platform rewrite\"",
        )
        .await;
    reply.assert_well_formed();
    assert!(reply.contains("Proposed tour *#"), "{}", reply.text());
    let text = reply.text();
    let start = text.find("*#").unwrap() + 2;
    text[start..].split('*').next().unwrap().parse().unwrap()
}

async fn history_len(bot: &Bot, id: u64) -> usize {
    bot.tour(MANAGER, &format!("history {id}"))
        .await
        .text()
        .matches("UTC`")
        .count()
}

#[tokio::test]
async fn a_tour_goes_from_proposal_to_acceptance_with_both_sides_objectives() {
    let bot = Bot::start().await;
    let id = propose(&bot).await;
    assert_eq!(id, 1);

    let r = bot
        .tour(MANAGER, "objective 1 add company Ship the new ledger by Q3")
        .await;
    assert!(
        r.contains("Added objective 1 to tour *#1* (what the company gets)"),
        "{}",
        r.text()
    );
    let r = bot
        .tour(
            MEMBER,
            "objective #1 add member A conference talk &amp; a course",
        )
        .await;
    assert!(
        r.contains("(what <@UMEMBER> gets): A conference talk &amp; a course"),
        "{}",
        r.text()
    );

    let card = bot.tour(MEMBER, "show 1").await;
    card.assert_well_formed();
    assert!(card.contains("Tour #1 · Transformational"));
    assert!(card.contains("*Status* proposed · 2 years from acceptance"));
    assert!(
        card.contains("Accept with `/tour accept 1`"),
        "the member is told how to answer"
    );

    let r = bot.tour(MEMBER, "accept 1").await;
    let today = chrono::Utc::now().date_naive();
    let end = today.checked_add_months(chrono::Months::new(24)).unwrap();
    assert!(
        r.contains(&format!("It runs {today} → {end}")),
        "{}",
        r.text()
    );

    let r = bot.tour(MANAGER, "objective 1 done 1").await;
    assert!(
        r.contains("Marked objective 1 of tour *#1* done: Ship the new ledger by Q3"),
        "{}",
        r.text()
    );
    let card = bot.tour(MANAGER, "show 1").await;
    assert!(
        card.contains("✓ 1. Ship the new ledger by Q3")
            && card.contains("○ 2. A conference talk &amp; a course"),
        "{}",
        card.text()
    );
    assert!(card.contains("*Status* active"));

    let history = bot.tour(MEMBER, "history 1").await;
    history.assert_well_formed();
    let text = history.text();
    let order = [
        "proposed a transformational tour (2 years)",
        "added objective 1",
        "added objective 2",
        "accepted; the tour runs",
        "marked objective 1 done",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|e| {
            text.find(e)
                .unwrap_or_else(|| panic!("{e} missing: {text}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "history out of order: {text}"
    );
    assert!(
        text.contains("<@UMEMBER> accepted"),
        "who did it is recorded: {text}"
    );

    let list = bot.tour(MEMBER, "list").await;
    assert!(
        list.contains("*#1* · transformational · *active*") && list.contains("objectives 1/2 done"),
        "{}",
        list.text()
    );
    let team = bot.tour(MANAGER, "list team").await;
    assert!(team.contains("*#1*"));
    let not_manager = bot.tour(MEMBER, "list team").await;
    assert!(
        not_manager.contains("You haven't proposed any tours"),
        "{}",
        not_manager.text()
    );
}

#[tokio::test]
async fn decline_and_withdraw_close_a_proposal_for_good() {
    let bot = Bot::start().await;
    propose(&bot).await;
    propose(&bot).await;
    let r = bot
        .tour(MEMBER, "decline 1 Not now &gt; maybe next year")
        .await;
    assert!(
        r.contains("You declined tour *#1*") && r.contains("your reason"),
        "{}",
        r.text()
    );
    assert!(
        bot.tour(MANAGER, "history 1")
            .await
            .contains("declined: “Not now &gt; maybe next year”")
    );
    let r = bot.tour(MANAGER, "withdraw 2").await;
    assert!(
        r.contains("You withdrew the proposal of tour *#2* to <@UMEMBER>"),
        "{}",
        r.text()
    );

    for (user, text, expected) in [
        (
            MEMBER,
            "accept 1",
            "Tour #1 is declined, so it can't be accepted.",
        ),
        (
            MEMBER,
            "accept 2",
            "Tour #2 is withdrawn, so it can't be accepted.",
        ),
        (
            MANAGER,
            "withdraw 1",
            "Tour #1 is declined, so it can't be withdrawn.",
        ),
        (
            MANAGER,
            "objective 2 add company x",
            "Tour #2 is withdrawn, so it can't be changed.",
        ),
    ] {
        bot.tour(user, text).await.assert_refused(expected);
    }
    let r = bot.tour(MEMBER, "decline 1").await;
    assert!(
        r.contains("Tour #1 is declined, so it can't be declined."),
        "{}",
        r.text()
    );
}

/// Every command as manager, member, stranger and admin. A refusal changes
/// nothing; a stranger cannot tell a tour exists.
#[tokio::test]
async fn permissions_for_every_command_and_every_role() {
    let bot = Bot::start().await;
    propose(&bot).await;
    bot.tour(MANAGER, "objective 1 add company Ship it").await;
    let before = history_len(&bot, 1).await;
    assert_eq!(before, 2);

    let only_member = "Only <@UMEMBER> (the member)";
    let only_manager = "Only <@UMANAGER> (the manager)";
    let only_parties = "Only the manager or the member";
    let hidden = "There is no tour #1 that you can see.";
    let refusals: Vec<(&str, &str, &str)> = vec![
        (MANAGER, "accept 1", only_member),
        (ADMIN, "accept 1", only_member),
        (STRANGER, "accept 1", hidden),
        (MANAGER, "decline 1", only_member),
        (ADMIN, "decline 1 no", only_member),
        (STRANGER, "decline 1", hidden),
        (MEMBER, "withdraw 1", only_manager),
        (ADMIN, "withdraw 1", only_manager),
        (STRANGER, "withdraw 1", hidden),
        (ADMIN, "objective 1 add company Sneaky", only_parties),
        (STRANGER, "objective 1 add member Sneaky", hidden),
        (ADMIN, "objective 1 done 1", only_parties),
        (STRANGER, "objective 1 done 1", hidden),
        (STRANGER, "show 1", hidden),
        (STRANGER, "history 1", hidden),
        (
            MANAGER,
            "list all",
            "Only Alliance admins can list every tour",
        ),
        (
            MEMBER,
            "list all",
            "Only Alliance admins can list every tour",
        ),
        (
            STRANGER,
            "list all",
            "Only Alliance admins can list every tour",
        ),
    ];
    for (user, text, expected) in &refusals {
        let reply = bot.tour(user, text).await;
        reply.assert_refused(expected);
        assert!(
            !reply.contains("Lead the payments") && !reply.contains("Ship it"),
            "{user} `{text}` leaked: {}",
            reply.text()
        );
    }
    assert_eq!(
        history_len(&bot, 1).await,
        before,
        "refusals changed nothing"
    );

    // A stranger hears the same about a tour that exists and one that does not.
    let exists = bot
        .tour(STRANGER, "show 1")
        .await
        .text()
        .replace("#1", "#N")
        .replace(" 1", " N");
    let missing = bot
        .tour(STRANGER, "show 999")
        .await
        .text()
        .replace("#999", "#N")
        .replace(" 999", " N");
    assert_eq!(exists, missing);
    let stranger_view = bot.tour(STRANGER, "list <@UMEMBER>").await;
    assert!(
        stranger_view.contains("There are no tours of <@UMEMBER> that you can see."),
        "{}",
        stranger_view.text()
    );

    // What each party and the admin may see and do.
    for user in [MANAGER, MEMBER, ADMIN] {
        assert!(
            bot.tour(user, "show 1")
                .await
                .contains("Lead the payments platform rewrite"),
            "{user} sees the tour"
        );
        assert!(
            bot.tour(user, "history 1")
                .await
                .contains("proposed a transformational tour"),
            "{user} reads history"
        );
        assert!(
            bot.tour(user, "list <@UMEMBER>").await.contains("*#1*"),
            "{user} lists the member's tours"
        );
    }
    assert!(bot.tour(ADMIN, "list all").await.contains("*#1*"));
    assert!(
        bot.tour(MEMBER, "objective 1 add member Mentoring from the CTO")
            .await
            .contains("Added objective 2")
    );
    assert!(
        bot.tour(MANAGER, "objective 1 done 2")
            .await
            .contains("Marked objective 2")
    );
    assert!(
        bot.tour(MEMBER, "accept 1")
            .await
            .contains("You accepted tour *#1*")
    );
    assert_eq!(history_len(&bot, 1).await, before + 3);

    // Withdrawing is the manager's, on a proposal only.
    bot.tour(
        MANAGER,
        "propose <@UOTHER> rotational 1y Run the support rotation",
    )
    .await
    .assert_well_formed();
    assert!(
        bot.tour(MANAGER, "withdraw 2")
            .await
            .contains("You withdrew")
    );
    assert!(
        bot.tour(MANAGER, "withdraw 1")
            .await
            .contains("Tour #1 is active, so it can't be withdrawn.")
    );
}

#[tokio::test]
async fn tours_stay_inside_their_workspace() {
    let bot = Bot::start().await;
    propose(&bot).await;
    let body =
        common::slash_body(MANAGER, "/tour", "show 1").replace("team_id=T0TEST", "team_id=T0OTHER");
    let reply: serde_json::Value = bot
        .post_signed(body.as_bytes(), common::FORM)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        reply
            .to_string()
            .contains("There is no tour #1 that you can see."),
        "{reply}"
    );
}

#[tokio::test]
async fn help_the_other_families_and_unknown_commands_are_friendly() {
    let bot = Bot::start().await;
    for text in ["", "help"] {
        let r = bot.tour(MEMBER, text).await;
        r.assert_well_formed();
        assert!(
            r.contains("/tour propose @member") && r.contains("/tour list [team|all|@user]"),
            "{}",
            r.text()
        );
        assert!(
            r.contains("&lt;mission…&gt;"),
            "placeholders are escaped for Slack: {}",
            r.text()
        );
    }
    for (command, text) in [("/1on1", "list"), ("/tour", "1on1 list")] {
        let r = bot.command(MEMBER, command, text).await;
        r.assert_well_formed();
        assert!(r.contains("No 1:1s yet"), "{command} {text}: {}", r.text());
    }
    for text in ["checkin 1", "talk", "frobnicate"] {
        let r = bot.tour(MEMBER, text).await;
        r.assert_well_formed();
        assert!(!r.contains("later release"), "{text}: {}", r.text());
    }
    bot.command(MEMBER, "/frobnicate", "now")
        .await
        .assert_problem("/tour help");
}

/// The bot (no Slack) with its clock at `at`, on `dir` or a new directory.
async fn bot_at(at: chrono::DateTime<chrono::Utc>, dir: Option<tempfile::TempDir>) -> Bot {
    Bot::launch(
        dir.unwrap_or_else(|| tempfile::tempdir().unwrap()),
        common::config(None, &[]),
        alliance::clock::Clock::starting_at(at),
    )
    .await
}

fn tours_stored(bot: &Bot) -> usize {
    let team = alliance::domain::TeamId::parse(common::TEAM).unwrap();
    bot.store.tours_in_team(&team, 100).unwrap().len()
}

#[tokio::test]
async fn dates_obey_the_rules_lengths_obey_and_never_end_in_the_past() {
    let bot = bot_at(common::tuesday_9am(), None).await;
    for (text, expected) in [
        (
            "propose <@UMEMBER> rotational from 2020-01-01 to 2021-01-01 Over already",
            "The end date, 2021-01-01, has passed: a tour can't end in the past.",
        ),
        (
            "propose <@UMEMBER> rotational from 2027-01-01 to 2027-01-10 Nine days",
            "From 2027-01-01 to 2027-01-10 is less than a month: a tour runs from 1 month to 10 years.",
        ),
        (
            "propose <@UMEMBER> transformational from 2027-01-01 to 2037-01-02 A decade and a day",
            "From 2027-01-01 to 2037-01-02 is more than 10 years: a tour runs from 1 month to 10 years.",
        ),
    ] {
        bot.tour(MANAGER, text).await.assert_refused(expected);
    }
    assert_eq!(tours_stored(&bot), 0, "refusals change nothing");

    // A start in the past formalises a tour already under way.
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-06-01 to 2027-12-31 Formalise the on-call rota",
    )
    .await
    .assert_well_formed();
    // Exactly one month is the shortest tour.
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2027-01-01 to 2027-02-01 A month's cover",
    )
    .await
    .assert_well_formed();
    assert!(
        bot.tour(MEMBER, "accept 1")
            .await
            .contains("It runs 2026-06-01 → 2027-12-31")
    );
    assert_eq!(tours_stored(&bot), 2);
}

#[tokio::test]
async fn a_proposal_whose_dates_passed_meanwhile_is_not_accepted() {
    let bot = bot_at(common::tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-11-01 to 2026-12-15 Cover the year end",
    )
    .await
    .assert_well_formed();
    let dir = bot.stop().await;
    let later = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 1, 5, 9, 0, 0).unwrap();
    let bot = bot_at(later, Some(dir)).await;
    bot.tour(MEMBER, "accept 1").await.assert_refused("Tour #1 was to end on 2026-12-15, which has passed, so it can't be accepted. Decline it (`/tour decline 1`), or ask <@UMANAGER> to propose it again with new dates.");
    assert!(
        bot.tour(MEMBER, "show 1")
            .await
            .contains("*Status* proposed")
    );
    bot.tour(MEMBER, "decline 1 Too late now")
        .await
        .assert_well_formed();
}

#[tokio::test]
async fn a_tour_past_its_end_is_ended_awaiting_a_decision_and_extend_cannot_leave_it_there() {
    let bot = bot_at(common::tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-11-01 to 2027-01-31 Close the quarter",
    )
    .await;
    bot.tour(MEMBER, "accept 1").await.assert_well_formed();
    let dir = bot.stop().await;
    let later = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 9, 1, 9, 0, 0).unwrap();
    let bot = bot_at(later, Some(dir)).await;

    let card = bot.tour(MEMBER, "show 1").await;
    assert!(
        card.contains("*Status* ended, awaiting a decision · 2026-11-01 → 2027-01-31")
            && !card.contains("*Status* active"),
        "{}",
        card.text()
    );
    let list = bot.tour(MANAGER, "list").await;
    assert!(
        list.contains("*#1* · rotational · *ended, awaiting a decision*"),
        "{}",
        list.text()
    );
    let home = alliance::slack::blocks::home_view(
        &alliance::commands::home::view(
            &bot.store,
            chrono_tz::Tz::UTC,
            &alliance::domain::TeamId::parse(common::TEAM).unwrap(),
            &alliance::domain::UserId::parse(MANAGER).unwrap(),
            0,
            later,
        )
        .unwrap(),
    )
    .to_string();
    assert!(
        home.contains("*ended, awaiting a decision*")
            && home.contains("ended on 2027-01-31 with no decision"),
        "{home}"
    );

    // Extending by too little would leave the end in the past.
    bot.tour(MEMBER, "extend 1 6m").await.assert_refused("Extended by 6 months, tour #1 would end on 2027-07-31, which has passed. Extend it by at least 8 months (to today or later)");
    assert_eq!(
        bot.tour(MEMBER, "history 1")
            .await
            .text()
            .matches("UTC`")
            .count(),
        2,
        "nothing recorded"
    );
    let extended = bot.tour(MEMBER, "extend 1 8m").await;
    assert!(
        extended.contains("now runs 2026-11-01 → 2027-09-30"),
        "{}",
        extended.text()
    );
    assert!(bot.tour(MEMBER, "show 1").await.contains("*Status* active"));
}

#[tokio::test]
async fn a_length_outside_the_books_range_for_its_kind_is_noted_not_refused() {
    let bot = bot_at(common::tuesday_9am(), None).await;
    let note = |kind: &str, range: &str| {
        format!("Note: the book's typical {kind} tour runs {range} years.")
    };
    let rotational = bot
        .tour(MANAGER, "propose <@UMEMBER> rotational 5y Run support")
        .await;
    rotational.assert_well_formed();
    assert!(
        rotational.contains("Proposed tour *#1*")
            && rotational.contains(&note("rotational", "1–2")),
        "{}",
        rotational.text()
    );
    let transformational = bot
        .tour(
            MANAGER,
            "propose <@UOTHER> transformational 3 months Rewrite billing",
        )
        .await;
    assert!(
        transformational.contains("Proposed tour *#2*")
            && transformational.contains(&note("transformational", "2–5")),
        "{}",
        transformational.text()
    );
    for text in [
        "propose <@UTHIRD> rotational 18m In range",
        "propose <@UFOURTH> transformational from 2027-01-01 to 2029-12-31 In range",
        "propose <@UFIFTH> foundational Open-ended",
    ] {
        let reply = bot.tour(MANAGER, text).await;
        reply.assert_well_formed();
        assert!(
            !reply.contains("Note: the book"),
            "{text}: {}",
            reply.text()
        );
    }
    // Dates are measured too; extending past the range says so once it is.
    let dated = bot
        .tour(
            MANAGER,
            "propose <@USIXTH> rotational from 2027-01-01 to 2029-06-30 Long rotation",
        )
        .await;
    assert!(
        dated.contains(&note("rotational", "1–2")),
        "{}",
        dated.text()
    );
    bot.tour("UTHIRD", "accept 3").await.assert_well_formed();
    let extended = bot.tour(MANAGER, "extend 3 6m").await;
    assert!(
        !extended.contains("Note: the book"),
        "24 months is in range: {}",
        extended.text()
    );
    let extended = bot.tour(MANAGER, "extend 3 1m").await;
    assert!(
        extended.contains(&note("rotational", "1–2")),
        "{}",
        extended.text()
    );
    let next = bot
        .tour(MANAGER, "next 3 transformational 6y The big one")
        .await;
    assert!(
        next.contains("as the next tour after *#3*")
            && next.contains(&note("transformational", "2–5")),
        "{}",
        next.text()
    );
}
