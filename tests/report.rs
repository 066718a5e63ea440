//! The people team's report (`alliance report`, `/tour report`), from a
//! store whose answers are known: a workspace built through real commands
//! at chosen times — proposals, acceptances, next tours, an exit, check-ins
//! asked by the scheduler and sent through the delivery worker to a fake
//! Slack, answered over DM or not, notes, the company's answers, 1:1s
//! logged, objectives done, tours completed, alumni added, rehired and
//! stopped — then every figure checked in JSON, CSV and HTML. And the
//! binary end to end: formats, files, pipes, workspaces, bad arguments.

mod common;

use alliance::commands::Request;
use alliance::domain::{TeamId, UserId};
use alliance::report::Report;
use alliance::store::Store;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::fake_slack::FakeSlack;
use common::{ADMIN, Bot, TEAM, drain, run_binary};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn team() -> TeamId {
    TeamId::parse(TEAM).unwrap()
}

fn u(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// The day the report is drawn up (a Tuesday).
fn report_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 6, 1).unwrap()
}

/// Runs one command through the engine, as any surface does, at `now`;
/// returns everything the answer says.
fn run(bot: &Bot, user: &str, command: &str, text: &str, now: DateTime<Utc>) -> String {
    let req = Request {
        team: team(),
        user: u(user),
        command: command.into(),
        text: text.into(),
    };
    let answer = bot.state().engine.handle(&req, now);
    let said = alliance::slack::blocks::to_json(&answer).to_string();
    assert!(
        !said.contains("Sorry, something went wrong"),
        "{command} {text}: {said}"
    );
    said
}

fn tour(bot: &Bot, user: &str, text: &str, now: DateTime<Utc>) -> String {
    run(bot, user, "/tour", text, now)
}

/// The member writes to the bot in its DM.
fn say(bot: &Bot, user: &str, text: &str, now: DateTime<Utc>) {
    assert!(
        bot.state()
            .engine
            .direct_message(&team(), &u(user), None, text, now)
            .unwrap()
    );
}

fn status(bot: &Bot, id: u64) -> String {
    let t = bot
        .store
        .tour(&team(), alliance::domain::TourId(id))
        .unwrap()
        .unwrap();
    serde_json::to_value(t.status)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// The workspace, told as it happened. Managers UMA and UMB; the tours,
/// by the ids they get:
///
/// | # | member | kind | dates | on 2027-06-01 |
/// |---|---|---|---|---|
/// | 1 | UANA | rotational | 2026-11-24 → 2027-07-31 | active, nothing planned; monthly check-ins |
/// | 2 | UBEN | transformational | 2026-06-01 → 2027-08-15 | active, next (#10) proposed |
/// | 3 | UCAT | rotational | 2026-09-01 → 2027-12-31 | leaving on 2027-07-15 |
/// | 4 | UEVA | rotational | 2026-06-01 → 2027-05-20 | ended, awaiting a decision |
/// | 5 | UFAY | foundational | from 2026-11-24 | active |
/// | 6 | UGUS | rotational | 1y | declined |
/// | 7 | UHAL | rotational | 2026-03-01 → 2027-10-31 | next (#11) agreed |
/// | 8 | UIDA | rotational | completed 2026-11-25 | alumnus, keep-in-touch overdue |
/// | 9 | UJO | rotational | completed 2026-12-15 | alumnus, boomerang |
/// | 10 | UBEN | rotational | 1y | proposed (next of #2) |
/// | 11 | UHAL | rotational | 1y | scheduled (next of #7) |
///
/// Every tour but #1 checks in once a year (none falls due here).
async fn story(bot: &Bot) {
    let t0 = at(2026, 11, 24, 9, 0);
    let mut clock = t0;
    let mut next = || {
        clock += chrono::Duration::seconds(10);
        clock
    };
    let proposals = [
        (
            "UMA",
            "<@UANA> rotational from 2026-11-24 to 2027-07-31 Run the payments team",
        ),
        (
            "UMA",
            "<@UBEN> transformational from 2026-06-01 to 2027-08-15 Rebuild search",
        ),
        (
            "UMB",
            "<@UCAT> rotational from 2026-09-01 to 2027-12-31 Keep the lights on",
        ),
        (
            "UMB",
            "<@UEVA> rotational from 2026-06-01 to 2027-05-20 Migrate the billing",
        ),
        ("UMB", "<@UFAY> foundational Keep the platform healthy"),
        ("UMA", "<@UGUS> rotational 1y Try support"),
        (
            "UMA",
            "<@UHAL> rotational from 2026-03-01 to 2027-10-31 Run the data team",
        ),
        (
            "UMB",
            "<@UIDA> rotational from 2026-01-05 to 2026-12-31 Close the books",
        ),
        (
            "UMB",
            "<@UJO> rotational from 2026-01-05 to 2027-01-31 Ship the app",
        ),
    ];
    for (manager, text) in proposals {
        let said = tour(bot, manager, &format!("propose {text}"), next());
        assert!(said.contains("Proposed tour"), "{said}");
    }
    // Objectives of both sides; only member-side ones of agreed tours
    // are the company's promises.
    for (id, side, text) in [
        (1, "company", "Ship the ledger"),
        (1, "member", "A conference talk"),
        (1, "member", "The course"),
        (2, "member", "A stretch assignment"),
        (2, "member", "Dropped later"),
        (5, "member", "A sabbatical"),
        (6, "member", "Mentoring, never agreed"),
        (8, "member", "Mentoring"),
    ] {
        let manager = if [1, 2, 6].contains(&id) {
            "UMA"
        } else {
            "UMB"
        };
        tour(
            bot,
            manager,
            &format!("objective {id} add {side} {text}"),
            next(),
        );
    }
    tour(bot, "UMA", "objective 2 remove 2", next());
    for (id, member) in [
        (1, "UANA"),
        (2, "UBEN"),
        (3, "UCAT"),
        (4, "UEVA"),
        (5, "UFAY"),
        (7, "UHAL"),
        (8, "UIDA"),
        (9, "UJO"),
    ] {
        tour(bot, member, &format!("accept {id}"), next());
        assert_eq!(status(bot, id), "active", "#{id}");
    }
    tour(bot, "UGUS", "decline 6 Not for me", next());
    assert_eq!(status(bot, 6), "declined");
    for (id, manager) in [(2, "UMA"), (3, "UMB"), (4, "UMB"), (5, "UMB"), (7, "UMA")] {
        let said = tour(bot, manager, &format!("checkin {id} every 12m"), next());
        assert!(said.contains("12 months"), "{said}");
    }
    tour(bot, "UFAY", "objective 5 done 1", next());
    // Weekly 1:1s, Wednesdays at 10:00 (UTC): the first is tomorrow.
    run(
        bot,
        "UMA",
        "/1on1",
        "<@UANA> every week on wednesday at 10:00",
        next(),
    );
    // An alumnus added by an admin, whose liaison (the admin) stops the
    // reminders.
    run(bot, ADMIN, "/alumni", "add <@UKIM> left 2026-10-01", next());
    run(bot, ADMIN, "/alumni", "stop <@UKIM>", next());
    drain(bot, next()).await;

    // #8 is completed early and its member joins the network the next day.
    let day = at(2026, 11, 25, 9, 0);
    tour(bot, "UMB", "complete 8 confirm", day);
    assert_eq!(status(bot, 8), "completed");
    run(bot, "UMB", "/alumni", "add <@UIDA>", at(2026, 11, 25, 9, 5));
    run(bot, "UMA", "/1on1", "done <@UANA>", at(2026, 11, 25, 11, 0));
    run(bot, "UMA", "/1on1", "skip <@UANA>", at(2026, 12, 2, 11, 0));
    tour(bot, "UMB", "complete 9 confirm", at(2026, 12, 15, 9, 0));
    run(bot, "UMB", "/alumni", "add <@UJO>", at(2026, 12, 15, 9, 5));
    // Stopped after four Wednesdays: two of them never logged.
    run(bot, "UMA", "/1on1", "stop <@UANA>", at(2026, 12, 20, 10, 0));

    // December: the scheduler asks UANA's first check-in; she answers.
    assert!(bot.tick(at(2026, 12, 24, 0, 0)).due >= 1);
    drain(bot, at(2026, 12, 24, 9, 0)).await;
    say(bot, "UANA", "On track", at(2026, 12, 24, 10, 0));
    say(bot, "UANA", "stop", at(2026, 12, 24, 10, 1));
    tour(
        bot,
        "UMA",
        "checkin 1 delivered 2 yes",
        at(2026, 12, 24, 11, 0),
    );
    drain(bot, at(2026, 12, 24, 11, 0)).await;
    assert_eq!(
        bot.store
            .checkins(&team(), alliance::domain::TourId(1))
            .unwrap()
            .len(),
        1
    );
    // January: asked (on Monday, the 24th is a Sunday), never answered.
    bot.tick(at(2027, 1, 24, 0, 0));
    drain(bot, at(2027, 1, 25, 9, 0)).await;
    // February: asked again; this time she answers.
    bot.tick(at(2027, 2, 24, 0, 0));
    drain(bot, at(2027, 2, 24, 9, 0)).await;
    say(bot, "UANA", "Better now", at(2027, 2, 24, 10, 0));
    say(bot, "UANA", "stop", at(2027, 2, 24, 10, 1));
    tour(
        bot,
        "UMA",
        "checkin 1 delivered 2 no",
        at(2027, 2, 24, 11, 0),
    );
    drain(bot, at(2027, 2, 24, 11, 0)).await;
    // The talk is given; March's check-in is notes; April's a conversation
    // UANA starts herself.
    tour(bot, "UANA", "objective 1 done 2", at(2027, 3, 1, 10, 0));
    run(
        bot,
        "UMB",
        "/alumni",
        "rehire <@UJO>",
        at(2027, 3, 1, 10, 5),
    );
    tour(
        bot,
        "UMA",
        "checkin 1 Talked in the corridor: all fine",
        at(2027, 3, 10, 10, 0),
    );
    tour(bot, "UANA", "checkin 1", at(2027, 4, 5, 10, 0));
    drain(bot, at(2027, 4, 5, 10, 0)).await;
    say(bot, "UANA", "Going well", at(2027, 4, 5, 10, 1));
    say(bot, "UANA", "stop", at(2027, 4, 5, 10, 2));
    tour(
        bot,
        "UMA",
        "checkin 1 delivered 3 partly",
        at(2027, 4, 5, 12, 0),
    );
    drain(bot, at(2027, 4, 5, 12, 0)).await;
    assert_eq!(
        bot.store
            .checkins(&team(), alliance::domain::TourId(1))
            .unwrap()
            .len(),
        4
    );

    // May: next tours, an exit, and fortnightly 1:1s with UCAT.
    let may = at(2027, 5, 3, 9, 0);
    run(
        bot,
        "UMB",
        "/1on1",
        "<@UCAT> every 2 weeks on monday at 15:00",
        may,
    );
    tour(
        bot,
        "UCAT",
        "leave 3 successor <@UDAN> on 2027-07-15",
        at(2027, 5, 3, 10, 0),
    );
    assert_eq!(status(bot, 3), "leaving");
    let said = tour(
        bot,
        "UMA",
        "next 2 rotational 1y Grow the search team",
        at(2027, 5, 3, 10, 1),
    );
    assert!(said.contains("#10"), "{said}");
    let said = tour(
        bot,
        "UMA",
        "next 7 rotational 1y Lead the next platform",
        at(2027, 5, 3, 10, 2),
    );
    assert!(said.contains("#11"), "{said}");
    tour(bot, "UHAL", "accept 11", at(2027, 5, 3, 10, 3));
    assert_eq!(status(bot, 7), "followed");
    run(bot, "UMB", "/1on1", "done <@UCAT>", at(2027, 5, 17, 16, 0));
    run(bot, "UMB", "/1on1", "moved <@UCAT>", at(2027, 5, 31, 16, 0));
    drain(bot, at(2027, 5, 31, 16, 0)).await;

    // What Slack says the people are called (delivery caches it; written
    // last, so no later lookup replaces it).
    for (who, name) in [
        ("UANA", "Ana \"<b>\" O'Neil"),
        ("UBEN", "<script>alert(1)</script>"),
        ("UMA", "=Maria, Manager"),
    ] {
        let mut cache = bot.store.user(&team(), &u(who)).unwrap();
        cache.name = Some(name.into());
        bot.store.save_user(&team(), &u(who), &cache).unwrap();
    }
}

/// `[(section, key, value)]` from the report's CSV, read as RFC 4180 says.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => {
                assert!(c != '\n' && c != '"', "a bare {c:?} in {field:?}");
                field.push(c);
            }
        }
    }
    assert!(field.is_empty() && row.is_empty(), "the last row ends");
    rows
}

fn csv_map(text: &str) -> BTreeMap<(String, String), String> {
    let rows = parse_csv(text);
    assert_eq!(rows[0], ["section", "key", "value"]);
    let mut map = BTreeMap::new();
    for row in &rows[1..] {
        assert_eq!(row.len(), 3, "{row:?}");
        let old = map.insert((row[0].clone(), row[1].clone()), row[2].clone());
        assert!(old.is_none(), "one row per section and key: {row:?}");
    }
    map
}

fn get<'a>(map: &'a BTreeMap<(String, String), String>, section: &str, key: &str) -> &'a str {
    map.get(&(section.to_string(), key.to_string()))
        .unwrap_or_else(|| panic!("no {section},{key}"))
}

/// Every figure of the CSV is in the HTML, in the cell named after it.
fn every_figure_is_shown(rows: &BTreeMap<(String, String), String>, html: &str) {
    let mut shown = 0;
    for ((s, k), v) in rows {
        if s == "report" || s == "names" || s.ends_with("_list") {
            continue;
        }
        let cell = format!("data-key=\"{s}:{k}\">{v}<");
        assert!(html.contains(&cell), "{cell} is not in the HTML");
        shown += 1;
    }
    assert!(shown >= 40, "{shown} figures");
}

fn section(map: &BTreeMap<(String, String), String>, name: &str) -> BTreeMap<String, String> {
    map.iter()
        .filter(|((s, _), _)| s == name)
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> BTreeMap<String, String> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn the_report_says_what_happened_in_json_csv_and_html() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, at(2026, 11, 24, 9, 0), None).await;
    story(&bot).await;
    let mut heard = Vec::new();
    let report = Report::build(&bot.store, &team(), report_day(), &mut |n| heard.push(n)).unwrap();
    assert!(heard.is_empty(), "progress is for large stores: {heard:?}");

    // JSON.
    let j: Value = serde_json::from_str(&report.json()).unwrap();
    assert_eq!(j["team"], TEAM);
    assert_eq!(j["today"], "2027-06-01");
    assert_eq!(j["tours"]["total"], 11);
    let by: BTreeMap<String, u64> = j["tours"]["by_kind_and_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ks| {
            (
                format!(
                    "{}.{}",
                    ks["kind"].as_str().unwrap(),
                    ks["status"].as_str().unwrap()
                ),
                ks["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: BTreeMap<String, u64> = [
        ("rotational.proposed", 1),
        ("rotational.scheduled", 1),
        ("rotational.active", 1),
        ("rotational.active_next_agreed", 1),
        ("rotational.leaving", 1),
        ("rotational.awaiting_decision", 1),
        ("rotational.completed", 2),
        ("rotational.declined", 1),
        ("transformational.active", 1),
        ("foundational.active", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(by, expected);

    let ending = j["ending"].as_array().unwrap();
    assert_eq!(ending.len(), 2);
    let exit = json!({"tour": 3, "member": "UCAT", "manager": "UMB", "kind": "rotational",
        "ends_on": "2027-07-15", "days_left": 44, "planned": "exit_planned"});
    let nothing = json!({"tour": 1, "member": "UANA", "manager": "UMA", "kind": "rotational",
        "ends_on": "2027-07-31", "days_left": 60, "planned": "nothing_planned"});
    let proposed = json!({"tour": 2, "member": "UBEN", "manager": "UMA", "kind": "transformational",
        "ends_on": "2027-08-15", "days_left": 75, "planned": "next_proposed", "next": 10});
    let agreed = json!({"tour": 7, "member": "UHAL", "manager": "UMA", "kind": "rotational",
        "ends_on": "2027-10-31", "days_left": 152, "planned": "next_agreed", "next": 11});
    assert_eq!(
        ending[0],
        json!({"days": 90, "count": 3, "next_agreed": 0, "next_proposed": 1, "exit_planned": 1,
            "nothing_planned": 1, "tours": [exit, nothing, proposed]})
    );
    assert_eq!(
        ending[1],
        json!({"days": 180, "count": 4, "next_agreed": 1, "next_proposed": 1, "exit_planned": 1,
            "nothing_planned": 1, "tours": [exit, nothing, proposed, agreed]})
    );
    assert_eq!(
        j["awaiting_decision"],
        json!([{"tour": 4, "member": "UEVA", "manager": "UMB", "kind": "rotational",
            "ended_on": "2027-05-20", "days_since_end": 12}])
    );
    // UIDA and UJO are alumni; everyone else has a tour under way.
    assert_eq!(
        j["without_running_tour"],
        json!([
            {"member": "UEVA", "last_tour": 4, "last_status": "awaiting_decision", "last_ends_on": "2027-05-20"},
            {"member": "UGUS", "last_tour": 6, "last_status": "declined"}
        ])
    );
    assert_eq!(
        j["checkins"],
        json!({"sent": 3, "answered": 2, "other_conversations": 1, "notes": 1, "by_month": [
            {"month": "2026-12", "sent": 1, "answered": 1, "other_conversations": 0, "notes": 0},
            {"month": "2027-01", "sent": 1, "answered": 0, "other_conversations": 0, "notes": 0},
            {"month": "2027-02", "sent": 1, "answered": 1, "other_conversations": 0, "notes": 0},
            {"month": "2027-03", "sent": 0, "answered": 0, "other_conversations": 0, "notes": 1},
            {"month": "2027-04", "sent": 0, "answered": 0, "other_conversations": 1, "notes": 0}
        ]})
    );
    assert_eq!(
        j["one_on_ones"],
        json!({"running": 1, "stopped": 1, "scheduled": 7, "held": 2, "skipped": 1, "moved": 1,
            "not_logged": 3, "by_manager": [
            {"manager": "UMA", "running": 0, "stopped": 1, "scheduled": 4, "held": 1, "skipped": 1,
                "moved": 0, "not_logged": 2},
            {"manager": "UMB", "running": 1, "stopped": 0, "scheduled": 3, "held": 1, "skipped": 0,
                "moved": 1, "not_logged": 1}
        ]})
    );
    assert_eq!(
        j["promises"],
        json!({"kept": 2, "open": 2, "left_open": 1, "by_kind": [
            {"kind": "rotational", "kept": 1, "open": 1, "left_open": 1},
            {"kind": "transformational", "kept": 0, "open": 1, "left_open": 0},
            {"kind": "foundational", "kept": 1, "open": 0, "left_open": 0}
        ], "delivered": {"yes": 1, "partly": 1, "no": 1, "not_answered": 3}})
    );
    assert_eq!(
        j["alumni"],
        json!({"count": 3, "keep_in_touch_overdue": 1, "reminders_off": 1, "boomerangs": 1,
            "overdue": [{"user": "UIDA", "liaison": "UMB", "last_touch": "2026-11-25", "due": "2027-05-25"}]})
    );
    assert_eq!(j["names"]["UANA"], "Ana \"<b>\" O'Neil");
    assert_eq!(j["names"]["UMA"], "=Maria, Manager");
    assert!(
        j["names"].get("UKIM").is_none(),
        "only people listed are named"
    );

    // CSV: the same figures, one row each.
    let csv = report.csv();
    assert!(csv.starts_with("section,key,value\r\n"), "{csv}");
    let rows = csv_map(&csv);
    let figure = |s: &str, k: &str| rows.get(&(s.to_string(), k.to_string())).cloned();
    assert_eq!(figure("report", "today").as_deref(), Some("2027-06-01"));
    assert_eq!(figure("tours", "total").as_deref(), Some("11"));
    let kinds_and_statuses: BTreeMap<String, u64> = section(&rows, "tours_by_kind_and_status")
        .into_iter()
        .map(|(k, v)| (k, v.parse().unwrap()))
        .collect();
    assert_eq!(kinds_and_statuses, expected);
    assert_eq!(
        section(&rows, "tours_by_kind"),
        pairs(&[
            ("rotational", "9"),
            ("transformational", "1"),
            ("foundational", "1")
        ])
    );
    assert_eq!(
        section(&rows, "ending_within_90_days"),
        pairs(&[
            ("count", "3"),
            ("next_agreed", "0"),
            ("next_proposed", "1"),
            ("exit_planned", "1"),
            ("nothing_planned", "1")
        ])
    );
    assert_eq!(
        figure("ending_within_180_days", "next_agreed").as_deref(),
        Some("1")
    );
    assert_eq!(
        section(&rows, "ending_within_180_days_list")
            .into_iter()
            .filter(|(k, _)| k.starts_with("7."))
            .collect::<BTreeMap<_, _>>(),
        pairs(&[
            ("7.member", "UHAL"),
            ("7.manager", "UMA"),
            ("7.kind", "rotational"),
            ("7.ends_on", "2027-10-31"),
            ("7.days_left", "152"),
            ("7.planned", "next_agreed"),
            ("7.next", "11")
        ])
    );
    assert!(
        !section(&rows, "ending_within_90_days_list").contains_key("7.member"),
        "152 days is not within 90"
    );
    assert_eq!(figure("awaiting_decision", "count").as_deref(), Some("1"));
    assert_eq!(
        figure("awaiting_decision_list", "4.days_since_end").as_deref(),
        Some("12")
    );
    assert_eq!(
        section(&rows, "without_running_tour_list"),
        pairs(&[
            ("UEVA.last_tour", "4"),
            ("UEVA.last_status", "awaiting_decision"),
            ("UEVA.last_ends_on", "2027-05-20"),
            ("UGUS.last_tour", "6"),
            ("UGUS.last_status", "declined")
        ])
    );
    assert_eq!(
        section(&rows, "checkins"),
        pairs(&[
            ("sent", "3"),
            ("answered", "2"),
            ("other_conversations", "1"),
            ("notes", "1")
        ])
    );
    assert_eq!(
        figure("checkins_by_month", "2027-01.sent").as_deref(),
        Some("1")
    );
    assert_eq!(
        figure("checkins_by_month", "2027-01.answered").as_deref(),
        Some("0")
    );
    assert_eq!(
        figure("one_on_ones_by_manager", "UMA.not_logged").as_deref(),
        Some("2")
    );
    assert_eq!(
        figure("one_on_ones_by_manager", "UMB.moved").as_deref(),
        Some("1")
    );
    assert_eq!(figure("one_on_ones", "scheduled").as_deref(), Some("7"));
    assert_eq!(
        figure("promises_by_kind", "rotational.left_open").as_deref(),
        Some("1")
    );
    assert_eq!(
        figure("promises_delivered", "not_answered").as_deref(),
        Some("3")
    );
    assert_eq!(
        figure("alumni", "keep_in_touch_overdue").as_deref(),
        Some("1")
    );
    assert_eq!(
        figure("alumni_overdue_list", "UIDA.due").as_deref(),
        Some("2027-05-25")
    );
    // Text is quoted, and never a formula.
    assert_eq!(
        figure("names", "UANA").as_deref(),
        Some("Ana \"<b>\" O'Neil")
    );
    assert_eq!(figure("names", "UMA").as_deref(), Some("'=Maria, Manager"));
    assert!(
        csv.contains("names,UANA,\"Ana \"\"<b>\"\" O'Neil\"\r\n"),
        "{csv}"
    );
    // Every figure is a whole number, and the JSON's.
    for ((s, k), v) in &rows {
        if s == "report" || s == "names" || s.ends_with("_list") {
            continue;
        }
        assert!(v.parse::<u64>().is_ok(), "{s},{k},{v}");
    }

    // HTML: one self-contained, well-formed file with every figure in place.
    let html = report.html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("well-formed: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "html");
    let lower = html.to_lowercase();
    for banned in [
        "<script", "http://", "https://", "<link", "<img", "@import", "url(", "src=", "href=",
    ] {
        assert!(!lower.contains(banned), "{banned} in the report");
    }
    every_figure_is_shown(&rows, &html);
    // Names escaped wherever they are shown.
    assert!(html.contains("Ana &quot;&lt;b&gt;&quot; O&#39;Neil <span class=\"id\">UANA</span>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<b>\""));
    // The soon-ending tours, with what is planned, soonest first.
    let table = &html[html.find("<h3>Within 180 days").unwrap()..];
    let rows_at: Vec<usize> = ["<td>#3</td>", "<td>#1</td>", "<td>#2</td>", "<td>#7</td>"]
        .iter()
        .map(|r| table.find(r).unwrap_or_else(|| panic!("{r}")))
        .collect();
    assert!(rows_at.windows(2).all(|w| w[0] < w[1]), "{rows_at:?}");
    assert!(table.contains("next tour proposed (#10)") && table.contains("next tour agreed (#11)"));
    assert!(table.contains("<tr class=\"nothing_planned\"><td>#1</td>"));
    // Two charts and the timeline, all inline.
    let svgs: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "svg")
        .collect();
    assert!(svgs.len() >= 3, "{} pictures", svgs.len());
    let charts = html.matches("<svg class=\"chart\"").count();
    assert_eq!(charts, 2);
    // The timeline is the picture of everyone, as `/tour timeline all` draws it.
    let tours = bot.store.tours_in_team(&team(), usize::MAX).unwrap();
    let alumni = bot.store.alumni(&team()).unwrap();
    let name_of = |p: &UserId| {
        bot.store
            .user(&team(), p)
            .unwrap()
            .name
            .unwrap_or_else(|| p.to_string())
    };
    let whole = alliance::picture::build("Everyone", &tours, &alumni, &name_of, report_day());
    assert_eq!(report.timeline().rows, whole.rows);
    assert!(html.contains(&format!(
        "{} people, a year back to two years ahead.",
        whole.rows.len()
    )));
    let bars: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("data-tour").is_some())
        .map(|n| n.attribute("data-tour").unwrap().to_string())
        .collect();
    for id in ["1", "2", "3", "4", "5", "7", "11"] {
        assert!(
            bars.iter().any(|b| b == id),
            "tour {id} is on the timeline: {bars:?}"
        );
    }
}

#[test]
fn the_timeline_draws_the_first_people_by_name_as_the_picture_would() {
    use alliance::domain::{Term, Tour, TourKind};
    let store = Store::in_memory();
    let today = report_day();
    let start = at(2027, 1, 4, 9, 0);
    let boss = u("UBOSS");
    // 530 people on tours (named so that name order is not id order),
    // 30 who only declined, and one who left in the window with no tour.
    for i in 0..560u32 {
        let member = u(&format!("UP{i}"));
        let declines = i >= 530;
        store
            .create_tour(&team(), |id| {
                let (tour, entry) = Tour::propose(
                    id,
                    &boss,
                    &member,
                    TourKind::ALL[i as usize % 3],
                    if i % 3 == 2 {
                        Term::OpenEnded
                    } else {
                        Term::Months(12)
                    },
                    "A mission",
                    start,
                )?;
                if declines {
                    tour.decline(&member, None, start)
                } else if i % 7 == 0 {
                    Ok((tour, entry))
                } else {
                    tour.accept(&member, start)
                }
            })
            .unwrap()
            .unwrap();
        let cache = alliance::store::outbox::UserCache {
            name: Some(format!("Person {}", (i * 7919) % 1000)),
            ..Default::default()
        };
        store.save_user(&team(), &member, &cache).unwrap();
    }
    store
        .change_alumnus(&team(), &u("UGONE"), start, |_| {
            alliance::domain::alumni::Alumnus::add(
                &u("UGONE"),
                &boss,
                Some(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
                None,
                None,
                &[],
                start,
            )
        })
        .unwrap()
        .unwrap();
    let report = Report::build(&store, &team(), today, &mut |_| {}).unwrap();
    let tours = store.tours_in_team(&team(), usize::MAX).unwrap();
    let alumni = store.alumni(&team()).unwrap();
    let name_of = |p: &UserId| {
        store
            .user(&team(), p)
            .unwrap()
            .name
            .unwrap_or_else(|| p.to_string())
    };
    let whole = alliance::picture::build("Everyone", &tours, &alumni, &name_of, today);
    // Proposals (one in seven) and declined tours draw no row.
    let people = (0..530).filter(|i| i % 7 != 0).count() + 1;
    assert_eq!(whole.rows.len(), people);
    let rows = |t: &alliance::picture::Timeline| -> Vec<alliance::picture::Row> {
        t.pages().into_iter().flat_map(|p| p.rows).collect()
    };
    let drawn = rows(report.timeline());
    assert_eq!(drawn.len(), 400);
    assert_eq!(
        drawn,
        rows(&whole),
        "the same rows as the whole picture's pages"
    );
    let html = report.html();
    assert!(
        html.contains(&format!(
            "{people} people, a year back to two years ahead; the first 400 by name are drawn, {} more are not",
            people - 400
        )),
        "{}",
        &html[html.find("id=\"timeline\"").unwrap()..][..400]
    );
    assert_eq!(html.matches("<svg width=\"1400\"").count(), 10, "ten pages");
}

#[test]
fn an_empty_workspace_reports_zeros_in_every_format() {
    let store = Store::in_memory();
    let report = Report::build(&store, &team(), report_day(), &mut |_| {}).unwrap();
    let j: Value = serde_json::from_str(&report.json()).unwrap();
    assert_eq!(j["tours"]["total"], 0);
    assert_eq!(j["ending"][0]["count"], 0);
    assert_eq!(j["checkins"]["sent"], 0);
    let rows = csv_map(&report.csv());
    assert_eq!(get(&rows, "alumni", "count"), "0");
    let html = report.html();
    roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(html.contains("No tours yet.") && !html.contains("<svg"));
    every_figure_is_shown(&rows, &html);
}

/// Runs `alliance` with `args` against `data`; returns code, stdout, stderr.
fn alliance(data: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--data", data.to_str().unwrap()];
    all.extend_from_slice(args);
    run_binary(&all, &[], "")
}

/// A stopped bot's data: two tours made in the shell, one of them accepted.
fn shell_data(team: &str) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let (code, _, err) = run_binary(
        &[
            "--data",
            data.path().to_str().unwrap(),
            "shell",
            "--team",
            team,
            "--as",
            "UMANAGER",
        ],
        &[],
        "/tour propose @UMEMBER rotational 3m Keep the lights on\n\
         /tour objective 1 add member A course\n\
         /tour propose @UOTHER transformational 2y Rebuild search\n\
         /as UMEMBER\n/tour accept 1\n",
    );
    assert_eq!(code, 0, "{err}");
    data
}

#[test]
fn alliance_report_writes_each_format_to_stdout_or_a_file() {
    let data = shell_data("TLOCAL");
    let today = Utc::now().date_naive();
    let (code, out, err) = alliance(data.path(), &["report", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("alliance: report on TLOCAL as of") && err.contains("2 tours"),
        "{err}"
    );
    let rows = csv_map(&out);
    assert_eq!(get(&rows, "tours", "total"), "2");
    assert_eq!(
        get(&rows, "tours_by_kind_and_status", "rotational.active"),
        "1"
    );
    assert_eq!(
        get(
            &rows,
            "tours_by_kind_and_status",
            "transformational.proposed"
        ),
        "1"
    );
    // Three months from today: within 90 days at most a day or two
    // either way, within 180 for sure.
    assert_eq!(get(&rows, "ending_within_180_days", "nothing_planned"), "1");
    assert_eq!(get(&rows, "without_running_tour", "count"), "1", "UOTHER");
    assert_eq!(get(&rows, "promises", "open"), "1");

    // The same report the library builds from the same data, as of today.
    let store = (0..100)
        .find_map(|_| {
            Store::open(data.path(), 8 << 20).ok().or_else(|| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                None
            })
        })
        .expect("the binary let go of the store");
    let local = TeamId::parse("TLOCAL").unwrap();
    let report = Report::build(&store, &local, today, &mut |_| {}).unwrap();
    let json_here: Value = serde_json::from_str(&report.json()).unwrap();
    drop(store);
    if Utc::now().date_naive() == today {
        assert_eq!(out, report.csv());
    }

    let (code, out, err) = alliance(data.path(), &["report", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["tours"], json_here["tours"]);
    assert_eq!(j["without_running_tour"][0]["member"], "UOTHER");

    // HTML is the default, into a file; nothing else is left beside it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    let (code, out, err) = alliance(data.path(), &["report", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains(&format!("to {}", file.display())), "{err}");
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(html.contains("data-key=\"tours:total\">2<"));
    assert!(!html.to_lowercase().contains("<script"));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["report.html"]);

    // Piped into a reader that stops early: quiet, and a success.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alliance"))
        .args(["--data", data.path().to_str().unwrap(), "report"])
        .env_clear()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let done = child.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&done.stderr), "");
}

#[test]
fn alliance_report_refuses_bad_arguments_with_exit_code_2_and_writes_nothing() {
    let data = shell_data("TLOCAL");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    let (code, out, err) = alliance(
        data.path(),
        &["report", "--format", "xml", "-o", file.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("invalid value 'xml' for '--format <FORMAT>'")
            && err.contains("[possible values: html, csv, json]"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let (code, out, err) = alliance(data.path(), &["report", "--team", "not-a-team"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "alliance: --team `not-a-team` is not a Slack team id (like T0123ABCD)\n"
    );
    let (code, _, err) = alliance(data.path(), &["report", "--team", "TELSEWHERE"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("holds no tours in workspace TELSEWHERE; it holds tours of TLOCAL"),
        "{err}"
    );

    // An empty directory has nothing to report on.
    let empty = tempfile::tempdir().unwrap();
    let (code, out, err) = alliance(empty.path(), &["report"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("holds no tours yet"), "{err}");
}

#[test]
fn alliance_report_needs_a_team_when_the_store_holds_two() {
    let data = shell_data("TLOCAL");
    let (code, _, err) = run_binary(
        &[
            "--data",
            data.path().to_str().unwrap(),
            "shell",
            "--team",
            "TOTHER",
            "--as",
            "UBOSS",
        ],
        &[],
        "/tour propose @UANA rotational 1y Elsewhere\n",
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = alliance(data.path(), &["report", "--format", "csv"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("holds tours of 2 workspaces (TLOCAL, TOTHER): choose one with --team"),
        "{err}"
    );
    let (code, out, err) = alliance(
        data.path(),
        &["report", "--team", "TOTHER", "--format", "csv"],
    );
    assert_eq!(code, 0, "{err}");
    let rows = csv_map(&out);
    assert_eq!(get(&rows, "report", "team"), "TOTHER");
    assert_eq!(get(&rows, "tours", "total"), "1");
}
