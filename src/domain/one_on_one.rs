//! One-on-ones: a manager and a member meet on a cadence, talk through an
//! agenda, and log whether it happened. Pure: every instant is an argument,
//! and so is the time zone the slots are read in (see [`Schedule::zone`]).
//!
//! Decisions taken here, where the product text is silent:
//! - **Slots.** A 1:1 is on a weekday at a local time, in the manager's
//!   zone. The first is the first such moment after it was set up; a weekly
//!   1:1 repeats every 7 local days, a fortnightly one every 14 from the
//!   first. A **monthly** 1:1 keeps the place of the first in its month: the
//!   1st to 4th such weekday, or the *last* one when the first fell on a
//!   fifth (so "the 29th, a Thursday" becomes "the last Thursday", and
//!   February still has one).
//! - **DST.** Local times are resolved as working hours are
//!   (`hours::resolve`): a time the clock skips (02:30 on a spring-forward
//!   day) is the moment the clock jumps (03:00); a time that happens twice
//!   (01:30 on a fall-back day) is the first of the two. A 10:00 1:1 stays
//!   at 10:00 local across a change, so its UTC instant moves.
//! - **The zone.** `tz Area/City` fixes it, and it stays when the 1:1 is
//!   set up again without `tz` (`tz slack` undoes it: [`ZoneChoice`]);
//!   otherwise the 1:1 follows the manager's Slack time zone as Alliance
//!   last saw it (delivery caches it from `users.info`), and until then the
//!   zone it was set up with (the workspace default). So a manager who
//!   moves takes their 1:1s along; [`OneOnOne::moved_by_zone`] says when
//!   that moves the next one in UTC, and both are told (once per change:
//!   the store writes the notices with the zone it caches).
//! - **One per pair.** A pair has one 1:1, whoever set it up. While it
//!   runs, the member typing it the other way round is refused, naming it
//!   and its manager; once stopped, either may set it up again and be its
//!   manager, its log and agenda carried on (see [`OneOnOne::set_up`]).
//! - **Reminders** (each an occurrence in the due index, see
//!   `store::one_on_ones`):
//!   - the **agenda**, to both: planned [`AGENDA_LEAD_DAYS`] before the
//!     slot (or at once for a 1:1 set up sooner), then held at delivery
//!     until the recipient's own morning ([`agenda_morning`]): the latest
//!     start of their working hours *before* the slot, in their zone. A
//!     9:00 1:1 therefore brings its agenda the working day before. An
//!     agenda that could only arrive after its slot is not sent.
//!   - **did it happen?**, to the manager, [`ASK_AFTER_MINUTES`] after the
//!     slot starts (a 1:1 is taken to last up to an hour), unless it was
//!     logged already.
//!   - **overdue**, to the manager, when no 1:1 was *held* for
//!     [`OVERDUE_CADENCES`] cadences since the later of its setup and the
//!     last one held; then once a cadence while that lasts. Skipped and
//!     moved 1:1s do not reset the clock: the point is to talk.
//! - **Logging.** Only the manager logs. `done`/`skip` without a date log
//!   the latest slot that has begun, if it is not logged yet, else the next
//!   one not logged yet (a 1:1 held or cancelled early; typed again, the
//!   one after: a holiday is skipped a week at a time); the buttons log the
//!   slot they ask about. A held 1:1 closes the agenda items open at that
//!   moment. A slot logged early is done with: the "next one" shown
//!   everywhere ([`OneOnOne::next_slot`]) is the first slot not logged, and
//!   nothing more is owed about the logged one.
//! - **Stopping** keeps the record (its log and agenda come back if the
//!   manager sets the 1:1 up again) and owes nothing more. Either party
//!   may stop it: nobody should be stuck with reminders they did not ask for.

use super::hours::{WorkingHours, local_time, parse_tz, resolve};
use super::people::UserId;
use super::schedule::Series;
use super::tour::Role;
use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How long before a slot its agenda occurrence is planned: at least the
/// longest stretch between a working-day start and a slot (a Monday-morning
/// 1:1 brings its agenda on Friday), and less than the shortest cadence.
pub const AGENDA_LEAD_DAYS: i64 = 4;
/// "Did it happen?" comes this long after the slot starts.
pub const ASK_AFTER_MINUTES: i64 = 60;
/// Cadences without a held 1:1 before the overdue nudge.
pub const OVERDUE_CADENCES: u32 = 2;
/// The longest agenda item, and the most open at once.
pub const MAX_ITEM: usize = 500;
pub const MAX_OPEN_ITEMS: usize = 30;
/// The longest meeting notes.
pub const MAX_NOTES: usize = 3000;
/// Slots looked at when passing over logged ones (a bound, never reached
/// in practice: nobody logs 64 future 1:1s).
const SEARCH: u32 = 64;

fn lead() -> Duration {
    Duration::days(AGENDA_LEAD_DAYS)
}

fn ask_after() -> Duration {
    Duration::minutes(ASK_AFTER_MINUTES)
}

/// `t` without its fraction of a second: occurrence instants are named in
/// keys to the second, and must read back exactly.
fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Weekly,
    Fortnightly,
    Monthly,
}

impl Cadence {
    pub fn describe(self) -> &'static str {
        match self {
            Cadence::Weekly => "every week",
            Cadence::Fortnightly => "every 2 weeks",
            Cadence::Monthly => "every month",
        }
    }

    /// `t` moved on by `n` cadences: 7 or 14 days each, or calendar months
    /// (the 31st becomes the last day of a shorter month).
    pub fn after(self, t: DateTime<Utc>, n: u32) -> Option<DateTime<Utc>> {
        match self {
            Cadence::Weekly => t.checked_add_signed(Duration::days(7 * i64::from(n))),
            Cadence::Fortnightly => t.checked_add_signed(Duration::days(14 * i64::from(n))),
            Cadence::Monthly => t.checked_add_months(Months::new(n)),
        }
    }

    /// Whole days a cadence lasts at least: a safe underestimate.
    fn days_at_least(self) -> i64 {
        match self {
            Cadence::Weekly => 7,
            Cadence::Fortnightly => 14,
            Cadence::Monthly => 31,
        }
    }
}

/// When a 1:1 happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub cadence: Cadence,
    pub weekday: Weekday,
    /// Local time of day, in [`Schedule::zone`].
    pub time: NaiveTime,
    /// The local date of the first 1:1: fortnights count from it, and a
    /// monthly 1:1 keeps its place in the month.
    pub first: NaiveDate,
    /// IANA name of the zone it was set up in.
    pub tz: String,
    /// `true`: the manager's Slack zone, once known, replaces `tz`;
    /// `false`: `tz` was given explicitly and stays.
    pub follows_slack: bool,
}

impl Schedule {
    /// The schedule whose first 1:1 is the first `weekday` at `time` in
    /// `tz` after `now`. `None` only at the end of the calendar.
    pub fn new(
        cadence: Cadence,
        weekday: Weekday,
        time: NaiveTime,
        tz: Tz,
        follows_slack: bool,
        now: DateTime<Utc>,
    ) -> Option<Schedule> {
        let mut date = local_time(now, tz)?.date();
        for _ in 0..15 {
            if date.weekday() == weekday
                && resolve(tz, date.and_time(time)).is_some_and(|s| s > now)
            {
                return Some(Schedule {
                    cadence,
                    weekday,
                    time,
                    first: date,
                    tz: tz.name().to_string(),
                    follows_slack,
                });
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The zone its slots are read in: the manager's Slack zone (`slack`,
    /// as last seen) when it follows Slack and that is a zone; else its own.
    pub fn zone(&self, slack: Option<&str>) -> Tz {
        let own = parse_tz(&self.tz).unwrap_or(Tz::UTC);
        match slack.and_then(parse_tz) {
            Some(slack) if self.follows_slack => slack,
            _ => own,
        }
    }

    /// Which weekday of its month a monthly 1:1 keeps: 1–4, or 5 for the last.
    fn ordinal(&self) -> u32 {
        (self.first.day() - 1) / 7 + 1
    }

    /// The local date of the `n`-th 1:1 (0 is the first).
    pub fn date(&self, n: u32) -> Option<NaiveDate> {
        match self.cadence {
            Cadence::Weekly => self.first.checked_add_days(Days::new(7 * u64::from(n))),
            Cadence::Fortnightly => self.first.checked_add_days(Days::new(14 * u64::from(n))),
            Cadence::Monthly => {
                let month = self.first.with_day(1)?.checked_add_months(Months::new(n))?;
                nth_weekday(month.year(), month.month(), self.weekday, self.ordinal())
            }
        }
    }

    /// The number of the 1:1 at or just before local `date` (exact when a
    /// 1:1 falls on it; otherwise at most one too high).
    fn estimate(&self, date: NaiveDate) -> u32 {
        if date <= self.first {
            return 0;
        }
        let n = match self.cadence {
            Cadence::Weekly => (date - self.first).num_days() / 7,
            Cadence::Fortnightly => (date - self.first).num_days() / 14,
            Cadence::Monthly => {
                let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                months(date) - months(self.first)
            }
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The instant of the `n`-th 1:1 in `tz`.
    pub fn slot(&self, n: u32, tz: Tz) -> Option<DateTime<Utc>> {
        resolve(tz, self.date(n)?.and_time(self.time))
    }

    /// The number of the first 1:1 strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<u32> {
        let start = self
            .estimate(local_time(after, tz)?.date())
            .saturating_sub(1);
        (start..start.saturating_add(4)).find(|n| self.slot(*n, tz).is_some_and(|s| s > after))
    }

    /// Which 1:1 `slot` is in `tz`, if it is one.
    pub fn number_at(&self, slot: DateTime<Utc>, tz: Tz) -> Option<u32> {
        let date = local_time(slot, tz)?.date();
        if date < self.first || date.weekday() != self.weekday {
            return None;
        }
        let n = self.estimate(date);
        (self.slot(n, tz)? == slot).then_some(n)
    }

    /// "every month on the last Tuesday at 10:00 (America/New_York)".
    pub fn describe(&self, tz: Tz) -> String {
        let day = weekday_name(self.weekday);
        let on = match self.cadence {
            Cadence::Monthly => match self.ordinal() {
                1 => format!("the 1st {day}"),
                2 => format!("the 2nd {day}"),
                3 => format!("the 3rd {day}"),
                4 => format!("the 4th {day}"),
                _ => format!("the last {day}"),
            },
            _ => day.to_string(),
        };
        format!(
            "{} on {on} at {} ({})",
            self.cadence.describe(),
            self.time.format("%H:%M"),
            tz.name()
        )
    }
}

/// The `ordinal`-th `weekday` of a month (1–4), or its last one (5).
fn nth_weekday(year: i32, month: u32, weekday: Weekday, ordinal: u32) -> Option<NaiveDate> {
    if (1..=4).contains(&ordinal) {
        return NaiveDate::from_weekday_of_month_opt(year, month, weekday, ordinal as u8);
    }
    let mut last = NaiveDate::from_ymd_opt(year, month, 1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()?;
    while last.weekday() != weekday {
        last = last.pred_opt()?;
    }
    Some(last)
}

pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// "Tuesday 2026-06-09 at 10:00 (America/New_York)".
pub fn describe_slot(slot: DateTime<Utc>, tz: Tz) -> String {
    match local_time(slot, tz) {
        Some(local) => format!(
            "{} {} at {} ({})",
            weekday_name(local.weekday()),
            local.date(),
            local.format("%H:%M"),
            tz.name()
        ),
        None => slot.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// What came of a 1:1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Held,
    Skipped,
    /// It moved to another time; when it happens, it is logged as held.
    Moved,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Held => "held",
            Outcome::Skipped => "skipped",
            Outcome::Moved => "moved",
        }
    }
}

/// One logged 1:1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    /// The slot it accounts for.
    pub slot: DateTime<Utc>,
    pub outcome: Outcome,
    pub by: UserId,
    /// When it was logged.
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Something either of them wants to talk about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub by: UserId,
    pub text: String,
    pub at: DateTime<Utc>,
    /// When a held 1:1 closed it; `None` while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<DateTime<Utc>>,
}

/// The reminders of a 1:1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The morning agenda, to both.
    Agenda,
    /// "Did it happen?", to the manager.
    Happened,
    /// No 1:1 held for two cadences, to the manager.
    Overdue,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Agenda, Step::Happened, Step::Overdue];

    pub fn name(self) -> &'static str {
        match self {
            Step::Agenda => "agenda",
            Step::Happened => "happened",
            Step::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.name() == s)
    }
}

/// One occurrence of a step: about `slot` (for an overdue nudge, the
/// instant it falls due), planned for `at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub step: Step,
    pub slot: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// Why a rule said no, written for the person who asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OneOnOneError {
    /// Also what a stranger hears: whether others meet is not theirs to know.
    #[error("There is no 1:1 between you and {0}.")]
    NotFound(String),
    #[error("Only the manager of this 1:1, {0}, logs it and changes it.")]
    NotManager(String),
    #[error("A 1:1 is with someone else: mention the person you meet.")]
    WithYourself,
    #[error("The 1:1 of {0} is logged already.")]
    AlreadyLogged(String),
    #[error("That is not one of this 1:1's dates any more.")]
    NotASlot,
    #[error("What should go on the agenda? Write it after `add`.")]
    EmptyItem,
    #[error("That agenda item is too long: keep it under {MAX_ITEM} characters.")]
    ItemTooLong,
    #[error("The notes are too long: keep them under {MAX_NOTES} characters.")]
    NotesTooLong,
    #[error("The agenda has {MAX_OPEN_ITEMS} open items already: talk them through first.")]
    AgendaFull,
    #[error("I can't find a date for that 1:1 in the calendar.")]
    NoDate,
    /// A member setting up the pair's 1:1 the other way round: there is
    /// one 1:1 per pair, and it is its manager's to change.
    #[error(
        "You have a 1:1 with {manager} already: {schedule}. {manager} manages it, so only they can change it. You can add to its agenda with `/1on1 agenda {manager} add &lt;text&gt;`."
    )]
    TheirsToChange { manager: String, schedule: String },
}

/// The zone a set-up asks for with `tz …`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneChoice {
    /// `tz Area/City`: fixed; it stays when the 1:1 is set up again.
    Given(Tz),
    /// `tz slack` (or `tz mattermost`): the manager's time zone as their
    /// chat knows it, wherever it goes.
    Slack,
}

/// What `/1on1 @member every … on … at … [tz …]` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetUp {
    pub cadence: Cadence,
    pub weekday: Weekday,
    pub time: NaiveTime,
    /// `None`: not said. A zone given before stays; else the 1:1 follows
    /// the manager's Slack zone.
    pub zone: Option<ZoneChoice>,
}

/// A 1:1 series between a manager and a member, with its log and agenda.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneOnOne {
    /// Who set it up, logs it and changes it.
    pub manager: UserId,
    pub member: UserId,
    pub schedule: Schedule,
    /// When the schedule was last set (to the second): nothing is owed
    /// about slots before it, and the overdue clock starts here.
    pub since: DateTime<Utc>,
    /// Stopped: owes nothing; set up again, it resumes with its log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<DateTime<Utc>>,
    pub meetings: Vec<Meeting>,
    pub agenda: Vec<AgendaItem>,
}

impl OneOnOne {
    /// Sets up the 1:1 of `manager` with `member`, or sets it again (a new
    /// time, or after a stop), keeping its log and agenda. `old` is the
    /// pair's record this way round; `reversed` the other way round, with
    /// the zone it is read in. `slack` is the zone a 1:1 that follows the
    /// manager's Slack zone is read in now (their Slack zone, or the
    /// workspace default until it is known).
    ///
    /// One 1:1 per pair: while the other one runs a 1:1 with `manager` as
    /// its member, it is theirs to change ([`OneOnOneError::TheirsToChange`]).
    /// Once that one is stopped, this set-up takes its log and agenda (and
    /// the store removes it). A zone given with `tz` stays when the set-up
    /// is typed again without one, until `tz slack`.
    pub fn set_up(
        old: Option<&OneOnOne>,
        reversed: Option<(&OneOnOne, Tz)>,
        manager: &UserId,
        member: &UserId,
        wanted: &SetUp,
        slack: Tz,
        now: DateTime<Utc>,
    ) -> Result<OneOnOne, OneOnOneError> {
        if manager == member {
            return Err(OneOnOneError::WithYourself);
        }
        if let Some((theirs, tz)) = reversed
            && theirs.is_active()
            && !old.is_some_and(OneOnOne::is_active)
        {
            return Err(OneOnOneError::TheirsToChange {
                manager: theirs.manager.mention(),
                schedule: theirs.schedule.describe(tz),
            });
        }
        let (tz, follows_slack) = match (wanted.zone, old) {
            (Some(ZoneChoice::Given(tz)), _) => (tz, false),
            (Some(ZoneChoice::Slack), _) => (slack, true),
            (None, Some(o)) if !o.schedule.follows_slack => (o.schedule.zone(None), false),
            (None, _) => (slack, true),
        };
        let schedule = Schedule::new(
            wanted.cadence,
            wanted.weekday,
            wanted.time,
            tz,
            follows_slack,
            now,
        )
        .ok_or(OneOnOneError::NoDate)?;
        let record = old.or(reversed.map(|(o, _)| o));
        Ok(OneOnOne {
            manager: manager.clone(),
            member: member.clone(),
            schedule,
            since: whole_second(now),
            stopped_at: None,
            meetings: record.map(|o| o.meetings.clone()).unwrap_or_default(),
            agenda: record.map(|o| o.agenda.clone()).unwrap_or_default(),
        })
    }

    pub fn is_active(&self) -> bool {
        self.stopped_at.is_none()
    }

    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        if user == &self.manager {
            Some(Role::Manager)
        } else if user == &self.member {
            Some(Role::Member)
        } else {
            None
        }
    }

    /// The party who is not `user`.
    pub fn other(&self, user: &UserId) -> &UserId {
        if user == &self.manager {
            &self.member
        } else {
            &self.manager
        }
    }

    fn check_party(&self, by: &UserId) -> Result<(), OneOnOneError> {
        match self.role_of(by) {
            Some(_) if self.is_active() => Ok(()),
            Some(_) => Err(OneOnOneError::NotFound(self.other(by).mention())),
            None => Err(OneOnOneError::NotFound(self.member.mention())),
        }
    }

    pub fn logged(&self, slot: DateTime<Utc>) -> Option<&Meeting> {
        self.meetings.iter().find(|m| m.slot == slot)
    }

    pub fn open_items(&self) -> impl Iterator<Item = &AgendaItem> {
        self.agenda.iter().filter(|i| i.done_at.is_none())
    }

    pub fn last_held(&self) -> Option<&Meeting> {
        self.meetings
            .iter()
            .filter(|m| m.outcome == Outcome::Held)
            .max_by_key(|m| m.slot.min(m.at))
    }

    /// The next 1:1 to happen after `now` in `tz`: the first slot after
    /// it that is not logged yet (one logged early, held or cancelled, is
    /// done with).
    pub fn next_slot(&self, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.unlogged_slot_after(now, tz)
    }

    /// Its next 1:1 when the zone it is read in moves from `from` to `to`
    /// (the manager's Slack zone became known, or changed), if that is
    /// another instant than it was: what both of them must be told. `None`:
    /// nothing moved (the same zone or instant, or it is stopped).
    pub fn moved_by_zone(&self, from: Tz, to: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.is_active() || from == to {
            return None;
        }
        let next = self.next_slot(to, now)?;
        (self.next_slot(from, now) != Some(next)).then_some(next)
    }

    /// The first slot after `now` in `tz`, logged or not: where
    /// [`OneOnOne::next_slot`] would be had nothing been logged early.
    pub fn scheduled_after(&self, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.slot(self.schedule.next_after(now, tz)?, tz)
    }

    /// Which slot `done`/`skip` without a date log: the latest that has
    /// begun if it is not logged yet, else the next one not logged yet
    /// (logging ahead, one slot at a time: a 1:1 held early, or a holiday).
    pub fn slot_to_log(&self, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, OneOnOneError> {
        let next = self
            .schedule
            .next_after(now, tz)
            .ok_or(OneOnOneError::NoDate)?;
        if let Some(last) = next.checked_sub(1).and_then(|n| self.schedule.slot(n, tz))
            && self.logged(last).is_none()
        {
            return Ok(last);
        }
        self.next_slot(tz, now).ok_or(OneOnOneError::NoDate)
    }

    /// Logs what came of a 1:1: `slot` if given (a button names it), else
    /// [`OneOnOne::slot_to_log`]. Only the manager logs; a held 1:1 closes
    /// the open agenda items.
    pub fn log(
        &self,
        by: &UserId,
        outcome: Outcome,
        slot: Option<DateTime<Utc>>,
        notes: Option<&str>,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<(OneOnOne, Meeting), OneOnOneError> {
        self.check_party(by)?;
        if by != &self.manager {
            return Err(OneOnOneError::NotManager(self.manager.mention()));
        }
        let notes = notes.map(str::trim).filter(|n| !n.is_empty());
        if notes.is_some_and(|n| n.chars().count() > MAX_NOTES) {
            return Err(OneOnOneError::NotesTooLong);
        }
        let slot = match slot {
            Some(slot) => {
                if self.schedule.number_at(slot, tz).is_none() {
                    return Err(OneOnOneError::NotASlot);
                }
                if self.logged(slot).is_some() {
                    return Err(OneOnOneError::AlreadyLogged(describe_slot(slot, tz)));
                }
                slot
            }
            None => self.slot_to_log(tz, now)?,
        };
        let meeting = Meeting {
            slot,
            outcome,
            by: by.clone(),
            at: now,
            notes: notes.map(str::to_string),
        };
        let mut new = self.clone();
        if outcome == Outcome::Held {
            for item in new.agenda.iter_mut().filter(|i| i.done_at.is_none()) {
                item.done_at = Some(now);
            }
        }
        new.meetings.push(meeting.clone());
        Ok((new, meeting))
    }

    /// Stops the series; either party may.
    pub fn stop(&self, by: &UserId, now: DateTime<Utc>) -> Result<OneOnOne, OneOnOneError> {
        self.check_party(by)?;
        Ok(OneOnOne {
            stopped_at: Some(now),
            ..self.clone()
        })
    }

    /// Adds an item to the agenda; either party may.
    pub fn add_item(
        &self,
        by: &UserId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<OneOnOne, OneOnOneError> {
        self.check_party(by)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(OneOnOneError::EmptyItem);
        }
        if text.chars().count() > MAX_ITEM {
            return Err(OneOnOneError::ItemTooLong);
        }
        if self.open_items().count() >= MAX_OPEN_ITEMS {
            return Err(OneOnOneError::AgendaFull);
        }
        let mut new = self.clone();
        new.agenda.push(AgendaItem {
            by: by.clone(),
            text: text.to_string(),
            at: now,
            done_at: None,
        });
        Ok(new)
    }

    /// Where the overdue clock starts: the later of the setup and the last
    /// 1:1 held (when it was held: its slot, or its logging if earlier).
    pub fn overdue_since(&self) -> DateTime<Utc> {
        let since = whole_second(self.since);
        self.last_held()
            .map_or(since, |m| whole_second(m.slot.min(m.at)).max(since))
    }

    /// The first slot strictly after `after`, not logged, in `tz`.
    fn unlogged_slot_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let n = self.schedule.next_after(after, tz)?;
        (n..n.saturating_add(SEARCH))
            .filter_map(|n| self.schedule.slot(n, tz))
            .find(|s| self.logged(*s).is_none())
    }

    /// The first occurrence of `step` after `after` (for the agenda: about
    /// a slot after `after`; otherwise falling due after it), or `None` if
    /// the 1:1 owes none.
    pub fn next_due(&self, step: Step, after: DateTime<Utc>, tz: Tz) -> Option<Due> {
        if !self.is_active() {
            return None;
        }
        match step {
            Step::Agenda => {
                let slot = self.unlogged_slot_after(after.max(self.since), tz)?;
                Some(Due {
                    step,
                    slot,
                    at: (slot - lead()).max(self.since),
                })
            }
            Step::Happened => {
                let slot = self.unlogged_slot_after((after - ask_after()).max(self.since), tz)?;
                Some(Due {
                    step,
                    slot,
                    at: slot + ask_after(),
                })
            }
            Step::Overdue => {
                let base = self.overdue_since();
                let cadence = self.schedule.cadence;
                let elapsed = (after - base).num_days().max(0) / cadence.days_at_least();
                let from = u32::try_from(elapsed)
                    .unwrap_or(u32::MAX)
                    .max(OVERDUE_CADENCES);
                (from..from.saturating_add(400)).find_map(|k| {
                    let at = cadence.after(base, k)?;
                    (at > after).then_some(Due { step, slot: at, at })
                })
            }
        }
    }

    /// When the occurrence of `step` about `slot` falls due as the 1:1 is
    /// now, or `None` if it is not owed: the single source of truth that
    /// planning and delivery both check against.
    pub fn due_at(&self, step: Step, slot: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        if !self.is_active() {
            return None;
        }
        match step {
            Step::Agenda | Step::Happened => {
                self.schedule.number_at(slot, tz)?;
                if slot <= self.since || self.logged(slot).is_some() {
                    return None;
                }
                Some(match step {
                    Step::Agenda => (slot - lead()).max(self.since),
                    _ => slot + ask_after(),
                })
            }
            Step::Overdue => {
                let due = self.next_due(step, slot - Duration::seconds(1), tz)?;
                (due.slot == slot).then_some(slot)
            }
        }
    }

    /// The first occurrence of every step after `now`.
    pub fn plan(&self, tz: Tz, now: DateTime<Utc>) -> Vec<Due> {
        Step::ALL
            .into_iter()
            .filter_map(|step| self.next_due(step, now, tz))
            .collect()
    }

    /// The occurrence after the one of `step` about `slot`, once that one
    /// was found owed at `now`: the next slot's (or the next cadence's),
    /// never one already past.
    pub fn following(
        &self,
        step: Step,
        slot: DateTime<Utc>,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Option<Due> {
        let after = match step {
            Step::Happened => slot + ask_after(),
            Step::Agenda | Step::Overdue => slot,
        };
        self.next_due(step, after.max(now), tz)
    }

    /// When the occurrence of `step` before the one about `slot` fell due,
    /// for a step that repeats on its own (the overdue nudge, once a
    /// cadence); `None` for the others, which are each about their own 1:1.
    pub fn before(&self, step: Step, slot: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match (step, self.schedule.cadence) {
            (Step::Overdue, Cadence::Weekly) => slot.checked_sub_signed(Duration::days(7)),
            (Step::Overdue, Cadence::Fortnightly) => slot.checked_sub_signed(Duration::days(14)),
            (Step::Overdue, Cadence::Monthly) => slot.checked_sub_months(Months::new(1)),
            (Step::Agenda | Step::Happened, _) => None,
        }
    }

    /// Who hears about `step`.
    pub fn recipients(&self, step: Step) -> Vec<UserId> {
        match step {
            Step::Agenda => vec![self.manager.clone(), self.member.clone()],
            Step::Happened | Step::Overdue => vec![self.manager.clone()],
        }
    }
}

/// When the agenda about `slot` should reach someone in `tz` who works
/// `hours`: the latest start of their working hours strictly before the
/// slot, looking back a week. `None`: no working day in that week.
pub fn agenda_morning(slot: DateTime<Utc>, tz: Tz, hours: &WorkingHours) -> Option<DateTime<Utc>> {
    let mut date = local_time(slot, tz)?.date();
    for _ in 0..8 {
        if let Some(open) = hours.opens_on(date, tz)
            && open < slot
        {
            return Some(open);
        }
        date = date.pred_opt()?;
    }
    None
}

/// How long delivery holds a reminder of `series` for someone in `tz`:
/// a 1:1 agenda waits for their morning ([`agenda_morning`]); nothing else
/// is held beyond working hours.
pub fn hold_until(series: &Series, tz: Tz, hours: &WorkingHours) -> Option<DateTime<Utc>> {
    match series {
        Series::OneOnOne {
            step: Step::Agenda,
            slot,
            ..
        } => agenda_morning(*slot, tz, hours),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Europe};

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }
    fn schedule(cadence: Cadence, day: Weekday, at: NaiveTime, tz: Tz, now: &str) -> Schedule {
        Schedule::new(cadence, day, at, tz, true, utc(now)).unwrap()
    }
    fn slots(s: &Schedule, tz: Tz, n: u32) -> Vec<String> {
        (0..n)
            .map(|i| s.slot(i, tz).unwrap().format("%Y-%m-%dT%H:%MZ").to_string())
            .collect()
    }
    fn wanted(cadence: Cadence, weekday: Weekday, at: NaiveTime) -> SetUp {
        SetUp {
            cadence,
            weekday,
            time: at,
            zone: None,
        }
    }
    fn one(cadence: Cadence, now: &str) -> OneOnOne {
        OneOnOne::set_up(
            None,
            None,
            &u("UM"),
            &u("UA"),
            &wanted(cadence, Weekday::Tue, time(10, 0)),
            America::New_York,
            utc(now),
        )
        .unwrap()
    }

    #[test]
    fn the_first_slot_is_the_next_weekday_and_time_after_setup() {
        let ny = America::New_York;
        // Monday 2026-06-08 08:00 EDT: tomorrow.
        let s = schedule(
            Cadence::Weekly,
            Weekday::Tue,
            time(10, 0),
            ny,
            "2026-06-08T12:00:00Z",
        );
        assert_eq!(s.first, date(2026, 6, 9));
        assert_eq!(s.slot(0, ny), Some(utc("2026-06-09T14:00:00Z")));
        // Tuesday 09:59 EDT: today; 10:00 sharp: a week on.
        let today = schedule(
            Cadence::Weekly,
            Weekday::Tue,
            time(10, 0),
            ny,
            "2026-06-09T13:59:00Z",
        );
        assert_eq!(today.first, date(2026, 6, 9));
        let later = schedule(
            Cadence::Weekly,
            Weekday::Tue,
            time(10, 0),
            ny,
            "2026-06-09T14:00:00Z",
        );
        assert_eq!(later.first, date(2026, 6, 16));
        // The manager's local date decides, not UTC's: 21:00 EDT Monday is
        // Tuesday in UTC, and "Tuesday 10:00" is still tomorrow morning.
        let evening = schedule(
            Cadence::Weekly,
            Weekday::Tue,
            time(10, 0),
            ny,
            "2026-06-09T01:00:00Z",
        );
        assert_eq!(evening.first, date(2026, 6, 9));
    }

    #[test]
    fn weekly_and_fortnightly_count_local_days_from_the_first() {
        let ny = America::New_York;
        let weekly = schedule(
            Cadence::Weekly,
            Weekday::Tue,
            time(10, 0),
            ny,
            "2026-06-08T12:00:00Z",
        );
        assert_eq!(
            slots(&weekly, ny, 3),
            [
                "2026-06-09T14:00Z",
                "2026-06-16T14:00Z",
                "2026-06-23T14:00Z"
            ]
        );
        let fortnightly = schedule(
            Cadence::Fortnightly,
            Weekday::Tue,
            time(10, 0),
            ny,
            "2026-06-08T12:00:00Z",
        );
        assert_eq!(
            slots(&fortnightly, ny, 3),
            [
                "2026-06-09T14:00Z",
                "2026-06-23T14:00Z",
                "2026-07-07T14:00Z"
            ]
        );
        // The off week is not a slot, and the next slot after it is right.
        let off_week = utc("2026-06-16T14:00:00Z");
        assert_eq!(fortnightly.number_at(off_week, ny), None);
        assert_eq!(weekly.number_at(off_week, ny), Some(1));
        assert_eq!(fortnightly.next_after(off_week, ny), Some(1));
        assert_eq!(
            fortnightly.next_after(utc("2026-06-23T14:00:00Z"), ny),
            Some(2),
            "strictly after"
        );
        assert_eq!(
            fortnightly.next_after(utc("2026-01-01T00:00:00Z"), ny),
            Some(0)
        );
        // Far ahead, still exact.
        let far = fortnightly.slot(1000, ny).unwrap();
        assert_eq!(fortnightly.number_at(far, ny), Some(1000));
        assert_eq!(
            fortnightly.next_after(far - Duration::seconds(1), ny),
            Some(1000)
        );
    }

    #[test]
    fn a_local_time_stays_local_across_dst_changes() {
        let ny = America::New_York;
        // 10:00 local is 14:00Z in summer and 15:00Z once the clocks fall back.
        let s = schedule(
            Cadence::Weekly,
            Weekday::Tue,
            time(10, 0),
            ny,
            "2026-10-26T12:00:00Z",
        );
        assert_eq!(slots(&s, ny, 2), ["2026-10-27T14:00Z", "2026-11-03T15:00Z"]);
        // Berlin changes on another weekend than New York.
        let b = schedule(
            Cadence::Weekly,
            Weekday::Mon,
            time(9, 30),
            Europe::Berlin,
            "2026-03-27T12:00:00Z",
        );
        assert_eq!(
            slots(&b, Europe::Berlin, 2),
            ["2026-03-30T07:30Z", "2026-04-06T07:30Z"]
        );
    }

    #[test]
    fn a_slot_in_the_spring_forward_gap_is_when_the_clock_jumps() {
        // New York, Sunday 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00Z).
        let ny = America::New_York;
        let s = schedule(
            Cadence::Weekly,
            Weekday::Sun,
            time(2, 30),
            ny,
            "2026-02-28T12:00:00Z",
        );
        assert_eq!(
            slots(&s, ny, 3),
            [
                "2026-03-01T07:30Z",
                "2026-03-08T07:00Z",
                "2026-03-15T06:30Z"
            ]
        );
        assert_eq!(s.number_at(utc("2026-03-08T07:00:00Z"), ny), Some(1));
        assert_eq!(s.next_after(utc("2026-03-08T06:59:59Z"), ny), Some(1));
    }

    #[test]
    fn a_slot_in_the_fall_back_fold_is_the_first_of_the_two() {
        // New York, Sunday 2026-11-01: 01:30 is 05:30Z (EDT) and 06:30Z (EST).
        let ny = America::New_York;
        let s = schedule(
            Cadence::Weekly,
            Weekday::Sun,
            time(1, 30),
            ny,
            "2026-10-20T12:00:00Z",
        );
        assert_eq!(
            slots(&s, ny, 3),
            [
                "2026-10-25T05:30Z",
                "2026-11-01T05:30Z",
                "2026-11-08T06:30Z"
            ]
        );
        // The second 01:30 is not another slot.
        assert_eq!(s.number_at(utc("2026-11-01T06:30:00Z"), ny), None);
        assert_eq!(s.next_after(utc("2026-11-01T05:30:00Z"), ny), Some(2));
    }

    #[test]
    fn monthly_keeps_the_nth_weekday_and_a_fifth_becomes_the_last() {
        let tz = Tz::UTC;
        // Set up on Monday 2026-06-08: the first is Tuesday 9 June, the 2nd Tuesday.
        let second = schedule(
            Cadence::Monthly,
            Weekday::Tue,
            time(10, 0),
            tz,
            "2026-06-08T12:00:00Z",
        );
        assert_eq!(
            slots(&second, tz, 4),
            [
                "2026-06-09T10:00Z",
                "2026-07-14T10:00Z",
                "2026-08-11T10:00Z",
                "2026-09-08T10:00Z"
            ]
        );
        // Thursday 2026-01-29 is the fifth Thursday: every last Thursday,
        // so February (four Thursdays) has the 26th.
        let fifth = schedule(
            Cadence::Monthly,
            Weekday::Thu,
            time(10, 0),
            tz,
            "2026-01-28T12:00:00Z",
        );
        assert_eq!(fifth.first, date(2026, 1, 29));
        assert_eq!(
            slots(&fifth, tz, 4),
            [
                "2026-01-29T10:00Z",
                "2026-02-26T10:00Z",
                "2026-03-26T10:00Z",
                "2026-04-30T10:00Z"
            ]
        );
        // A fourth that is also the last stays the fourth in a month with five.
        let fourth = schedule(
            Cadence::Monthly,
            Weekday::Thu,
            time(10, 0),
            tz,
            "2026-02-25T12:00:00Z",
        );
        assert_eq!(fourth.first, date(2026, 2, 26));
        assert_eq!(fourth.date(2), Some(date(2026, 4, 23)), "not the 30th");
        // Across a year end, and found again from its instant.
        assert_eq!(second.date(7), Some(date(2027, 1, 12)));
        let jan = second.slot(7, tz).unwrap();
        assert_eq!(second.number_at(jan, tz), Some(7));
        assert_eq!(second.next_after(utc("2026-12-31T23:00:00Z"), tz), Some(7));
        assert_eq!(second.number_at(utc("2027-01-05T10:00:00Z"), tz), None);
        assert_eq!(
            second.describe(tz),
            "every month on the 2nd Tuesday at 10:00 (UTC)"
        );
        assert_eq!(
            fifth.describe(tz),
            "every month on the last Thursday at 10:00 (UTC)"
        );
    }

    #[test]
    fn cadences_add_days_or_calendar_months() {
        let t = utc("2026-01-31T10:00:00Z");
        assert_eq!(
            Cadence::Weekly.after(t, 2),
            Some(utc("2026-02-14T10:00:00Z"))
        );
        assert_eq!(
            Cadence::Fortnightly.after(t, 2),
            Some(utc("2026-02-28T10:00:00Z"))
        );
        assert_eq!(
            Cadence::Monthly.after(t, 1),
            Some(utc("2026-02-28T10:00:00Z"))
        );
        assert_eq!(
            Cadence::Monthly.after(t, 2),
            Some(utc("2026-03-31T10:00:00Z"))
        );
    }

    #[test]
    fn the_agenda_comes_on_the_recipients_own_morning_before_the_slot() {
        let h = WorkingHours::default();
        // Tuesday 2026-06-09 10:00 EDT = 14:00Z.
        let slot = utc("2026-06-09T14:00:00Z");
        assert_eq!(
            agenda_morning(slot, America::New_York, &h),
            Some(utc("2026-06-09T13:00:00Z")),
            "09:00 EDT the same day"
        );
        assert_eq!(
            agenda_morning(slot, Asia::Tokyo, &h),
            Some(utc("2026-06-09T00:00:00Z")),
            "23:00 in Tokyo: 09:00 JST that Tuesday"
        );
        // In winter 10:00 EST is midnight in Tokyo, Wednesday: Tuesday morning.
        let winter = utc("2026-12-08T15:00:00Z");
        assert_eq!(
            agenda_morning(winter, Asia::Tokyo, &h),
            Some(utc("2026-12-08T00:00:00Z"))
        );
        // A 08:00 Monday 1:1 gets its agenda on Friday; a 09:00 one the day before.
        let monday = utc("2026-06-08T12:00:00Z");
        assert_eq!(
            agenda_morning(monday, America::New_York, &h),
            Some(utc("2026-06-05T13:00:00Z"))
        );
        let nine = utc("2026-06-09T13:00:00Z");
        assert_eq!(
            agenda_morning(nine, America::New_York, &h),
            Some(utc("2026-06-08T13:00:00Z"))
        );
        assert!(
            utc("2026-06-05T13:00:00Z") >= monday - lead(),
            "the lead covers a weekend"
        );
    }

    #[test]
    fn plans_agree_with_due_at_and_move_on_with_the_log() {
        let ny = America::New_York;
        // Set up Monday 2026-06-01 16:00Z; the first is Tuesday 2 June 14:00Z.
        let setup = utc("2026-06-01T16:00:00Z");
        let o = one(Cadence::Weekly, "2026-06-01T16:00:00Z");
        let plan = o.plan(ny, setup);
        let first = utc("2026-06-02T14:00:00Z");
        assert_eq!(
            plan,
            vec![
                Due {
                    step: Step::Agenda,
                    slot: first,
                    at: setup
                },
                Due {
                    step: Step::Happened,
                    slot: first,
                    at: first + Duration::hours(1)
                },
                Due {
                    step: Step::Overdue,
                    slot: utc("2026-06-15T16:00:00Z"),
                    at: utc("2026-06-15T16:00:00Z")
                },
            ],
            "the agenda at once (the slot is sooner than the lead), overdue after two weeks"
        );
        for d in &plan {
            assert_eq!(o.due_at(d.step, d.slot, ny), Some(d.at), "{d:?}");
        }
        // The following agenda is the next week's, four days ahead of it.
        let next = o
            .following(Step::Agenda, first, ny, first - Duration::hours(5))
            .unwrap();
        assert_eq!(
            (next.slot, next.at),
            (utc("2026-06-09T14:00:00Z"), utc("2026-06-05T14:00:00Z"))
        );
        let asked = o
            .following(Step::Happened, first, ny, first + Duration::hours(1))
            .unwrap();
        assert_eq!(asked.at, utc("2026-06-09T15:00:00Z"));
        let overdue = o
            .following(
                Step::Overdue,
                utc("2026-06-15T16:00:00Z"),
                ny,
                utc("2026-06-15T16:00:00Z"),
            )
            .unwrap();
        assert_eq!(
            overdue.at,
            utc("2026-06-22T16:00:00Z"),
            "then once a cadence"
        );

        // Held: the happened question is no longer owed, the overdue clock restarts.
        let (held, meeting) = o
            .log(
                &u("UM"),
                Outcome::Held,
                Some(first),
                Some("Good talk"),
                ny,
                first + Duration::hours(2),
            )
            .unwrap();
        assert_eq!(meeting.slot, first);
        assert_eq!(held.due_at(Step::Happened, first, ny), None);
        assert_eq!(held.due_at(Step::Agenda, first, ny), None);
        assert_eq!(
            held.next_due(Step::Overdue, first, ny).unwrap().at,
            utc("2026-06-16T14:00:00Z")
        );
        // Skipped does not restart it.
        let (skipped, _) = o
            .log(
                &u("UM"),
                Outcome::Skipped,
                None,
                None,
                ny,
                first + Duration::hours(2),
            )
            .unwrap();
        assert_eq!(
            skipped.next_due(Step::Overdue, first, ny).unwrap().at,
            utc("2026-06-15T16:00:00Z")
        );
        // A slot that moved (a new time) is not owed; nor is anything once stopped.
        assert_eq!(o.due_at(Step::Agenda, first + Duration::hours(1), ny), None);
        let stopped = o.stop(&u("UA"), setup).unwrap();
        assert!(stopped.plan(ny, setup).is_empty());
        // Another zone (the manager's Slack zone became known) means other slots.
        assert_eq!(o.due_at(Step::Agenda, first, Tz::UTC), None);
    }

    #[test]
    fn overdue_instants_are_whole_seconds_so_their_keys_read_back() {
        let ny = America::New_York;
        let setup = utc("2026-06-01T16:00:00.750Z");
        let o = one(Cadence::Weekly, "2026-06-01T16:00:00.750Z");
        let due = o.next_due(Step::Overdue, setup, ny).unwrap();
        assert_eq!(due.at, utc("2026-06-15T16:00:00Z"));
        let key = Series::OneOnOne {
            manager: u("UM"),
            member: u("UA"),
            step: Step::Overdue,
            slot: due.slot,
        }
        .key();
        let Some(Series::OneOnOne { slot, .. }) = Series::parse(&key) else {
            panic!("{key}")
        };
        assert_eq!(o.due_at(Step::Overdue, slot, ny), Some(due.at));
        let (held, _) = o
            .log(
                &u("UM"),
                Outcome::Held,
                None,
                None,
                ny,
                utc("2026-06-02T09:00:00.5Z"),
            )
            .unwrap();
        assert_eq!(
            held.overdue_since(),
            utc("2026-06-02T09:00:00Z"),
            "held early"
        );
    }

    #[test]
    fn done_and_skip_log_the_latest_slot_begun_else_the_next() {
        let ny = America::New_York;
        let o = one(Cadence::Weekly, "2026-06-01T16:00:00Z");
        let first = utc("2026-06-02T14:00:00Z");
        let second = utc("2026-06-09T14:00:00Z");
        // Before the first: the first (held early).
        assert_eq!(o.slot_to_log(ny, utc("2026-06-02T09:00:00Z")), Ok(first));
        // During the week after it: that one, until logged, then the next.
        let wed = utc("2026-06-03T15:00:00Z");
        assert_eq!(o.slot_to_log(ny, wed), Ok(first));
        let (o, _) = o.log(&u("UM"), Outcome::Held, None, None, ny, wed).unwrap();
        assert_eq!(o.slot_to_log(ny, wed), Ok(second));
        let (o, _) = o
            .log(&u("UM"), Outcome::Skipped, None, None, ny, wed)
            .unwrap();
        // Both logged: the first one not logged yet (a holiday skipped ahead).
        let third = utc("2026-06-16T14:00:00Z");
        assert_eq!(o.slot_to_log(ny, wed), Ok(third));
        // The member may not log; a stranger does not learn it exists.
        assert_eq!(
            o.log(&u("UA"), Outcome::Held, None, None, ny, wed)
                .unwrap_err(),
            OneOnOneError::NotManager("<@UM>".into())
        );
        assert_eq!(
            o.log(&u("UX"), Outcome::Held, None, None, ny, wed)
                .unwrap_err(),
            OneOnOneError::NotFound("<@UA>".into())
        );
        assert_eq!(
            o.log(&u("UM"), Outcome::Held, Some(first), None, ny, wed)
                .unwrap_err(),
            OneOnOneError::AlreadyLogged("Tuesday 2026-06-02 at 10:00 (America/New_York)".into())
        );
        assert_eq!(
            o.log(
                &u("UM"),
                Outcome::Held,
                Some(first + Duration::days(1)),
                None,
                ny,
                wed
            )
            .unwrap_err(),
            OneOnOneError::NotASlot
        );
    }

    #[test]
    fn a_1on1_logged_early_counts_for_its_slot_and_the_next_is_the_one_after() {
        let ny = America::New_York;
        let o = one(Cadence::Weekly, "2026-06-01T16:00:00Z");
        let (first, second, third) = (
            utc("2026-06-02T14:00:00Z"),
            utc("2026-06-09T14:00:00Z"),
            utc("2026-06-16T14:00:00Z"),
        );
        let wed = utc("2026-06-03T15:00:00Z");
        let (o, _) = o.log(&u("UM"), Outcome::Held, None, None, ny, wed).unwrap();
        // Monday 8 June: they meet a day early.
        let monday = utc("2026-06-08T16:00:00Z");
        assert_eq!(o.next_slot(ny, monday), Some(second));
        let (o, early) = o
            .log(&u("UM"), Outcome::Held, None, None, ny, monday)
            .unwrap();
        assert_eq!(early.slot, second);
        assert_eq!(o.next_slot(ny, monday), Some(third), "not the logged one");
        assert_eq!(o.slot_to_log(ny, monday), Ok(third));
        // Once its time has come too, the logged one is passed over.
        let during = second + Duration::minutes(30);
        assert_eq!(o.next_slot(ny, during), Some(third));
        assert_eq!(o.slot_to_log(ny, during), Ok(third));
        // Its reminders are not owed; the next one's are planned.
        for step in [Step::Agenda, Step::Happened] {
            assert_eq!(o.due_at(step, second, ny), None, "{step:?}");
        }
        let plan = o.plan(ny, monday);
        assert_eq!(
            plan.iter()
                .filter(|d| d.step != Step::Overdue)
                .map(|d| (d.step, d.slot))
                .collect::<Vec<_>>(),
            [(Step::Agenda, third), (Step::Happened, third)]
        );
        assert_eq!(o.meetings.first().map(|m| m.slot), Some(first));
    }

    #[test]
    fn agenda_items_are_either_partys_and_a_held_one_closes_them() {
        let ny = America::New_York;
        let now = utc("2026-06-01T16:00:00Z");
        let o = one(Cadence::Weekly, "2026-06-01T16:00:00Z")
            .add_item(&u("UM"), "Promotion path", now)
            .unwrap()
            .add_item(&u("UA"), " Conference budget ", now)
            .unwrap();
        assert_eq!(o.open_items().count(), 2);
        assert_eq!(o.agenda[1].text, "Conference budget");
        assert_eq!(
            o.add_item(&u("UX"), "x", now),
            Err(OneOnOneError::NotFound("<@UA>".into()))
        );
        assert_eq!(
            o.add_item(&u("UA"), "  ", now),
            Err(OneOnOneError::EmptyItem)
        );
        let (held, _) = o.log(&u("UM"), Outcome::Held, None, None, ny, now).unwrap();
        assert_eq!(held.open_items().count(), 0);
        let later = held.add_item(&u("UA"), "Next time", now).unwrap();
        assert_eq!(later.open_items().count(), 1);
        let stopped = later.stop(&u("UM"), now).unwrap();
        assert_eq!(
            stopped.add_item(&u("UA"), "x", now),
            Err(OneOnOneError::NotFound("<@UM>".into()))
        );
        // Set up again: it resumes with its log and agenda.
        let again = OneOnOne::set_up(
            Some(&stopped),
            None,
            &u("UM"),
            &u("UA"),
            &wanted(Cadence::Monthly, Weekday::Fri, time(15, 0)),
            ny,
            now,
        )
        .unwrap();
        assert!(again.is_active());
        assert_eq!((again.meetings.len(), again.open_items().count()), (1, 1));
        assert_eq!(
            OneOnOne::set_up(
                None,
                None,
                &u("UM"),
                &u("UM"),
                &wanted(Cadence::Weekly, Weekday::Fri, time(15, 0)),
                ny,
                now
            ),
            Err(OneOnOneError::WithYourself)
        );
    }

    #[test]
    fn one_1on1_per_pair_the_other_way_round_is_its_managers_to_change() {
        let ny = America::New_York;
        let now = utc("2026-06-01T16:00:00Z");
        let theirs = one(Cadence::Weekly, "2026-06-01T16:00:00Z")
            .add_item(&u("UA"), "Conference budget", now)
            .unwrap();
        // The member, typing it the other way round, is told whose it is.
        let friday = wanted(Cadence::Weekly, Weekday::Fri, time(11, 0));
        let member_sets = |reversed: &OneOnOne, mine: Option<&OneOnOne>| {
            OneOnOne::set_up(
                mine,
                Some((reversed, ny)),
                &u("UA"),
                &u("UM"),
                &friday,
                Tz::UTC,
                now,
            )
        };
        let refused = member_sets(&theirs, None).unwrap_err();
        assert_eq!(
            refused,
            OneOnOneError::TheirsToChange {
                manager: "<@UM>".into(),
                schedule: "every week on Tuesday at 10:00 (America/New_York)".into()
            }
        );
        assert!(
            refused
                .to_string()
                .contains("<@UM> manages it, so only they can change it"),
            "{refused}"
        );
        // A stopped record of the member's own does not get round it.
        let stale = OneOnOne::set_up(None, None, &u("UA"), &u("UM"), &friday, Tz::UTC, now)
            .unwrap()
            .stop(&u("UA"), now)
            .unwrap();
        assert!(member_sets(&theirs, Some(&stale)).is_err());
        // Once theirs is stopped, the member's set-up carries on its record.
        let stopped = theirs.stop(&u("UM"), now).unwrap();
        let mine = member_sets(&stopped, None).unwrap();
        assert_eq!((mine.manager.as_str(), mine.member.as_str()), ("UA", "UM"));
        assert_eq!(mine.open_items().count(), 1, "its agenda came along");
        assert_eq!(mine.schedule.weekday, Weekday::Fri);
    }

    #[test]
    fn a_zone_given_stays_until_the_set_up_says_tz_slack() {
        let ny = America::New_York;
        let now = utc("2026-06-01T16:00:00Z");
        let set = |old: Option<&OneOnOne>, zone: Option<ZoneChoice>, slack: Tz| {
            let wanted = SetUp {
                zone,
                ..wanted(Cadence::Weekly, Weekday::Wed, time(11, 0))
            };
            OneOnOne::set_up(old, None, &u("UM"), &u("UA"), &wanted, slack, now).unwrap()
        };
        let zone = |o: &OneOnOne| (o.schedule.tz.clone(), o.schedule.follows_slack);
        let berlin = set(None, Some(ZoneChoice::Given(Europe::Berlin)), ny);
        assert_eq!(zone(&berlin), ("Europe/Berlin".into(), false));
        // Typed again without `tz`: Berlin stays, whatever Slack says.
        let again = set(Some(&berlin), None, ny);
        assert_eq!(zone(&again), ("Europe/Berlin".into(), false));
        assert_eq!(again.schedule.weekday, Weekday::Wed);
        let stopped = again.stop(&u("UA"), now).unwrap();
        assert_eq!(
            zone(&set(Some(&stopped), None, ny)),
            ("Europe/Berlin".into(), false),
            "restarted, too"
        );
        // `tz slack` lets it follow Slack again; then it keeps following.
        let follows = set(Some(&again), Some(ZoneChoice::Slack), ny);
        assert_eq!(zone(&follows), ("America/New_York".into(), true));
        assert_eq!(
            zone(&set(Some(&follows), None, Tz::UTC)),
            ("UTC".into(), true)
        );
        // A first set-up without `tz` follows Slack.
        assert_eq!(
            zone(&set(None, None, ny)),
            ("America/New_York".into(), true)
        );
    }

    #[test]
    fn the_zone_follows_slack_unless_it_was_given() {
        let now = utc("2026-06-01T16:00:00Z");
        let follows = Schedule::new(
            Cadence::Weekly,
            Weekday::Tue,
            time(10, 0),
            Tz::UTC,
            true,
            now,
        )
        .unwrap();
        assert_eq!(follows.zone(None), Tz::UTC);
        assert_eq!(follows.zone(Some("America/New_York")), America::New_York);
        assert_eq!(follows.zone(Some("Mars/Base")), Tz::UTC);
        let fixed = Schedule {
            follows_slack: false,
            ..follows
        };
        assert_eq!(fixed.zone(Some("America/New_York")), Tz::UTC);
        assert_eq!(
            describe_slot(utc("2026-06-02T14:00:00Z"), America::New_York),
            "Tuesday 2026-06-02 at 10:00 (America/New_York)"
        );
    }

    #[test]
    fn a_zone_that_moves_the_next_1on1_in_utc_says_where_it_went() {
        let ny = America::New_York;
        // Set up Monday 2026-06-01 in UTC (the default), following Slack.
        let o = OneOnOne::set_up(
            None,
            None,
            &u("UM"),
            &u("UA"),
            &wanted(Cadence::Weekly, Weekday::Tue, time(10, 0)),
            Tz::UTC,
            utc("2026-06-01T16:00:00Z"),
        )
        .unwrap();
        let now = utc("2026-06-01T17:00:00Z");
        assert_eq!(
            o.moved_by_zone(Tz::UTC, ny, now),
            Some(utc("2026-06-02T14:00:00Z")),
            "10:00 in New York, four hours later"
        );
        assert_eq!(o.moved_by_zone(ny, ny, now), None);
        // London keeps 10:00 UTC in winter: the same instant, nothing to tell.
        let winter = utc("2026-12-01T17:00:00Z");
        assert_eq!(o.moved_by_zone(Tz::UTC, Europe::London, winter), None);
        assert!(o.moved_by_zone(Tz::UTC, Europe::London, now).is_some());
        // A 1:1 logged ahead (as read in New York) moves by its next one
        // not logged.
        let (logged, _) = o.log(&u("UM"), Outcome::Held, None, None, ny, now).unwrap();
        assert_eq!(
            logged.moved_by_zone(Tz::UTC, ny, now),
            Some(utc("2026-06-09T14:00:00Z"))
        );
        let stopped = o.stop(&u("UM"), now).unwrap();
        assert_eq!(stopped.moved_by_zone(Tz::UTC, ny, now), None);
    }

    #[test]
    fn only_agendas_are_held_for_a_morning() {
        let h = WorkingHours::default();
        let slot = utc("2026-06-09T14:00:00Z");
        let series = |step| Series::OneOnOne {
            manager: u("UM"),
            member: u("UA"),
            step,
            slot,
        };
        assert_eq!(
            hold_until(&series(Step::Agenda), Asia::Tokyo, &h),
            Some(utc("2026-06-09T00:00:00Z"))
        );
        assert_eq!(hold_until(&series(Step::Happened), Asia::Tokyo, &h), None);
        assert_eq!(hold_until(&Series::Waiting, Asia::Tokyo, &h), None);
        for step in Step::ALL {
            let s = series(step);
            assert_eq!(Series::parse(&s.key()), Some(s.clone()), "{}", s.key());
        }
        assert_eq!(
            series(Step::Agenda).key(),
            "1on1:UM:UA:agenda:2026-06-09T14:00:00Z"
        );
    }
}
