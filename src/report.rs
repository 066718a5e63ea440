//! The people team's report on one workspace, as of a day: what the
//! tours are, what ends soon and whether anything is planned after it,
//! what waits for a decision, who has no tour, whether check-ins are
//! answered and 1:1s held, whether the company keeps its promises, and the
//! alumni network — with the timeline of everyone. [`Report::build`] reads
//! it from the store; [`Report::html`] (one self-contained file, what
//! `/tour report` sends an admin), [`Report::csv`] and [`Report::json`]
//! write it (`alliance report`).
//!
//! What the numbers mean (decisions, where the product text is silent):
//! - **Status** is where a tour stands on the day ([`Phase`]), as `show`
//!   and `list` say it: past its end with nothing decided it is *ended,
//!   awaiting a decision* (never active), accepted with its start to come
//!   it is *scheduled*. Every kind × status that occurs is counted.
//! - **Ending within 90 / 180 days**: tours under way on the day (active,
//!   with the next tour agreed, or the member leaving) whose last day — the
//!   exit date for a member leaving — is from the day to N days after it.
//!   Each says what comes after it: the *next tour agreed* (the tour is
//!   followed), a *next tour proposed* and not answered yet, an *exit
//!   planned*, or *nothing planned*. A tour of the member's that is not
//!   linked to it as its next is not a decision (as everywhere in
//!   Alliance). Foundational tours have no end and are never listed.
//! - **Ended, awaiting a decision**: [`Phase::AwaitingDecision`].
//! - **Members without a running tour**: everyone who is the member of
//!   some tour in the store (of any status, a proposal too), has no alumni
//!   record, and has no tour under way on the day. A tour scheduled to
//!   start later, or a proposal waiting for them, is named beside them.
//! - **Check-ins sent**: the scheduled check-ins Alliance asked for — each
//!   `checkin:nN` reminder, whose message is the conversation's first
//!   question, that the outbox records as *sent* to the member — by the
//!   month it went. One still waiting in the outbox (a stopped bot, the
//!   shell, which sends nothing) was not asked and is not counted; a
//!   snoozed or paused check-in coming back is the same check-in.
//!   **Answered**: a sent check-in after which a check-in conversation
//!   about that tour was recorded (a recorded conversation has at least
//!   one answer: one with none records nothing) before the next one was
//!   sent, counted in the month it was *sent*, so that answered ≤ sent in
//!   every month. Recorded conversations that answer no check-in sent (a
//!   `/tour checkin <id>` started by hand, a second one in a period) are
//!   *other conversations*, and check-ins written as notes (`/tour checkin
//!   <id> notes…`) are *notes*, both by the month recorded.
//! - **1:1s**, per manager (who set the 1:1 up and logs it): *scheduled*
//!   are the slots of each 1:1's schedule, read in its zone as it is now,
//!   from its first up to the start of the day (UTC) and not after it was
//!   stopped, plus the slots logged under an earlier schedule of the pair;
//!   a slot counts once its day is over. *Held*, *skipped* and *moved* are
//!   those the manager logged so, *not logged* the rest. *Running* and
//!   *stopped* count the pairs.
//! - **The company's promises**: the member-side objectives (what the
//!   member gets, which the company promised) of tours that were agreed —
//!   not proposals, declined or withdrawn ones; removed objectives left
//!   out. *Kept*: marked done; *open*: not done, the tour still open;
//!   *left open*: not done, the tour completed or left. With the managers'
//!   answers in check-ins to "did we deliver what we promised?": yes,
//!   partly, no, or not answered.
//! - **Alumni**: every alumni record; *keep-in-touch overdue*: the next
//!   contact (every `reminders.keep_in_touch_months` — 6 by default — since
//!   the last logged one, else since they were added) fell due before the
//!   day, and the liaison has not turned the reminders off (counted apart);
//!   *boomerangs*: marked as returning (`/alumni rehire`).
//!
//! Formats:
//! - **HTML**: one file a person opens from a mail attachment or a Slack
//!   DM: inline CSS, charts drawn here as inline SVG, tables, and the
//!   timeline picture (`picture`) of everyone, its pages inlined — the
//!   first people by name that its pages hold, as `/tour timeline all`
//!   draws them, saying how many more there are. No script, no font,
//!   image or style from anywhere else, no URL at all; every person's name
//!   and id is escaped, and the file is well-formed XML too. Every
//!   figure's cell carries `data-key="section:key"`, the CSV's section and
//!   key. A list shows its first [`HTML_ROWS`] rows and says how many it
//!   left out (the CSV and the JSON have them all).
//! - **CSV**: one table, `section,key,value` (RFC 4180 quoting; text that
//!   a spreadsheet would run as a formula gets a leading `'`). Sections of
//!   figures hold whole numbers (`tours_by_kind_and_status,
//!   rotational.active,3`); sections ending in `_list` hold one row per
//!   field of a listed tour or person (`awaiting_decision_list,17.member,
//!   U123`); `names` the display names known; `report` the workspace and
//!   the day.
//! - **JSON**: the [`Report`] as it is, pretty-printed.
//!
//! Cost: one read of the workspace's tours and one pass over them (a next
//! tour is found by binary search in the same list); one range scan each
//! of the check-ins, the 1:1s, the alumni and the workspace's tour messages
//! in the outbox (only check-in keys decoded); one users-cache read per
//! person on the timeline or named. Nothing per tour scans anything, and
//! only the people the timeline's pages hold are drawn. 100,000 tours take
//! about 0.6 s (`cargo bench --bench report`).

use crate::domain::alumni::Alumnus;
use crate::domain::checkin::{CheckIn, Delivered};
use crate::domain::one_on_one::{OneOnOne, Outcome};
use crate::domain::schedule::keep_in_touch_at;
use crate::domain::{Phase, Side, Status, TeamId, Tour, TourId, TourKind, UserId};
use crate::picture::{self, Timeline, xml};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;

/// The horizons of "ending within N days".
pub const HORIZONS: [i64; 2] = [90, 180];
/// Tours read between two progress calls.
pub const PROGRESS_EVERY: usize = 10_000;
/// Months the check-in chart shows (the table has them all).
const CHART_MONTHS: usize = 24;
/// Rows a list shows in the HTML; the CSV and the JSON have them all.
pub const HTML_ROWS: usize = 1000;

/// The statuses of the day, in the order a tour lives them: each with its
/// key (JSON, CSV) and its words (HTML).
const PHASES: [(&str, &str); 11] = [
    ("proposed", "proposed"),
    ("scheduled", "scheduled"),
    ("active", "active"),
    ("active_next_agreed", "active, next tour agreed"),
    ("leaving", "ending (the member is leaving)"),
    ("awaiting_decision", "ended, awaiting a decision"),
    ("followed_on", "ended, its next tour followed"),
    ("completed", "completed"),
    ("left", "ended (the member left)"),
    ("declined", "declined"),
    ("withdrawn", "withdrawn"),
];

fn phase_index(phase: Phase) -> usize {
    match phase {
        Phase::Proposed => 0,
        Phase::Scheduled => 1,
        Phase::Active => 2,
        Phase::ActiveNextAgreed => 3,
        Phase::Leaving => 4,
        Phase::AwaitingDecision => 5,
        Phase::FollowedOn => 6,
        Phase::Closed(Status::Completed) => 7,
        Phase::Closed(Status::Left) => 8,
        Phase::Closed(Status::Declined) => 9,
        // `Phase::of` closes no tour of another status.
        Phase::Closed(
            Status::Withdrawn
            | Status::Proposed
            | Status::Active
            | Status::Leaving
            | Status::Followed,
        ) => 10,
    }
}

fn kind_index(kind: TourKind) -> usize {
    match kind {
        TourKind::Rotational => 0,
        TourKind::Transformational => 1,
        TourKind::Foundational => 2,
    }
}

/// Under way on the day.
fn under_way(phase: Phase) -> bool {
    matches!(
        phase,
        Phase::Active | Phase::ActiveNextAgreed | Phase::Leaving
    )
}

/// A tour's last day: the exit date for a member leaving (or who left).
fn last_day(tour: &Tour) -> Option<NaiveDate> {
    match (&tour.exit, tour.status) {
        (Some(exit), Status::Leaving | Status::Left) => Some(exit.on),
        _ => tour.ends_on,
    }
}

/// The report. Built by [`Report::build`]; every field is what the JSON says.
#[derive(Debug, Serialize)]
pub struct Report {
    pub team: TeamId,
    pub today: NaiveDate,
    pub tours: Tours,
    /// One per horizon of [`HORIZONS`], shortest first.
    pub ending: Vec<Horizon>,
    pub awaiting_decision: Vec<Awaiting>,
    pub without_running_tour: Vec<WithoutTour>,
    pub checkins: Checkins,
    pub one_on_ones: OneOnOnes,
    pub promises: Promises,
    pub alumni: AlumniFigures,
    /// The display names known (from Slack) of the people listed.
    pub names: BTreeMap<UserId, String>,
    /// The timeline of everyone, drawn into the HTML: its first pages.
    #[serde(skip)]
    timeline: Timeline,
    /// How many people the whole timeline has.
    #[serde(skip)]
    timeline_people: usize,
}

#[derive(Debug, Serialize)]
pub struct Tours {
    pub total: usize,
    pub by_kind_and_status: Vec<KindStatus>,
}

#[derive(Debug, Serialize)]
pub struct KindStatus {
    pub kind: TourKind,
    pub status: &'static str,
    pub count: usize,
}

#[derive(Debug, Serialize)]
pub struct Horizon {
    pub days: i64,
    pub count: usize,
    pub next_agreed: usize,
    pub next_proposed: usize,
    pub exit_planned: usize,
    pub nothing_planned: usize,
    /// By last day, then id.
    pub tours: Vec<Ending>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Ending {
    pub tour: u64,
    pub member: UserId,
    pub manager: UserId,
    pub kind: TourKind,
    pub ends_on: NaiveDate,
    pub days_left: i64,
    pub planned: Planned,
    /// The next tour, agreed or proposed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
}

/// What comes after a tour that ends soon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Planned {
    NextAgreed,
    NextProposed,
    ExitPlanned,
    NothingPlanned,
}

impl Planned {
    pub fn key(self) -> &'static str {
        match self {
            Planned::NextAgreed => "next_agreed",
            Planned::NextProposed => "next_proposed",
            Planned::ExitPlanned => "exit_planned",
            Planned::NothingPlanned => "nothing_planned",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Planned::NextAgreed => "next tour agreed",
            Planned::NextProposed => "next tour proposed",
            Planned::ExitPlanned => "exit planned",
            Planned::NothingPlanned => "nothing planned",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Awaiting {
    pub tour: u64,
    pub member: UserId,
    pub manager: UserId,
    pub kind: TourKind,
    pub ended_on: NaiveDate,
    pub days_since_end: i64,
}

#[derive(Debug, Serialize)]
pub struct WithoutTour {
    pub member: UserId,
    /// Their newest tour as member, and where it stands.
    pub last_tour: u64,
    pub last_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ends_on: Option<NaiveDate>,
    /// A tour of theirs agreed and still to start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled: Option<u64>,
    /// A proposal waiting for their answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckinCounts {
    pub sent: usize,
    pub answered: usize,
    pub other_conversations: usize,
    pub notes: usize,
}

#[derive(Debug, Serialize)]
pub struct CheckinMonth {
    /// `YYYY-MM` (UTC).
    pub month: String,
    #[serde(flatten)]
    pub counts: CheckinCounts,
}

#[derive(Debug, Serialize)]
pub struct Checkins {
    #[serde(flatten)]
    pub total: CheckinCounts,
    /// Every month with any of them, oldest first.
    pub by_month: Vec<CheckinMonth>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OneOnOneCounts {
    pub running: usize,
    pub stopped: usize,
    pub scheduled: usize,
    pub held: usize,
    pub skipped: usize,
    pub moved: usize,
    pub not_logged: usize,
}

impl OneOnOneCounts {
    fn add(&mut self, other: &OneOnOneCounts) {
        self.running += other.running;
        self.stopped += other.stopped;
        self.scheduled += other.scheduled;
        self.held += other.held;
        self.skipped += other.skipped;
        self.moved += other.moved;
        self.not_logged += other.not_logged;
    }
}

#[derive(Debug, Serialize)]
pub struct ManagerOneOnOnes {
    pub manager: UserId,
    #[serde(flatten)]
    pub counts: OneOnOneCounts,
}

#[derive(Debug, Serialize)]
pub struct OneOnOnes {
    #[serde(flatten)]
    pub total: OneOnOneCounts,
    /// By manager id.
    pub by_manager: Vec<ManagerOneOnOnes>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PromiseCounts {
    pub kept: usize,
    pub open: usize,
    pub left_open: usize,
}

#[derive(Debug, Serialize)]
pub struct KindPromises {
    pub kind: TourKind,
    #[serde(flatten)]
    pub counts: PromiseCounts,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeliveredCounts {
    pub yes: usize,
    pub partly: usize,
    pub no: usize,
    pub not_answered: usize,
}

#[derive(Debug, Serialize)]
pub struct Promises {
    #[serde(flatten)]
    pub total: PromiseCounts,
    /// Every kind, in the book's order.
    pub by_kind: Vec<KindPromises>,
    /// The managers' answers in check-ins.
    pub delivered: DeliveredCounts,
}

#[derive(Debug, Serialize)]
pub struct AlumniFigures {
    pub count: usize,
    pub keep_in_touch_overdue: usize,
    pub reminders_off: usize,
    pub boomerangs: usize,
    /// Most overdue first.
    pub overdue: Vec<Overdue>,
}

#[derive(Debug, Serialize)]
pub struct Overdue {
    pub user: UserId,
    pub liaison: UserId,
    pub last_touch: NaiveDate,
    pub due: NaiveDate,
}

/// One member's tours, as the pass finds them.
struct Member {
    running: bool,
    last: TourId,
    last_phase: usize,
    last_ends_on: Option<NaiveDate>,
    scheduled: Option<TourId>,
    proposed: Option<TourId>,
}

impl Report {
    /// The report on `team` as of `today`, read from `store`. `progress`
    /// hears how many tours were read, every [`PROGRESS_EVERY`].
    pub fn build(
        store: &Store,
        team: &TeamId,
        today: NaiveDate,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Report, StoreError> {
        let tours = store.tours_in_team(team, usize::MAX)?;
        let alumni = store.alumni(team)?;
        let alumni_ids: HashSet<&UserId> = alumni.iter().map(|a| &a.user).collect();
        let by_id = |id: TourId| {
            tours
                .binary_search_by_key(&id, |t| t.id)
                .ok()
                .map(|i| &tours[i])
        };
        let longest = HORIZONS.iter().copied().max().unwrap_or(0);

        let mut counts = [[0usize; PHASES.len()]; 3];
        let mut ending: Vec<Ending> = Vec::new();
        let mut awaiting = Vec::new();
        let mut members: HashMap<&UserId, Member> = HashMap::new();
        let mut promises = [
            PromiseCounts::default(),
            PromiseCounts::default(),
            PromiseCounts::default(),
        ];
        for (read, tour) in tours.iter().enumerate() {
            if read > 0 && read % PROGRESS_EVERY == 0 {
                progress(read);
            }
            let phase = tour.phase(today);
            let p = phase_index(phase);
            let k = kind_index(tour.kind);
            counts[k][p] += 1;
            let end = last_day(tour);
            if under_way(phase)
                && let Some(end) = end
                && end >= today
                && (end - today).num_days() <= longest
            {
                let next = tour.next.and_then(by_id);
                let planned = match (phase, next) {
                    (Phase::Leaving, _) => Planned::ExitPlanned,
                    (Phase::ActiveNextAgreed, _) => Planned::NextAgreed,
                    (_, Some(n)) if n.status == Status::Proposed => Planned::NextProposed,
                    _ => Planned::NothingPlanned,
                };
                ending.push(Ending {
                    tour: tour.id.0,
                    member: tour.member.clone(),
                    manager: tour.manager.clone(),
                    kind: tour.kind,
                    ends_on: end,
                    days_left: (end - today).num_days(),
                    planned,
                    next: match planned {
                        Planned::NextAgreed | Planned::NextProposed => tour.next.map(|n| n.0),
                        _ => None,
                    },
                });
            }
            if phase == Phase::AwaitingDecision
                && let Some(end) = end
            {
                awaiting.push(Awaiting {
                    tour: tour.id.0,
                    member: tour.member.clone(),
                    manager: tour.manager.clone(),
                    kind: tour.kind,
                    ended_on: end,
                    days_since_end: (today - end).num_days(),
                });
            }
            // Tours come in id order: the last one seen is the newest.
            let member = members.entry(&tour.member).or_insert(Member {
                running: false,
                last: tour.id,
                last_phase: p,
                last_ends_on: end,
                scheduled: None,
                proposed: None,
            });
            member.running |= under_way(phase);
            member.last = tour.id;
            member.last_phase = p;
            member.last_ends_on = end;
            match phase {
                Phase::Scheduled => member.scheduled = Some(tour.id),
                Phase::Proposed => member.proposed = Some(tour.id),
                _ => {}
            }
            let agreed = match tour.status {
                Status::Active | Status::Followed | Status::Leaving => Some(true),
                Status::Completed | Status::Left => Some(false),
                Status::Proposed | Status::Declined | Status::Withdrawn => None,
            };
            if let Some(open) = agreed {
                for (_, o) in tour
                    .live_objectives()
                    .filter(|(_, o)| o.side == Side::Member)
                {
                    let c = &mut promises[k];
                    match (o.is_done(), open) {
                        (true, _) => c.kept += 1,
                        (false, true) => c.open += 1,
                        (false, false) => c.left_open += 1,
                    }
                }
            }
        }

        let mut by_kind_and_status = Vec::new();
        for (p, (key, _)) in PHASES.iter().enumerate() {
            for kind in TourKind::ALL {
                let count = counts[kind_index(kind)][p];
                if count > 0 {
                    by_kind_and_status.push(KindStatus {
                        kind,
                        status: key,
                        count,
                    });
                }
            }
        }
        ending.sort_by_key(|e| (e.ends_on, e.tour));
        let ending: Vec<Horizon> = HORIZONS
            .iter()
            .map(|&days| {
                let tours: Vec<Ending> = ending
                    .iter()
                    .filter(|e| e.days_left <= days)
                    .cloned()
                    .collect();
                let of = |planned: Planned| tours.iter().filter(|e| e.planned == planned).count();
                Horizon {
                    days,
                    count: tours.len(),
                    next_agreed: of(Planned::NextAgreed),
                    next_proposed: of(Planned::NextProposed),
                    exit_planned: of(Planned::ExitPlanned),
                    nothing_planned: of(Planned::NothingPlanned),
                    tours,
                }
            })
            .collect();
        awaiting.sort_by_key(|a| (a.ended_on, a.tour));
        let mut without_running_tour: Vec<WithoutTour> = members
            .iter()
            .filter(|(who, m)| !m.running && !alumni_ids.contains(*who))
            .map(|(who, m)| WithoutTour {
                member: (*who).clone(),
                last_tour: m.last.0,
                last_status: PHASES[m.last_phase].0,
                last_ends_on: m.last_ends_on,
                scheduled: m.scheduled.map(|t| t.0),
                proposed: m.proposed.map(|t| t.0),
            })
            .collect();
        without_running_tour.sort_by(|a, b| a.member.cmp(&b.member));

        let records = store.checkins_in_team(team)?;
        let asks = store.checkin_questions_sent(team)?;
        let (checkins, delivered) = checkins(asks, &records);
        let one_on_ones = one_on_ones(store, team, today, store.one_on_ones_in_team(team)?)?;
        let promises = Promises {
            total: promises
                .iter()
                .fold(PromiseCounts::default(), |t, c| PromiseCounts {
                    kept: t.kept + c.kept,
                    open: t.open + c.open,
                    left_open: t.left_open + c.left_open,
                }),
            by_kind: TourKind::ALL
                .into_iter()
                .map(|kind| KindPromises {
                    kind,
                    counts: promises[kind_index(kind)].clone(),
                })
                .collect(),
            delivered,
        };
        let alumni_figures = alumni_figures(store, &alumni, today);

        // The timeline's people: members of the workspace's tours and
        // alumni (`picture::build` decides who has a row).
        let mut on_timeline: HashSet<&UserId> = tours.iter().map(|t| &t.member).collect();
        on_timeline.extend(alumni.iter().map(|a| &a.user));
        // Names: everyone on the timeline, and everyone listed.
        let mut listed: BTreeSet<&UserId> = BTreeSet::new();
        for h in &ending {
            listed.extend(h.tours.iter().flat_map(|e| [&e.member, &e.manager]));
        }
        listed.extend(awaiting.iter().flat_map(|a| [&a.member, &a.manager]));
        listed.extend(without_running_tour.iter().map(|w| &w.member));
        listed.extend(one_on_ones.by_manager.iter().map(|m| &m.manager));
        listed.extend(
            alumni_figures
                .overdue
                .iter()
                .flat_map(|o| [&o.user, &o.liaison]),
        );
        let mut known: HashMap<&UserId, String> = HashMap::new();
        for person in on_timeline.iter().chain(listed.iter()) {
            if known.contains_key(person) {
                continue;
            }
            if let Some(name) = store.user(team, person)?.name {
                known.insert(person, name);
            }
        }
        let name_of = |user: &UserId| {
            known
                .get(user)
                .cloned()
                .unwrap_or_else(|| user.as_str().to_string())
        };
        // Only as many as its pages hold are drawn, the first by name.
        let mut timeline = picture::build("Everyone", &tours, &alumni, &name_of, today);
        let timeline_people = timeline.rows.len();
        timeline
            .rows
            .truncate(picture::ROWS_PER_PAGE * picture::MAX_PAGES);
        let names = listed
            .iter()
            .filter_map(|p| known.get(p).map(|n| ((*p).clone(), n.clone())))
            .collect();
        Ok(Report {
            team: team.clone(),
            today,
            tours: Tours {
                total: tours.len(),
                by_kind_and_status,
            },
            ending,
            awaiting_decision: awaiting,
            without_running_tour,
            checkins,
            one_on_ones,
            promises,
            alumni: alumni_figures,
            names,
            timeline,
            timeline_people,
        })
    }

    /// The report as JSON (the fields of [`Report`]), pretty-printed.
    pub fn json(&self) -> String {
        // Our own types, with string map keys: serializing cannot fail.
        serde_json::to_string_pretty(self).expect("the report serializes")
    }

    /// Every figure and listed field as `(section, key, value)`: the rows
    /// of the CSV, and the `data-key`s of the HTML's figures.
    pub fn rows(&self) -> Vec<(String, String, String)> {
        let mut rows: Vec<(String, String, String)> = Vec::new();
        let mut put = |section: &str, key: &str, value: String| {
            rows.push((section.to_string(), key.to_string(), value));
        };
        put("report", "team", self.team.as_str().to_string());
        put("report", "today", self.today.to_string());
        put("tours", "total", self.tours.total.to_string());
        for (kind, n) in self.by_kind() {
            put("tours_by_kind", kind.name(), n.to_string());
        }
        for (status, _, n) in self.by_status() {
            put("tours_by_status", status, n.to_string());
        }
        for ks in &self.tours.by_kind_and_status {
            put(
                "tours_by_kind_and_status",
                &format!("{}.{}", ks.kind.name(), ks.status),
                ks.count.to_string(),
            );
        }
        for h in &self.ending {
            let section = horizon_section(h.days);
            for (key, n) in h.figures() {
                put(&section, key, n.to_string());
            }
        }
        put(
            "awaiting_decision",
            "count",
            self.awaiting_decision.len().to_string(),
        );
        put(
            "without_running_tour",
            "count",
            self.without_running_tour.len().to_string(),
        );
        for (key, n) in self.checkins.total.figures() {
            put("checkins", key, n.to_string());
        }
        for m in &self.checkins.by_month {
            for (key, n) in m.counts.figures() {
                put(
                    "checkins_by_month",
                    &format!("{}.{key}", m.month),
                    n.to_string(),
                );
            }
        }
        for (key, n) in self.one_on_ones.total.figures() {
            put("one_on_ones", key, n.to_string());
        }
        for m in &self.one_on_ones.by_manager {
            for (key, n) in m.counts.figures() {
                put(
                    "one_on_ones_by_manager",
                    &format!("{}.{key}", m.manager),
                    n.to_string(),
                );
            }
        }
        for (key, n) in self.promises.total.figures() {
            put("promises", key, n.to_string());
        }
        for k in &self.promises.by_kind {
            for (key, n) in k.counts.figures() {
                put(
                    "promises_by_kind",
                    &format!("{}.{key}", k.kind.name()),
                    n.to_string(),
                );
            }
        }
        for (key, n) in self.promises.delivered.figures() {
            put("promises_delivered", key, n.to_string());
        }
        for (key, n) in self.alumni.figures() {
            put("alumni", key, n.to_string());
        }
        // The lists, one row per field.
        for h in &self.ending {
            let section = format!("{}_list", horizon_section(h.days));
            for e in &h.tours {
                let id = e.tour;
                put(&section, &format!("{id}.member"), e.member.to_string());
                put(&section, &format!("{id}.manager"), e.manager.to_string());
                put(&section, &format!("{id}.kind"), e.kind.name().into());
                put(&section, &format!("{id}.ends_on"), e.ends_on.to_string());
                put(
                    &section,
                    &format!("{id}.days_left"),
                    e.days_left.to_string(),
                );
                put(&section, &format!("{id}.planned"), e.planned.key().into());
                if let Some(next) = e.next {
                    put(&section, &format!("{id}.next"), next.to_string());
                }
            }
        }
        for a in &self.awaiting_decision {
            let id = a.tour;
            let section = "awaiting_decision_list";
            put(section, &format!("{id}.member"), a.member.to_string());
            put(section, &format!("{id}.manager"), a.manager.to_string());
            put(section, &format!("{id}.kind"), a.kind.name().into());
            put(section, &format!("{id}.ended_on"), a.ended_on.to_string());
            put(
                section,
                &format!("{id}.days_since_end"),
                a.days_since_end.to_string(),
            );
        }
        for w in &self.without_running_tour {
            let who = &w.member;
            let section = "without_running_tour_list";
            put(
                section,
                &format!("{who}.last_tour"),
                w.last_tour.to_string(),
            );
            put(section, &format!("{who}.last_status"), w.last_status.into());
            if let Some(on) = w.last_ends_on {
                put(section, &format!("{who}.last_ends_on"), on.to_string());
            }
            if let Some(t) = w.scheduled {
                put(section, &format!("{who}.scheduled"), t.to_string());
            }
            if let Some(t) = w.proposed {
                put(section, &format!("{who}.proposed"), t.to_string());
            }
        }
        for o in &self.alumni.overdue {
            let who = &o.user;
            let section = "alumni_overdue_list";
            put(section, &format!("{who}.liaison"), o.liaison.to_string());
            put(
                section,
                &format!("{who}.last_touch"),
                o.last_touch.to_string(),
            );
            put(section, &format!("{who}.due"), o.due.to_string());
        }
        for (who, name) in &self.names {
            put("names", who.as_str(), name.clone());
        }
        rows
    }

    /// The report as one CSV table, `section,key,value` (see the module docs).
    pub fn csv(&self) -> String {
        let mut out = String::from("section,key,value\r\n");
        for (section, key, value) in self.rows() {
            let _ = write!(
                out,
                "{},{},{}\r\n",
                crate::store::export::csv_text(&section),
                crate::store::export::csv_text(&key),
                crate::store::export::csv_text(&value)
            );
        }
        out
    }

    /// Tours per kind, every kind.
    fn by_kind(&self) -> Vec<(TourKind, usize)> {
        TourKind::ALL
            .into_iter()
            .map(|kind| {
                let n = self
                    .tours
                    .by_kind_and_status
                    .iter()
                    .filter(|ks| ks.kind == kind)
                    .map(|ks| ks.count)
                    .sum();
                (kind, n)
            })
            .collect()
    }

    /// Tours per status of the day, those that occur, in life order.
    fn by_status(&self) -> Vec<(&'static str, &'static str, usize)> {
        PHASES
            .iter()
            .filter_map(|(key, words)| {
                let n: usize = self
                    .tours
                    .by_kind_and_status
                    .iter()
                    .filter(|ks| ks.status == *key)
                    .map(|ks| ks.count)
                    .sum();
                (n > 0).then_some((*key, *words, n))
            })
            .collect()
    }

    /// The timeline drawn into the HTML: everyone's, cut to the people its
    /// pages hold (the first by name).
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// A person as the HTML shows them: their name and id, or their id.
    fn person(&self, user: &UserId) -> String {
        match self.names.get(user) {
            Some(name) => format!(
                r#"{} <span class="id">{}</span>"#,
                xml(name),
                xml(user.as_str())
            ),
            None => xml(user.as_str()),
        }
    }

    /// The report as one self-contained HTML file.
    pub fn html(&self) -> String {
        let mut h = String::with_capacity(64 * 1024);
        let title = format!("Alliance report — {} — {}", self.team.as_str(), self.today);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            xml(&title)
        );
        let _ = writeln!(
            h,
            "<header><h1>The Alliance report</h1><p class=\"sub\">Workspace <b>{}</b>, as of <b>{}</b> (UTC). Generated by Alliance from its store; the definitions are at the end.</p></header>",
            xml(self.team.as_str()),
            self.today
        );
        self.html_summary(&mut h);
        self.html_tours(&mut h);
        self.html_ending(&mut h);
        self.html_awaiting(&mut h);
        self.html_without(&mut h);
        self.html_checkins(&mut h);
        self.html_one_on_ones(&mut h);
        self.html_promises(&mut h);
        self.html_alumni(&mut h);
        self.html_timeline(&mut h);
        h.push_str(DEFINITIONS);
        h.push_str("</body>\n</html>\n");
        h
    }

    fn html_summary(&self, h: &mut String) {
        let soon = self.ending.first();
        let cards = [
            (self.tours.total, "tours"),
            (soon.map_or(0, |e| e.count), "ending within 90 days"),
            (
                soon.map_or(0, |e| e.nothing_planned),
                "of them with nothing planned",
            ),
            (self.awaiting_decision.len(), "ended, awaiting a decision"),
            (
                self.without_running_tour.len(),
                "members without a running tour",
            ),
            (self.alumni.count, "alumni"),
        ];
        h.push_str("<section class=\"cards\">");
        for (n, words) in cards {
            let _ = write!(
                h,
                "<div class=\"card\"><div class=\"big\">{n}</div><div>{words}</div></div>"
            );
        }
        h.push_str("</section>\n");
    }

    fn html_tours(&self, h: &mut String) {
        h.push_str("<section id=\"tours\"><h2>Tours by kind and status</h2>\n");
        let statuses = self.by_status();
        if statuses.is_empty() {
            h.push_str("<p>No tours yet.</p>");
        } else {
            h.push_str(&self.tours_chart());
        }
        h.push_str("<table><thead><tr><th>Status</th>");
        for kind in TourKind::ALL {
            let _ = write!(h, "<th class=\"n\">{}</th>", kind.name());
        }
        h.push_str("<th class=\"n\">All</th></tr></thead><tbody>");
        for (key, words, n) in &statuses {
            let _ = write!(h, "<tr><td>{}</td>", xml(words));
            for kind in TourKind::ALL {
                match self
                    .tours
                    .by_kind_and_status
                    .iter()
                    .find(|ks| ks.kind == kind && ks.status == *key)
                {
                    Some(ks) => h.push_str(&num(
                        "tours_by_kind_and_status",
                        &format!("{}.{key}", kind.name()),
                        ks.count,
                    )),
                    None => h.push_str("<td class=\"n zero\">0</td>"),
                }
            }
            h.push_str(&num("tours_by_status", key, n));
            h.push_str("</tr>");
        }
        h.push_str("</tbody><tfoot><tr><th>All</th>");
        for (kind, n) in self.by_kind() {
            h.push_str(&num("tours_by_kind", kind.name(), n));
        }
        h.push_str(&num("tours", "total", self.tours.total));
        h.push_str("</tr></tfoot></table></section>\n");
    }

    /// Tours per status, a bar each, cut by kind.
    fn tours_chart(&self) -> String {
        let statuses = self.by_status();
        let (label, bars, row) = (230.0, 420.0, 26.0);
        let width = label + bars + 60.0;
        let height = row * statuses.len() as f64 + 40.0;
        let most = statuses.iter().map(|s| s.2).max().unwrap_or(1).max(1) as f64;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg class="chart" role="img" aria-label="Tours by status and kind" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>Tours by status and kind</title>"#
        );
        for (i, (key, words, total)) in statuses.iter().enumerate() {
            let y = row * i as f64 + 4.0;
            let _ = write!(
                s,
                r#"<text x="{}" y="{}" text-anchor="end" font-size="13">{}</text>"#,
                label - 8.0,
                y + 15.0,
                xml(words)
            );
            let mut x = label;
            for kind in TourKind::ALL {
                let n = self
                    .tours
                    .by_kind_and_status
                    .iter()
                    .find(|ks| ks.kind == kind && ks.status == *key)
                    .map_or(0, |ks| ks.count);
                if n == 0 {
                    continue;
                }
                let w = bars * n as f64 / most;
                let (r, g, b) = picture::colour(kind);
                let _ = write!(
                    s,
                    r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="20" fill="#{r:02X}{g:02X}{b:02X}"><title>{}: {n}</title></rect>"##,
                    kind.name()
                );
                x += w;
            }
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{}" font-size="13">{total}</text>"#,
                x + 6.0,
                y + 15.0
            );
        }
        let mut x = label;
        let y = height - 12.0;
        for kind in TourKind::ALL {
            let (r, g, b) = picture::colour(kind);
            let _ = write!(
                s,
                r##"<rect x="{x}" y="{}" width="12" height="12" fill="#{r:02X}{g:02X}{b:02X}"/><text x="{}" y="{y}" font-size="12">{}</text>"##,
                y - 10.0,
                x + 16.0,
                kind.name()
            );
            x += 130.0;
        }
        s.push_str("</svg>\n");
        s
    }

    fn html_ending(&self, h: &mut String) {
        h.push_str("<section id=\"ending\"><h2>Tours ending soon</h2>\n<table><thead><tr><th>Ending within</th><th class=\"n\">Tours</th><th class=\"n\">Next tour agreed</th><th class=\"n\">Next tour proposed</th><th class=\"n\">Exit planned</th><th class=\"n\">Nothing planned</th></tr></thead><tbody>");
        for hz in &self.ending {
            let section = horizon_section(hz.days);
            let _ = write!(h, "<tr><td>{} days</td>", hz.days);
            for (key, n) in hz.figures() {
                h.push_str(&num(&section, key, n));
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>\n");
        let Some(longest) = self.ending.last() else {
            h.push_str("</section>\n");
            return;
        };
        if longest.tours.is_empty() {
            let _ = writeln!(
                h,
                "<p>No tour ends within {} days.</p></section>",
                longest.days
            );
            return;
        }
        let _ = write!(
            h,
            "<h3>Within {} days, soonest first</h3><table><thead><tr><th>Tour</th><th>Member</th><th>Manager</th><th>Kind</th><th>Last day</th><th class=\"n\">Days left</th><th>Planned</th></tr></thead><tbody>",
            longest.days
        );
        for e in longest.tours.iter().take(HTML_ROWS) {
            let planned = match e.next {
                Some(next) => format!("{} (#{next})", e.planned.words()),
                None => e.planned.words().to_string(),
            };
            let _ = write!(
                h,
                "<tr class=\"{}\"><td>#{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                e.planned.key(),
                e.tour,
                self.person(&e.member),
                self.person(&e.manager),
                e.kind.name(),
                e.ends_on,
                e.days_left,
                planned
            );
        }
        h.push_str("</tbody></table>");
        more(h, longest.tours.len());
        h.push_str("</section>\n");
    }

    fn html_awaiting(&self, h: &mut String) {
        let _ = write!(
            h,
            "<section id=\"awaiting\"><h2>Ended, awaiting a decision</h2><p>{} {} past {} last day with nothing decided (extend, complete, or agree the next tour).</p>",
            count_cell("awaiting_decision", "count", self.awaiting_decision.len()),
            if self.awaiting_decision.len() == 1 {
                "tour is"
            } else {
                "tours are"
            },
            if self.awaiting_decision.len() == 1 {
                "its"
            } else {
                "their"
            }
        );
        if !self.awaiting_decision.is_empty() {
            h.push_str("<table><thead><tr><th>Tour</th><th>Member</th><th>Manager</th><th>Kind</th><th>Ended on</th><th class=\"n\">Days since</th></tr></thead><tbody>");
            for a in self.awaiting_decision.iter().take(HTML_ROWS) {
                let _ = write!(
                    h,
                    "<tr><td>#{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                    a.tour,
                    self.person(&a.member),
                    self.person(&a.manager),
                    a.kind.name(),
                    a.ended_on,
                    a.days_since_end
                );
            }
            h.push_str("</tbody></table>");
            more(h, self.awaiting_decision.len());
        }
        h.push_str("</section>\n");
    }

    fn html_without(&self, h: &mut String) {
        let n = self.without_running_tour.len();
        let _ = write!(
            h,
            "<section id=\"without\"><h2>Members without a running tour</h2><p>{} {} the member of a tour, not in the alumni network, and on no tour under way today.</p>",
            count_cell("without_running_tour", "count", n),
            if n == 1 { "person is" } else { "people are" }
        );
        if n > 0 {
            h.push_str("<table><thead><tr><th>Member</th><th>Newest tour</th><th>Where it stands</th><th>Last day</th><th>Coming</th></tr></thead><tbody>");
            for w in self.without_running_tour.iter().take(HTML_ROWS) {
                let mut coming = Vec::new();
                if let Some(t) = w.scheduled {
                    coming.push(format!("#{t} scheduled"));
                }
                if let Some(t) = w.proposed {
                    coming.push(format!("#{t} proposed"));
                }
                let words = PHASES
                    .iter()
                    .find(|(k, _)| *k == w.last_status)
                    .map_or(w.last_status, |(_, words)| words);
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>#{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    self.person(&w.member),
                    w.last_tour,
                    xml(words),
                    w.last_ends_on.map(|d| d.to_string()).unwrap_or_default(),
                    if coming.is_empty() {
                        "—".to_string()
                    } else {
                        coming.join(", ")
                    }
                );
            }
            h.push_str("</tbody></table>");
            more(h, self.without_running_tour.len());
        }
        h.push_str("</section>\n");
    }

    fn html_checkins(&self, h: &mut String) {
        h.push_str("<section id=\"checkins\"><h2>Check-ins sent and answered</h2>\n");
        let t = &self.checkins.total;
        let _ = write!(
            h,
            "<p>{} scheduled check-ins sent, {} of them answered{}; {} other check-in conversations and {} check-ins written as notes.</p>",
            count_cell("checkins", "sent", t.sent),
            count_cell("checkins", "answered", t.answered),
            percent(t.answered, t.sent)
                .map(|p| format!(" ({p})"))
                .unwrap_or_default(),
            count_cell("checkins", "other_conversations", t.other_conversations),
            count_cell("checkins", "notes", t.notes),
        );
        if self.checkins.by_month.is_empty() {
            h.push_str("<p>No check-in was sent or recorded yet.</p></section>\n");
            return;
        }
        h.push_str(&self.checkins_chart());
        h.push_str("<table><thead><tr><th>Month</th><th class=\"n\">Sent</th><th class=\"n\">Answered</th><th class=\"n\">Other conversations</th><th class=\"n\">Notes</th></tr></thead><tbody>");
        for m in &self.checkins.by_month {
            let _ = write!(h, "<tr><td>{}</td>", xml(&m.month));
            for (key, n) in m.counts.figures() {
                h.push_str(&num("checkins_by_month", &format!("{}.{key}", m.month), n));
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table></section>\n");
    }

    /// Sent and answered per month, side by side; the last
    /// [`CHART_MONTHS`] months with any.
    fn checkins_chart(&self) -> String {
        let months = &self.checkins.by_month;
        let months = &months[months.len().saturating_sub(CHART_MONTHS)..];
        let (left, top, plot, slot) = (40.0, 16.0, 160.0, 34.0);
        let width = left + slot * months.len() as f64 + 20.0;
        let height = top + plot + 70.0;
        let most = months
            .iter()
            .map(|m| m.counts.sent.max(m.counts.answered))
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg class="chart" role="img" aria-label="Check-ins sent and answered per month" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>Check-ins sent and answered per month</title>"#
        );
        let base = top + plot;
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{base}" x2="{}" y2="{base}" stroke="#999"/><text x="{}" y="{}" text-anchor="end" font-size="11">{most}</text><text x="{}" y="{base}" text-anchor="end" font-size="11">0</text>"##,
            width - 10.0,
            left - 4.0,
            top + 4.0,
            left - 4.0
        );
        for (i, m) in months.iter().enumerate() {
            let x = left + slot * i as f64 + 4.0;
            for (j, (n, fill, what)) in [
                (m.counts.sent, "#0072B2", "sent"),
                (m.counts.answered, "#009E73", "answered"),
            ]
            .into_iter()
            .enumerate()
            {
                let bar = plot * n as f64 / most;
                let _ = write!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="12" height="{bar:.1}" fill="{fill}"><title>{}: {n} {what}</title></rect>"#,
                    x + 13.0 * j as f64,
                    base - bar,
                    xml(&m.month)
                );
            }
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="11" transform="rotate(-60 {:.1} {:.1})" text-anchor="end">{}</text>"#,
                x + 12.0,
                base + 14.0,
                x + 12.0,
                base + 14.0,
                xml(&m.month)
            );
        }
        let y = height - 6.0;
        let _ = write!(
            s,
            r##"<rect x="{left}" y="{}" width="12" height="12" fill="#0072B2"/><text x="{}" y="{y}" font-size="12">sent</text><rect x="{}" y="{}" width="12" height="12" fill="#009E73"/><text x="{}" y="{y}" font-size="12">answered</text></svg>"##,
            y - 10.0,
            left + 16.0,
            left + 70.0,
            y - 10.0,
            left + 86.0
        );
        s.push('\n');
        s
    }

    fn html_one_on_ones(&self, h: &mut String) {
        h.push_str("<section id=\"one-on-ones\"><h2>1:1s held and scheduled, per manager</h2>\n");
        if self.one_on_ones.by_manager.is_empty() {
            h.push_str("<p>No 1:1 is set up.</p>");
        }
        h.push_str("<table><thead><tr><th>Manager</th><th class=\"n\">Running</th><th class=\"n\">Stopped</th><th class=\"n\">Scheduled so far</th><th class=\"n\">Held</th><th class=\"n\">Skipped</th><th class=\"n\">Moved</th><th class=\"n\">Not logged</th><th class=\"n\">Held of scheduled</th></tr></thead><tbody>");
        for m in &self.one_on_ones.by_manager {
            let _ = write!(h, "<tr><td>{}</td>", self.person(&m.manager));
            for (key, n) in m.counts.figures() {
                h.push_str(&num(
                    "one_on_ones_by_manager",
                    &format!("{}.{key}", m.manager),
                    n,
                ));
            }
            let _ = write!(
                h,
                "<td class=\"n\">{}</td></tr>",
                percent(m.counts.held, m.counts.scheduled).unwrap_or_default()
            );
        }
        h.push_str("</tbody><tfoot><tr><th>All</th>");
        let t = &self.one_on_ones.total;
        for (key, n) in t.figures() {
            h.push_str(&num("one_on_ones", key, n));
        }
        let _ = writeln!(
            h,
            "<td class=\"n\">{}</td></tr></tfoot></table></section>",
            percent(t.held, t.scheduled).unwrap_or_default()
        );
    }

    fn html_promises(&self, h: &mut String) {
        h.push_str("<section id=\"promises\"><h2>The company's promises</h2><p>What the member gets — the member-side objectives of agreed tours.</p><table><thead><tr><th>Kind</th><th class=\"n\">Kept</th><th class=\"n\">Open</th><th class=\"n\">Left open at the end</th><th class=\"n\">Kept of all</th></tr></thead><tbody>");
        for k in &self.promises.by_kind {
            let _ = write!(h, "<tr><td>{}</td>", k.kind.name());
            for (key, n) in k.counts.figures() {
                h.push_str(&num(
                    "promises_by_kind",
                    &format!("{}.{key}", k.kind.name()),
                    n,
                ));
            }
            let c = &k.counts;
            let _ = write!(
                h,
                "<td class=\"n\">{}</td></tr>",
                percent(c.kept, c.kept + c.open + c.left_open).unwrap_or_default()
            );
        }
        h.push_str("</tbody><tfoot><tr><th>All</th>");
        let t = &self.promises.total;
        for (key, n) in t.figures() {
            h.push_str(&num("promises", key, n));
        }
        let _ = write!(
            h,
            "<td class=\"n\">{}</td></tr></tfoot></table>",
            percent(t.kept, t.kept + t.open + t.left_open).unwrap_or_default()
        );
        h.push_str("<h3>Did we deliver what we promised? (managers' answers in check-ins)</h3><table><thead><tr><th class=\"n\">Yes</th><th class=\"n\">Partly</th><th class=\"n\">No</th><th class=\"n\">Not answered</th></tr></thead><tbody><tr>");
        for (key, n) in self.promises.delivered.figures() {
            h.push_str(&num("promises_delivered", key, n));
        }
        h.push_str("</tr></tbody></table></section>\n");
    }

    fn html_alumni(&self, h: &mut String) {
        let a = &self.alumni;
        h.push_str("<section id=\"alumni\"><h2>Alumni</h2><table><thead><tr><th class=\"n\">Alumni</th><th class=\"n\">Keep-in-touch overdue</th><th class=\"n\">Reminders off</th><th class=\"n\">Boomerangs</th></tr></thead><tbody><tr>");
        for (key, n) in a.figures() {
            h.push_str(&num("alumni", key, n));
        }
        h.push_str("</tr></tbody></table>");
        if !a.overdue.is_empty() {
            h.push_str("<h3>Keep in touch: overdue, longest first</h3><table><thead><tr><th>Alumnus</th><th>Liaison</th><th>Last contact</th><th>Due</th></tr></thead><tbody>");
            for o in a.overdue.iter().take(HTML_ROWS) {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    self.person(&o.user),
                    self.person(&o.liaison),
                    o.last_touch,
                    o.due
                );
            }
            h.push_str("</tbody></table>");
            more(h, a.overdue.len());
        }
        h.push_str("</section>\n");
    }

    fn html_timeline(&self, h: &mut String) {
        h.push_str("<section id=\"timeline\"><h2>The timeline of everyone</h2>\n");
        let pages = self.timeline.pages();
        let drawn = self.timeline.rows.len();
        let people = self.timeline_people;
        if drawn == 0 {
            h.push_str("<p>Nobody has agreed tours in the window.</p></section>\n");
            return;
        }
        let _ = write!(
            h,
            "<p>{people} {}, a year back to two years ahead{}.</p>",
            if people == 1 { "person" } else { "people" },
            if people > drawn {
                format!(
                    "; the first {drawn} by name are drawn, {} more are not (<code>/tour timeline @user</code> draws one person)",
                    people - drawn
                )
            } else {
                String::new()
            }
        );
        for page in pages {
            // Inline SVG in HTML needs no namespace declaration, and the
            // file then names no URL at all.
            let svg = page
                .svg()
                .replacen(r#" xmlns="http://www.w3.org/2000/svg""#, "", 1);
            let _ = writeln!(h, "<div class=\"timeline\">{svg}</div>");
        }
        h.push_str("</section>\n");
    }
}

impl Horizon {
    fn figures(&self) -> [(&'static str, usize); 5] {
        [
            ("count", self.count),
            ("next_agreed", self.next_agreed),
            ("next_proposed", self.next_proposed),
            ("exit_planned", self.exit_planned),
            ("nothing_planned", self.nothing_planned),
        ]
    }
}

impl CheckinCounts {
    fn figures(&self) -> [(&'static str, usize); 4] {
        [
            ("sent", self.sent),
            ("answered", self.answered),
            ("other_conversations", self.other_conversations),
            ("notes", self.notes),
        ]
    }
}

impl OneOnOneCounts {
    fn figures(&self) -> [(&'static str, usize); 7] {
        [
            ("running", self.running),
            ("stopped", self.stopped),
            ("scheduled", self.scheduled),
            ("held", self.held),
            ("skipped", self.skipped),
            ("moved", self.moved),
            ("not_logged", self.not_logged),
        ]
    }
}

impl PromiseCounts {
    fn figures(&self) -> [(&'static str, usize); 3] {
        [
            ("kept", self.kept),
            ("open", self.open),
            ("left_open", self.left_open),
        ]
    }
}

impl DeliveredCounts {
    fn figures(&self) -> [(&'static str, usize); 4] {
        [
            ("yes", self.yes),
            ("partly", self.partly),
            ("no", self.no),
            ("not_answered", self.not_answered),
        ]
    }
}

impl AlumniFigures {
    fn figures(&self) -> [(&'static str, usize); 4] {
        [
            ("count", self.count),
            ("keep_in_touch_overdue", self.keep_in_touch_overdue),
            ("reminders_off", self.reminders_off),
            ("boomerangs", self.boomerangs),
        ]
    }
}

fn horizon_section(days: i64) -> String {
    format!("ending_within_{days}_days")
}

/// A figure's table cell.
fn num(section: &str, key: &str, n: impl std::fmt::Display) -> String {
    format!(
        r#"<td class="n" data-key="{}:{}">{n}</td>"#,
        xml(section),
        xml(key)
    )
}

/// Says how many rows of a list of `len` the HTML left out, if any.
fn more(h: &mut String, len: usize) {
    if len > HTML_ROWS {
        let _ = write!(
            h,
            "<p class=\"more\">The first {HTML_ROWS} of {len} are shown; <code>alliance report --format csv</code> lists them all.</p>"
        );
    }
}

/// A figure inside a sentence.
fn count_cell(section: &str, key: &str, n: usize) -> String {
    format!(r#"<b data-key="{}:{}">{n}</b>"#, xml(section), xml(key))
}

/// `part` of `whole` as a whole percentage; `None` of nothing.
fn percent(part: usize, whole: usize) -> Option<String> {
    (whole > 0).then(|| format!("{}%", (part * 100 + whole / 2) / whole))
}

/// The `YYYY-MM` of an instant (UTC).
fn month(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

/// Sent and answered check-ins (see the module docs), and the managers'
/// answers about promises in them.
fn checkins(
    mut asks: Vec<(TourId, DateTime<Utc>)>,
    records: &[CheckIn],
) -> (Checkins, DeliveredCounts) {
    asks.sort();
    let mut answered = vec![false; asks.len()];
    let mut months: BTreeMap<String, CheckinCounts> = BTreeMap::new();
    let mut delivered = DeliveredCounts::default();
    for r in records {
        for p in &r.promises {
            match p.delivered {
                Some(Delivered::Yes) => delivered.yes += 1,
                Some(Delivered::Partly) => delivered.partly += 1,
                Some(Delivered::No) => delivered.no += 1,
                None => delivered.not_answered += 1,
            }
        }
        let conversation = r.answers.iter().any(|a| a.text.is_some());
        if !conversation {
            if r.notes.is_some() {
                months.entry(month(r.at)).or_default().notes += 1;
            }
            continue;
        }
        // The newest check-in sent about this tour at or before it.
        let i = asks.partition_point(|(tour, at)| (*tour, *at) <= (r.tour, r.at));
        match i.checked_sub(1) {
            Some(i) if asks[i].0 == r.tour && !answered[i] => answered[i] = true,
            _ => months.entry(month(r.at)).or_default().other_conversations += 1,
        }
    }
    for (i, (_, at)) in asks.iter().enumerate() {
        let m = months.entry(month(*at)).or_default();
        m.sent += 1;
        if answered[i] {
            m.answered += 1;
        }
    }
    let total = months
        .values()
        .fold(CheckinCounts::default(), |t, m| CheckinCounts {
            sent: t.sent + m.sent,
            answered: t.answered + m.answered,
            other_conversations: t.other_conversations + m.other_conversations,
            notes: t.notes + m.notes,
        });
    let by_month = months
        .into_iter()
        .map(|(month, counts)| CheckinMonth { month, counts })
        .collect();
    (Checkins { total, by_month }, delivered)
}

/// 1:1s held and scheduled per manager (see the module docs).
fn one_on_ones(
    store: &Store,
    team: &TeamId,
    today: NaiveDate,
    pairs: Vec<OneOnOne>,
) -> Result<OneOnOnes, StoreError> {
    let day_start = today.and_time(chrono::NaiveTime::MIN).and_utc();
    let mut by_manager: BTreeMap<UserId, OneOnOneCounts> = BTreeMap::new();
    for o in &pairs {
        let tz = store.one_on_one_zone(team, o)?;
        let until = o.stopped_at.map_or(day_start, |s| s.min(day_start));
        // Slots before `until`: the number of the first one at or after it.
        let current = o
            .schedule
            .next_after(until - Duration::seconds(1), tz)
            .unwrap_or(0) as usize;
        let mut c = OneOnOneCounts {
            scheduled: current,
            ..OneOnOneCounts::default()
        };
        if o.is_active() {
            c.running = 1;
        } else {
            c.stopped = 1;
        }
        let mut logged = 0;
        for m in o.meetings.iter().filter(|m| m.slot < day_start) {
            let counted = m.slot < until && o.schedule.number_at(m.slot, tz).is_some();
            if !counted {
                // A slot of an earlier schedule of the pair.
                c.scheduled += 1;
            }
            logged += 1;
            match m.outcome {
                Outcome::Held => c.held += 1,
                Outcome::Skipped => c.skipped += 1,
                Outcome::Moved => c.moved += 1,
            }
        }
        c.not_logged = c.scheduled.saturating_sub(logged);
        by_manager.entry(o.manager.clone()).or_default().add(&c);
    }
    let mut total = OneOnOneCounts::default();
    for c in by_manager.values() {
        total.add(c);
    }
    Ok(OneOnOnes {
        total,
        by_manager: by_manager
            .into_iter()
            .map(|(manager, counts)| ManagerOneOnOnes { manager, counts })
            .collect(),
    })
}

fn alumni_figures(store: &Store, alumni: &[Alumnus], today: NaiveDate) -> AlumniFigures {
    let mut figures = AlumniFigures {
        count: alumni.len(),
        keep_in_touch_overdue: 0,
        reminders_off: 0,
        boomerangs: 0,
        overdue: Vec::new(),
    };
    for a in alumni {
        if a.returning {
            figures.boomerangs += 1;
        }
        if a.reminders_off {
            figures.reminders_off += 1;
            continue;
        }
        if let Some(due) = keep_in_touch_at(a, store.policy(), 1).map(|d| d.date_naive())
            && due < today
        {
            figures.overdue.push(Overdue {
                user: a.user.clone(),
                liaison: a.liaison.clone(),
                last_touch: a.last_touch().date_naive(),
                due,
            });
        }
    }
    figures.keep_in_touch_overdue = figures.overdue.len();
    figures
        .overdue
        .sort_by(|a, b| a.due.cmp(&b.due).then(a.user.cmp(&b.user)));
    figures
}

const STYLE: &str = "
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1b1b1b;background:#fff;margin:0 auto;max-width:1180px;padding:24px;line-height:1.4}
h1{font-size:28px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid #0072B2;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}
.sub{color:#555;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 16px;min-width:140px}
.card .big{font-size:28px;font-weight:600}
table{border-collapse:collapse;margin:8px 0 12px;font-size:14px}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 10px;text-align:left;vertical-align:top}
thead th{background:#f3f6f9}
tfoot th,tfoot td{border-top:2px solid #bbb;font-weight:600}
.n{text-align:right;font-variant-numeric:tabular-nums}
.zero{color:#aaa}
.id{color:#777;font-size:12px}
tr.nothing_planned td{background:#fff4ec}
.chart{display:block;margin:8px 0;font-family:system-ui,sans-serif;max-width:100%;height:auto}
.timeline svg{max-width:100%;height:auto;border:1px solid #eee;margin:8px 0}
dl.defs dt{font-weight:600;margin-top:8px}
dl.defs dd{margin:2px 0 0 16px;color:#333}
@media print{body{padding:0}h2{break-after:avoid}.timeline{break-inside:avoid}}
";

const DEFINITIONS: &str = "<section id=\"definitions\"><h2>How to read this report</h2><dl class=\"defs\">
<dt>Status</dt><dd>Where a tour stands on the report's day: a tour past its end with nothing decided is <i>ended, awaiting a decision</i>, never active; an accepted tour whose start is to come is <i>scheduled</i>.</dd>
<dt>Tours ending soon</dt><dd>Tours under way (active, next tour agreed, or the member leaving) whose last day — the exit date for a member leaving — falls within 90 or 180 days, with what is planned after them: the next tour agreed, a next tour proposed and not yet answered, an exit planned, or nothing. Foundational tours have no end.</dd>
<dt>Members without a running tour</dt><dd>People who are the member of some tour, are not in the alumni network, and are on no tour under way today; a tour scheduled to start later or a proposal waiting for them is named.</dd>
<dt>Check-ins sent and answered</dt><dd><i>Sent</i>: the scheduled check-ins Alliance sent to members (the first question of the check-in conversation), by the month they went; one still waiting to be sent is not counted. <i>Answered</i>: a sent check-in after which the member's check-in about that tour was recorded (at least one answer) before the next one was sent, counted in the month it was sent. <i>Other conversations</i>: recorded check-in conversations that answered no check-in sent (started by hand with <code>/tour checkin</code>); <i>notes</i>: check-ins written as notes; both by the month recorded.</dd>
<dt>1:1s</dt><dd>Per manager. <i>Scheduled so far</i>: the slots of each 1:1's schedule (in its time zone now) from its first up to the start of the report's day (UTC), none after it was stopped, plus slots logged under an earlier schedule; a day's slots count once the day is over. <i>Held</i>, <i>skipped</i>, <i>moved</i>: as the manager logged them; <i>not logged</i>: the rest.</dd>
<dt>The company's promises</dt><dd>Member-side objectives (what the member gets) of agreed tours, removed ones left out: <i>kept</i> when marked done, <i>open</i> while the tour is open, <i>left open</i> when the tour was completed or left without it done. The managers' answers in check-ins say whether the company delivered in each period.</dd>
<dt>Alumni</dt><dd><i>Keep-in-touch overdue</i>: the next contact (every six months by default, since the last logged one or since they joined the network) fell due before the report's day, and the liaison did not turn the reminders off. <i>Boomerangs</i>: marked as returning.</dd>
</dl></section>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(crate::store::export::csv_text("Ana"), "Ana");
        assert_eq!(
            crate::store::export::csv_text("a, \"b\""),
            "\"a, \"\"b\"\"\""
        );
        assert_eq!(
            crate::store::export::csv_text("=HYPERLINK(1)"),
            "'=HYPERLINK(1)"
        );
        assert_eq!(
            crate::store::export::csv_text("line\nbreak"),
            "\"line\nbreak\""
        );
    }

    #[test]
    fn percentages_round_and_say_nothing_of_nothing() {
        assert_eq!(percent(1, 3).as_deref(), Some("33%"));
        assert_eq!(percent(2, 3).as_deref(), Some("67%"));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn a_check_in_is_answered_by_the_next_conversation_about_its_own_tour() {
        use crate::domain::checkin::{Answer, Question};
        let day = |m: u32, d: u32| {
            NaiveDate::from_ymd_opt(2027, m, d)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap()
                .and_utc()
        };
        let record = |tour: u64, number: u32, at: DateTime<Utc>, answered: bool| CheckIn {
            tour: TourId(tour),
            number,
            at,
            by: UserId::parse("UA").unwrap(),
            answers: vec![Answer {
                question: Question::Blockers,
                text: answered.then(|| "None".to_string()),
            }],
            stopped: false,
            notes: (!answered).then(|| "Notes".to_string()),
            promises: Vec::new(),
        };
        // Tour 1 is asked in January and March, tour 2 in February.
        let asks = vec![
            (TourId(2), day(2, 1)),
            (TourId(1), day(3, 1)),
            (TourId(1), day(1, 1)),
        ];
        let records = [
            // Before tour 2 was ever asked: started by hand.
            record(2, 1, day(1, 20), true),
            // January's answer, late; then a second one in the period.
            record(1, 1, day(2, 10), true),
            record(1, 2, day(2, 12), true),
            // Notes, not an answer to March's.
            record(1, 3, day(3, 2), false),
        ];
        let (c, _) = checkins(asks, &records);
        let months: Vec<(String, CheckinCounts)> = c
            .by_month
            .into_iter()
            .map(|m| (m.month, m.counts))
            .collect();
        let n = |sent, answered, other_conversations, notes| CheckinCounts {
            sent,
            answered,
            other_conversations,
            notes,
        };
        assert_eq!(
            months,
            [
                ("2027-01".to_string(), n(1, 1, 1, 0)),
                ("2027-02".to_string(), n(1, 0, 1, 0)),
                ("2027-03".to_string(), n(1, 0, 0, 1)),
            ]
        );
        assert_eq!(c.total, n(3, 1, 2, 1));
    }

    #[test]
    fn every_phase_has_its_own_key() {
        let keys: BTreeSet<&str> = PHASES.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys.len(), PHASES.len());
    }
}
