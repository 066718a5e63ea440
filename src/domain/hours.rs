//! Working hours in a person's own time zone: when a reminder may reach them.
//!
//! This module owns the rule "reminders arrive inside the recipient's working
//! hours, in their Slack time zone", and its sibling "nor while they are
//! away" (`/tour away until`: [`check_back_on`], [`back_at`],
//! [`WorkingHours::reminder_time`]). It is pure: the instant is always an
//! argument and the zone database is the one chrono-tz compiles in.
//!
//! Decisions taken here:
//! - The default is 09:00–18:00, Monday to Friday. The window is half-open,
//!   `[start, end)`: at 18:00 sharp the day is over.
//! - Everything is computed on *local dates* with chrono-tz, never by adding a
//!   fixed offset to a UTC instant, so a weekend that contains a DST change
//!   still ends at 09:00 local on Monday.
//! - Each working day is one interval of UTC instants, from its start to its
//!   end, each resolved from local time the same way:
//!   - a local time that does not exist that day (spring-forward gap) becomes
//!     the first valid instant after it (the transition itself, e.g. 03:00);
//!   - a local time that exists twice (fall-back) becomes the earlier one. For
//!     an end time that means the window closes the first time the clock
//!     shows it and does not reopen when the hour repeats.
//!
//!   A day whose start and end both fall in the same gap (or a day the zone
//!   skipped altogether, as Pacific/Kiritimati did on 1994-12-31) has an empty
//!   window and is passed over.
//! - `is_open` and `next_open` use the same intervals, so `is_open(t)` holds
//!   exactly when `next_open(t) == t`.
//! - Away: the date given is the day the person is back; reminders resume
//!   at the start of it in their zone, then wait for their working hours
//!   (back on a Saturday: Monday morning). It must be after their today and
//!   at most a year ahead.
//! - Start and end are written `HH:MM` and must satisfy end > start, so a
//!   window never crosses midnight; night shifts are not modelled. Days are
//!   three-letter English names, case-insensitive; a configuration with no
//!   working day is rejected so that `next_open` always has an answer.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// When a person works, in their own local time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingHours {
    start: NaiveTime,
    end: NaiveTime,
    /// Indexed by `Weekday::num_days_from_monday`.
    days: [bool; 7],
}

/// Why a working-hours configuration was refused. Each message names the
/// offending value and says what to write instead.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum HoursError {
    #[error("working hours {field} \"{value}\" is not a time; write it like 09:00")]
    BadTime {
        /// `"start"` or `"end"`.
        field: &'static str,
        value: String,
    },
    #[error("working hours end \"{end}\" must be later than start \"{start}\"")]
    EndNotAfterStart { start: String, end: String },
    #[error(
        "working day \"{0}\" is not a day; write three-letter names: mon tue wed thu fri sat sun"
    )]
    BadDay(String),
    #[error("working hours need at least one working day, like mon")]
    NoDays,
}

const DAY_NAMES: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// How many local dates `next_open` looks at before giving up. A week always
/// contains a working day (`new` insists on one); the margin covers the rare
/// working day whose window is empty because of a DST gap or a skipped date.
const SEARCH_DAYS: u32 = 400;

/// Built at compile time, so a typo here fails the build, not a request.
const fn hour(h: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(h, 0, 0) {
        Some(t) => t,
        None => panic!("not an hour of the day"),
    }
}
const NINE: NaiveTime = hour(9);
const EIGHTEEN: NaiveTime = hour(18);

impl Default for WorkingHours {
    fn default() -> Self {
        WorkingHours {
            start: NINE,
            end: EIGHTEEN,
            days: [true, true, true, true, true, false, false],
        }
    }
}

impl WorkingHours {
    /// `start`/`end` like "09:00"/"18:00"; `days` like
    /// ["mon","tue","wed","thu","fri"] (case-insensitive, three-letter
    /// names). Errors name the bad value.
    pub fn new(start: &str, end: &str, days: &[String]) -> Result<WorkingHours, HoursError> {
        let start_time = parse_time("start", start)?;
        let end_time = parse_time("end", end)?;
        if end_time <= start_time {
            return Err(HoursError::EndNotAfterStart {
                start: start.trim().to_string(),
                end: end.trim().to_string(),
            });
        }
        let mut set = [false; 7];
        for day in days {
            let wanted = day.trim().to_ascii_lowercase();
            let weekday = DAY_NAMES
                .iter()
                .find(|(name, _)| *name == wanted)
                .map(|(_, weekday)| *weekday)
                .ok_or_else(|| HoursError::BadDay(day.clone()))?;
            set[weekday.num_days_from_monday() as usize] = true;
        }
        if !set.contains(&true) {
            return Err(HoursError::NoDays);
        }
        Ok(WorkingHours {
            start: start_time,
            end: end_time,
            days: set,
        })
    }

    /// The local time the working day starts.
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// The local time the working day ends (exclusive).
    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// Whether `day` is a working day.
    pub fn works_on(&self, day: Weekday) -> bool {
        self.days[day.num_days_from_monday() as usize]
    }

    /// The first instant ≥ `at` that lies inside working hours in `tz`.
    /// DST-safe: computed with chrono-tz on local dates, never by adding
    /// fixed offsets. If the local start time does not exist that day
    /// (spring-forward gap) the first valid instant after it is used; if it is
    /// ambiguous (fall-back) the earlier one.
    ///
    /// Always terminates. Should no window be found within `SEARCH_DAYS`
    /// local dates (impossible with real zone data) or the calendar run out,
    /// `at` itself is returned: delivering a reminder early beats never.
    pub fn next_open(&self, at: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let Some(today) = local_time(at, tz).map(|t| t.date()) else {
            return at;
        };
        // Start a day early: a window resolved from yesterday's local times
        // can still be running (see `is_open`).
        let mut date = today.pred_opt().unwrap_or(today);
        for _ in 0..SEARCH_DAYS {
            if let Some((open, close)) = self.window(date, tz)
                && close > at
            {
                return open.max(at);
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        at
    }

    /// Whether `at` is inside working hours in `tz`.
    pub fn is_open(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        let Some(today) = local_time(at, tz).map(|t| t.date()) else {
            return false;
        };
        // A window belongs to the local date its times were read on, but a
        // gap or a fold at midnight can move its instants onto a neighbouring
        // date, so the neighbours are checked too.
        [today.pred_opt(), Some(today), today.succ_opt()]
            .into_iter()
            .flatten()
            .filter_map(|date| self.window(date, tz))
            .any(|(open, close)| open <= at && at < close)
    }

    /// When the working window of local `date` opens in `tz`, if `date` is
    /// a working day whose window is not empty (the rules of [`resolve`]).
    pub fn opens_on(&self, date: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
        self.window(date, tz).map(|(open, _)| open)
    }

    /// The working window of local `date` as UTC instants `[open, close)`,
    /// or None if `date` is not a working day, the window is empty, or the
    /// instants are out of chrono's range.
    fn window(&self, date: NaiveDate, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.works_on(date.weekday()) {
            return None;
        }
        let open = resolve(tz, date.and_time(self.start))?;
        let close = resolve(tz, date.and_time(self.end))?;
        (open < close).then_some((open, close))
    }
}

impl WorkingHours {
    /// When a reminder due at `at` may reach someone in `tz` who is away
    /// until `back` (if they are): their first working moment at or after
    /// both. The delivery worker holds reminders to this, and `/tour
    /// upcoming` and `alliance reminders` show it.
    pub fn reminder_time(
        &self,
        at: DateTime<Utc>,
        tz: Tz,
        back: Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        self.next_open(back.map_or(at, |b| b.max(at)), tz)
    }
}

/// How far ahead `/tour away until` reaches at most, in months.
pub const AWAY_MAX_MONTHS: u32 = 12;

/// Why a day to be back on was refused, said to the person away.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum AwayError {
    #[error("Pick a day after today: the day you're back, when your reminders start coming again.")]
    NotAfterToday,
    #[error(
        "That is more than a year away: pick a day by {0}. You can move it later with `/tour away until`."
    )]
    TooFar(NaiveDate),
}

/// Checks `back_on`, the day someone is back from being away, against
/// their `today`: after it, and at most [`AWAY_MAX_MONTHS`] ahead.
pub fn check_back_on(back_on: NaiveDate, today: NaiveDate) -> Result<(), AwayError> {
    if back_on <= today {
        return Err(AwayError::NotAfterToday);
    }
    let latest = today
        .checked_add_months(chrono::Months::new(AWAY_MAX_MONTHS))
        .unwrap_or(NaiveDate::MAX);
    if back_on > latest {
        return Err(AwayError::TooFar(latest));
    }
    Ok(())
}

/// The instant someone away until `back_on` is back: the start of that day
/// in their zone (their reminders then wait for their working hours).
pub fn back_at(back_on: NaiveDate, tz: Tz) -> DateTime<Utc> {
    resolve(tz, back_on.and_time(NaiveTime::MIN))
        .unwrap_or_else(|| back_on.and_time(NaiveTime::MIN).and_utc())
}

/// Parses an IANA zone name from Slack's `users.info` (`tz`); None if unknown.
pub fn parse_tz(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

fn parse_time(field: &'static str, value: &str) -> Result<NaiveTime, HoursError> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| HoursError::BadTime {
        field,
        value: value.to_string(),
    })
}

/// The wall-clock time `at` shows in `tz`, or None at the very ends of
/// chrono's range, where `with_timezone(..).naive_local()` would panic.
pub fn local_time(at: DateTime<Utc>, tz: Tz) -> Option<NaiveDateTime> {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc()).fix();
    at.naive_utc().checked_add_offset(offset)
}

/// The instant a local wall-clock time names in `tz`: the earlier of two in a
/// fold, the first valid instant after it in a gap. One-on-one slots are
/// read with the same rule (`domain::one_on_one`).
pub fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => first_instant_reaching(tz, local),
    }
}

/// The first instant whose local time in `tz` is at or after `local`, for a
/// `local` that falls in a gap. The gap's end is the transition instant, and
/// chrono-tz offers no lookup for it, so it is found by bisection over whole
/// seconds (tz transitions fall on whole seconds).
fn first_instant_reaching(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let wall = |secs: i64| DateTime::from_timestamp(secs, 0).and_then(|utc| local_time(utc, tz));
    // Every UTC offset is strictly within ±24 h (chrono's FixedOffset cannot
    // hold more), so reading `local` as UTC and moving a day either way
    // brackets the answer: wall(lo) < local <= wall(hi).
    let as_utc = local.and_utc().timestamp();
    let day = Duration::days(1).num_seconds();
    let (mut lo, mut hi) = (as_utc.checked_sub(day)?, as_utc.checked_add(day)?);
    if wall(lo)? >= local || wall(hi)? < local {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if wall(mid)? >= local {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Europe, Pacific};

    fn utc(s: &str) -> DateTime<Utc> {
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t.with_timezone(&Utc),
            Err(e) => panic!("bad test instant {s}: {e}"),
        }
    }

    fn days(names: &[&str]) -> Vec<String> {
        names.iter().map(|d| d.to_string()).collect()
    }

    fn hours(start: &str, end: &str, names: &[&str]) -> WorkingHours {
        match WorkingHours::new(start, end, &days(names)) {
            Ok(h) => h,
            Err(e) => panic!("bad test hours: {e}"),
        }
    }

    const ALL_WEEK: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    #[test]
    fn away_ends_on_the_day_back_in_ones_own_zone_then_waits_for_the_morning() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let today = day(2026, 12, 1);
        assert_eq!(check_back_on(day(2026, 12, 28), today), Ok(()));
        assert_eq!(check_back_on(today, today), Err(AwayError::NotAfterToday));
        assert_eq!(check_back_on(day(2027, 12, 1), today), Ok(()));
        assert_eq!(
            check_back_on(day(2027, 12, 2), today),
            Err(AwayError::TooFar(day(2027, 12, 1)))
        );
        // Back on Monday 28 December in Los Angeles: 08:00 UTC, and the
        // first reminder at 09:00 there.
        let back = back_at(day(2026, 12, 28), America::Los_Angeles);
        assert_eq!(back, utc("2026-12-28T08:00:00Z"));
        let h = WorkingHours::default();
        let due = utc("2026-12-09T00:00:00Z");
        assert_eq!(
            h.reminder_time(due, America::Los_Angeles, Some(back)),
            utc("2026-12-28T17:00:00Z")
        );
        // Back on a Saturday: Monday morning. Not away: working hours alone.
        let saturday = back_at(day(2026, 12, 26), Tz::UTC);
        assert_eq!(
            h.reminder_time(due, Tz::UTC, Some(saturday)),
            utc("2026-12-28T09:00:00Z")
        );
        assert_eq!(
            h.reminder_time(due, Tz::UTC, None),
            utc("2026-12-09T09:00:00Z")
        );
        // A period that ended before it was due changes nothing.
        assert_eq!(
            h.reminder_time(due, Tz::UTC, Some(utc("2026-12-01T00:00:00Z"))),
            utc("2026-12-09T09:00:00Z")
        );
    }

    /// `next_open` lands on an open instant, never before `at`, and agrees
    /// with `is_open`: the checks every case below also makes.
    fn check(h: &WorkingHours, at: &str, tz: Tz, expected: &str) {
        let at = utc(at);
        let expected = utc(expected);
        let got = h.next_open(at, tz);
        assert_eq!(got, expected, "next_open({at}) in {tz}");
        assert!(h.is_open(got, tz), "{got} should be open in {tz}");
        assert_eq!(h.is_open(at, tz), got == at, "is_open({at}) in {tz}");
        if got > at {
            assert!(!h.is_open(got - Duration::seconds(1), tz));
        }
    }

    #[test]
    fn default_is_nine_to_six_monday_to_friday() {
        let h = WorkingHours::default();
        assert_eq!(
            h,
            hours("09:00", "18:00", &["mon", "tue", "wed", "thu", "fri"])
        );
        assert!(h.works_on(Weekday::Fri));
        assert!(!h.works_on(Weekday::Sat));
        assert_eq!(h.start(), hour(9));
        assert_eq!(h.end(), hour(18));
    }

    #[test]
    fn inside_hours_returns_at_unchanged() {
        let h = WorkingHours::default();
        // Wednesday 10:15 CEST.
        check(
            &h,
            "2026-06-10T08:15:42.5Z",
            Europe::Berlin,
            "2026-06-10T08:15:42.5Z",
        );
        // 09:00 sharp is open.
        check(
            &h,
            "2026-06-10T07:00:00Z",
            Europe::Berlin,
            "2026-06-10T07:00:00Z",
        );
    }

    #[test]
    fn before_start_waits_for_the_same_days_start() {
        // Wednesday 03:00 CEST → 09:00 CEST.
        check(
            &WorkingHours::default(),
            "2026-06-10T01:00:00Z",
            Europe::Berlin,
            "2026-06-10T07:00:00Z",
        );
    }

    #[test]
    fn after_end_waits_for_the_next_working_day() {
        let h = WorkingHours::default();
        // Wednesday 19:00 CEST → Thursday 09:00.
        check(
            &h,
            "2026-06-10T17:00:00Z",
            Europe::Berlin,
            "2026-06-11T07:00:00Z",
        );
        // 18:00 sharp is closed.
        check(
            &h,
            "2026-06-10T16:00:00Z",
            Europe::Berlin,
            "2026-06-11T07:00:00Z",
        );
    }

    #[test]
    fn friday_evening_and_weekend_wait_for_monday() {
        let h = WorkingHours::default();
        let monday = "2026-06-15T07:00:00Z";
        check(&h, "2026-06-12T17:00:00Z", Europe::Berlin, monday); // Fri 19:00
        check(&h, "2026-06-13T10:00:00Z", Europe::Berlin, monday); // Sat 12:00
        check(&h, "2026-06-14T21:59:59Z", Europe::Berlin, monday); // Sun 23:59:59
    }

    #[test]
    fn far_time_zones_use_their_own_dates() {
        let h = WorkingHours::default();
        // Tokyo (UTC+9): Wednesday 00:00Z is 09:00 JST, open.
        check(
            &h,
            "2026-06-10T00:00:00Z",
            Asia::Tokyo,
            "2026-06-10T00:00:00Z",
        );
        // Friday 18:00 JST → Monday 09:00 JST, which is still Sunday in UTC.
        check(
            &h,
            "2026-06-12T09:00:00Z",
            Asia::Tokyo,
            "2026-06-15T00:00:00Z",
        );
        // Los Angeles (PDT, UTC-7): Friday 02:00Z is Thursday 19:00 local →
        // Friday 09:00 PDT.
        check(
            &h,
            "2026-06-12T02:00:00Z",
            America::Los_Angeles,
            "2026-06-12T16:00:00Z",
        );
        // Kiritimati (UTC+14): Friday 20:00Z is Saturday 10:00 local →
        // Monday 09:00 local, which is Sunday 19:00 in UTC.
        check(
            &h,
            "2026-06-12T20:00:00Z",
            Pacific::Kiritimati,
            "2026-06-14T19:00:00Z",
        );
        // And Kiritimati's Monday 09:00 is open while UTC says Sunday.
        check(
            &h,
            "2026-06-14T19:00:00Z",
            Pacific::Kiritimati,
            "2026-06-14T19:00:00Z",
        );
    }

    #[test]
    fn a_weekend_with_a_dst_change_still_ends_at_nine_local() {
        let h = WorkingHours::default();
        // New York, spring forward on Sunday 2026-03-08: Friday 19:00 EST →
        // Monday 09:00 EDT (13:00Z, not the 14:00Z a fixed offset gives).
        check(
            &h,
            "2026-03-07T00:00:00Z",
            America::New_York,
            "2026-03-09T13:00:00Z",
        );
        // Fall back on Sunday 2026-11-01: Friday 19:00 EDT → Monday 09:00 EST.
        check(
            &h,
            "2026-10-30T23:00:00Z",
            America::New_York,
            "2026-11-02T14:00:00Z",
        );
        // Berlin, 2026-03-29: Friday 18:30 CET → Monday 09:00 CEST.
        check(
            &h,
            "2026-03-27T17:30:00Z",
            Europe::Berlin,
            "2026-03-30T07:00:00Z",
        );
        // Berlin, 2026-10-25: Friday 18:30 CEST → Monday 09:00 CET.
        check(
            &h,
            "2026-10-23T16:30:00Z",
            Europe::Berlin,
            "2026-10-26T08:00:00Z",
        );
    }

    #[test]
    fn start_in_the_spring_forward_gap_opens_when_the_clock_jumps() {
        // New York, Sunday 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00Z),
        // so a 02:30 start does not exist that day.
        let h = hours("02:30", "18:00", &ALL_WEEK);
        // Sunday 00:00 EST → 03:00 EDT.
        check(
            &h,
            "2026-03-08T05:00:00Z",
            America::New_York,
            "2026-03-08T07:00:00Z",
        );
        // The last second before the jump is 01:59:59 EST: still closed.
        check(
            &h,
            "2026-03-08T06:59:59Z",
            America::New_York,
            "2026-03-08T07:00:00Z",
        );
        // Due at 07:30Z = 03:30 EDT: open, unchanged.
        check(
            &h,
            "2026-03-08T07:30:00Z",
            America::New_York,
            "2026-03-08T07:30:00Z",
        );
        // The next day 02:30 exists again: 02:30 EDT = 06:30Z.
        check(
            &h,
            "2026-03-08T23:00:00Z",
            America::New_York,
            "2026-03-09T06:30:00Z",
        );

        // Berlin, Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z).
        let h = hours("02:15", "18:00", &["sun"]);
        check(
            &h,
            "2026-03-28T22:00:00Z",
            Europe::Berlin,
            "2026-03-29T01:00:00Z",
        );
    }

    #[test]
    fn start_in_the_fall_back_fold_uses_the_earlier_instant() {
        // New York, Sunday 2026-11-01: 01:30 happens at 05:30Z (EDT) and
        // again at 06:30Z (EST); the earlier one opens the day.
        let h = hours("01:30", "18:00", &["sun"]);
        check(
            &h,
            "2026-11-01T04:00:00Z",
            America::New_York,
            "2026-11-01T05:30:00Z",
        );
        // Once open, the repeated hour stays open.
        check(
            &h,
            "2026-11-01T06:00:00Z",
            America::New_York,
            "2026-11-01T06:00:00Z",
        );

        // Berlin, Sunday 2026-10-25: 02:30 is 00:30Z (CEST) and 01:30Z (CET).
        let h = hours("02:30", "18:00", &["sun"]);
        check(
            &h,
            "2026-10-24T22:00:00Z",
            Europe::Berlin,
            "2026-10-25T00:30:00Z",
        );
    }

    #[test]
    fn end_in_the_fold_closes_the_first_time_and_does_not_reopen() {
        // New York 2026-11-01, 00:00–01:30: open from 04:00Z to 05:30Z. At
        // 06:00Z the clock shows 01:00 EST again, but the day is over.
        let h = hours("00:00", "01:30", &["sun"]);
        check(
            &h,
            "2026-11-01T05:29:00Z",
            America::New_York,
            "2026-11-01T05:29:00Z",
        );
        check(
            &h,
            "2026-11-01T06:00:00Z",
            America::New_York,
            "2026-11-08T05:00:00Z",
        );
    }

    #[test]
    fn a_window_entirely_inside_the_gap_is_skipped() {
        // New York 2026-03-08, 02:10–02:50 never happens that Sunday.
        let h = hours("02:10", "02:50", &["sun"]);
        check(
            &h,
            "2026-03-08T05:00:00Z",
            America::New_York,
            "2026-03-15T06:10:00Z",
        );
    }

    #[test]
    fn a_date_the_zone_skipped_is_passed_over() {
        // Kiritimati went from UTC-10 to UTC+14 at the end of Friday
        // 1994-12-30 local: Saturday 1994-12-31 never happened there.
        let every_day = hours("09:00", "18:00", &ALL_WEEK);
        // Friday 18:00 -10 → Sunday 1995-01-01 09:00 +14.
        check(
            &every_day,
            "1994-12-31T04:00:00Z",
            Pacific::Kiritimati,
            "1994-12-31T19:00:00Z",
        );
        // Only Saturdays: the missing one is skipped for the next week's.
        let saturdays = hours("09:00", "18:00", &["sat"]);
        check(
            &saturdays,
            "1994-12-31T04:00:00Z",
            Pacific::Kiritimati,
            "1995-01-06T19:00:00Z",
        );
    }

    #[test]
    fn non_default_days() {
        // Sunday to Thursday, 08:00–16:30, in Asia/Jerusalem (UTC+3 in June).
        let h = hours("08:00", "16:30", &["SUN", "Mon", "tue", "wed", "thu"]);
        // Friday 10:00 local → Sunday 08:00 local.
        check(
            &h,
            "2026-06-12T07:00:00Z",
            Asia::Jerusalem,
            "2026-06-14T05:00:00Z",
        );
        // Thursday 16:29 open; 16:30 closed until Sunday.
        check(
            &h,
            "2026-06-11T13:29:00Z",
            Asia::Jerusalem,
            "2026-06-11T13:29:00Z",
        );
        check(
            &h,
            "2026-06-11T13:30:00Z",
            Asia::Jerusalem,
            "2026-06-14T05:00:00Z",
        );
        assert!(!h.works_on(Weekday::Fri));
        assert!(h.works_on(Weekday::Sun));
    }

    #[test]
    fn new_rejects_bad_values_and_names_them() {
        let week = days(&["mon"]);
        let err = WorkingHours::new("9am", "18:00", &week);
        assert_eq!(
            err,
            Err(HoursError::BadTime {
                field: "start",
                value: "9am".into()
            })
        );
        let err = WorkingHours::new("09:00", "24:00", &week);
        assert!(matches!(
            &err,
            Err(HoursError::BadTime { field: "end", .. })
        ));
        let err = WorkingHours::new("18:00", "09:00", &week);
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("working hours end \"09:00\" must be later than start \"18:00\"".into())
        );
        assert!(WorkingHours::new("09:00", "09:00", &week).is_err());
        let err = WorkingHours::new("09:00", "18:00", &days(&["mon", "Monday"]));
        assert_eq!(err, Err(HoursError::BadDay("Monday".into())));
        let message = HoursError::BadDay("Monday".into()).to_string();
        assert!(message.contains("\"Monday\"") && message.contains("mon tue"));
        assert_eq!(
            WorkingHours::new("09:00", "18:00", &[]),
            Err(HoursError::NoDays)
        );
    }

    #[test]
    fn new_accepts_padding_and_duplicates() {
        let h = match WorkingHours::new(" 9:30 ", "17:45", &days(&[" fri ", "FRI"])) {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(Some(h.start()), NaiveTime::from_hms_opt(9, 30, 0));
        assert!(h.works_on(Weekday::Fri) && !h.works_on(Weekday::Thu));
    }

    #[test]
    fn terminates_at_the_edges_of_time() {
        let h = hours("09:00", "18:00", &["sat"]);
        for tz in [Pacific::Kiritimati, America::New_York, Tz::UTC] {
            let late = DateTime::<Utc>::MAX_UTC;
            assert!(h.next_open(late, tz) >= late);
            let early = DateTime::<Utc>::MIN_UTC;
            assert!(h.next_open(early, tz) >= early);
            let _ = h.is_open(late, tz);
            let _ = h.is_open(early, tz);
        }
    }

    #[test]
    fn next_open_and_is_open_agree_across_dst_weeks() {
        // Every 10 minutes through the DST weeks of both zones, with hours
        // whose start and end land in the gap and in the fold.
        let cases = [
            (America::New_York, "2026-03-05T00:00:00Z"),
            (America::New_York, "2026-10-29T00:00:00Z"),
            (Europe::Berlin, "2026-03-26T00:00:00Z"),
            (Europe::Berlin, "2026-10-22T00:00:00Z"),
        ];
        let configs = [
            WorkingHours::default(),
            hours("02:30", "18:00", &ALL_WEEK),
            hours("00:00", "02:30", &["sat", "sun"]),
            hours("01:30", "02:10", &["sun"]),
        ];
        for (tz, from) in cases {
            for h in &configs {
                let mut at = utc(from);
                for _ in 0..(6 * 24 * 7) {
                    let got = h.next_open(at, tz);
                    assert!(got >= at);
                    assert!(h.is_open(got, tz), "{got} in {tz} for {h:?}");
                    assert_eq!(h.is_open(at, tz), got == at, "{at} in {tz} for {h:?}");
                    at += Duration::minutes(10);
                }
            }
        }
    }

    #[test]
    fn parse_tz_knows_iana_names_only() {
        assert_eq!(parse_tz("Europe/Berlin"), Some(Europe::Berlin));
        assert_eq!(parse_tz(" America/New_York "), Some(America::New_York));
        assert_eq!(parse_tz("Pacific/Kiritimati"), Some(Pacific::Kiritimati));
        assert_eq!(parse_tz("Mars/Olympus_Mons"), None);
        assert_eq!(parse_tz(""), None);
    }
}
