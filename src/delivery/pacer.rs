//! Outbound pacing: when the next message may go out, given what was sent.
//!
//! What it owns: Slack's posting limits as Alliance keeps them —
//! - at most one message per `per_recipient` interval to one person (every
//!   DM is its own channel, and Slack allows about one message a second per
//!   channel);
//! - at most `per_minute` messages a minute in the workspace (Slack's
//!   workspace-wide limit on `chat.postMessage`, "several hundred messages
//!   per minute");
//! - reminders (the bulk lane) use at most four fifths of that ceiling and go
//!   at a steady pace, one every `60 s / their share`, with bursts of at most
//!   [`BULK_BURST`] to catch up after a pause (a pass busy with answers), so
//!   a morning's backlog drains smoothly instead of in one burst, and there
//!   is always room for an answer to someone's action;
//! - nothing at all before the end of a pause that a 429 imposed.
//!
//! What it guarantees:
//! - Pure: time is always an argument, nothing sleeps and nothing reads the
//!   clock, so the outbox (and its tests) decide what "now" is.
//! - Bounded memory: a recipient is forgotten once their interval has
//!   passed, and the workspace window keeps at most `per_minute` send
//!   instants (only the `per_minute`-th most recent send can hold the next
//!   one back).

use crate::store::outbox::Lane;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// The sliding window of the workspace ceiling.
const WINDOW: TimeDelta = TimeDelta::minutes(1);
/// How many reminders may go at once after a pause, at most (the steady
/// pace is a "generic cell rate": one per interval, this many ahead).
pub const BULK_BURST: i32 = 20;

#[derive(Clone, Debug)]
pub struct Pacer {
    per_recipient: TimeDelta,
    per_minute: usize,
    /// What the bulk lane may use of the ceiling.
    bulk_per_minute: usize,
    /// The steady spacing of bulk sends, and how far ahead of it a burst may
    /// run.
    bulk_every: TimeDelta,
    bulk_burst: TimeDelta,
    /// The last send to each recipient whose interval may not be over yet.
    last_send: HashMap<String, DateTime<Utc>>,
    /// Recent send instants, oldest first, at most `per_minute` of them.
    window: VecDeque<DateTime<Utc>>,
    /// When the next bulk send is due at the steady pace (advanced by one
    /// interval per send): a send may go once `bulk_due - bulk_burst` has come.
    bulk_due: Option<DateTime<Utc>>,
    paused_until: Option<DateTime<Utc>>,
}

impl Pacer {
    /// At most one message per `per_recipient` to a person, at most
    /// `per_minute` messages a minute in the workspace. A `per_minute` of 0
    /// is taken as 1: a limit that never lets anything out is a mistake, not
    /// a setting.
    pub fn new(per_recipient: Duration, per_minute: u32) -> Pacer {
        let per_minute = usize::try_from(per_minute.max(1)).unwrap_or(usize::MAX);
        let bulk_per_minute = (per_minute - per_minute / 5).max(1);
        let bulk_every = WINDOW / i32::try_from(bulk_per_minute).unwrap_or(i32::MAX);
        let burst = BULK_BURST.min(i32::try_from(bulk_per_minute).unwrap_or(i32::MAX));
        Pacer {
            // Beyond TimeDelta's range (hundreds of millions of years) is as
            // good as "never again".
            per_recipient: TimeDelta::from_std(per_recipient).unwrap_or(TimeDelta::MAX),
            per_minute,
            bulk_per_minute,
            bulk_every,
            bulk_burst: bulk_every * (burst - 1),
            last_send: HashMap::new(),
            window: VecDeque::with_capacity(per_minute.min(1024)),
            bulk_due: None,
            paused_until: None,
        }
    }

    /// The earliest instant anything of `lane` may be sent, whoever it is
    /// for (`now` itself if something may go now).
    pub fn lane_slot(&self, lane: Lane, now: DateTime<Utc>) -> DateTime<Utc> {
        let mut slot = now;
        if let Some(until) = self.paused_until {
            slot = slot.max(until);
        }
        let limit = match lane {
            Lane::Answers => self.per_minute,
            Lane::Reminders => self.bulk_per_minute,
        };
        // With `n` sends in the window and room for `limit`, the next one may
        // go once all but `limit - 1` of them are a minute old.
        let n = self.window.len();
        if n >= limit
            && let Some(&freeing) = self.window.get(n - limit)
        {
            slot = slot.max(add(freeing, WINDOW));
        }
        if lane == Lane::Reminders
            && let Some(due) = self.bulk_due
        {
            slot = slot.max(due - self.bulk_burst);
        }
        slot
    }

    /// The earliest instant a message to `recipient` may be sent, as far as
    /// that person's own interval goes.
    pub fn recipient_slot(&self, recipient: &str, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.last_send.get(recipient) {
            Some(&last) => now.max(add(last, self.per_recipient)),
            None => now,
        }
    }

    /// The earliest instant a message of `lane` to `recipient` may go.
    pub fn next_slot(&self, recipient: &str, lane: Lane, now: DateTime<Utc>) -> DateTime<Utc> {
        self.lane_slot(lane, now)
            .max(self.recipient_slot(recipient, now))
    }

    /// Records a send of `lane` to `recipient` at `at`.
    pub fn record(&mut self, recipient: &str, lane: Lane, at: DateTime<Utc>) {
        let last = self.last_send.entry(recipient.to_string()).or_insert(at);
        *last = (*last).max(at);
        if lane == Lane::Reminders {
            let due = self.bulk_due.map_or(at, |d| d.max(at));
            self.bulk_due = Some(add(due, self.bulk_every));
        }

        // Keep the window sorted even if sends are recorded out of order
        // (two workers finishing in a different order than they started).
        let position = self.window.partition_point(|&t| t <= at);
        self.window.insert(position, at);

        self.forget_before(at);
    }

    /// After a 429: nothing is sent before `until`. A shorter pause never
    /// shortens a longer one already in force.
    pub fn pause_until(&mut self, until: DateTime<Utc>) {
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
    }

    /// Drops everything that can no longer hold back a send at or after `now`.
    fn forget_before(&mut self, now: DateTime<Utc>) {
        let per_recipient = self.per_recipient;
        self.last_send
            .retain(|_, &mut last| add(last, per_recipient) > now);
        while self.window.len() > self.per_minute {
            self.window.pop_front();
        }
        while self
            .window
            .front()
            .is_some_and(|&oldest| add(oldest, WINDOW) <= now)
        {
            self.window.pop_front();
        }
        if self.paused_until.is_some_and(|until| until <= now) {
            self.paused_until = None;
        }
    }
}

/// `at + delta`, saturating instead of overflowing on absurd intervals.
fn add(at: DateTime<Utc>, delta: TimeDelta) -> DateTime<Utc> {
    at.checked_add_signed(delta)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const A: Lane = Lane::Answers;
    const R: Lane = Lane::Reminders;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    fn ms(millis: i64) -> DateTime<Utc> {
        t(0) + TimeDelta::milliseconds(millis)
    }

    #[test]
    fn an_idle_pacer_lets_everything_go_now() {
        let pacer = Pacer::new(Duration::from_secs(1), 20);
        assert_eq!(pacer.next_slot("U1", A, t(5)), t(5));
        assert_eq!(pacer.next_slot("U1", R, t(5)), t(5));
    }

    #[test]
    fn one_message_per_interval_to_a_person() {
        let mut pacer = Pacer::new(Duration::from_millis(1500), 100);
        pacer.record("U1", A, t(0));
        assert_eq!(pacer.next_slot("U1", A, t(0)), ms(1500));
        assert_eq!(pacer.next_slot("U1", A, ms(1000)), ms(1500));
        assert_eq!(pacer.next_slot("U1", A, ms(1500)), ms(1500));
        assert_eq!(pacer.next_slot("U1", A, t(9)), t(9));
        assert_eq!(pacer.recipient_slot("U1", ms(200)), ms(1500));
    }

    #[test]
    fn two_people_are_independent() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 100);
        pacer.record("U1", A, t(0));
        assert_eq!(pacer.next_slot("U2", A, t(0)), t(0));
        pacer.record("U2", A, ms(200));
        assert_eq!(pacer.next_slot("U1", A, ms(300)), t(1));
        assert_eq!(pacer.next_slot("U2", A, ms(300)), ms(1200));
    }

    #[test]
    fn the_workspace_ceiling_is_a_sliding_minute() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 3);
        pacer.record("U1", A, t(0));
        pacer.record("U2", A, t(10));
        assert_eq!(pacer.next_slot("U3", A, t(20)), t(20));
        pacer.record("U3", A, t(20));
        // Three in the last minute: the fourth waits until the first is a
        // minute old, whoever it is for.
        assert_eq!(pacer.next_slot("U4", A, t(21)), t(60));
        pacer.record("U4", A, t(60));
        assert_eq!(pacer.next_slot("U5", A, t(61)), t(70));
        assert_eq!(pacer.next_slot("U5", A, t(75)), t(75));
    }

    #[test]
    fn reminders_leave_a_fifth_of_the_ceiling_to_answers() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 10);
        // Reminders may use 8 of 10 a minute, one every 7.5 s.
        for i in 0..8 {
            let at = t(0) + TimeDelta::milliseconds(7_500 * i);
            assert_eq!(pacer.lane_slot(R, at), at, "reminder {i}");
            pacer.record(&format!("U{i}"), R, at);
        }
        let after = ms(52_600);
        assert_eq!(
            pacer.lane_slot(R, after),
            t(60),
            "the bulk share is used up until the first is a minute old"
        );
        assert_eq!(pacer.lane_slot(A, after), after, "answers still go at once");
        pacer.record("UA", A, after);
        pacer.record("UB", A, after);
        assert_eq!(
            pacer.lane_slot(A, after),
            t(60),
            "and the ceiling holds for everything"
        );
    }

    #[test]
    fn reminders_go_at_a_steady_pace_with_short_bursts() {
        // 300 a minute: reminders use 240, one every 250 ms, at most 20 at once.
        let mut pacer = Pacer::new(Duration::from_secs(1), 300);
        for i in 0..20 {
            assert_eq!(pacer.lane_slot(R, t(0)), t(0), "burst send {i}");
            pacer.record(&format!("U{i}"), R, t(0));
        }
        assert_eq!(pacer.lane_slot(R, t(0)), ms(250), "then the steady pace");
        assert_eq!(
            pacer.next_slot("UX", A, ms(100)),
            ms(100),
            "answers don't wait"
        );
        pacer.record("UX", A, ms(100));
        assert_eq!(
            pacer.lane_slot(R, ms(100)),
            ms(250),
            "answers don't push reminders back"
        );
        pacer.record("U20", R, ms(250));
        assert_eq!(pacer.lane_slot(R, ms(250)), ms(500));
        // After a pause the pace catches up, by at most a burst.
        for i in 0..20 {
            assert_eq!(pacer.lane_slot(R, t(30)), t(30), "catch-up send {i}");
            pacer.record(&format!("V{i}"), R, t(30));
        }
        assert_eq!(pacer.lane_slot(R, t(30)), ms(30_250));
    }

    #[test]
    fn both_limits_together_take_the_later_slot() {
        let mut pacer = Pacer::new(Duration::from_secs(90), 2);
        pacer.record("U1", A, t(0));
        pacer.record("U2", A, t(1));
        // The ceiling allows t(60); the person not before t(90).
        assert_eq!(pacer.next_slot("U1", A, t(2)), t(90));
        assert_eq!(pacer.next_slot("U3", A, t(2)), t(60));
    }

    #[test]
    fn a_pause_holds_everything_back() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 100);
        pacer.pause_until(t(30));
        assert_eq!(pacer.next_slot("U1", A, t(0)), t(30));
        assert_eq!(pacer.next_slot("U2", R, t(29)), t(30));
        // A shorter pause does not shorten it.
        pacer.pause_until(t(10));
        assert_eq!(pacer.next_slot("U1", A, t(0)), t(30));
        assert_eq!(pacer.next_slot("U1", A, t(31)), t(31));
        // A pause and a person's interval: the later one wins.
        pacer.record("U1", A, t(30));
        pacer.pause_until(ms(30_500));
        assert_eq!(pacer.next_slot("U1", A, t(30)), t(31));
    }

    #[test]
    fn out_of_order_records_keep_the_window_right() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 2);
        pacer.record("U1", A, t(5));
        pacer.record("U2", A, t(3));
        assert_eq!(pacer.next_slot("U3", A, t(6)), t(63));

        // A person keeps their latest send.
        let mut pacer = Pacer::new(Duration::from_secs(1), 100);
        pacer.record("U1", A, t(5));
        pacer.record("U1", A, t(3));
        assert_eq!(pacer.next_slot("U1", A, t(5)), t(6));
    }

    #[test]
    fn memory_stays_bounded() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 5);
        for i in 0..10_000 {
            pacer.record(&format!("U{i}"), A, t(i));
        }
        assert!(pacer.last_send.len() <= 1, "{}", pacer.last_send.len());
        assert!(pacer.window.len() <= 5);
        // Burst at one instant: everyone still in their interval is kept,
        // the window stays at `per_minute`.
        for i in 0..100 {
            pacer.record(&format!("E{i}"), R, t(20_000));
        }
        assert_eq!(pacer.last_send.len(), 100);
        assert_eq!(pacer.window.len(), 5);
        pacer.record("F", A, t(20_002));
        assert_eq!(pacer.last_send.len(), 1);
    }

    #[test]
    fn zero_per_minute_means_one() {
        let mut pacer = Pacer::new(Duration::ZERO, 0);
        pacer.record("U1", A, t(0));
        assert_eq!(pacer.next_slot("U2", A, t(1)), t(60));
        assert_eq!(pacer.next_slot("U2", R, t(1)), t(60));
    }
}
