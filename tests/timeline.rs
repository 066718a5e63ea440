//! `/tour timeline` and `/tour report` end to end: signed commands over
//! HTTP build the store, the delivery worker draws and uploads into the
//! asker's DM through the fake Slack's three file endpoints, and what each
//! asker gets is read back as data (the model and SVG the worker drew, the
//! PNG bytes the fake received).

mod common;

use alliance::domain::TeamId;
use alliance::picture::{BarState, Timeline, colour};
use alliance::store::outbox::{Delivery, OutboxEntry, OutboxState};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::fake_slack::{Failure, FakeFile, FakeSlack};
use common::{ADMIN, Bot, tuesday_9am};

const MANAGER: &str = "UMGR";
const OTHER_MANAGER: &str = "UBOSS";
const STRANGER: &str = "USTRANGER";

fn team() -> TeamId {
    TeamId::parse(common::TEAM).unwrap()
}

/// UMGR manages UANA (rotational, ends within 180 days, nothing next) and
/// UBEN (foundational); UBOSS manages UCAT (transformational, proposed and
/// accepted). All through signed commands.
async fn two_teams(bot: &Bot) {
    for (manager, text, member) in [
        (
            MANAGER,
            "propose <@UANA> rotational from 2026-03-01 to 2027-03-01 Ship the new billing",
            "UANA",
        ),
        (
            MANAGER,
            "propose <@UBEN> foundational Keep the platform",
            "UBEN",
        ),
        (
            OTHER_MANAGER,
            "propose <@UCAT> transformational from 2026-09-01 to 2028-09-01 Build the data team",
            "UCAT",
        ),
    ] {
        let reply = bot.tour(manager, text).await;
        assert!(reply.contains("Proposed"), "{}", reply.text());
        let member_id = alliance::domain::UserId::parse(member).unwrap();
        let id = bot.store.tours_of(&team(), &member_id).unwrap()[0].id;
        let reply = bot.tour(member, &format!("accept {}", id.0)).await;
        assert!(reply.contains("You accepted"), "{}", reply.text());
    }
}

/// The open or sent file entries of the outbox, oldest first.
fn file_entries(bot: &Bot) -> Vec<OutboxEntry> {
    let mut entries: Vec<OutboxEntry> = bot
        .store
        .outbox_all()
        .unwrap()
        .into_iter()
        .filter(|e| e.team == team() && matches!(e.action, Delivery::Upload { .. }))
        .collect();
    entries.sort_by_key(|e| e.created_at);
    entries
}

fn drawn(bot: &Bot, entry: &OutboxEntry) -> Timeline {
    alliance::commands::files::draw_timeline(&bot.store, &team(), &entry.notice)
        .unwrap()
        .expect("a timeline")
}

fn people(timeline: &Timeline) -> Vec<&str> {
    timeline.rows.iter().map(|r| r.person.as_str()).collect()
}

/// Delivers everything owed from `now` on, as far as pacing takes it;
/// returns the time it got to.
async fn drain(bot: &Bot, mut now: DateTime<Utc>) -> DateTime<Utc> {
    for _ in 0..1000 {
        match bot.deliver(now).await.next {
            Some(next) if next <= now + Duration::minutes(5) => now = next.max(now),
            _ => return now,
        }
    }
    panic!("the outbox did not drain");
}

/// Asks for a timeline and delivers it; the files it shared.
async fn ask(
    bot: &Bot,
    slack: &FakeSlack,
    who: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Vec<FakeFile> {
    let before = slack.shared_files().len();
    let reply = bot.tour(who, text).await;
    reply.assert_well_formed();
    assert!(reply.contains("direct messages"), "{}", reply.text());
    drain(bot, now).await;
    slack.shared_files()[before..].to_vec()
}

#[tokio::test]
async fn a_stranger_a_manager_a_member_and_an_admin_each_see_what_the_rules_say() {
    let slack = FakeSlack::start().await;
    let now = tuesday_9am();
    let bot = Bot::with_slack(&slack, now, None).await;
    two_teams(&bot).await;
    drain(&bot, now).await;
    let owed = file_entries(&bot).len();

    // A stranger: the same words as `/tour list`, and nothing owed.
    let reply = bot.tour(STRANGER, "timeline").await;
    assert!(reply.contains("You have no tours yet"), "{}", reply.text());
    bot.tour(STRANGER, "timeline all")
        .await
        .assert_refused("Only Alliance admins can list every tour");
    let reply = bot.tour(STRANGER, "timeline <@UANA>").await;
    assert!(
        reply.contains("There are no tours of <@UANA> that you can see"),
        "{}",
        reply.text()
    );
    bot.tour(STRANGER, "timeline everyone")
        .await
        .assert_problem("/tour timeline [team|all|@user]");
    assert_eq!(file_entries(&bot).len(), owed, "nothing owed to a stranger");

    // The manager's team: their two people, with names from users.info.
    let files = ask(&bot, &slack, MANAGER, "timeline team", now).await;
    assert_eq!(files.len(), 1, "{files:?}");
    let (channel, title, comment) = &files[0].shared[0];
    assert_eq!(channel, "DUMGR", "into the asker's DM");
    assert!(title.contains("Your team's tours"), "{title}");
    assert!(comment.contains("2 people, 2 tours"), "{comment}");
    assert!(
        comment.contains("1 ending within 180 days with no next tour agreed"),
        "{comment}"
    );
    let entry = file_entries(&bot).pop().unwrap();
    assert!(matches!(entry.state, OutboxState::Sent { .. }), "{entry:?}");
    let timeline = drawn(&bot, &entry);
    assert_eq!(people(&timeline), ["UANA", "UBEN"]);
    let svg = timeline.svg();
    assert!(svg.contains(">Name of UANA<"), "named as Slack names them");
    assert!(svg.contains(r#"class="today""#));
    assert_eq!(svg.matches(r#"class="gap""#).count(), 1, "UANA's gap");
    assert!(svg.contains("class=\"bar kind-foundational state-running\""));
    assert!(svg.contains("class=\"recommit\""), "UBEN's yearly dates");
    assert!(
        !svg.contains("UCAT"),
        "another manager's report is not drawn"
    );

    // The PNG the fake received: its size, and the kind's colour under a bar.
    let png = files[0].bytes.clone().unwrap();
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
    assert_eq!(
        (pixmap.width(), pixmap.height()),
        (alliance::picture::WIDTH, timeline.height())
    );
    for (index, row) in timeline.rows.iter().enumerate() {
        for bar in row.bars.iter().filter(|b| b.state == BarState::Running) {
            let (x0, x1, y) = timeline.bar_box(index, bar);
            let x = ((x0 + x1) / 2.0 + 30.0).min(x1 - 3.0);
            let p = pixmap.pixel(x as u32, (y + 5.0) as u32).unwrap();
            assert_eq!(
                (p.red(), p.green(), p.blue()),
                colour(bar.kind),
                "tour {}",
                bar.tour
            );
        }
    }

    // A member sees their own row only; nobody else's by name.
    let files = ask(&bot, &slack, "UANA", "timeline", now).await;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].shared[0].0, "DUANA");
    assert_eq!(
        people(&drawn(&bot, &file_entries(&bot).pop().unwrap())),
        ["UANA"]
    );
    let reply = bot.tour("UANA", "timeline <@UBEN>").await;
    assert!(reply.contains("There are no tours of <@UBEN> that you can see"));

    // The admin: everyone, and one person when asked.
    let files = ask(&bot, &slack, ADMIN, "timeline all", now).await;
    assert_eq!(files.len(), 1);
    assert_eq!(
        people(&drawn(&bot, &file_entries(&bot).pop().unwrap())),
        ["UANA", "UBEN", "UCAT"]
    );
    ask(&bot, &slack, ADMIN, "timeline <@UCAT>", now).await;
    let timeline = drawn(&bot, &file_entries(&bot).pop().unwrap());
    assert_eq!(people(&timeline), ["UCAT"]);
    assert_eq!(timeline.title, "Tours of Name of UCAT");

    // Each file was uploaded once, with the bytes it announced.
    for file in slack.files() {
        assert_eq!(file.shared.len(), 1, "{}", file.id);
        assert_eq!(file.bytes.as_ref().map(Vec::len), Some(file.length));
    }
}

#[tokio::test]
async fn one_file_per_request_across_a_429_and_a_restart() {
    let slack = FakeSlack::start().await;
    // Before the real clock, as the other restart tests.
    let start = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
    let bot = Bot::with_slack(&slack, start, None).await;
    two_teams(&bot).await;
    let quiet = drain(&bot, start).await + Duration::seconds(10);
    let reply = bot.tour(MANAGER, "timeline").await;
    assert!(reply.contains("direct messages"), "{}", reply.text());

    // Slack says "too many" to the upload itself: nothing shared, retried
    // after Retry-After.
    slack.fail_next(
        "upload",
        1,
        Failure::RateLimited {
            retry_after_secs: 3,
        },
    );
    bot.deliver(quiet).await;
    assert_eq!(slack.calls_to("upload").len(), 1);
    assert!(slack.shared_files().is_empty());
    let entry = file_entries(&bot).pop().unwrap();
    assert_eq!(entry.state, OutboxState::Pending);
    assert!(
        entry.not_before >= quiet + Duration::seconds(3),
        "{entry:?}"
    );

    // Then the share lands, and the bot dies before hearing so.
    slack.fail_next("files.completeUploadExternal", 1, Failure::PostThenHang);
    let later = quiet + Duration::seconds(5);
    let cut = tokio::time::timeout(std::time::Duration::from_millis(400), bot.deliver(later)).await;
    assert!(cut.is_err(), "the pass was cut off mid-call");
    assert_eq!(slack.shared_files().len(), 1);
    let dir = bot.stop().await;

    let bot = Bot::with_slack(&slack, start + Duration::minutes(5), Some(dir)).await;
    drain(&bot, bot.now()).await;
    let shared = slack.shared_files();
    assert_eq!(shared.len(), 1, "one file: {shared:?}");
    assert_eq!(shared[0].shared.len(), 1, "shared once");
    assert_eq!(slack.calls_to("files.completeUploadExternal").len(), 1);
    assert_eq!(
        slack.calls_to("files.info").len(),
        1,
        "looked up, not resent"
    );
    // Two upload URLs were asked for: the first upload was refused, and
    // its file never completed.
    assert_eq!(slack.calls_to("files.getUploadURLExternal").len(), 2);
    let entry = file_entries(&bot).pop().unwrap();
    assert!(matches!(entry.state, OutboxState::Sent { .. }), "{entry:?}");

    // A retry of a share that did not land shares the same files, once.
    bot.tour(MANAGER, "timeline team").await;
    slack.fail_next("files.completeUploadExternal", 1, Failure::Status(503));
    let now = bot.now();
    bot.deliver(now).await;
    assert_eq!(slack.shared_files().len(), 1);
    drain(&bot, now + Duration::minutes(2)).await;
    let shared = slack.shared_files();
    assert_eq!(shared.len(), 2, "{shared:?}");
    assert_eq!(shared[1].shared.len(), 1);
    assert_eq!(
        slack.calls_to("files.getUploadURLExternal").len(),
        3,
        "not uploaded again"
    );
}

#[tokio::test]
async fn a_large_team_is_drawn_on_pages_shared_together() {
    let slack = FakeSlack::start().await;
    let now = tuesday_9am();
    let bot = Bot::with_slack(&slack, now, None).await;
    for n in 0..45 {
        let member = format!("UM{n:03}");
        bot.tour(
            MANAGER,
            &format!("propose <@{member}> rotational from 2026-01-01 to 2027-06-01 Mission {n}"),
        )
        .await;
        bot.tour(&member, &format!("accept {}", n + 1)).await;
    }
    drain(&bot, now).await;
    let files = ask(&bot, &slack, MANAGER, "timeline team", now).await;
    assert_eq!(files.len(), 2, "40 rows a picture");
    assert!(
        files[0].shared[0].1.ends_with("(1 of 2)"),
        "{:?}",
        files[0].shared
    );
    assert!(files[1].shared[0].1.ends_with("(2 of 2)"));
    assert!(
        files[0].shared[0].2.contains("In 2 pictures"),
        "{:?}",
        files[0].shared
    );
    assert_eq!(
        slack.calls_to("files.completeUploadExternal").len(),
        1,
        "one message"
    );
    // Names were looked up for one picture's worth of people, not all.
    assert!(slack.calls_to("users.info").len() <= 45 + 40);
}

#[tokio::test]
async fn the_report_goes_to_admins_only_as_one_html_file() {
    let slack = FakeSlack::start().await;
    let now = tuesday_9am();
    let bot = Bot::with_slack(&slack, now, None).await;
    two_teams(&bot).await;
    drain(&bot, now).await;
    bot.tour(MANAGER, "report")
        .await
        .assert_refused("Only Alliance admins can have the report");
    bot.tour(ADMIN, "report now")
        .await
        .assert_problem("/tour report");
    assert!(file_entries(&bot).is_empty());
    let reply = bot.tour(ADMIN, "report").await;
    assert!(reply.contains("direct messages"), "{}", reply.text());
    drain(&bot, now).await;
    let files = slack.shared_files();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].shared[0].0, "DUADMIN");
    assert!(
        files[0].filename.ends_with(".html"),
        "{}",
        files[0].filename
    );
    let html = String::from_utf8(files[0].bytes.clone().unwrap()).unwrap();
    assert!(html.contains("<svg"), "the timeline is inline");
    assert!(!html.contains("<script"));
}
