//! Changing what was agreed: the mission, an objective's text, removing an
//! objective, undoing "done" — and handing a tour to another manager.
//!
//! Who may do each is the table in [`super::tour`]'s docs. The decisions
//! taken here, where the product text is silent:
//! - Every change keeps what it replaced: the history entry holds the old
//!   text and the new ([`Event::MissionChanged`], [`Event::ObjectiveEdited`]),
//!   and a removed objective stays in the tour as a tombstone with its text.
//! - A change that changes nothing (the same text again) is refused, so the
//!   history and the other party's messages only ever show real changes.
//! - A done objective's text may be edited (a typo) and it stays done; a
//!   done objective may be removed (it was the wrong objective).
//! - `reassign` moves the manager's side of an open tour to someone else:
//!   not to its member, not to its manager again. The old manager is no
//!   longer a party (they stop seeing it, and its reminders go to the new
//!   manager); the history keeps who managed it before, and so does
//!   [`Tour::previous_managers`] (everyone who managed it before, in the
//!   order they first did: the first is who proposed it).

use super::people::UserId;
use super::tour::{
    Event, HistoryEntry, MAX_MISSION, MAX_OBJECTIVE, Role, Status, Tour, TourError, check_text,
};
use chrono::{DateTime, Utc};

impl Tour {
    /// Rewrites the mission: the manager while it is a proposal, either
    /// party once it runs.
    pub fn change_mission(
        &self,
        by: &UserId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "change the mission of")?;
        self.require_open("changed")?;
        if self.status == Status::Proposed && self.role_of(by) != Some(Role::Manager) {
            return Err(TourError::MissionIsTheManagers {
                id: self.id,
                manager: self.manager.mention(),
            });
        }
        let text = check_text(text, MAX_MISSION)?;
        if text.is_empty() {
            return Err(TourError::EmptyMission);
        }
        if text == self.mission {
            return Err(TourError::Unchanged(format!(
                "The mission of tour {}",
                self.id
            )));
        }
        let mut tour = self.clone();
        let from = std::mem::replace(&mut tour.mission, text.clone());
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::MissionChanged { from, to: text },
        }))
    }

    /// Rewrites objective `number`'s text; whether it is done stays as it is.
    pub fn edit_objective(
        &self,
        by: &UserId,
        number: u32,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "change objectives of")?;
        self.require_open("changed")?;
        let text = check_text(text, MAX_OBJECTIVE)?;
        if text.is_empty() {
            return Err(TourError::EmptyObjective);
        }
        let id = self.id;
        let mut tour = self.clone();
        let objective = tour.live_objective_mut(number)?;
        if objective.text == text {
            return Err(TourError::Unchanged(format!(
                "Objective {number} of tour {id}"
            )));
        }
        let from = std::mem::replace(&mut objective.text, text.clone());
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::ObjectiveEdited {
                number,
                from,
                to: text,
            },
        }))
    }

    /// Removes objective `number`; it stays as a tombstone, so no other
    /// objective ever takes its number.
    pub fn remove_objective(
        &self,
        by: &UserId,
        number: u32,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "remove objectives of")?;
        self.require_open("changed")?;
        let mut tour = self.clone();
        let objective = tour.live_objective_mut(number)?;
        objective.removed_at = Some(now);
        let text = objective.text.clone();
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::ObjectiveRemoved { number, text },
        }))
    }

    /// Opens a done objective again ("undo done").
    pub fn reopen_objective(
        &self,
        by: &UserId,
        number: u32,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "update objectives of")?;
        self.require_open("changed")?;
        let id = self.id;
        let mut tour = self.clone();
        let objective = tour.live_objective_mut(number)?;
        if objective.done_at.take().is_none() {
            return Err(TourError::NotDone { id, number });
        }
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::ObjectiveReopened { number },
        }))
    }

    /// Makes `to` the tour's manager, as its manager or an admin.
    pub fn reassign(
        &self,
        by: &UserId,
        by_admin: bool,
        to: &UserId,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        if !by_admin && by != &self.manager {
            return Err(TourError::NotYourCall {
                id: self.id,
                who: format!(
                    "{} (the manager) or an Alliance admin",
                    self.manager.mention()
                ),
                action: "hand over",
            });
        }
        self.require_open("reassigned")?;
        if to == &self.manager {
            return Err(TourError::AlreadyManager {
                id: self.id,
                manager: to.mention(),
            });
        }
        if to == &self.member {
            return Err(TourError::ManagerIsMember {
                id: self.id,
                member: to.mention(),
            });
        }
        let mut tour = self.clone();
        let from = std::mem::replace(&mut tour.manager, to.clone());
        if !tour.previous_managers.contains(&from) {
            tour.previous_managers.push(from.clone());
        }
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::Reassigned {
                from,
                to: to.clone(),
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tour::{Side, Term, TourId, TourKind};
    use chrono::TimeZone;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }
    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }
    fn proposed() -> Tour {
        let t = Tour::propose(
            TourId(3),
            &u("UM"),
            &u("UA"),
            TourKind::Rotational,
            Term::Months(12),
            "Run support",
            at(2, 9),
        )
        .unwrap()
        .0;
        let t = t
            .add_objective(&u("UM"), Side::Company, "Halve the backlog", at(2, 10))
            .unwrap()
            .0;
        t.add_objective(&u("UA"), Side::Member, "A course", at(2, 11))
            .unwrap()
            .0
    }

    #[test]
    fn the_mission_is_the_managers_while_proposed_and_either_partys_once_active() {
        let t = proposed();
        assert_eq!(
            t.change_mission(&u("UA"), "Run support and on-call", at(3, 9)),
            Err(TourError::MissionIsTheManagers {
                id: TourId(3),
                manager: "<@UM>".into()
            })
        );
        assert!(matches!(
            t.change_mission(&u("UX"), "x", at(3, 9)),
            Err(TourError::NotYourCall { .. })
        ));
        let (t, e) = t
            .change_mission(&u("UM"), " Run support and on-call ", at(3, 9))
            .unwrap();
        assert_eq!(t.mission, "Run support and on-call");
        assert_eq!(
            e.event,
            Event::MissionChanged {
                from: "Run support".into(),
                to: "Run support and on-call".into()
            }
        );
        assert_eq!(t.history_len, 4);
        assert!(matches!(
            t.change_mission(&u("UM"), "Run support and on-call", at(3, 9)),
            Err(TourError::Unchanged(_))
        ));
        assert_eq!(
            t.change_mission(&u("UM"), "  ", at(3, 9)),
            Err(TourError::EmptyMission)
        );
        let active = t.accept(&u("UA"), at(4, 9)).unwrap().0;
        let (changed, _) = active
            .change_mission(&u("UA"), "Own support", at(5, 9))
            .unwrap();
        assert_eq!(changed.mission, "Own support");
        let closed = changed.complete(&u("UM"), at(6, 9)).unwrap().0;
        assert!(matches!(
            closed.change_mission(&u("UM"), "Later", at(7, 9)),
            Err(TourError::WrongStatus { .. })
        ));
    }

    #[test]
    fn objectives_are_edited_reopened_and_removed_without_renumbering() {
        let t = proposed();
        let (t, e) = t
            .edit_objective(&u("UA"), 1, "Halve the backlog by June", at(3, 9))
            .unwrap();
        assert_eq!(
            e.event,
            Event::ObjectiveEdited {
                number: 1,
                from: "Halve the backlog".into(),
                to: "Halve the backlog by June".into()
            }
        );
        assert_eq!(
            t.reopen_objective(&u("UM"), 1, at(3, 9)),
            Err(TourError::NotDone {
                id: TourId(3),
                number: 1
            })
        );
        let t = t.complete_objective(&u("UM"), 1, at(3, 10)).unwrap().0;
        let (t, e) = t.reopen_objective(&u("UA"), 1, at(3, 11)).unwrap();
        assert_eq!(e.event, Event::ObjectiveReopened { number: 1 });
        assert!(!t.objectives[0].is_done());

        let (t, e) = t.remove_objective(&u("UM"), 2, at(3, 12)).unwrap();
        assert_eq!(
            e.event,
            Event::ObjectiveRemoved {
                number: 2,
                text: "A course".into()
            }
        );
        let gone = Err(TourError::ObjectiveGone {
            id: TourId(3),
            number: 2,
        });
        assert_eq!(t.remove_objective(&u("UM"), 2, at(3, 13)), gone);
        assert_eq!(t.edit_objective(&u("UM"), 2, "x", at(3, 13)), gone);
        assert_eq!(t.complete_objective(&u("UM"), 2, at(3, 13)), gone);
        assert_eq!(
            t.edit_objective(&u("UM"), 3, "x", at(3, 13)),
            Err(TourError::NoSuchObjective {
                id: TourId(3),
                number: 3
            })
        );
        let t = t
            .add_objective(&u("UA"), Side::Member, "Mentoring", at(3, 14))
            .unwrap()
            .0;
        let live: Vec<u32> = t.live_objectives().map(|(n, _)| n).collect();
        assert_eq!(live, vec![1, 3], "the new one is 3, and 2 is not reused");
        let summary = t.summary();
        assert_eq!(
            (summary.objectives_done, summary.objectives_total),
            (0, 2),
            "a removed objective is not counted"
        );
        let active = t.accept(&u("UA"), at(4, 9)).unwrap().0;
        let (_, e) = active.complete(&u("UM"), at(5, 9)).unwrap();
        assert_eq!(
            e.event,
            Event::Completed { open: vec![1, 3] },
            "nor listed as open when the tour completes"
        );
    }

    #[test]
    fn the_manager_or_an_admin_hands_a_tour_to_a_new_manager() {
        let t = proposed().accept(&u("UA"), at(3, 9)).unwrap().0;
        assert!(matches!(
            t.reassign(&u("UA"), false, &u("UN"), at(4, 9)),
            Err(TourError::NotYourCall { .. })
        ));
        assert!(matches!(
            t.reassign(&u("UN"), false, &u("UN"), at(4, 9)),
            Err(TourError::NotYourCall { .. })
        ));
        assert!(matches!(
            t.reassign(&u("UM"), false, &u("UA"), at(4, 9)),
            Err(TourError::ManagerIsMember { .. })
        ));
        assert!(matches!(
            t.reassign(&u("UADMIN"), true, &u("UM"), at(4, 9)),
            Err(TourError::AlreadyManager { .. })
        ));
        let (by_admin, e) = t.reassign(&u("UADMIN"), true, &u("UN"), at(4, 9)).unwrap();
        assert_eq!(by_admin.manager, u("UN"));
        assert_eq!(by_admin.role_of(&u("UM")), None, "the old manager is out");
        assert_eq!(by_admin.previous_managers, vec![u("UM")]);
        assert_eq!(
            (e.by, e.event),
            (
                u("UADMIN"),
                Event::Reassigned {
                    from: u("UM"),
                    to: u("UN")
                }
            )
        );
        let (back, _) = by_admin
            .reassign(&u("UN"), false, &u("UM"), at(5, 9))
            .unwrap();
        assert_eq!(back.manager, u("UM"));
        assert_eq!(
            back.previous_managers,
            vec![u("UM"), u("UN")],
            "in the order they first managed it"
        );
        assert_eq!(back.proposed_by(), &u("UM"));
        assert_eq!(by_admin.proposed_by(), &u("UM"));
        let done = back.complete(&u("UA"), at(6, 9)).unwrap().0;
        assert!(matches!(
            done.reassign(&u("UM"), false, &u("UN"), at(7, 9)),
            Err(TourError::WrongStatus { .. })
        ));
    }

    #[test]
    fn a_successor_reads_the_tour_while_the_handover_runs_and_changes_nothing() {
        let t = proposed().accept(&u("UA"), at(3, 9)).unwrap().0;
        assert!(!t.visible_to(&u("US"), false));
        let leaving = t.leave(&u("UA"), &u("US"), None, None, at(4, 9)).unwrap().0;
        assert!(leaving.visible_to(&u("US"), false));
        assert!(leaving.is_read_only_for(&u("US"), false));
        assert!(!leaving.is_read_only_for(&u("UM"), false));
        assert_eq!(
            leaving.check_may_change(&u("US"), false),
            Err(TourError::ReadOnly {
                id: TourId(3),
                member: "<@UA>".into()
            })
        );
        assert_eq!(
            leaving.check_may_change(&u("UX"), false),
            Err(TourError::NotFound(TourId(3)))
        );
        assert!(leaving.check_may_change(&u("UM"), false).is_ok());
        let (left, _) = leaving.depart(at(30, 9)).unwrap();
        assert!(
            !left.visible_to(&u("US"), false),
            "once the member has left, the handover is over"
        );
        assert!(Event::AlumniAnswered { join: true }.is_for_parties_only());
        assert!(!Event::HandoverAccepted.is_for_parties_only());
    }
}
