//! The people team's report, measured (`cargo bench --bench report`):
//! `Report::build` and `html()` over a sled store of 100,000 tours in one
//! workspace (`BENCH_TOURS=N` changes it), the median of five runs. The
//! target is under 2 s for both together, in a release build.
//!
//! The store is what a large workspace holds: tours of the three kinds
//! that started over the last two years and end over the next two and a
//! half (one in six within 180 days), two per member (one running beside
//! one proposed, completed or ended: 10% proposed, 10% completed, one in
//! 50 ended with no decision), 5,000 managers, a member-side objective on
//! each (one in three done), a check-in question sent for one tour in five
//! (in the outbox as the worker leaves it, with every proposal's and
//! acceptance's messages there too) and answered two times in three,
//! 2,000 alumni, 500 weekly 1:1s with a log, and a display name cached for
//! one person in ten.

#[path = "support.rs"]
mod support;

use alliance::domain::alumni::Alumnus;
use alliance::domain::checkin::{Answer, CheckIn, Promise, Question};
use alliance::domain::notice::{Notice, NoticeKind};
use alliance::domain::one_on_one::{Cadence, Meeting, OneOnOne, Outcome, SetUp};
use alliance::domain::schedule::Series;
use alliance::domain::{Objective, Side, TeamId, Term, Tour, TourKind, UserId};
use alliance::report::Report;
use alliance::store::outbox::{OutboxEntry, OutboxState, UserCache};
use chrono::{Duration, NaiveDate, NaiveTime, Utc, Weekday};
use std::convert::Infallible;
use std::time::Instant;

const RUNS: usize = 5;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = support::open_store(dir.path(), 256 << 20);
    let team = TeamId::parse("T0BENCH").unwrap();
    let today = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
    let total = support::tours();
    let loading = Instant::now();
    load(&store, &team, today, total);
    eprintln!(
        "loaded {total} tours and the rest in {:.0} s ({} MB on disk)",
        loading.elapsed().as_secs_f64(),
        store.size_on_disk() >> 20
    );

    let (mut builds, mut htmls, mut both) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let report = Report::build(&store, &team, today, &mut |_| {}).expect("report");
        let built = start.elapsed().as_secs_f64();
        let html = report.html();
        let all = start.elapsed().as_secs_f64();
        builds.push(built * 1e3);
        htmls.push((all - built) * 1e3);
        both.push(all * 1e3);
        last = Some((report, html.len()));
    }
    let (report, html_bytes) = last.expect("a run");
    assert_eq!(report.tours.total as u64, total);
    assert!(report.checkins.total.sent > 0 && report.checkins.total.answered > 0);
    let start = Instant::now();
    let csv = report.csv();
    let json = report.json();
    let others = start.elapsed().as_secs_f64() * 1e3;
    println!("store: {}", support::backend());
    for (name, samples) in [
        ("Report::build", &mut builds),
        ("html()", &mut htmls),
        ("build + html()", &mut both),
    ] {
        samples.sort_by(f64::total_cmp);
        println!(
            "{name:<16} {total} tours   median {:>7.1} ms   best {:>7.1} ms   worst {:>7.1} ms   ({RUNS} runs)",
            samples[samples.len() / 2],
            samples[0],
            samples[samples.len() - 1],
        );
    }
    println!(
        "report: {} ending within 180 days, {} awaiting a decision, {} without a tour, {} check-ins sent; HTML {} KB, CSV {} KB, JSON {} KB (csv() + json() {:.0} ms)",
        report.ending.last().map_or(0, |h| h.count),
        report.awaiting_decision.len(),
        report.without_running_tour.len(),
        report.checkins.total.sent,
        html_bytes >> 10,
        csv.len() >> 10,
        json.len() >> 10,
        others
    );
}

fn u(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

fn load(store: &alliance::store::Store, team: &TeamId, today: NaiveDate, total: u64) {
    let bulk = store.bulk_loader();
    let base = today.and_hms_opt(9, 0, 0).unwrap().and_utc();
    for i in 0..total {
        let manager = u(&format!("UM{}", i % 5000));
        // Two tours each: one proposed, completed or ended beside one
        // that runs, as people move from tour to tour.
        let member = u(&format!("UE{}", i / 2));
        let kind = TourKind::ALL[(i % 3) as usize];
        // Starts spread over the last two years, ends over the next two
        // and a half (one in six within 180 days).
        let from = today - Duration::days((i % 730) as i64);
        let to = today + Duration::days(31 + (i % 900) as i64);
        let term = match kind {
            TourKind::Foundational => Term::OpenEnded,
            _ if i % 50 == 7 => Term::Dates {
                from: today - Duration::days(400),
                to: today - Duration::days(3 + (i % 40) as i64),
            },
            _ => Term::Dates { from, to },
        };
        let proposed_at = base - Duration::days(800);
        let tour = bulk
            .create_tour(team, |id| {
                let (mut tour, entry) = Tour::propose(
                    id,
                    &manager,
                    &member,
                    kind,
                    term,
                    "Keep the lights on",
                    proposed_at,
                )?;
                tour.objectives.push(Objective {
                    side: Side::Member,
                    text: "A course".into(),
                    done_at: i.is_multiple_of(3).then_some(proposed_at),
                    removed_at: None,
                });
                if i.is_multiple_of(10) || i % 100 == 1 {
                    return Ok((tour, entry));
                }
                let (accepted, entry) = tour.accept(&member, proposed_at)?;
                if i % 10 == 3 {
                    return accepted.complete(&manager, base);
                }
                Ok((accepted, entry))
            })
            .expect("store")
            .expect("rule");
        if i % 5 == 2 && tour.starts_on.is_some() {
            check_in(
                &bulk,
                team,
                &tour,
                base - Duration::days((i % 300) as i64),
                i,
            );
        }
    }
    for i in 0..2_000u64 {
        let user = u(&format!("UX{i}"));
        let added = base - Duration::days((i % 400) as i64);
        bulk.change_alumnus(team, &user, added, |_| {
            Ok::<_, Infallible>(Alumnus {
                user: user.clone(),
                left_on: Some(added.date_naive()),
                liaison: u(&format!("UM{}", i % 5000)),
                last_tour: None,
                contact: None,
                note: None,
                contacts: Vec::new(),
                returning: i.is_multiple_of(20),
                added_at: added,
                added_by: u("UADMIN"),
                reminders_off: i.is_multiple_of(10),
            })
        })
        .expect("store")
        .expect("rule");
    }
    for i in 0..500u64 {
        let (manager, member) = (u(&format!("UM{i}")), u(&format!("UE{i}")));
        let since = base - Duration::days(200);
        bulk.change_one_on_one(team, &manager, &member, since, |old| {
            let mut o = OneOnOne::set_up(
                old.map(|(o, _)| o),
                None,
                &manager,
                &member,
                &SetUp {
                    cadence: Cadence::Weekly,
                    weekday: Weekday::Tue,
                    time: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
                    zone: None,
                },
                chrono_tz::UTC,
                since,
            )
            .expect("set up");
            for n in (0..25).step_by(2) {
                let slot = o.schedule.slot(n, chrono_tz::UTC).unwrap();
                o.meetings.push(Meeting {
                    slot,
                    outcome: if n.is_multiple_of(4) {
                        Outcome::Held
                    } else {
                        Outcome::Skipped
                    },
                    by: manager.clone(),
                    at: slot + Duration::hours(1),
                    notes: None,
                });
            }
            Ok::<_, Infallible>((o, Vec::new()))
        })
        .expect("store")
        .expect("rule");
    }
    for i in (0..total / 2).step_by(10) {
        let user = u(&format!("UE{i}"));
        bulk.save_user(
            team,
            &user,
            &UserCache {
                name: Some(format!("Person {i}")),
                ..UserCache::default()
            },
        )
        .expect("user");
    }
    store.flush().expect("flush");
}

/// A check-in asked (its question sent, as the worker records it) and,
/// two times in three, answered.
fn check_in(
    store: &alliance::store::Store,
    team: &TeamId,
    tour: &Tour,
    at: chrono::DateTime<Utc>,
    i: u64,
) {
    let notice = Notice {
        tour: tour.id,
        to: tour.member.clone(),
        kind: NoticeKind::Reminder {
            series: Series::Checkin(1),
            round: 0,
            on: Some(at.date_naive()),
        },
    };
    let entry = OutboxEntry {
        in_working_hours: true,
        ..OutboxEntry::post(team, notice, at)
    };
    store.enqueue(&entry).expect("enqueue");
    store
        .outbox_note(&OutboxEntry {
            state: OutboxState::Sent {
                at,
                channel: "D1".into(),
                ts: "1.1".into(),
            },
            ..entry
        })
        .expect("sent");
    if i.is_multiple_of(3) {
        return;
    }
    let record = CheckIn {
        tour: tour.id,
        number: 1,
        at: at + Duration::hours(2),
        by: tour.member.clone(),
        answers: vec![Answer {
            question: Question::Blockers,
            text: Some("Nothing blocks me".into()),
        }],
        stopped: false,
        notes: None,
        promises: vec![Promise {
            objective: 1,
            text: "A course".into(),
            delivered: None,
            answered_at: None,
        }],
    };
    store
        .checkin_tx(team, None, at, |ctx| {
            ctx.save_checkin(&record)?;
            Ok(Ok::<(), Infallible>(()))
        })
        .expect("store");
}
