//! Key encoding. Every key starts with the workspace id and a 0 byte (ids
//! never contain one), then big-endian numbers, so keys sort the way range
//! scans need them: a workspace's tours in id order, a tour's history in
//! order.

use crate::domain::{TeamId, TourId, UserId};
use chrono::{DateTime, Utc};

const SEP: u8 = 0;

pub fn team_prefix(team: &TeamId) -> Vec<u8> {
    let mut k = Vec::with_capacity(team.as_str().len() + 21);
    k.extend_from_slice(team.as_str().as_bytes());
    k.push(SEP);
    k
}

/// `team ∅ id` — a tour, and the prefix of its history.
pub fn tour(team: &TeamId, id: TourId) -> Vec<u8> {
    let mut k = team_prefix(team);
    k.extend_from_slice(&id.0.to_be_bytes());
    k
}

/// `team ∅ id n` — the n-th history entry of a tour.
pub fn history(team: &TeamId, id: TourId, n: u32) -> Vec<u8> {
    let mut k = tour(team, id);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// `team ∅ user` — a person's entry (their tours' summaries).
pub fn person(team: &TeamId, user: &UserId) -> Vec<u8> {
    let mut k = team_prefix(team);
    k.extend_from_slice(user.as_str().as_bytes());
    k
}

/// `team ∅ user ∅ id` — a person's summary of one tour they are a party to.
pub fn party(team: &TeamId, user: &UserId, id: TourId) -> Vec<u8> {
    let mut k = parties_of(team, user);
    k.extend_from_slice(&id.0.to_be_bytes());
    k
}

/// `team ∅ user ∅` — the prefix of every [`party`] key of a person.
pub fn parties_of(team: &TeamId, user: &UserId) -> Vec<u8> {
    let mut k = person(team, user);
    k.push(SEP);
    k
}

/// The first key after every key that starts with `prefix`, for a range
/// scan (`prefix` ends in a byte below 0xff: here, a separator).
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    end
}

/// `tour-counter ∅ team` in the meta tree — the workspace's next tour id.
pub fn tour_counter(team: &TeamId) -> Vec<u8> {
    let mut k = b"tour-counter".to_vec();
    k.push(SEP);
    k.extend_from_slice(team.as_str().as_bytes());
    k
}

/// An instant as 8 big-endian bytes of Unix seconds (times before 1970
/// sort first): the head of every time-ordered key.
pub fn time(at: DateTime<Utc>) -> [u8; 8] {
    (at.timestamp().max(0) as u64).to_be_bytes()
}

/// The first key after every key whose time is `at` or earlier: the end of a
/// "due up to now" range.
pub fn after_time(at: DateTime<Utc>) -> Vec<u8> {
    ((at.timestamp().max(0) as u64).saturating_add(1))
        .to_be_bytes()
        .to_vec()
}

/// `time team ∅ tour series ∅ user ∅ round` — one reminder's next firing.
pub fn due(
    at: DateTime<Utc>,
    team: &TeamId,
    tour: TourId,
    series: &str,
    to: Option<&UserId>,
    round: u32,
) -> Vec<u8> {
    let mut k = time(at).to_vec();
    k.extend_from_slice(&self::tour(team, tour));
    k.extend_from_slice(series.as_bytes());
    k.push(SEP);
    k.extend_from_slice(to.map(|u| u.as_str()).unwrap_or_default().as_bytes());
    k.push(SEP);
    k.extend_from_slice(&round.to_be_bytes());
    k
}

/// The head of the fired region of the reminder index: a time no reminder
/// is planned for, so "due up to now" never reaches it.
pub const FIRED: [u8; 8] = [0xff; 8];

/// `FIRED team ∅ tour series ∅ user ∅ round time` — a reminder that fell due
/// and waits to be fanned out into messages (see `store::reminders`): its
/// due key with the time moved to the end, so the workspace stays where
/// every time-ordered key has it.
pub fn fired(due_key: &[u8]) -> Vec<u8> {
    let (time, rest) = due_key.split_at(due_key.len().min(8));
    [&FIRED[..], rest, time].concat()
}

/// `team ∅ key` — an outbox entry by its idempotency key.
pub fn outbox(team: &TeamId, key: &str) -> Vec<u8> {
    let mut k = team_prefix(team);
    k.extend_from_slice(key.as_bytes());
    k
}

/// `team ∅ lane time key` — an open outbox entry in send order within its
/// workspace's lane (see `store::outbox::Lane`): the worker reads one
/// workspace's lane up to now, oldest first, and never another's.
pub fn outbox_due(team: &TeamId, lane: u8, at: DateTime<Utc>, key: &str) -> Vec<u8> {
    let mut k = outbox_lane(team, lane);
    k.extend_from_slice(&time(at));
    k.extend_from_slice(key.as_bytes());
    k
}

/// `team ∅ lane` — the head of one lane of a workspace's send queue.
pub fn outbox_lane(team: &TeamId, lane: u8) -> Vec<u8> {
    let mut k = team_prefix(team);
    k.push(lane);
    k
}

/// The first key of a lane after every entry whose time is `at` or earlier.
pub fn outbox_lane_after(team: &TeamId, lane: u8, at: DateTime<Utc>) -> Vec<u8> {
    [outbox_lane(team, lane), after_time(at)].concat()
}

/// What an `outbox_due` key says: the entry's key in the outbox tree
/// (`team ∅ key`), its lane and its time. `None` for a malformed key.
pub fn parse_outbox_due(due_key: &[u8]) -> Option<(Vec<u8>, u8, DateTime<Utc>)> {
    let sep = due_key.iter().position(|b| *b == SEP)?;
    let (team, rest) = due_key.split_at(sep + 1);
    let (&lane, rest) = rest.split_first()?;
    if rest.len() < 8 {
        return None;
    }
    let (secs, key) = rest.split_at(8);
    let secs = u64::from_be_bytes(secs.try_into().ok()?);
    let at = DateTime::from_timestamp(i64::try_from(secs).ok()?, 0)?;
    Some(([team, key].concat(), lane, at))
}

/// `team ∅ tour family ∅ user` — a series someone marked done.
pub fn dismissed(team: &TeamId, tour: TourId, family: &str, user: &UserId) -> Vec<u8> {
    let mut k = self::tour(team, tour);
    k.extend_from_slice(family.as_bytes());
    k.push(SEP);
    k.extend_from_slice(user.as_str().as_bytes());
    k
}

/// `team ∅ tour series ∅ user` — someone's snooze of a series
/// (`Series::thread`); laid out like [`dismissed`].
pub fn snoozed(team: &TeamId, tour: TourId, series: &str, user: &UserId) -> Vec<u8> {
    dismissed(team, tour, series, user)
}

/// `team ∅ tour n` — the n-th check-in of a tour (after the tour's own key,
/// so a tour's check-ins are one range scan).
pub fn checkin(team: &TeamId, tour: TourId, n: u32) -> Vec<u8> {
    let mut k = self::tour(team, tour);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// `team ∅ event-id` — an Events API delivery already handled.
pub fn event(team: &TeamId, event_id: &str) -> Vec<u8> {
    let mut k = team_prefix(team);
    k.extend_from_slice(event_id.as_bytes());
    k
}

/// `time team ∅ event-id` — the same, by the time it was first seen.
pub fn event_time(at: DateTime<Utc>, team: &TeamId, event_id: &str) -> Vec<u8> {
    let mut k = time(at).to_vec();
    k.extend_from_slice(&event(team, event_id));
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_number_not_text() {
        let t = TeamId::parse("T1").unwrap();
        assert!(tour(&t, TourId(2)) < tour(&t, TourId(10)));
        assert!(history(&t, TourId(1), 9) < history(&t, TourId(1), 10));
        assert!(history(&t, TourId(1), u32::MAX) < tour(&t, TourId(2)));
    }

    #[test]
    fn time_keys_sort_by_time_and_bound_ranges() {
        use chrono::TimeZone;
        let t = TeamId::parse("T1").unwrap();
        let early = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let late = early + chrono::Duration::seconds(1);
        assert!(
            due(early, &t, TourId(9), "waiting", None, 0)
                < due(late, &t, TourId(1), "waiting", None, 0)
        );
        assert!(outbox_due(&t, 1, early, "z") < outbox_lane_after(&t, 1, early));
        assert!(outbox_due(&t, 1, late, "a") >= outbox_lane_after(&t, 1, early));
        assert!(outbox_due(&t, 0, far_future(), "z") < outbox_lane(&t, 1));
        assert_eq!(
            parse_outbox_due(&outbox_due(&t, 1, early, "tour:1:waiting:U1")),
            Some((outbox(&t, "tour:1:waiting:U1"), 1, early))
        );
        let far = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        let planned = due(early, &t, TourId(9), "waiting", None, 0);
        let fired = fired(&planned);
        assert!(
            fired >= after_time(far),
            "fired entries are never due again"
        );
        assert_eq!(
            fired[8..fired.len() - 8],
            planned[8..],
            "the workspace stays at 8"
        );
    }

    fn far_future() -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap()
    }

    #[test]
    fn workspaces_do_not_share_prefixes() {
        let (a, b) = (TeamId::parse("T1").unwrap(), TeamId::parse("T12").unwrap());
        assert!(!tour(&b, TourId(1)).starts_with(&team_prefix(&a)));
        let (u, v) = (UserId::parse("U1").unwrap(), UserId::parse("U12").unwrap());
        assert_ne!(person(&a, &u), person(&a, &v));
        assert_ne!(person(&a, &u), person(&b, &u));
    }
}
