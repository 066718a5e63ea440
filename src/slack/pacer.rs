//! Outbound pacing: when the next message may go out, given what was sent.
//!
//! What it owns: Slack's posting limits as Alliance keeps them — at most one
//! message per `per_channel` interval to one channel (Slack allows about one
//! a second), at most `per_minute` messages a minute in the workspace, and
//! nothing at all before the end of a pause that a 429 imposed.
//!
//! What it guarantees:
//! - Pure: time is always an argument, nothing sleeps and nothing reads the
//!   clock, so the outbox (and its tests) decide what "now" is.
//! - Bounded memory: a channel is forgotten once its interval has passed, and
//!   the workspace window keeps at most `per_minute` send instants (only the
//!   `per_minute`-th most recent send can hold the next one back).

use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// The sliding window of the workspace ceiling.
const WINDOW: TimeDelta = TimeDelta::minutes(1);

#[derive(Clone, Debug)]
pub struct Pacer {
    per_channel: TimeDelta,
    per_minute: usize,
    /// The last send to each channel whose interval may not be over yet.
    last_send: HashMap<String, DateTime<Utc>>,
    /// Recent send instants, oldest first, at most `per_minute` of them.
    window: VecDeque<DateTime<Utc>>,
    paused_until: Option<DateTime<Utc>>,
}

impl Pacer {
    /// At most one message per `per_channel` to a channel, at most
    /// `per_minute` messages a minute in the workspace. A `per_minute` of 0
    /// is taken as 1: a limit that never lets anything out is a mistake, not
    /// a setting.
    pub fn new(per_channel: Duration, per_minute: u32) -> Pacer {
        let per_minute = usize::try_from(per_minute.max(1)).unwrap_or(usize::MAX);
        Pacer {
            // Beyond TimeDelta's range (hundreds of millions of years) is as
            // good as "never again".
            per_channel: TimeDelta::from_std(per_channel).unwrap_or(TimeDelta::MAX),
            per_minute,
            last_send: HashMap::new(),
            window: VecDeque::with_capacity(per_minute.min(1024)),
            paused_until: None,
        }
    }

    /// The earliest instant a message to `channel` may be sent (`now` itself
    /// if it may go now).
    pub fn next_slot(&self, channel: &str, now: DateTime<Utc>) -> DateTime<Utc> {
        let mut slot = now;
        if let Some(until) = self.paused_until {
            slot = slot.max(until);
        }
        if let Some(&last) = self.last_send.get(channel) {
            slot = slot.max(add(last, self.per_channel));
        }
        // With `per_minute` sends in the window, the next one may go once the
        // oldest of them is a minute old. The window holds at most
        // `per_minute` instants, so that oldest one is the front.
        if self.window.len() >= self.per_minute
            && let Some(&oldest) = self.window.front()
        {
            slot = slot.max(add(oldest, WINDOW));
        }
        slot
    }

    /// Records a send to `channel` at `at`.
    pub fn record(&mut self, channel: &str, at: DateTime<Utc>) {
        let last = self.last_send.entry(channel.to_string()).or_insert(at);
        *last = (*last).max(at);

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
        let per_channel = self.per_channel;
        self.last_send
            .retain(|_, &mut last| add(last, per_channel) > now);
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

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    fn ms(millis: i64) -> DateTime<Utc> {
        t(0) + TimeDelta::milliseconds(millis)
    }

    #[test]
    fn an_idle_pacer_lets_everything_go_now() {
        let pacer = Pacer::new(Duration::from_secs(1), 20);
        assert_eq!(pacer.next_slot("D1", t(5)), t(5));
    }

    #[test]
    fn one_message_per_interval_to_a_channel() {
        let mut pacer = Pacer::new(Duration::from_millis(1500), 100);
        pacer.record("D1", t(0));
        assert_eq!(pacer.next_slot("D1", t(0)), ms(1500));
        assert_eq!(pacer.next_slot("D1", ms(1000)), ms(1500));
        assert_eq!(pacer.next_slot("D1", ms(1500)), ms(1500));
        assert_eq!(pacer.next_slot("D1", t(9)), t(9));
    }

    #[test]
    fn two_channels_are_independent() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 100);
        pacer.record("D1", t(0));
        assert_eq!(pacer.next_slot("D2", t(0)), t(0));
        pacer.record("D2", ms(200));
        assert_eq!(pacer.next_slot("D1", ms(300)), t(1));
        assert_eq!(pacer.next_slot("D2", ms(300)), ms(1200));
    }

    #[test]
    fn the_workspace_ceiling_is_a_sliding_minute() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 3);
        pacer.record("D1", t(0));
        pacer.record("D2", t(10));
        assert_eq!(pacer.next_slot("D3", t(20)), t(20));
        pacer.record("D3", t(20));
        // Three in the last minute: the fourth waits until the first is a
        // minute old, whatever the channel.
        assert_eq!(pacer.next_slot("D4", t(21)), t(60));
        pacer.record("D4", t(60));
        assert_eq!(pacer.next_slot("D5", t(61)), t(70));
        assert_eq!(pacer.next_slot("D5", t(75)), t(75));
    }

    #[test]
    fn both_limits_together_take_the_later_slot() {
        let mut pacer = Pacer::new(Duration::from_secs(90), 2);
        pacer.record("D1", t(0));
        pacer.record("D2", t(1));
        // The ceiling allows t(60); the channel not before t(90).
        assert_eq!(pacer.next_slot("D1", t(2)), t(90));
        assert_eq!(pacer.next_slot("D3", t(2)), t(60));
    }

    #[test]
    fn a_pause_holds_everything_back() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 100);
        pacer.pause_until(t(30));
        assert_eq!(pacer.next_slot("D1", t(0)), t(30));
        assert_eq!(pacer.next_slot("D2", t(29)), t(30));
        // A shorter pause does not shorten it.
        pacer.pause_until(t(10));
        assert_eq!(pacer.next_slot("D1", t(0)), t(30));
        assert_eq!(pacer.next_slot("D1", t(31)), t(31));
        // A pause and a channel interval: the later one wins.
        pacer.record("D1", t(30));
        pacer.pause_until(ms(30_500));
        assert_eq!(pacer.next_slot("D1", t(30)), t(31));
    }

    #[test]
    fn out_of_order_records_keep_the_window_right() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 2);
        pacer.record("D1", t(5));
        pacer.record("D2", t(3));
        assert_eq!(pacer.next_slot("D3", t(6)), t(63));

        // A channel keeps its latest send.
        let mut pacer = Pacer::new(Duration::from_secs(1), 100);
        pacer.record("D1", t(5));
        pacer.record("D1", t(3));
        assert_eq!(pacer.next_slot("D1", t(5)), t(6));
    }

    #[test]
    fn memory_stays_bounded() {
        let mut pacer = Pacer::new(Duration::from_secs(1), 5);
        for i in 0..10_000 {
            pacer.record(&format!("D{i}"), t(i));
        }
        assert!(pacer.last_send.len() <= 1, "{}", pacer.last_send.len());
        assert!(pacer.window.len() <= 5);
        // Burst at one instant: all channels still in their interval are
        // kept, the window stays at `per_minute`.
        for i in 0..100 {
            pacer.record(&format!("E{i}"), t(20_000));
        }
        assert_eq!(pacer.last_send.len(), 100);
        assert_eq!(pacer.window.len(), 5);
        pacer.record("F", t(20_002));
        assert_eq!(pacer.last_send.len(), 1);
    }

    #[test]
    fn zero_per_minute_means_one() {
        let mut pacer = Pacer::new(Duration::ZERO, 0);
        pacer.record("D1", t(0));
        assert_eq!(pacer.next_slot("D2", t(1)), t(60));
    }
}
