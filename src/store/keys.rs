//! Key encoding. Every key starts with the workspace id and a 0 byte (ids
//! never contain one), then big-endian numbers, so keys sort the way range
//! scans need them: a workspace's tours in id order, a tour's history in
//! order, a person's tours together.

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

/// `team ∅ user ∅` — all of a person's tours.
pub fn party_prefix(team: &TeamId, user: &UserId) -> Vec<u8> {
    let mut k = team_prefix(team);
    k.extend_from_slice(user.as_str().as_bytes());
    k.push(SEP);
    k
}

/// `team ∅ user ∅ id` — one person's part in one tour.
pub fn party(team: &TeamId, user: &UserId, id: TourId) -> Vec<u8> {
    let mut k = party_prefix(team, user);
    k.extend_from_slice(&id.0.to_be_bytes());
    k
}

/// The tour id in the last 8 bytes of a party key.
pub fn tour_id_at_end(key: &[u8]) -> Option<TourId> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(TourId(u64::from_be_bytes(tail)))
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
        assert!(!party(&a, &v, TourId(1)).starts_with(&party_prefix(&a, &u)));
        assert_eq!(tour_id_at_end(&party(&a, &u, TourId(77))), Some(TourId(77)));
    }
}
