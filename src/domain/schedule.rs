//! When the framework's reminders fall due, derived from a tour's state.
//!
//! Reminders are not stored timers: the store keeps, in a time-ordered index,
//! the *next* occurrence of each series a tour is in, and when one fires the
//! scheduler checks it against the tour as it is then ([`due_at`]), sends it,
//! and plans the following occurrence ([`following`]). A tour that changed
//! (accepted, extended, closed) simply makes old occurrences invalid.
//!
//! | series | to | when |
//! | --- | --- | --- |
//! | `waiting` | member | 3 days after a proposal with no answer |
//! | `waiting-manager` | manager | 6 days after, still no answer |
//! | `ending:Nd` | both | N ∈ {180, 90, 30, 7} days before the end date (not foundational); only milestones on or after the day the tour was accepted and the day it starts (a scheduled tour's come after the tour it follows ends); none once its next tour is agreed (`followed`) |
//! | `ended:wN` | both | the day after the end date, then weekly, while still active with no next tour agreed |
//! | `recommit:yN` | both | every 12 months of an active foundational tour |
//! | `handover:wN` | both | weekly after an exit is planned, until the last day |
//! | `alumni-ask` | member | 7 days before the last day (at once if sooner), until answered |
//! | `exit` | nobody | the last day: the tour ends (and the member becomes an alumnus if they said yes) |
//! | `keep-in-touch:U…:nN` | the alumnus' liaison | N × 6 months after the last logged contact (not about a tour: its due entries carry tour 0) |
//! | `checkin:nN` | member | N × the cadence (1 month, or the tour's own) after the last check-in, the cadence's change, or the acceptance (for a scheduled tour, its start); while the tour is active and before its end date. Its message is the first question of the check-in conversation (`domain::checkin`); a snoozed or paused conversation comes back as the same series, round ≥ 1. An occurrence planned before a recorded check-in moved the count is dropped at delivery, like any reminder its tour no longer owes |
//! | `1on1:U…:U…:agenda:T` | both parties of a 1:1 | before the slot `T`, held for each one's morning (tour 0; see `one_on_one`) |
//! | `1on1:U…:U…:happened:T` | the 1:1's manager | an hour after the slot `T` |
//! | `1on1:U…:U…:overdue:T` | the 1:1's manager | at `T`, two cadences without a 1:1 held |
//!
//! Dates fall due at the start of the day (UTC); delivery then waits for the
//! recipient's working hours in their own time zone.
//!
//! A series' family ([`Series::family`]) is also the name a person types
//! for its reminders (`/tour snooze 17 ending 1w`): [`ReminderKind`].

use super::alumni::Alumnus;
use super::ending::Exit;
use super::one_on_one::Step;
use super::people::UserId;
use super::tour::{Status, Tour, TourKind};
use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The configurable cadences (`[reminders]` in the configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReminderPolicy {
    pub proposal_waiting_days: u32,
    pub ending_days: Vec<u32>,
    pub ended_every_days: u32,
    pub recommit_every_months: u32,
    pub keep_in_touch_months: u32,
    /// Months between check-ins of an active tour, unless the tour sets its own.
    pub checkin_every_months: u32,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        ReminderPolicy {
            proposal_waiting_days: 3,
            ending_days: vec![180, 90, 30, 7],
            ended_every_days: 7,
            recommit_every_months: 12,
            keep_in_touch_months: 6,
            checkin_every_months: 1,
        }
    }
}

/// One kind of reminder, with its place in its series.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Series {
    Waiting,
    WaitingManager,
    /// Days before the end date.
    Ending(u32),
    /// Weeks after the first "ended" reminder (0 = the day after the end).
    Ended(u32),
    /// Years of a foundational tour (1 = the first anniversary).
    Recommit(u32),
    /// Weeks since an early exit was planned (0 = the first week).
    Handover(u32),
    /// The leaving member is asked about the alumni network.
    AlumniAsk,
    /// The last day: not a message, the departure itself.
    Exit,
    /// The N-th keep-in-touch reminder about an alumnus since the last
    /// logged contact.
    KeepInTouch(UserId, u32),
    /// The N-th check-in since the tour's check-ins last counted from (see
    /// [`Tour::checkin_from`]); 0 names a conversation started by hand,
    /// which only ever comes back from a pause (round ≥ 1).
    Checkin(u32),
    /// A reminder of the 1:1 of `manager` with `member` (not about a tour:
    /// tour 0), about the slot at `slot` (for an overdue nudge, the instant
    /// it falls due). The instant is in the key, so a 1:1 moved to another
    /// time, even on the same day, owes new messages.
    OneOnOne {
        manager: UserId,
        member: UserId,
        step: Step,
        slot: DateTime<Utc>,
    },
}

impl Series {
    /// Its part of an idempotency key: `waiting`, `ending:30d`, `ended:w2`, `recommit:y1`.
    pub fn key(&self) -> String {
        match self {
            Series::Waiting => "waiting".into(),
            Series::WaitingManager => "waiting-manager".into(),
            Series::Ending(d) => format!("ending:{d}d"),
            Series::Ended(w) => format!("ended:w{w}"),
            Series::Recommit(y) => format!("recommit:y{y}"),
            Series::Handover(w) => format!("handover:w{w}"),
            Series::AlumniAsk => "alumni-ask".into(),
            Series::Exit => "exit".into(),
            Series::KeepInTouch(who, n) => format!("keep-in-touch:{who}:n{n}"),
            Series::Checkin(n) => format!("checkin:n{n}"),
            Series::OneOnOne {
                manager,
                member,
                step,
                slot,
            } => format!(
                "1on1:{manager}:{member}:{}:{}",
                step.name(),
                slot.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        }
    }

    /// Reads back [`Series::key`].
    pub fn parse(key: &str) -> Option<Series> {
        let number = |s: &str, prefix: &str, suffix: &str| {
            s.strip_prefix(prefix)?.strip_suffix(suffix)?.parse().ok()
        };
        match key {
            "waiting" => Some(Series::Waiting),
            "waiting-manager" => Some(Series::WaitingManager),
            k if k.starts_with("ending:") => number(k, "ending:", "d").map(Series::Ending),
            k if k.starts_with("ended:") => number(k, "ended:w", "").map(Series::Ended),
            k if k.starts_with("recommit:") => number(k, "recommit:y", "").map(Series::Recommit),
            k if k.starts_with("handover:") => number(k, "handover:w", "").map(Series::Handover),
            "alumni-ask" => Some(Series::AlumniAsk),
            "exit" => Some(Series::Exit),
            k if k.starts_with("checkin:") => number(k, "checkin:n", "").map(Series::Checkin),
            k if k.starts_with("keep-in-touch:") => {
                let (who, n) = k.strip_prefix("keep-in-touch:")?.split_once(':')?;
                Some(Series::KeepInTouch(
                    UserId::parse(who)?,
                    n.strip_prefix('n')?.parse().ok()?,
                ))
            }
            k if k.starts_with("1on1:") => {
                let mut parts = k.strip_prefix("1on1:")?.splitn(4, ':');
                let manager = UserId::parse(parts.next()?)?;
                let member = UserId::parse(parts.next()?)?;
                let step = Step::parse(parts.next()?)?;
                let slot = DateTime::parse_from_rfc3339(parts.next()?).ok()?;
                Some(Series::OneOnOne {
                    manager,
                    member,
                    step,
                    slot: slot.with_timezone(&Utc),
                })
            }
            _ => None,
        }
    }

    /// The series without its place: what "done" switches off.
    pub fn family(&self) -> &'static str {
        match self {
            Series::Waiting | Series::WaitingManager => "waiting",
            Series::Ending(_) => "ending",
            Series::Ended(_) => "ended",
            Series::Recommit(_) => "recommit",
            Series::Handover(_) => "handover",
            Series::AlumniAsk => "alumni-ask",
            Series::Exit => "exit",
            Series::KeepInTouch(..) => "keep-in-touch",
            Series::Checkin(_) => "checkin",
            Series::OneOnOne { step, .. } => match step {
                Step::Agenda => "1on1-agenda",
                Step::Happened => "1on1-happened",
                Step::Overdue => "1on1-overdue",
            },
        }
    }

    /// The series a person snoozes or is away from, without its place:
    /// what one snooze holds and one returning message stands for. For a
    /// tour's reminders that is [`Series::family`]; a keep-in-touch series
    /// is about one alumnus (`keep-in-touch:U…`) and a 1:1's about one pair
    /// and step (`1on1:U…:U…:happened`), since those name no tour.
    pub fn thread(&self) -> String {
        match self {
            Series::KeepInTouch(who, _) => format!("keep-in-touch:{who}"),
            Series::OneOnOne {
                manager,
                member,
                step,
                ..
            } => format!("1on1:{manager}:{member}:{}", step.name()),
            other => other.family().to_string(),
        }
    }

    /// The occurrence before this one in a repeating series of a tour
    /// (weekly, yearly), if there is one.
    pub fn previous(&self) -> Option<Series> {
        match self {
            Series::Ended(w) if *w > 0 => Some(Series::Ended(w - 1)),
            Series::Handover(w) if *w > 0 => Some(Series::Handover(w - 1)),
            Series::Recommit(y) if *y > 1 => Some(Series::Recommit(y - 1)),
            _ => None,
        }
    }

    /// Whether the same place in the series can fall on another day — the
    /// end date was extended, a contact was logged — so its messages' keys
    /// must name the day (see `notice`). A 1:1's series names its slot
    /// itself (day and time), so it needs no second date.
    pub fn keyed_by_day(&self) -> bool {
        matches!(
            self,
            Series::Ending(_) | Series::Ended(_) | Series::KeepInTouch(..) | Series::Checkin(_)
        )
    }

    /// Who hears about it.
    pub fn recipients(&self, tour: &Tour) -> Vec<UserId> {
        match self {
            Series::Waiting => vec![tour.member.clone()],
            Series::WaitingManager => vec![tour.manager.clone()],
            Series::AlumniAsk | Series::Checkin(_) => vec![tour.member.clone()],
            Series::Exit | Series::KeepInTouch(..) | Series::OneOnOne { .. } => Vec::new(),
            _ => vec![tour.manager.clone(), tour.member.clone()],
        }
    }
}

impl Series {
    /// The kind of tour reminder a person can answer by name (typed:
    /// `/tour snooze <id> ending …`), if it is one.
    pub fn kind(&self) -> Option<ReminderKind> {
        ReminderKind::ALL
            .into_iter()
            .find(|k| k.name() == self.family())
    }
}

/// The kinds of tour reminder that carry Snooze (and, but for check-ins,
/// Done) buttons, by the name of their series ([`Series::family`]): what a
/// typed snooze or done names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReminderKind {
    /// The proposal is waiting for an answer (to the member, then the manager).
    Waiting,
    /// Plan the next tour, before the end date.
    Ending,
    /// The end date passed with no decision.
    Ended,
    /// A foundational tour's yearly re-commitment.
    Recommit,
    /// The weekly handover checklist of a planned exit.
    Handover,
    /// A check-in's first question.
    Checkin,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 6] = [
        ReminderKind::Waiting,
        ReminderKind::Ending,
        ReminderKind::Ended,
        ReminderKind::Recommit,
        ReminderKind::Handover,
        ReminderKind::Checkin,
    ];

    /// Its series' family name, which is also the word typed for it.
    pub fn name(self) -> &'static str {
        match self {
            ReminderKind::Waiting => "waiting",
            ReminderKind::Ending => "ending",
            ReminderKind::Ended => "ended",
            ReminderKind::Recommit => "recommit",
            ReminderKind::Handover => "handover",
            ReminderKind::Checkin => "checkin",
        }
    }

    /// The word typed for it (`check-in` reads as `checkin`).
    pub fn parse(word: &str) -> Option<ReminderKind> {
        let word = word.to_ascii_lowercase();
        let word = if word == "check-in" { "checkin" } else { &word };
        ReminderKind::ALL.into_iter().find(|k| k.name() == word)
    }

    /// These reminders, in words: "plan-the-next-tour reminders".
    pub fn describe(self) -> &'static str {
        match self {
            ReminderKind::Waiting => "waiting-for-an-answer reminders",
            ReminderKind::Ending => "plan-the-next-tour reminders",
            ReminderKind::Ended => "ended-with-no-decision reminders",
            ReminderKind::Recommit => "re-commitment reminders",
            ReminderKind::Handover => "handover checklists",
            ReminderKind::Checkin => "check-in reminders",
        }
    }
}

/// A person's snooze of one series ([`Series::thread`]) of a tour: the
/// reminder they snoozed comes back to them at `until` (as round `round`),
/// and nothing else of that series reaches them around it (see
/// [`Snooze::holds`]). Only the latest snooze of a series counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snooze {
    pub until: DateTime<Utc>,
    /// The round of the occurrence that comes back at `until`.
    pub round: u32,
    /// When they snoozed.
    pub at: DateTime<Utc>,
}

impl Snooze {
    /// Whether this snooze holds back, for the person who snoozed, the
    /// occurrence planned for `planned` (its round `round`; `previous`: when
    /// the occurrence before it in a repeating series was planned).
    ///
    /// A snooze "moves the series to `until`": nothing of it before then,
    /// exactly one message after. So it holds every regular occurrence
    /// planned up to `until`, and the first one after it too when that one
    /// would come nearer to the snoozed message than the one before it
    /// (the weekly reminder due the day after is skipped; the one a week on
    /// comes). A snoozed copy (round ≥ 1) is owed only if it is this
    /// snooze's own: an older snooze's copy was replaced by it.
    pub fn holds(
        &self,
        planned: DateTime<Utc>,
        round: u32,
        previous: Option<DateTime<Utc>>,
    ) -> bool {
        if round > 0 {
            return planned != self.until;
        }
        planned <= self.until
            || previous.is_some_and(|p| p < self.until && planned - self.until < self.until - p)
    }
}

/// A series' next firing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub series: Series,
    pub at: DateTime<Utc>,
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// When `series` should fire for the tour as it is now, or `None` if it no
/// longer applies. The single source of truth for every reminder's time.
pub fn due_at(tour: &Tour, policy: &ReminderPolicy, series: &Series) -> Option<DateTime<Utc>> {
    let days = |n: u32| chrono::Duration::days(i64::from(n));
    // A followed tour's next tour is agreed: nothing left to plan or decide.
    let active_with_end = || match (tour.status, tour.kind, tour.ends_on) {
        (Status::Active, TourKind::Rotational | TourKind::Transformational, Some(end)) => Some(end),
        _ => None,
    };
    let leaving = || match (&tour.exit, tour.status) {
        (Some(exit), Status::Leaving) => Some(exit),
        _ => None,
    };
    match series {
        Series::Waiting => (tour.status == Status::Proposed)
            .then(|| tour.proposed_at + days(policy.proposal_waiting_days)),
        Series::WaitingManager => (tour.status == Status::Proposed)
            .then(|| tour.proposed_at + days(2 * policy.proposal_waiting_days)),
        Series::Ending(n) => {
            let end = active_with_end()?;
            if !policy.ending_days.contains(n) {
                return None;
            }
            let date = end.checked_sub_days(Days::new(u64::from(*n)))?;
            // A milestone before the tour was accepted, or before it starts
            // (a scheduled tour: its predecessor still runs), is not owed.
            (date >= runs_from(tour)?).then(|| day_start(date))
        }
        Series::Ended(week) => {
            let end = active_with_end()?;
            let first = end.checked_add_days(Days::new(1))?;
            first
                .checked_add_days(Days::new(
                    u64::from(*week) * u64::from(policy.ended_every_days),
                ))
                .map(day_start)
        }
        Series::Recommit(year) => match (tour.status, tour.kind, tour.starts_on) {
            (Status::Active, TourKind::Foundational, Some(start)) if *year >= 1 => start
                .checked_add_months(Months::new(
                    policy.recommit_every_months.saturating_mul(*year),
                ))
                .map(day_start),
            _ => None,
        },
        Series::Handover(week) => handover_day(leaving()?, *week).map(day_start),
        Series::AlumniAsk => {
            let exit = leaving()?;
            if exit.alumni.is_some() {
                return None;
            }
            let week_before = exit.on.checked_sub_days(Days::new(7)).map(day_start)?;
            Some(week_before.max(exit.planned_at))
        }
        Series::Exit => leaving().map(|exit| day_start(exit.on)),
        Series::KeepInTouch(..) | Series::OneOnOne { .. } => None,
        Series::Checkin(n) => checkin_at(tour, policy, *n),
    }
}

/// When the `n`-th check-in of `tour` falls due: `n` cadences after the day
/// its check-ins count from, while it is active and before its end date.
fn checkin_at(tour: &Tour, policy: &ReminderPolicy, n: u32) -> Option<DateTime<Utc>> {
    if !matches!(tour.status, Status::Active | Status::Followed) || n == 0 {
        return None;
    }
    let from = match tour.checkin_from {
        Some(day) => day.max(runs_from(tour)?),
        None => runs_from(tour)?,
    };
    let every = tour
        .checkin_every_months
        .unwrap_or(policy.checkin_every_months)
        .max(1);
    let date = from.checked_add_months(Months::new(every.saturating_mul(n)))?;
    match tour.ends_on {
        Some(end) if date >= end => None,
        _ => Some(day_start(date)),
    }
}

/// The first day a tour is both agreed and under way: its acceptance, or
/// its start if that comes later (a scheduled tour).
fn runs_from(tour: &Tour) -> Option<NaiveDate> {
    match (tour.accepted_on, tour.starts_on) {
        (Some(accepted), Some(start)) => Some(accepted.max(start)),
        (accepted, start) => accepted.or(start),
    }
}

/// When the `n`-th keep-in-touch reminder about `alumnus` falls due: every
/// `keep_in_touch_months` after the last logged contact, unless the liaison
/// said "not any more".
pub fn keep_in_touch_at(
    alumnus: &Alumnus,
    policy: &ReminderPolicy,
    n: u32,
) -> Option<DateTime<Utc>> {
    if alumnus.reminders_off || n == 0 {
        return None;
    }
    alumnus
        .last_touch()
        .checked_add_months(Months::new(policy.keep_in_touch_months.saturating_mul(n)))
}

/// The day of a planned exit's handover checklist number `week` (0 is the
/// first, a week after the exit was planned), if it comes before the last
/// day: an exit less than a week away has none.
pub fn handover_day(exit: &Exit, week: u32) -> Option<NaiveDate> {
    let date = exit
        .planned_at
        .date_naive()
        .checked_add_days(Days::new(7 * (u64::from(week) + 1)))?;
    (date < exit.on).then_some(date)
}

/// The first occurrence of every series the tour is in now.
pub fn plan(tour: &Tour, policy: &ReminderPolicy) -> Vec<Occurrence> {
    let mut series = vec![
        Series::Waiting,
        Series::WaitingManager,
        Series::Ended(0),
        Series::Recommit(1),
        Series::Handover(0),
        Series::AlumniAsk,
        Series::Exit,
        Series::Checkin(1),
    ];
    series.extend(policy.ending_days.iter().map(|d| Series::Ending(*d)));
    series
        .into_iter()
        .filter_map(|s| due_at(tour, policy, &s).map(|at| Occurrence { series: s, at }))
        .collect()
}

/// The occurrence after `fired` in its series, if the series goes on.
pub fn following(tour: &Tour, policy: &ReminderPolicy, fired: &Series) -> Option<Occurrence> {
    let next = match fired {
        Series::Ended(w) => Series::Ended(w + 1),
        Series::Recommit(y) => Series::Recommit(y + 1),
        Series::Handover(w) => Series::Handover(w + 1),
        Series::Checkin(n) if *n > 0 => Series::Checkin(n + 1),
        _ => return None,
    };
    due_at(tour, policy, &next).map(|at| Occurrence { series: next, at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_kind_is_named_as_its_series_family() {
        let cases = [
            (Series::Waiting, Some(ReminderKind::Waiting)),
            (Series::WaitingManager, Some(ReminderKind::Waiting)),
            (Series::Ending(30), Some(ReminderKind::Ending)),
            (Series::Ended(2), Some(ReminderKind::Ended)),
            (Series::Recommit(1), Some(ReminderKind::Recommit)),
            (Series::Handover(0), Some(ReminderKind::Handover)),
            (Series::Checkin(3), Some(ReminderKind::Checkin)),
            (Series::AlumniAsk, None),
            (Series::Exit, None),
        ];
        for (series, kind) in cases {
            assert_eq!(series.kind(), kind, "{series:?}");
            if let Some(kind) = kind {
                assert_eq!(kind.name(), series.family());
                assert_eq!(ReminderKind::parse(&kind.name().to_uppercase()), Some(kind));
            }
        }
        assert_eq!(ReminderKind::parse("check-in"), Some(ReminderKind::Checkin));
        assert_eq!(ReminderKind::parse("alumni-ask"), None);
    }
    use crate::domain::tour::{Term, TourId};
    use chrono::TimeZone;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }
    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }
    fn tour(kind: TourKind, term: Term) -> Tour {
        let now = Utc.with_ymd_and_hms(2026, 1, 10, 15, 30, 0).unwrap();
        Tour::propose(TourId(1), &u("UM"), &u("UA"), kind, term, "Mission", now)
            .unwrap()
            .0
    }
    fn keys(occurrences: &[Occurrence]) -> Vec<(String, DateTime<Utc>)> {
        occurrences.iter().map(|o| (o.series.key(), o.at)).collect()
    }

    #[test]
    fn a_proposal_waits_three_days_for_the_member_then_six_for_the_manager() {
        let t = tour(TourKind::Rotational, Term::Months(12));
        let p = ReminderPolicy::default();
        let plan = plan(&t, &p);
        assert_eq!(
            keys(&plan),
            vec![
                ("waiting".into(), t.proposed_at + chrono::Duration::days(3)),
                (
                    "waiting-manager".into(),
                    t.proposed_at + chrono::Duration::days(6)
                )
            ]
        );
        assert_eq!(Series::Waiting.recipients(&t), vec![u("UA")]);
        let accepted = t.accept(&u("UA"), at(2026, 1, 11)).unwrap().0;
        assert_eq!(
            due_at(&accepted, &p, &Series::Waiting),
            None,
            "an answered proposal stops waiting"
        );
    }

    #[test]
    fn an_active_tour_is_reminded_before_and_after_its_end() {
        let p = ReminderPolicy::default();
        let t = tour(TourKind::Transformational, Term::Months(24))
            .accept(&u("UA"), at(2026, 1, 11))
            .unwrap()
            .0;
        assert_eq!(t.ends_on, NaiveDate::from_ymd_opt(2028, 1, 11));
        let plan = keys(&plan(&t, &p));
        assert_eq!(
            plan,
            vec![
                ("ended:w0".into(), at(2028, 1, 12)),
                ("checkin:n1".into(), at(2026, 2, 11)),
                ("ending:180d".into(), at(2027, 7, 15)),
                ("ending:90d".into(), at(2027, 10, 13)),
                ("ending:30d".into(), at(2027, 12, 12)),
                ("ending:7d".into(), at(2028, 1, 4)),
            ]
        );
        let next = following(&t, &p, &Series::Ended(0)).unwrap();
        assert_eq!((next.series, next.at), (Series::Ended(1), at(2028, 1, 19)));
        assert_eq!(
            following(&t, &p, &Series::Ending(30)),
            None,
            "milestones do not repeat"
        );
        assert!(Series::Ending(30).recipients(&t).len() == 2);
    }

    #[test]
    fn milestones_before_acceptance_are_not_owed() {
        let p = ReminderPolicy::default();
        let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        // Proposed long ago with fixed dates, accepted 2026-01-11: 180 and 90 days before the end have passed.
        let t = tour(TourKind::Rotational, Term::Dates { from, to })
            .accept(&u("UA"), at(2026, 1, 11))
            .unwrap()
            .0;
        let series: Vec<String> = plan(&t, &p).into_iter().map(|o| o.series.key()).collect();
        assert_eq!(
            series,
            vec!["ended:w0", "checkin:n1", "ending:30d", "ending:7d"]
        );
    }

    #[test]
    fn a_scheduled_tour_is_reminded_only_from_its_start_and_a_followed_one_not_to_plan() {
        let p = ReminderPolicy::default();
        let first = tour(TourKind::Rotational, Term::Months(12))
            .accept(&u("UA"), at(2026, 1, 11))
            .unwrap()
            .0;
        let mut next = Tour::propose(
            TourId(2),
            &u("UM"),
            &u("UA"),
            TourKind::Rotational,
            Term::Months(4),
            "Next",
            at(2026, 6, 1),
        )
        .unwrap()
        .0;
        next.previous = Some(first.id);
        let changes = next
            .accept_among(&u("UA"), at(2026, 6, 1), std::slice::from_ref(&first))
            .unwrap();
        let (next, first) = (&changes[0].0, &changes[1].0);
        assert_eq!(next.starts_on, NaiveDate::from_ymd_opt(2027, 1, 12));
        // Its 180-day milestone would fall before it starts (and before its
        // predecessor ends): not owed. Check-ins start a month into it.
        assert_eq!(
            keys(&plan(next, &p)),
            vec![
                ("ended:w0".into(), at(2027, 5, 13)),
                ("checkin:n1".into(), at(2027, 2, 12)),
                ("ending:90d".into(), at(2027, 2, 11)),
                ("ending:30d".into(), at(2027, 4, 12)),
                ("ending:7d".into(), at(2027, 5, 5)),
            ]
        );
        // The tour it follows: its next tour is agreed, so nothing to plan or
        // decide; its check-ins go on.
        assert_eq!(
            keys(&plan(first, &p)),
            vec![("checkin:n1".into(), at(2026, 2, 11))]
        );
        assert_eq!(due_at(first, &p, &Series::Ended(0)), None);
    }

    #[test]
    fn foundational_tours_recommit_yearly_and_never_end() {
        let p = ReminderPolicy::default();
        let t = tour(TourKind::Foundational, Term::OpenEnded)
            .accept(&u("UA"), at(2026, 2, 28))
            .unwrap()
            .0;
        assert_eq!(
            keys(&plan(&t, &p)),
            vec![
                ("recommit:y1".into(), at(2027, 2, 28)),
                ("checkin:n1".into(), at(2026, 3, 28))
            ]
        );
        let y2 = following(&t, &p, &Series::Recommit(1)).unwrap();
        assert_eq!((y2.series, y2.at), (Series::Recommit(2), at(2028, 2, 28)));
        assert_eq!(due_at(&t, &p, &Series::Ending(30)), None);
    }

    #[test]
    fn closed_tours_owe_nothing() {
        let p = ReminderPolicy::default();
        let t = tour(TourKind::Rotational, Term::Months(12));
        assert!(plan(&t.decline(&u("UA"), None, at(2026, 1, 11)).unwrap().0, &p).is_empty());
        assert!(plan(&t.withdraw(&u("UM"), at(2026, 1, 11)).unwrap().0, &p).is_empty());
    }

    #[test]
    fn an_exit_plans_weekly_handovers_the_alumni_question_and_the_last_day() {
        let p = ReminderPolicy::default();
        let t = tour(TourKind::Rotational, Term::Months(12))
            .accept(&u("UA"), at(2026, 1, 11))
            .unwrap()
            .0;
        let planned = Utc.with_ymd_and_hms(2026, 6, 1, 15, 0, 0).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 6, 20).unwrap();
        let l = t
            .leave(&u("UM"), &u("US"), Some(last), None, planned)
            .unwrap()
            .0;
        assert_eq!(
            keys(&plan(&l, &p)),
            vec![
                ("handover:w0".into(), at(2026, 6, 8)),
                ("alumni-ask".into(), at(2026, 6, 13)),
                ("exit".into(), at(2026, 6, 20)),
            ],
            "the end-of-tour series stop while leaving"
        );
        let w1 = following(&l, &p, &Series::Handover(0)).unwrap();
        assert_eq!((w1.series, w1.at), (Series::Handover(1), at(2026, 6, 15)));
        assert_eq!(
            following(&l, &p, &Series::Handover(1)),
            None,
            "no handover reminder on or after the last day"
        );
        assert_eq!(Series::Exit.recipients(&l), Vec::<UserId>::new());
        let answered = l.answer_alumni(&u("UA"), false, None, planned).unwrap().0;
        assert_eq!(due_at(&answered, &p, &Series::AlumniAsk), None);
        // Leaving in three days: the question comes at once.
        let soon = t
            .leave(
                &u("UA"),
                &u("US"),
                NaiveDate::from_ymd_opt(2026, 6, 4),
                None,
                planned,
            )
            .unwrap()
            .0;
        assert_eq!(due_at(&soon, &p, &Series::AlumniAsk), Some(planned));
    }

    #[test]
    fn check_ins_come_every_cadence_from_the_last_one_until_the_end_date() {
        let p = ReminderPolicy::default();
        let t = tour(TourKind::Rotational, Term::Months(4))
            .accept(&u("UA"), at(2026, 1, 31))
            .unwrap()
            .0;
        assert_eq!(due_at(&t, &p, &Series::Checkin(1)), Some(at(2026, 2, 28)));
        let n3 = following(&t, &p, &Series::Checkin(2)).unwrap();
        assert_eq!((n3.series, n3.at), (Series::Checkin(3), at(2026, 4, 30)));
        assert_eq!(
            due_at(&t, &p, &Series::Checkin(4)),
            None,
            "not on or after the end date (2026-05-31)"
        );
        assert_eq!(
            due_at(&t, &p, &Series::Checkin(0)),
            None,
            "0 is never planned"
        );
        assert_eq!(Series::Checkin(1).recipients(&t), vec![u("UA")]);
        assert!(Series::Checkin(1).keyed_by_day());

        // The workspace's cadence, the tour's own, and a recorded check-in.
        let quarterly = ReminderPolicy {
            checkin_every_months: 3,
            ..ReminderPolicy::default()
        };
        assert_eq!(
            due_at(&t, &quarterly, &Series::Checkin(1)),
            Some(at(2026, 4, 30))
        );
        let (every2, _) = t.set_checkin_every(&u("UM"), 2, at(2026, 2, 10)).unwrap();
        assert_eq!(
            due_at(&every2, &quarterly, &Series::Checkin(1)),
            Some(at(2026, 4, 10))
        );
        let (checked, _, _) = t
            .check_in(&u("UA"), Some("Fine"), None, at(2026, 3, 3))
            .unwrap();
        assert_eq!(
            plan(&checked, &p)
                .into_iter()
                .find(|o| o.series.family() == "checkin")
                .map(|o| o.at),
            Some(at(2026, 4, 3))
        );
        let done = t.complete(&u("UM"), at(2026, 2, 1)).unwrap().0;
        assert_eq!(due_at(&done, &p, &Series::Checkin(1)), None);
    }

    #[test]
    fn a_snooze_holds_its_series_until_then_and_the_one_right_after() {
        let until = at(2026, 12, 22);
        let snooze = Snooze {
            until,
            round: 1,
            at: at(2026, 12, 2),
        };
        let day = |d: u32| Some(at(2026, 12, d));
        // Weekly on Wednesdays: the 9th and 16th are before it; the 23rd is
        // a day after it, nearer to it than to the 16th; the 30th comes.
        assert!(snooze.holds(at(2026, 12, 9), 0, day(2)));
        assert!(snooze.holds(at(2026, 12, 16), 0, day(9)));
        assert!(snooze.holds(until, 0, day(16)), "at the same time");
        assert!(snooze.holds(at(2026, 12, 23), 0, day(16)));
        assert!(!snooze.holds(at(2026, 12, 30), 0, day(23)));
        // A milestone (no series before it) right after it comes.
        assert!(!snooze.holds(at(2026, 12, 23), 0, None));
        // Snoozed at lunch for a week: the next morning's is held, the one a
        // week on comes.
        let lunch = Utc.with_ymd_and_hms(2026, 12, 9, 13, 0, 0).unwrap();
        let week = Snooze {
            until: lunch,
            round: 1,
            at: lunch - chrono::Duration::weeks(1),
        };
        assert!(week.holds(at(2026, 12, 9), 0, day(2)));
        assert!(!week.holds(at(2026, 12, 16), 0, day(9)));
        // Its own copy comes; an older snooze's copy does not.
        assert!(!snooze.holds(until, 1, None));
        assert!(snooze.holds(at(2026, 12, 10), 1, None));
        assert!(snooze.holds(at(2027, 1, 10), 2, None));
    }

    #[test]
    fn a_series_is_one_thread_whatever_its_place() {
        assert_eq!(Series::Ended(3).thread(), Series::Ended(0).thread());
        assert_eq!(Series::Ending(30).thread(), "ending");
        assert_eq!(Series::KeepInTouch(u("UA"), 4).thread(), "keep-in-touch:UA");
        assert_ne!(
            Series::KeepInTouch(u("UA"), 1).thread(),
            Series::KeepInTouch(u("UB"), 1).thread(),
            "one per alumnus"
        );
        let one_on_one = |member: &str, step: Step, d: u32| Series::OneOnOne {
            manager: u("UM"),
            member: u(member),
            step,
            slot: at(2026, 12, d),
        };
        assert_eq!(
            one_on_one("UA", Step::Happened, 1).thread(),
            one_on_one("UA", Step::Happened, 8).thread()
        );
        assert_ne!(
            one_on_one("UA", Step::Happened, 1).thread(),
            one_on_one("UB", Step::Happened, 1).thread()
        );
        assert_eq!(
            one_on_one("UA", Step::Overdue, 1).thread(),
            "1on1:UM:UA:overdue"
        );
        assert_eq!(Series::Ended(2).previous(), Some(Series::Ended(1)));
        assert_eq!(Series::Ended(0).previous(), None);
        assert_eq!(Series::Recommit(1).previous(), None);
        assert_eq!(
            Series::Ending(7).previous(),
            None,
            "milestones are not a cadence"
        );
    }

    #[test]
    fn keys_name_the_series_and_its_place() {
        assert_eq!(Series::Ending(30).key(), "ending:30d");
        assert_eq!(Series::Ended(2).key(), "ended:w2");
        assert_eq!(Series::Recommit(1).key(), "recommit:y1");
        assert_eq!(Series::WaitingManager.family(), "waiting");
        for s in [
            Series::Waiting,
            Series::WaitingManager,
            Series::Ending(180),
            Series::Ended(12),
            Series::Recommit(3),
            Series::Handover(2),
            Series::AlumniAsk,
            Series::Exit,
            Series::KeepInTouch(u("UA"), 3),
            Series::Checkin(0),
            Series::Checkin(14),
        ] {
            assert_eq!(Series::parse(&s.key()), Some(s));
        }
        assert_eq!(Series::parse("ending:xd"), None);
        assert_eq!(Series::parse("nope"), None);
    }
}
