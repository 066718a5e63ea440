//! Gathered change messages (`domain::notice`, "Changes are gathered"):
//! owing one when a change is made, and reading what it tells when it goes.
//!
//! They are ordinary outbox entries; what is particular is that a change
//! looks at the recipient's latest change message about the tour (its keys
//! share a prefix, `tour:17:changes:U123:`, and sort in the order they were
//! opened) to decide whether to join it or open the next. What a message
//! tells is read in one transaction from the tour's history: from the entry
//! that opened it up to the one that opened the next message, so two
//! messages never tell the same change and none is lost between them.

use super::outbox::{self, OutboxEntry, OutboxState};
use super::{Store, StoreError, TreeName, Tx, TxFail, decode, keys};
use crate::domain::notice::{self, Gather, LastChanges, Notice, NoticeKind};
use crate::domain::{HistoryEntry, TeamId, Tour, TourId, UserId};
use chrono::{DateTime, Utc};

/// Within a change's transaction: owes the other party the change message
/// that will tell it, unless one waiting for later already will.
pub(super) fn owe_in(
    tx: &dyn Tx,
    team: &TeamId,
    tour: &Tour,
    entry: &HistoryEntry,
) -> Result<(), TxFail> {
    let Some(owed) = notice::changes_for(tour, entry) else {
        return Ok(());
    };
    let last = opened_in(tx, team, tour.id, &owed.to)?
        .pop()
        .map(|e| LastChanges {
            open: e.state.is_open(),
            at: match &e.state {
                OutboxState::Sent { at, .. }
                | OutboxState::Failed { at, .. }
                | OutboxState::Dropped { at }
                | OutboxState::Redirected { at, .. } => *at,
                OutboxState::Pending | OutboxState::Sending { .. } => e.not_before,
            },
        });
    match notice::gather(entry.at, last) {
        Gather::Join => Ok(()),
        Gather::Open { not_before } => {
            let post = OutboxEntry::post(team, owed, entry.at);
            outbox::enqueue_entry_in(tx, &OutboxEntry { not_before, ..post }).map(|_| ())
        }
    }
}

/// Every change message owed or sent to `to` about `tour`, oldest first.
fn opened_in(
    tx: &dyn Tx,
    team: &TeamId,
    tour: TourId,
    to: &UserId,
) -> Result<Vec<OutboxEntry>, TxFail> {
    let start = keys::outbox(team, &Notice::changes_prefix(tour, to));
    let end = [start.as_slice(), &[0xff]].concat();
    tx.scan_range(TreeName::Outbox, &start, &end, usize::MAX)?
        .iter()
        .map(|(_, v)| decode(TreeName::Outbox, v).map_err(|e| TxFail::Engine(e.to_string())))
        .collect()
}

/// When the member's proposal message showed them the tour: what changed
/// before then they have seen. A proposal message not sent yet will show
/// everything.
fn proposal_shown_in(
    tx: &dyn Tx,
    team: &TeamId,
    tour: &Tour,
    to: &UserId,
) -> Result<Option<DateTime<Utc>>, TxFail> {
    if to != &tour.member {
        return Ok(None);
    }
    let proposal = Notice {
        tour: tour.id,
        to: to.clone(),
        kind: NoticeKind::Proposal,
    };
    let Some(bytes) = tx.get(TreeName::Outbox, &keys::outbox(team, &proposal.key()))? else {
        return Ok(None);
    };
    let entry: OutboxEntry =
        decode(TreeName::Outbox, &bytes).map_err(|e| TxFail::Engine(e.to_string()))?;
    Ok(match entry.state {
        OutboxState::Sent { at, .. } => Some(at),
        OutboxState::Pending | OutboxState::Sending { .. } => Some(DateTime::<Utc>::MAX_UTC),
        _ => None,
    })
}

impl Store {
    /// What the change message `notice` tells its recipient now: the tour
    /// and the changes, or `None` when there is nothing (left) to tell — the
    /// tour is gone, the recipient is no longer one of its parties, or
    /// every change was one they made or have seen. Reads only.
    pub fn changes_to_tell(
        &self,
        team: &TeamId,
        notice: &Notice,
    ) -> Result<Option<(Tour, Vec<HistoryEntry>)>, StoreError> {
        let NoticeKind::Changes { from } = notice.kind else {
            return Ok(None);
        };
        // A transaction that always aborts: history and the next message's
        // start are read at one instant, so a change is in exactly one.
        self.run(false, |tx| {
            let Some(tour) = super::read_tour_in(tx, team, notice.tour)? else {
                return Ok(Err::<(), Option<(Tour, Vec<HistoryEntry>)>>(None));
            };
            if tour.role_of(&notice.to).is_none() {
                return Ok(Err(None));
            }
            let until = opened_in(tx, team, tour.id, &notice.to)?
                .iter()
                .filter_map(|e| match e.notice.kind {
                    NoticeKind::Changes { from: next } if next > from => Some(next),
                    _ => None,
                })
                .min()
                .unwrap_or(tour.history_len);
            let entries: Vec<HistoryEntry> = tx
                .scan_range(
                    TreeName::History,
                    &keys::history(team, tour.id, from),
                    &keys::history(team, tour.id, until),
                    usize::MAX,
                )?
                .iter()
                .map(|(_, v)| {
                    decode(TreeName::History, v).map_err(|e| TxFail::Engine(e.to_string()))
                })
                .collect::<Result<_, _>>()?;
            let shown = proposal_shown_in(tx, team, &tour, &notice.to)?;
            let told: Vec<HistoryEntry> = notice::to_tell(&entries, &notice.to, shown)
                .into_iter()
                .cloned()
                .collect();
            Ok(Err((!told.is_empty()).then_some((tour, told))))
        })
        .map(|r| r.err().flatten())
    }

    /// History entry `n` of a tour.
    pub fn history_entry(
        &self,
        team: &TeamId,
        id: TourId,
        n: u32,
    ) -> Result<Option<HistoryEntry>, StoreError> {
        self.backend
            .get(TreeName::History, &keys::history(team, id, n))?
            .map(|v| decode(TreeName::History, &v))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Side, Term, TourKind};
    use chrono::{Duration, TimeZone};

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }

    /// Tour 1, accepted, with its proposal message sent.
    fn accepted(store: &Store, team: &TeamId, at: DateTime<Utc>) -> Tour {
        store
            .create_tour(team, |id| {
                Tour::propose(
                    id,
                    &u("UM"),
                    &u("UA"),
                    TourKind::Rotational,
                    Term::Months(12),
                    "Run support",
                    at,
                )
            })
            .unwrap()
            .unwrap();
        let mut proposal = store
            .outbox_entry(team, "tour:1:proposal")
            .unwrap()
            .unwrap();
        proposal.state = OutboxState::Sent {
            at,
            channel: "DUA".into(),
            ts: "1.1".into(),
        };
        store.outbox_save(&proposal).unwrap();
        store
            .update_tour(team, TourId(1), |t| t.accept(&u("UA"), at))
            .unwrap()
            .unwrap()
    }

    fn add(store: &Store, team: &TeamId, by: &str, text: &str, at: DateTime<Utc>) {
        store
            .update_tour(team, TourId(1), |t| {
                t.add_objective(&u(by), Side::Company, text, at)
            })
            .unwrap()
            .unwrap();
    }

    fn changes_to(store: &Store, to: &str) -> Vec<OutboxEntry> {
        store
            .outbox_all()
            .unwrap()
            .into_iter()
            .filter(|e| e.key.starts_with(&format!("tour:1:changes:{to}:")))
            .collect()
    }

    fn told(store: &Store, team: &TeamId, entry: &OutboxEntry) -> Vec<String> {
        store
            .changes_to_tell(team, &entry.notice)
            .unwrap()
            .map(|(_, told)| {
                told.into_iter()
                    .map(|e| match e.event {
                        crate::domain::Event::ObjectiveAdded { text, .. } => text,
                        other => format!("{other:?}"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn changes_within_the_hour_join_one_message_and_later_ones_open_the_next() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        accepted(&store, &team, t0);
        add(&store, &team, "UM", "Ship", t0 + Duration::minutes(5));
        add(&store, &team, "UM", "Train", t0 + Duration::minutes(20));
        add(&store, &team, "UA", "Mine", t0 + Duration::minutes(25));
        let first = changes_to(&store, "UA");
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(first[0].not_before, t0 + Duration::minutes(65));
        assert!(first[0].in_working_hours);
        assert_eq!(told(&store, &team, &first[0]), vec!["Ship", "Train"]);
        assert_eq!(
            told(&store, &team, &changes_to(&store, "UM")[0]),
            vec!["Mine"],
            "the member's change goes to the manager, on its own"
        );

        // Sent at 11:05; a change at 11:10 opens the next message, for 12:10.
        let mut sent = first[0].clone();
        sent.state = OutboxState::Sent {
            at: t0 + Duration::minutes(65),
            channel: "DUA".into(),
            ts: "2.2".into(),
        };
        store.outbox_save(&sent).unwrap();
        add(&store, &team, "UM", "Hire", t0 + Duration::minutes(70));
        let both = changes_to(&store, "UA");
        assert_eq!(both.len(), 2);
        assert_eq!(both[1].not_before, t0 + Duration::minutes(130));
        assert_eq!(told(&store, &team, &both[1]), vec!["Hire"]);
        assert_eq!(
            told(&store, &team, &both[0]),
            vec!["Ship", "Train"],
            "the first one ends where the second begins"
        );
    }

    #[test]
    fn a_manager_who_handed_the_tour_over_is_told_no_more_changes() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        accepted(&store, &team, t0);
        add(&store, &team, "UA", "Mine", t0 + Duration::minutes(5));
        let owed = changes_to(&store, "UM");
        assert_eq!(told(&store, &team, &owed[0]), vec!["Mine"]);
        store
            .update_tour(&team, TourId(1), |t| {
                t.reassign(&u("UM"), false, &u("UN"), t0 + Duration::minutes(10))
            })
            .unwrap()
            .unwrap();
        assert_eq!(
            store.changes_to_tell(&team, &owed[0].notice).unwrap(),
            None,
            "dropped when it comes up"
        );
        add(&store, &team, "UA", "Later", t0 + Duration::minutes(15));
        assert_eq!(
            told(&store, &team, &changes_to(&store, "UN")[0]),
            vec!["Later"],
            "the new manager hears what changes from now on"
        );
    }

    #[test]
    fn nothing_is_told_about_a_proposal_whose_message_has_not_gone_yet() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        store
            .create_tour(&team, |id| {
                Tour::propose(
                    id,
                    &u("UM"),
                    &u("UA"),
                    TourKind::Rotational,
                    Term::Months(12),
                    "Run support",
                    t0,
                )
            })
            .unwrap()
            .unwrap();
        add(&store, &team, "UM", "Ship", t0 + Duration::minutes(1));
        let owed = changes_to(&store, "UA");
        assert_eq!(owed.len(), 1);
        assert_eq!(
            store.changes_to_tell(&team, &owed[0].notice).unwrap(),
            None,
            "the proposal message will show it"
        );
    }
}
