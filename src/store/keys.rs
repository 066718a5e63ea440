//! Key encoding. Every key starts with the workspace id and a 0 byte (ids
//! never contain one), then big-endian numbers, so keys sort the way range
//! scans need them: a workspace's tours in id order, a tour's history in
//! order.

use crate::domain::{TeamId, TourId, UserId};

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

/// `tour-counter ∅ team` in the meta tree — the workspace's next tour id.
pub fn tour_counter(team: &TeamId) -> Vec<u8> {
    let mut k = b"tour-counter".to_vec();
    k.push(SEP);
    k.extend_from_slice(team.as_str().as_bytes());
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
    fn workspaces_do_not_share_prefixes() {
        let (a, b) = (TeamId::parse("T1").unwrap(), TeamId::parse("T12").unwrap());
        assert!(!tour(&b, TourId(1)).starts_with(&team_prefix(&a)));
        let (u, v) = (UserId::parse("U1").unwrap(), UserId::parse("U12").unwrap());
        assert_ne!(person(&a, &u), person(&a, &v));
        assert_ne!(person(&a, &u), person(&b, &u));
    }
}
