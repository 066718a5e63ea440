//! Data stewardship end to end: a store filled by real traffic (signed
//! commands, button clicks, scheduler ticks, deliveries to a fake Slack) is
//! exported, imported and exported again byte for byte; a person is erased
//! and the raw store is scanned for any trace of them; the CLI refuses what
//! it must; `/tour forget-me` erases with a button only its owner can press.

mod common;

use alliance::domain::schedule::Series;
use alliance::domain::{TeamId, TourId, UserId};
use alliance::store::Store;
use alliance::store::erase::RawEntry;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::fake_slack::FakeSlack;
use common::{Bot, TEAM};
use serde_json::Value;

const MANAGER: &str = "UMGR01";
/// The person erased in these tests; no other id contains these bytes.
const ANA: &str = "UANA01";
const BEN: &str = "UBEN02";
const CAT: &str = "UCAT03";
/// What Slack shows as Ana's name in a mention label, and the contact she
/// left as an alumna: neither may survive her erasure.
const ANA_NAME: &str = "ana.lovelace";
const ANA_CONTACT: &str = "ana@example.org";

fn u(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

fn team() -> TeamId {
    TeamId::parse(TEAM).unwrap()
}

/// A Tuesday morning in UTC.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()
}

/// Ana's last day on tour 3.
fn exit_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
}

/// Real traffic through the bot:
/// 1. manager → Ana, transformational, accepted, objectives (one done), her
///    name in a mention label in the mission and an objective; a check-in
///    recorded with notes naming her, and a check-in conversation the
///    manager starts that she answers once by DM (an Events API callback,
///    at the end);
/// 2. manager → Ben, accepted, objectives edited and removed and the
///    mission changed (naming Ana), then completed;
/// 3. manager → Ana, accepted beside tour 1 (older data), Ana leaves early
///    with Ben as successor and joins the alumni network with a personal
///    contact; the exit date comes, so she becomes an alumna;
/// 4. manager → Cat, unanswered: the "waiting" reminder fires; handed to
///    Ana as its manager and back by an admin;
/// 5. manager → Cat, declined with a reason that mentions Ana;
///
/// plus weekly 1:1s of the manager with Ana (an agenda item of hers, a 1:1
/// logged with notes naming her) and with Ben (an agenda item naming her),
/// deliveries (cached users, sent messages), snoozes (hers, and the
/// manager's of a series about her), a "Done", and Ana and Ben away.
async fn scenario(slack: &FakeSlack) -> Bot {
    let bot = Bot::with_slack(slack, start(), None).await;
    let store = bot.store.clone();
    let now = start();
    let mention = format!("<@{ANA}|{ANA_NAME}>");
    bot.tour(
        MANAGER,
        &format!("propose {mention} transformational 2y Lead the payments rewrite with {mention}"),
    )
    .await;
    bot.tour(MANAGER, "objective 1 add company Ship the new ledger")
        .await;
    bot.tour(
        MANAGER,
        &format!("objective 1 add member A course; ask {mention} which"),
    )
    .await;
    assert!(bot.tour(ANA, "accept 1").await.contains("You accepted"));
    bot.tour(ANA, "objective 1 done 1").await;
    bot.tour(ANA, &format!("checkin 1 Good month; ask {mention}"))
        .await;
    bot.tour(MANAGER, "checkin 1").await;

    bot.tour(
        MANAGER,
        &format!("propose <@{BEN}> rotational 1y Run support"),
    )
    .await;
    bot.tour(BEN, "accept 2").await;
    bot.tour(MANAGER, "objective 2 add company Answer every ticket")
        .await;
    bot.tour(
        BEN,
        &format!("objective 2 edit 1 Answer every ticket; pair with {mention}"),
    )
    .await
    .assert_well_formed();
    bot.tour(BEN, "objective 2 add member A course").await;
    bot.tour(MANAGER, "objective 2 remove 2")
        .await
        .assert_well_formed();
    bot.tour(BEN, &format!("mission 2 Run support with {mention}"))
        .await
        .assert_well_formed();
    store
        .update_tour(&team(), TourId(2), |t| t.complete(&u(MANAGER), now))
        .unwrap()
        .unwrap();

    // A second tour of hers running beside the first: data from before a
    // member had one tour at a time (the bot refuses it now), written
    // through the store's single-tour path, as an older Alliance did.
    store
        .create_tour(&team(), |id| {
            alliance::domain::Tour::propose(
                id,
                &u(MANAGER),
                &u(ANA),
                alliance::domain::TourKind::Rotational,
                alliance::domain::Term::Months(18),
                "Second tour",
                now,
            )
        })
        .unwrap()
        .unwrap();
    store
        .update_tour(&team(), TourId(3), |t| t.accept(&u(ANA), now))
        .unwrap()
        .unwrap();
    store
        .update_tour(&team(), TourId(3), |t| {
            t.leave(
                &u(ANA),
                &u(BEN),
                Some(exit_day()),
                Some(&format!("Runbook in the wiki; ask <@{ANA}> before the 4th")),
                now,
            )
        })
        .unwrap()
        .unwrap();
    store
        .update_tour(&team(), TourId(3), |t| {
            t.answer_alumni(&u(ANA), true, Some(ANA_CONTACT), now)
        })
        .unwrap()
        .unwrap();

    bot.tour(
        MANAGER,
        &format!("propose <@{CAT}> rotational 1y Cat's tour"),
    )
    .await;
    // Tour 4 is handed to Ana and back: she managed it before.
    bot.tour(MANAGER, &format!("reassign 4 <@{ANA}>"))
        .await
        .assert_well_formed();
    bot.tour(common::ADMIN, &format!("reassign 4 <@{MANAGER}>"))
        .await
        .assert_well_formed();
    bot.tour(MANAGER, &format!("propose <@{CAT}> rotational 1y Another"))
        .await;
    bot.tour(CAT, &format!("decline 5 Ask <@{ANA}|{ANA_NAME}> instead"))
        .await;

    for person in [ANA, BEN] {
        bot.command(
            MANAGER,
            "/1on1",
            &format!("<@{person}> every week on tuesday at 10:00"),
        )
        .await
        .assert_well_formed();
    }
    bot.command(
        ANA,
        "/1on1",
        &format!("agenda <@{MANAGER}> add My next tour"),
    )
    .await
    .assert_well_formed();
    bot.command(
        MANAGER,
        "/1on1",
        &format!("agenda <@{BEN}> add Pair with {mention} on the runbook"),
    )
    .await
    .assert_well_formed();
    bot.command(
        MANAGER,
        "/1on1",
        &format!("done <@{ANA}> {mention} wants to present at the offsite"),
    )
    .await
    .assert_well_formed();

    store
        .snooze(
            &team(),
            TourId(1),
            &Series::Ending(180),
            &u(ANA),
            1,
            now + Duration::days(30),
            now,
        )
        .unwrap();
    // The liaison's snooze of a series about her.
    store
        .snooze(
            &team(),
            TourId(0),
            &Series::KeepInTouch(u(ANA), 1),
            &u(MANAGER),
            1,
            now + Duration::days(30),
            now,
        )
        .unwrap();
    store
        .dismiss(&team(), TourId(1), "ending", &u(MANAGER), now)
        .unwrap();
    store
        .dismiss(&team(), TourId(1), "ended", &u(ANA), now)
        .unwrap();

    // Ben is away over the holidays; Ana until the new year.
    for (who, back) in [(BEN, "2027-01-04"), (ANA, "2027-01-04")] {
        bot.tour(who, &format!("away until {back}"))
            .await
            .assert_well_formed();
    }

    bot.deliver(now).await;
    let report = bot.tick(now + Duration::days(4));
    assert!(
        report.enqueued > 0,
        "the waiting reminder fired: {report:?}"
    );
    bot.deliver(now + Duration::days(6)).await;
    let last_day = exit_day().and_hms_opt(1, 0, 0).unwrap().and_utc();
    bot.tick(last_day);
    bot.deliver(last_day + Duration::hours(8)).await;

    // Ana answers the check-in's first question (after the ticks, which
    // forget event ids older than a day).
    let dm = serde_json::json!({
        "type": "event_callback", "team_id": TEAM, "event_id": "Ev0STEWARD",
        "event": {"type": "message", "channel_type": "im", "channel": "DUANA01",
                  "user": ANA, "text": format!("On track, says {mention}"), "ts": "1.2"}
    });
    let answered = bot
        .post_signed(dm.to_string().as_bytes(), "application/json")
        .await;
    assert_eq!(answered.status(), 200);
    let tour = store.tour(&team(), TourId(3)).unwrap().unwrap();
    assert_eq!(tour.status, alliance::domain::Status::Left, "Ana left");
    let users = store.user(&team(), &u(ANA)).unwrap();
    assert!(users.dm_channel.is_some(), "Ana's DM channel is cached");
    bot
}

fn export(store: &Store, person: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    store
        .export(person.map(u).as_ref(), &mut out, &mut |_| {})
        .unwrap();
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Every raw entry that holds one of `needles`, described.
fn traces(entries: &[RawEntry], needles: &[&str]) -> Vec<String> {
    entries
        .iter()
        .filter_map(|(tree, k, v)| {
            let hit = needles.iter().find(|n| contains(k, n) || contains(v, n))?;
            Some(format!(
                "{hit} in {}: {} => {}",
                tree.name(),
                String::from_utf8_lossy(k),
                String::from_utf8_lossy(v)
            ))
        })
        .collect()
}

#[tokio::test]
async fn export_then_import_into_an_empty_store_then_export_is_byte_identical() {
    let slack = FakeSlack::start().await;
    let bot = scenario(&slack).await;
    let first = export(&bot.store, None);
    let json: Value = serde_json::from_slice(&first).unwrap();
    for section in [
        "tours",
        "workspaces",
        "reminders",
        "outbox",
        "users",
        "dismissed",
        "alumni",
        "checkins",
        "chats",
        "events",
        "one_on_ones",
        "snoozes",
        "away",
    ] {
        assert!(
            !json[section].as_array().unwrap().is_empty(),
            "the scenario fills `{section}`"
        );
    }
    assert_eq!(json["format"], "alliance-export");
    assert_eq!(json["version"], 1);
    let ana_alumna = &json["alumni"][0]["alumnus"];
    assert_eq!(
        (ana_alumna["user"].as_str(), ana_alumna["contact"].as_str()),
        (Some(ANA), Some(ANA_CONTACT))
    );
    let history = json["tours"][0]["history"].as_array().unwrap();
    assert_eq!(history.len(), 6, "tour 1 travels with its history");

    let dir = tempfile::tempdir().unwrap();
    let restored = Store::open(dir.path(), 16 << 20).unwrap();
    restored.import(&first, &mut |_| {}).unwrap();
    let second = export(&restored, None);
    assert!(
        first == second,
        "the round trip changed the export:\n{}\n---\n{}",
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second)
    );
    // Stronger: the raw stores are the same, so the derived indexes that
    // the export leaves out (parties, outbox-due) were rebuilt exactly. Only
    // the machine's own note of its bot token's workspace stays behind.
    let machine_only = |(tree, k, _): &(alliance::store::TreeName, Vec<u8>, Vec<u8>)| {
        !(tree.name() == "meta" && k.as_slice() == b"bot-workspace")
    };
    let (a, b): (Vec<_>, Vec<_>) = (
        bot.store
            .raw_entries()
            .unwrap()
            .into_iter()
            .filter(machine_only)
            .collect(),
        restored.raw_entries().unwrap(),
    );
    let differ: Vec<_> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .map(|(x, _)| x.0.name())
        .collect();
    assert!(
        a.len() == b.len() && differ.is_empty(),
        "{} vs {} raw entries; differing in {differ:?}",
        a.len(),
        b.len()
    );

    let err = restored.import(&first, &mut |_| {}).unwrap_err();
    assert!(
        err.is_refusal() && err.to_string().contains("not empty"),
        "{err}"
    );
}

#[tokio::test]
async fn a_person_export_holds_their_tours_and_nobody_elses() {
    let slack = FakeSlack::start().await;
    let bot = scenario(&slack).await;
    let tour_ids = |json: &Value| -> Vec<u64> {
        json["tours"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tour"]["id"].as_u64().unwrap())
            .collect()
    };
    let cat: Value = serde_json::from_slice(&export(&bot.store, Some(CAT))).unwrap();
    assert_eq!(cat["person"], CAT);
    assert_eq!(tour_ids(&cat), [4, 5]);
    assert!(
        cat["outbox"].to_string().contains("tour:4:waiting:UCAT03"),
        "the reminder that fired for her: {}",
        cat["outbox"]
    );
    for r in cat["reminders"].as_array().unwrap() {
        assert!(r["recipients"].to_string().contains(CAT), "{r}");
    }
    for m in cat["outbox"].as_array().unwrap() {
        assert_eq!(m["notice"]["to"], CAT, "{m}");
    }
    for section in ["users", "dismissed", "snoozes", "away"] {
        for r in cat[section].as_array().unwrap() {
            assert_eq!(r["user"], CAT, "{r}");
        }
    }
    assert!(cat["alumni"].as_array().unwrap().is_empty());
    assert!(cat["workspaces"].as_array().unwrap().is_empty());

    // A successor's export holds the tour they take over.
    let ben: Value = serde_json::from_slice(&export(&bot.store, Some(BEN))).unwrap();
    assert_eq!(tour_ids(&ben), [2, 3]);
    let ana: Value = serde_json::from_slice(&export(&bot.store, Some(ANA))).unwrap();
    assert_eq!(tour_ids(&ana), [1, 3, 4], "4: she managed it for a while");
    let pairs = |json: &Value| -> Vec<String> {
        json["one_on_ones"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["one_on_one"]["member"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(pairs(&ana), [ANA], "her 1:1 only");
    assert_eq!(pairs(&ben), [BEN]);
    assert!(pairs(&cat).is_empty());
    assert_eq!(ana["alumni"][0]["alumnus"]["contact"], ANA_CONTACT);

    // For reading only.
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(dir.path(), 16 << 20)
        .unwrap()
        .import(&export(&bot.store, Some(ANA)), &mut |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("one person"), "{err}");
}

#[tokio::test]
async fn erasing_a_person_leaves_no_trace_and_the_other_party_keeps_the_tour() {
    let slack = FakeSlack::start().await;
    let bot = scenario(&slack).await;
    let needles = [ANA, ANA_NAME, ANA_CONTACT];
    let before = traces(&bot.store.raw_entries().unwrap(), &needles);
    assert!(
        before.len() > 10 && needles.iter().all(|n| before.iter().any(|t| t.contains(n))),
        "the scenario spreads Ana everywhere: {before:#?}"
    );

    let done = bot.store.erase_person(&u(ANA), Some(&team())).unwrap();
    assert_eq!(done.tours_kept, 2);
    assert_eq!(done.placeholders, vec![(team(), u("UERASED1"))]);
    let left = traces(&bot.store.raw_entries().unwrap(), &needles);
    assert!(left.is_empty(), "traces left: {left:#?}");

    let show = bot.tour(MANAGER, "show 1").await;
    assert!(
        show.contains("<@UERASED1>") && show.contains("Lead the payments rewrite"),
        "{}",
        show.text()
    );
    let history = bot.tour(MANAGER, "history 1").await;
    assert!(history.contains("<@UERASED1>"), "{}", history.text());
    let list = bot.tour(MANAGER, "list").await;
    assert!(
        list.contains("<@UERASED1>") && list.contains("Second tour"),
        "{}",
        list.text()
    );
    assert!(
        bot.tour(ANA, "list")
            .await
            .contains("You have no tours yet"),
        "nothing of hers is listed under her id"
    );
    let one_on_ones = bot.command(MANAGER, "/1on1", "list").await;
    assert!(
        one_on_ones.contains(&format!("<@{BEN}>")) && !one_on_ones.contains("UERASED"),
        "her 1:1 went with her; Ben's stays: {}",
        one_on_ones.text()
    );
    let successor = bot.store.tour(&team(), TourId(3)).unwrap().unwrap();
    let exit = successor.exit.unwrap();
    assert_eq!(exit.successor, u(BEN), "the successor is kept");
    assert_eq!(exit.alumni.unwrap().contact, None, "her contact is gone");

    // The placeholder is owed nothing when the other party changes the tour.
    bot.store
        .update_tour(&team(), TourId(1), |t| t.complete(&u(MANAGER), bot.now()))
        .unwrap()
        .unwrap();
    let owed: Vec<_> = bot
        .store
        .outbox_all()
        .unwrap()
        .into_iter()
        .filter(|e| e.key.starts_with("tour:1:completed"))
        .map(|e| e.recipient().to_string())
        .collect();
    assert_eq!(owed, [MANAGER]);

    // The export is still exact after an erase, placeholder counter included.
    let first = export(&bot.store, None);
    assert!(contains(&first, "\"erased\":1"));
    let dir = tempfile::tempdir().unwrap();
    let restored = Store::open(dir.path(), 16 << 20).unwrap();
    restored.import(&first, &mut |_| {}).unwrap();
    assert!(first == export(&restored, None));

    // Erasing the manager too: the next placeholder, and still no trace.
    let done = bot.store.erase_person(&u(MANAGER), None).unwrap();
    assert_eq!(done.placeholders, vec![(team(), u("UERASED2"))]);
    assert!(traces(&bot.store.raw_entries().unwrap(), &[MANAGER]).is_empty());
    let alumna = bot
        .store
        .raw_entries()
        .unwrap()
        .into_iter()
        .filter(|(tree, _, _)| tree.name() == "alumni")
        .count();
    assert_eq!(alumna, 0, "Ana's alumni record went with her");
}

/// Runs the binary on `data` with `args`, feeding `stdin`.
fn run(data: &std::path::Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let data = data.to_str().expect("a UTF-8 temp path");
    common::run_binary(args, &[("ALLIANCE_DATA_DIR", data)], stdin)
}

#[test]
fn the_cli_exports_imports_only_into_an_empty_store_and_erases() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    run(
        d,
        &["shell", "--as", "UMANAGER"],
        "/tour propose @UMEMBER rotational 1y Keep the lights on\n\
         /tour propose @UOTHER rotational 1y Someone else's tour\n",
    );
    run(d, &["shell", "--as", "UMEMBER"], "/tour accept 1\n");

    let (code, json, err) = run(d, &["export"], "");
    assert_eq!(code, 0, "{err}");
    assert!(json.contains("\"format\": \"alliance-export\""), "{json}");
    assert!(err.contains("exported: 2 tours"), "{err}");
    let file = d.join("backup.json");
    let (code, out, _) = run(d, &["export", "--output", file.to_str().unwrap()], "");
    assert_eq!((code, out.as_str()), (0, ""), "the file, not stdout");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), json);

    let (code, csv, _) = run(d, &["export", "--format", "csv", "--person", "UOTHER"], "");
    assert_eq!(code, 0);
    assert_eq!(
        csv.lines().count(),
        2,
        "a header and UOTHER's one tour: {csv}"
    );
    assert!(
        csv.contains("TLOCAL,2,UMANAGER,UOTHER,rotational,proposed"),
        "{csv}"
    );

    let (code, _, err) = run(d, &["import", file.to_str().unwrap()], "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not empty") && err.contains("nothing was imported"),
        "{err}"
    );

    let fresh = tempfile::tempdir().unwrap();
    let (code, out, err) = run(fresh.path(), &["import", "-"], &json);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Imported 2 tours"), "{out}");
    let (_, again, _) = run(fresh.path(), &["export"], "");
    assert_eq!(again, json, "byte-identical after the round trip");

    let other = tempfile::tempdir().unwrap();
    let newer = json.replace("\"version\": 1", "\"version\": 2");
    let (code, _, err) = run(other.path(), &["import", "-"], &newer);
    assert_eq!(code, 2);
    assert!(err.contains("format version 2"), "{err}");
    let (code, _, err) = run(other.path(), &["import", "-"], "not json");
    assert_eq!(code, 2);
    assert!(err.contains("not an Alliance export"), "{err}");

    for bad in [
        vec!["export", "--person", "bob"],
        vec!["erase", "--person", "@UMEMBER"],
        vec!["erase", "--person", "UMEMBER", "--team", "nope"],
        vec!["erase", "--person", "UERASED1"],
    ] {
        let (code, out, err) = run(d, &bad, "");
        assert_eq!(code, 2, "{bad:?}: {out} {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, _, _) = run(d, &["export", "--format", "xml"], "");
    assert_eq!(code, 2, "clap refuses an unknown format");

    let (code, out, err) = run(d, &["erase", "--person", "UMEMBER"], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Erased UMEMBER") && out.contains("UERASED1"),
        "{out}"
    );
    let store = Store::open(d, 16 << 20).unwrap();
    let left = traces(&store.raw_entries().unwrap(), &["UMEMBER"]);
    assert!(left.is_empty(), "{left:#?}");
    drop(store);
    let (code, out, _) = run(d, &["erase", "--person", "UMEMBER"], "");
    assert_eq!(code, 0);
    assert!(out.contains("Nothing about UMEMBER is stored"), "{out}");
}

#[tokio::test]
async fn forget_me_erases_only_when_its_owner_confirms() {
    use alliance::commands::notify::FORGET_ME;
    let slack = FakeSlack::start().await;
    let bot = scenario(&slack).await;
    let needles = [ANA, ANA_NAME, ANA_CONTACT];

    let prompt = bot.tour(ANA, "forget-me").await;
    assert_eq!(prompt.0["response_type"], "ephemeral");
    assert!(
        prompt.contains("Erase your data") && prompt.contains("Your *2 tours* stay"),
        "{}",
        prompt.text()
    );
    let (_, value) = common::find_action(&prompt.0["blocks"], FORGET_ME).unwrap();
    assert_eq!(value.as_deref(), Some(ANA));
    assert!(prompt.0.to_string().contains("\"style\":\"danger\""));
    assert!(
        !traces(&bot.store.raw_entries().unwrap(), &needles).is_empty(),
        "asking erases nothing"
    );

    // Someone else's click on her button is refused, privately, and changes nothing.
    let before = bot.store.raw_entries().unwrap();
    assert_eq!(
        bot.click_ephemeral(&slack, BEN, &prompt, FORGET_ME).await,
        200
    );
    let after = bot.store.raw_entries().unwrap();
    let new: Vec<_> = after.iter().filter(|e| !before.contains(e)).collect();
    assert!(
        new.iter()
            .all(|(tree, k, v)| tree.name().starts_with("outbox")
                && (v.as_slice() == BEN.as_bytes()
                    || contains(v, "Only the person whose data it is"))
                && !contains(k, ANA)),
        "only a note to the stranger was added: {new:?}"
    );
    assert!(
        before.iter().all(|e| after.contains(e)),
        "nothing was removed"
    );
    let notes: Vec<_> = bot
        .store
        .outbox_all()
        .unwrap()
        .into_iter()
        .filter(|e| e.recipient().as_str() == BEN && e.key.contains(":note:"))
        .filter(|e| !e.key.contains(":note:1on1:"))
        .collect();
    assert_eq!(
        notes.len(),
        1,
        "the stranger is told why (besides his 1:1's setup)"
    );

    // Nobody erases someone else from Slack, admins included.
    let refused = bot
        .tour(common::ADMIN, &format!("forget-me <@{ANA}>"))
        .await;
    refused.assert_refused("You can only erase your own data here.");
    assert!(refused.contains("alliance erase"), "{}", refused.text());

    // Her own click erases her and replaces the prompt.
    assert_eq!(
        bot.click_ephemeral(&slack, ANA, &prompt, FORGET_ME).await,
        200
    );
    let left = traces(&bot.store.raw_entries().unwrap(), &needles);
    assert!(left.is_empty(), "traces left: {left:#?}");
    let responded = common::responded(&slack, 0).await;
    assert_eq!(responded.body["replace_original"], true);
    assert!(
        responded.body["text"]
            .as_str()
            .unwrap()
            .contains("Your data was erased"),
        "{}",
        responded.body
    );
    assert_eq!(slack.calls_to("respond").len(), 1, "only for her own click");
    assert!(
        bot.tour(MANAGER, "show 1").await.contains("<@UERASED1>"),
        "the manager keeps the tour"
    );

    // Pressed again (a replay, a second tap): nothing more to erase, and it
    // says so; the store does not change.
    let before = bot.store.raw_entries().unwrap();
    assert_eq!(
        bot.click_ephemeral(&slack, ANA, &prompt, FORGET_ME).await,
        200
    );
    let again = common::responded(&slack, 1).await;
    let said = again.body["text"].as_str().unwrap();
    assert!(said.contains("nothing of yours left to erase"), "{said}");
    assert!(
        bot.store.raw_entries().unwrap() == before,
        "nothing changed"
    );
}

#[test]
fn a_refused_import_leaves_no_data_directory_behind_and_an_existing_one_as_it_was() {
    let parent = tempfile::tempdir().unwrap();
    let missing = parent.path().join("restored");
    let bad = parent.path().join("bad.json");
    std::fs::write(&bad, "{\"format\": \"alliance-export\", \"version\": 2}").unwrap();
    for file in [bad.to_str().unwrap(), "-"] {
        let (code, _, err) = run(&missing, &["import", file], "not json");
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("nothing was imported"), "{err}");
        assert!(!missing.exists(), "no empty data directory is left behind");
    }

    // A directory that existed (empty) before is left exactly as it was.
    let existing = tempfile::tempdir().unwrap();
    let (code, _, err) = run(existing.path(), &["import", bad.to_str().unwrap()], "");
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        std::fs::read_dir(existing.path()).unwrap().count(),
        0,
        "nothing was written into it"
    );

    // A good file still creates the directory it restores into.
    let source = tempfile::tempdir().unwrap();
    run(
        source.path(),
        &["shell", "--as", "UMANAGER"],
        "/tour propose @UMEMBER rotational 1y Keep the lights on\n\
         /tour propose @UOTHER rotational 1y Someone else's tour\n",
    );
    let (_, json, _) = run(source.path(), &["export"], "");
    let (code, out, err) = run(&missing, &["import", "-"], &json);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Imported 2 tours"), "{out}");
    assert!(missing.exists());
}

#[test]
fn erase_dry_run_says_what_would_go_and_changes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    run(
        d,
        &["shell", "--as", "UMANAGER"],
        "/tour propose @UMEMBER rotational 1y Keep the lights on\n\
         /tour propose @UOTHER rotational 1y Someone else's tour\n\
         /tour propose @UMEMBER rotational 2y A second one\n",
    );
    run(d, &["shell", "--as", "UMEMBER"], "/tour accept 1\n");
    let raw = |d: &std::path::Path| {
        let store = Store::open(d, 16 << 20).unwrap();
        store.raw_entries().unwrap()
    };
    let before = raw(d);

    let (code, out, err) = run(d, &["erase", "--person", "UMEMBER", "--dry-run"], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Dry run") && out.contains("nothing was changed"),
        "{out}"
    );
    assert!(
        out.contains("tours: 2 rewritten") && out.contains("outbox:"),
        "counts per kind: {out}"
    );
    assert!(
        out.contains("UERASED1 would stand in their place in tours #1, #3"),
        "{out}"
    );
    assert!(raw(d) == before, "the raw store is exactly as it was");

    // The real erase does what the dry run said.
    let (code, real, err) = run(d, &["erase", "--person", "UMEMBER"], "");
    assert_eq!(code, 0, "{err}");
    assert!(real.contains("UERASED1"), "{real}");
    let (_, again, _) = run(d, &["erase", "--person", "UMEMBER", "--dry-run"], "");
    assert!(again.contains("Nothing about UMEMBER is stored"), "{again}");
}

/// Scheduled and followed tours, moved and called off, travel through an
/// export and back unchanged (their status, dates and history events).
#[tokio::test]
async fn scheduled_and_followed_tours_round_trip() {
    let slack = FakeSlack::start().await;
    let bot = Bot::with_slack(&slack, start(), None).await;
    for (member, first, next) in [(BEN, 1, 2), (CAT, 3, 4)] {
        bot.tour(
            MANAGER,
            &format!("propose <@{member}> rotational from 2026-11-01 to 2027-06-30 Run support"),
        )
        .await
        .assert_well_formed();
        bot.tour(member, &format!("accept {first}")).await;
        bot.tour(
            MANAGER,
            &format!("next {first} rotational 1y Then the new region"),
        )
        .await
        .assert_well_formed();
        assert!(
            bot.tour(member, &format!("accept {next}"))
                .await
                .contains("It is scheduled")
        );
    }
    bot.tour(BEN, "extend 1 2m").await.assert_well_formed();
    bot.tour(MANAGER, "withdraw 4").await.assert_well_formed();
    let first = export(&bot.store, None);
    let text = String::from_utf8_lossy(&first);
    for needle in [
        "\"followed\"",
        "\"next_agreed\"",
        "\"rescheduled\"",
        "\"called_off\"",
        "\"next_called_off\"",
    ] {
        assert!(text.contains(needle), "{needle} in the export");
    }
    let dir = tempfile::tempdir().unwrap();
    let restored = Store::open(dir.path(), 16 << 20).unwrap();
    restored.import(&first, &mut |_| {}).unwrap();
    assert!(
        first == export(&restored, None),
        "the round trip changed the export"
    );
    assert!(
        bot.store.raw_entries().unwrap() == restored.raw_entries().unwrap(),
        "the rebuilt indexes match"
    );
}

// ---- Whatever reaches the store through the HTTP interface restores ----

mod restorable {
    use super::*;
    use proptest::prelude::*;

    const PEOPLE: [&str; 4] = ["UALICE", "UBOB", "UCAROL", common::ADMIN];

    /// One signed request, as Slack (or someone with the secret) could send it.
    #[derive(Clone, Debug)]
    enum Input {
        Command {
            user: usize,
            command: usize,
            text: String,
        },
        Event {
            user: usize,
            event_id: String,
            text: String,
        },
        Click {
            user: usize,
            action: usize,
            value: String,
        },
    }

    const COMMANDS: [&str; 3] = ["/tour", "/1on1", "/alumni"];
    const ACTIONS: [&str; 16] = [
        "tour.accept",
        "tour.decline",
        "reminder.snooze_week",
        "reminder.done",
        "tour.accept_handover",
        "alumni.decline",
        "alumni.touch",
        "alumni.stop",
        "privacy.forget_me",
        "tour.complete",
        "alumni.remove",
        "checkin.later",
        "checkin.snooze_week",
        "checkin.delivered_yes",
        "oneonone.skipped",
        "home.page",
    ];

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop::sample::select(vec![
                "propose", "accept", "decline", "withdraw", "objective", "add", "done", "undo",
                "edit", "remove", "list", "team", "all", "show", "history", "extend", "complete",
                "next", "leave", "successor", "checkin", "every", "talk", "mission", "reassign",
                "rotational", "transformational", "foundational", "1y", "18m", "2y", "6 months",
                "from", "to", "2026-11-24", "2027-01-10", "2020-01-01", "on", "week", "month",
                "tuesday", "at", "10:00", "tz", "Europe/Berlin", "agenda", "skip", "stop",
                "company", "member", "left", "liaison", "touch", "rehire", "1", "2", "3", "99",
                "<@UBOB>", "<@UALICE|alice>", "<@UCAROL>", "@bob", "&amp;", "&lt;b&gt;",
                "forget-me", "confirm", "yes",
            ])
            .prop_map(str::to_string),
            1 => "\\PC{0,12}",
            1 => prop::sample::select(vec!["\u{0}", "Führung", "💥", "\u{202e}", "a\u{0}b", "\"", "\\"])
                .prop_map(str::to_string),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(word(), 0..8).prop_map(|w| w.join(" "))
    }

    fn input() -> impl Strategy<Value = Input> {
        let user = 0..PEOPLE.len();
        prop_oneof![
            6 => (user.clone(), 0..COMMANDS.len(), text())
                .prop_map(|(user, command, text)| Input::Command { user, command, text }),
            2 => (
                user.clone(),
                prop_oneof![
                    Just(String::new()),
                    Just("\u{0}".to_string()),
                    "Ev[0-9A-Z]{1,10}",
                    "\\PC{0,16}",
                ],
                text()
            )
                .prop_map(|(user, event_id, text)| Input::Event { user, event_id, text }),
            2 => (user, 0..ACTIONS.len(), prop_oneof![
                "[0-9]{1,2}",
                "[0-9]{1,2}\\|(waiting|ending|checkin|ended)\\|[0-9]",
                "[0-9]\\|U(ALICE|BOB|CAROL)",
                "\\PC{0,10}",
            ])
                .prop_map(|(user, action, value)| Input::Click { user, action, value }),
        ]
    }

    async fn send(bot: &Bot, input: &Input) -> u16 {
        match input {
            Input::Command {
                user,
                command,
                text,
            } => {
                let body = common::slash_body(PEOPLE[*user], COMMANDS[*command], text);
                bot.post_signed(body.as_bytes(), common::FORM)
                    .await
                    .status()
                    .as_u16()
            }
            Input::Event {
                user,
                event_id,
                text,
            } => {
                let body = serde_json::json!({
                    "token": "legacy", "team_id": TEAM, "api_app_id": "A0APP",
                    "type": "event_callback", "event_id": event_id, "event_time": 1795000000,
                    "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": true}],
                    "event": {
                        "type": "message", "channel_type": "im", "channel": format!("D{}", PEOPLE[*user]),
                        "user": PEOPLE[*user], "text": text, "ts": "1795000000.000100",
                    }
                });
                bot.post_signed(body.to_string().as_bytes(), "application/json")
                    .await
                    .status()
                    .as_u16()
            }
            Input::Click {
                user,
                action,
                value,
            } => {
                let payload = serde_json::json!({
                    "type": "block_actions",
                    "team": {"id": TEAM, "domain": "alliance-test"},
                    "user": {"id": PEOPLE[*user], "team_id": TEAM},
                    "api_app_id": "A0APP",
                    "trigger_id": "1.2.3",
                    "container": {"type": "message", "message_ts": "1795000000.000200", "channel_id": format!("D{}", PEOPLE[*user])},
                    "actions": [{"action_id": ACTIONS[*action], "block_id": "b", "type": "button", "value": value, "action_ts": "1795000000.1"}],
                });
                let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
                bot.post_signed(body.as_bytes(), common::FORM)
                    .await
                    .status()
                    .as_u16()
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 64, ..ProptestConfig::default() })]

        /// Any store that signed requests can reach exports, imports into an
        /// empty directory, and exports again to the same bytes; and no
        /// request is answered with a server error.
        #[test]
        fn any_store_reached_over_http_round_trips(inputs in prop::collection::vec(input(), 1..24)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let bot = Bot::start().await;
                for input in &inputs {
                    let status = send(&bot, input).await;
                    prop_assert!(status < 500, "{input:?} got {status}");
                }
                let first = export(&bot.store, None);
                let dir = tempfile::tempdir().unwrap();
                let restored = Store::open(dir.path(), 8 << 20).unwrap();
                let imported = restored.import(&first, &mut |_| {});
                prop_assert!(imported.is_ok(), "{:?}\n{}", imported.err(), String::from_utf8_lossy(&first));
                let second = export(&restored, None);
                prop_assert_eq!(String::from_utf8_lossy(&first), String::from_utf8_lossy(&second));
                Ok(())
            })?;
        }
    }

    #[tokio::test]
    async fn an_event_whose_id_could_not_be_restored_is_refused_and_writes_nothing() {
        let bot = Bot::start().await;
        for event_id in ["", "\u{0}", "Ev 1", "Ev\u{0}1"] {
            let before = bot.store.raw_entries().unwrap();
            let status = send(
                &bot,
                &Input::Event {
                    user: 0,
                    event_id: event_id.to_string(),
                    text: "hello".into(),
                },
            )
            .await;
            assert_eq!(status, 400, "{event_id:?}");
            assert_eq!(
                bot.store.raw_entries().unwrap(),
                before,
                "{event_id:?} wrote something"
            );
        }
        let ok = send(
            &bot,
            &Input::Event {
                user: 0,
                event_id: "Ev0001".into(),
                text: "hello".into(),
            },
        )
        .await;
        assert_eq!(ok, 200);
        let dir = tempfile::tempdir().unwrap();
        let restored = Store::open(dir.path(), 8 << 20).unwrap();
        restored
            .import(&export(&bot.store, None), &mut |_| {})
            .unwrap();
    }
}
