//! How the bot speaks, over real HTTP against the fake Slack: the README's
//! commands are the ones the grammars know, and the help says them; an
//! unknown subcommand gets the one it nearly was or the list of them all;
//! the usage line comes only with a typing mistake; people are told about
//! themselves in the second person, and told only to do what they may;
//! counts read as words ("1 month", "every month", no "(s)", no "0/0").

mod common;

use alliance::commands::parse;
use chrono::{DateTime, TimeZone, Utc};
use common::fake_slack::{FakeSlack, PostedMessage};
use common::{Bot, drain, find_action, tuesday_9am};
use std::collections::BTreeSet;

const MANAGER: &str = "UMANAGER";
const MEMBER: &str = "UMEMBER";
const SUCCESSOR: &str = "USUCCESSOR";

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn last_to(slack: &FakeSlack, user: &str) -> PostedMessage {
    slack
        .posted()
        .into_iter()
        .rfind(|m| m.channel == format!("D{user}"))
        .unwrap_or_else(|| panic!("nothing posted to {user}"))
}

/// Tour 1, MANAGER → MEMBER, rotational, 2026-11-01 to 2026-12-23,
/// accepted on Tuesday 2026-11-24; its messages delivered.
async fn with_tour(slack: &FakeSlack) -> Bot {
    let bot = Bot::with_slack(slack, tuesday_9am(), None).await;
    bot.tour(
        MANAGER,
        "propose <@UMEMBER> rotational from 2026-11-01 to 2026-12-23 Run the support rotation",
    )
    .await
    .assert_well_formed();
    bot.tour(MEMBER, "accept 1").await.assert_well_formed();
    drain(&bot, tuesday_9am()).await;
    bot
}

/// `/tour x …`, `/1on1 @member …`: a command and its first word, as the
/// README and the usage lines write them.
fn forms(line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0].starts_with('/') && w[0].len() > 1 && !w[0].contains('|'))
        .filter(|w| ["/tour", "/1on1", "/alumni"].contains(&w[0]))
        .map(|w| format!("{} {}", w[0], w[1]))
        .collect()
}

#[test]
fn the_readme_lists_exactly_the_commands_the_grammars_know() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## Commands\n")
        .nth(1)
        .expect("a Commands section");
    let block = section
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("the commands block");
    let in_readme: BTreeSet<String> = block.lines().flat_map(forms).collect();
    let in_code: BTreeSet<String> = parse::ALL_USAGES
        .iter()
        .chain(&parse::ALUMNI_USAGES)
        .chain(&parse::ONE_ON_ONE_USAGES)
        .flat_map(|u| forms(u))
        .collect();
    assert_eq!(
        in_readme.difference(&in_code).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "in the README, unknown to the grammars"
    );
    assert_eq!(
        in_code.difference(&in_readme).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "known to the grammars, missing from the README"
    );
}

#[tokio::test]
async fn each_help_lists_its_commands_and_points_to_the_others() {
    let bot = Bot::start().await;
    let tour = bot.tour(MANAGER, "help").await;
    tour.assert_well_formed();
    for usage in parse::ALL_USAGES {
        assert!(
            tour.contains(&usage.replace('<', "&lt;").replace('>', "&gt;")),
            "{usage} in {}",
            tour.text()
        );
    }
    assert!(
        tour.contains("`/1on1 help`") && tour.contains("`/alumni help`"),
        "{}",
        tour.text()
    );
    for (command, usages) in [
        ("/1on1", &parse::ONE_ON_ONE_USAGES[..]),
        ("/alumni", &parse::ALUMNI_USAGES[..]),
    ] {
        let help = bot.command(MANAGER, command, "help").await;
        for usage in usages {
            let usage = usage.replace('<', "&lt;").replace('>', "&gt;");
            assert!(help.contains(&usage), "{usage} in {}", help.text());
        }
        assert!(help.contains("`/tour help`"), "{}", help.text());
    }
}

#[tokio::test]
async fn an_unknown_subcommand_gets_the_near_one_or_the_list_and_changes_nothing() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, tuesday_9am(), None).await;
    for (command, text, near, usage) in [
        (
            "/tour",
            "propse <@UMEMBER> rotational 1y Run",
            "/tour propose",
            "/tour propose @member",
        ),
        (
            "/tour",
            "checkins 1 every 2m",
            "/tour checkin",
            "/tour checkin &lt;id&gt;",
        ),
        (
            "/tour",
            "ACEPT 1",
            "/tour accept",
            "/tour accept &lt;id&gt;",
        ),
        (
            "/1on1",
            "agnda <@UMANAGER>",
            "/1on1 agenda",
            "/1on1 agenda @person",
        ),
        (
            "/alumni",
            "ad <@UFORMER>",
            "/alumni add",
            "/alumni add @user",
        ),
    ] {
        let reply = bot.command(MANAGER, command, text).await;
        reply.assert_problem(usage);
        assert!(
            reply.contains(&format!("Did you mean `{near}`?")),
            "{text}: {}",
            reply.text()
        );
    }
    let far = bot.tour(MANAGER, "frobnicate 1").await;
    far.assert_problem("/tour help");
    for name in [
        "`propose`",
        "`checkin`",
        "`forget-me`",
        "`upcoming`",
        "`help`",
    ] {
        assert!(far.contains(name), "{name} in {}", far.text());
    }
    assert!(!far.contains("Did you mean"), "{}", far.text());
    let far = bot.command(MANAGER, "/1on1", "frobnicate").await;
    far.assert_problem("/1on1 help");
    assert!(
        far.contains("`@member every …`") && far.contains("`agenda`"),
        "{}",
        far.text()
    );
    assert!(slack.posted().is_empty(), "nothing was said to anyone");
    bot.tour(MANAGER, "show 1")
        .await
        .assert_refused("There is no tour #1 that you can see.");
}

#[tokio::test]
async fn the_usage_line_comes_with_a_typing_mistake_only() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    // Well-formed, refused by a rule.
    for (user, text, why) in [
        (
            MEMBER,
            "withdraw 1",
            "Only <@UMANAGER> (the manager) can withdraw",
        ),
        (MANAGER, "objective 1 done 7", "Tour #1 has no objective 7."),
        (MANAGER, "show 99", "There is no tour #99 that you can see."),
        (
            MEMBER,
            "list all",
            "Only Alliance admins can list every tour.",
        ),
        (MANAGER, "talk", "You have no current tour"),
        (
            MEMBER,
            "next 1 rotational 1y More",
            "Only <@UMANAGER> (the manager)",
        ),
    ] {
        bot.tour(user, text).await.assert_refused(why);
    }
    // Typed wrong.
    for (user, text, usage) in [
        (MANAGER, "mission 1", "/tour mission &lt;id&gt;"),
        (MANAGER, "extend 1 soon", "/tour extend &lt;id&gt;"),
        (MEMBER, "checkin 1 every 40m", "/tour checkin &lt;id&gt;"),
        (MEMBER, "withdraw one", "/tour withdraw &lt;id&gt;"),
    ] {
        bot.tour(user, text).await.assert_problem(usage);
    }
}

#[tokio::test]
async fn an_exit_is_told_in_the_second_person_to_whoever_reads_it() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    // The member plans it, three weeks out: a weekly checklist.
    let reply = bot
        .tour(MEMBER, "leave 1 successor <@USUCCESSOR> on 2026-12-15")
        .await;
    reply.assert_well_formed();
    let text = reply.text();
    assert!(text.contains("your last day is 2026-12-15"), "{text}");
    assert!(
        text.contains("You and <@UMANAGER> get a short handover checklist each week"),
        "{text}"
    );
    assert!(!text.contains("<@UMEMBER>'s"), "{text}");
    drain(&bot, tuesday_9am()).await;
    let to_manager = last_to(&slack, MANAGER);
    assert!(
        to_manager
            .text
            .contains("<@UMEMBER>'s last day is 2026-12-15")
            && to_manager
                .text
                .contains("You get a short handover checklist each week"),
        "{}",
        to_manager.text
    );

    // The manager plans one for today: no weekly checklist to promise.
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    let reply = bot
        .tour(MANAGER, "leave 1 successor <@USUCCESSOR> on 2026-11-24")
        .await;
    let text = reply.text();
    assert!(
        text.contains("<@UMEMBER>'s last day is 2026-11-24"),
        "{text}"
    );
    assert!(
        text.contains("That is today, so there is no weekly handover checklist")
            && !text.contains("each week"),
        "{text}"
    );
    drain(&bot, tuesday_9am()).await;
    let to_member = last_to(&slack, MEMBER);
    assert!(
        to_member.text.contains("your last day is 2026-11-24")
            && !to_member.text.contains("<@UMEMBER>")
            && !to_member.text.contains("each week"),
        "{}",
        to_member.text
    );
    assert!(
        last_to(&slack, SUCCESSOR)
            .text
            .contains("<@UMEMBER> is leaving"),
        "the successor hears about the member"
    );
}

#[tokio::test]
async fn only_the_manager_is_told_to_propose_the_next_tour() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    // A week before the end (Wednesday 2026-12-16): both are reminded.
    let due = at(2026, 12, 16, 10);
    bot.tick(due);
    drain(&bot, due).await;
    let to_member = last_to(&slack, MEMBER);
    assert!(
        to_member
            .text
            .contains("Your rotational tour *#1* with <@UMANAGER> ends in 7 days"),
        "{}",
        to_member.text
    );
    assert!(find_action(&to_member.blocks, "tour.propose_next").is_none());
    assert!(find_action(&to_member.blocks, "home.talk").is_some());
    let to_manager = last_to(&slack, MANAGER);
    assert!(
        to_manager
            .text
            .contains("Your rotational tour *#1* with <@UMEMBER> ends in 7 days"),
        "{}",
        to_manager.text
    );
    assert!(find_action(&to_manager.blocks, "tour.propose_next").is_some());

    // After the end, the card says what each of them may do.
    let dir = bot.stop().await;
    let bot = Bot::with_slack(&slack, at(2026, 12, 28, 10), Some(dir)).await;
    let member_card = bot.tour(MEMBER, "show 1").await.text();
    assert!(
        member_card.contains("ask <@UMANAGER> for the next tour (`/tour talk`)")
            && !member_card.contains("/tour next"),
        "{member_card}"
    );
    let manager_card = bot.tour(MANAGER, "show 1").await.text();
    assert!(
        manager_card.contains("`/tour next|extend|leave 1`"),
        "{manager_card}"
    );

    // Completed by the manager: the member hears who proposes what comes
    // next.
    let asked = bot.tour(MANAGER, "complete 1 confirm").await;
    asked.assert_well_formed();
    drain(&bot, at(2026, 12, 28, 10)).await;
    let to_member = last_to(&slack, MEMBER);
    let all = format!("{} {}", to_member.text, to_member.blocks);
    assert!(
        all.contains("<@UMANAGER> proposes the next tour") && !all.contains("the manager does"),
        "{all}"
    );
}

#[tokio::test]
async fn stopping_a_one_on_one_says_who_can_set_it_up_again() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    let set = "<@UMEMBER> every week on tuesday at 10:00";
    bot.command(MANAGER, "/1on1", set)
        .await
        .assert_well_formed();
    let by_manager = bot.command(MANAGER, "/1on1", "stop <@UMEMBER>").await;
    assert!(
        by_manager.contains("You can set it up again with `/1on1 <@UMEMBER> every …`"),
        "{}",
        by_manager.text()
    );
    bot.command(MANAGER, "/1on1", set)
        .await
        .assert_well_formed();
    let by_member = bot.command(MEMBER, "/1on1", "stop <@UMANAGER>").await;
    assert!(
        by_member.contains("<@UMANAGER> can set it up again")
            && !by_member.contains("Either of you"),
        "{}",
        by_member.text()
    );
}

#[tokio::test]
async fn counts_read_as_words() {
    let slack = FakeSlack::start().await;
    let bot = with_tour(&slack).await;
    let every = bot.tour(MEMBER, "checkin 1 every 1m").await;
    assert!(
        every.contains("now come every month,") && !every.contains("(s)"),
        "{}",
        every.text()
    );
    bot.tour(MANAGER, "extend 1 1m").await.assert_well_formed();
    let history = bot.tour(MANAGER, "history 1").await.text();
    assert!(
        history.contains("extended the tour by 1 month:")
            && history.contains("set check-ins to every month")
            && !history.contains("(s)"),
        "{history}"
    );
    let list = bot.tour(MANAGER, "list team").await.text();
    assert!(
        list.contains("no objectives yet") && !list.contains("0/0"),
        "{list}"
    );
    bot.tour(MANAGER, "objective 1 add company Hire two analysts")
        .await
        .assert_well_formed();
    let list = bot.tour(MANAGER, "list team").await.text();
    assert!(list.contains("objectives 0/1 done"), "{list}");
}
