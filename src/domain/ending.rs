//! How tours end: extended, completed, followed by the next tour, or ended
//! early because the member leaves — with a successor, a handover and the
//! question whether they want to stay in touch as alumni.
//!
//! Decisions made here, where the product text is silent:
//! - Either party may extend, complete, or plan an exit; only the manager
//!   proposes the next tour (the proposer is the manager of the new tour;
//!   a member who wants one uses the Right of First Conversation).
//! - Extending moves the end date (and a length-term's months); the
//!   "plan the next tour" milestones are planned again for the new date.
//! - Completing closes the tour; open objectives stay open in the record
//!   (and are listed in history) — nothing is marked done on anyone's behalf.
//! - An exit without `on DATE` is planned for 14 days after today; the exit
//!   date is the member's last day and may not be in the past. The successor
//!   may be anyone but the leaving member.
//! - The alumni answer is the member's alone; their personal contact is kept
//!   only in the exit record (and later the alumni record), never in history.

use super::people::UserId;
use super::tour::{
    Event, HistoryEntry, MAX_OBJECTIVE, Role, Status, Term, Tour, TourError, TourKind, check_text,
};
use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Days between `/tour leave` without a date and the last day.
pub const DEFAULT_NOTICE_DAYS: u64 = 14;
/// The longest personal contact someone can leave.
pub const MAX_CONTACT: usize = 200;

/// An early exit being planned (`/tour leave`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {
    /// Who takes over the member's part.
    pub successor: UserId,
    /// The member's last day.
    pub on: NaiveDate,
    pub planned_at: DateTime<Utc>,
    pub planned_by: UserId,
    pub notes: Option<String>,
    pub handover_accepted: bool,
    /// `None` until the member answers.
    pub alumni: Option<AlumniChoice>,
}

/// The leaving member's answer to "stay in touch as alumni?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlumniChoice {
    pub join: bool,
    /// A personal contact the person chose to leave (private).
    pub contact: Option<String>,
}

impl Tour {
    /// Either party moves the end date on by `months`.
    pub fn extend(
        &self,
        by: &UserId,
        months: u32,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "extend")?;
        self.require_running("extended")?;
        if self.kind == TourKind::Foundational {
            return Err(TourError::FoundationalHasNoEnd);
        }
        let from = self.ends_on.ok_or(TourError::BadLength)?;
        let to = from
            .checked_add_months(Months::new(months))
            .ok_or(TourError::BadLength)?;
        let today = now.date_naive();
        if to < today {
            // The smallest extension that reaches today.
            let mut at_least = months;
            while from
                .checked_add_months(Months::new(at_least))
                .is_some_and(|end| end < today)
            {
                at_least += 1;
            }
            return Err(TourError::EndStillInThePast {
                id: self.id,
                months,
                to,
                at_least,
            });
        }
        let term = match self.term {
            Term::Months(m) => Term::Months(m.saturating_add(months)),
            Term::Dates { from: start, .. } => Term::Dates { from: start, to },
            Term::OpenEnded => Term::OpenEnded,
        };
        term.check(self.kind)?;
        let mut tour = self.clone();
        tour.ends_on = Some(to);
        tour.term = term;
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::Extended { months, from, to },
        }))
    }

    /// Either party closes an active tour; objectives keep their state.
    pub fn complete(
        &self,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "complete")?;
        self.require_running("completed")?;
        self.require_started(now, "completed")?;
        let open = self
            .live_objectives()
            .filter(|(_, o)| !o.is_done())
            .map(|(n, _)| n)
            .collect();
        let mut tour = self.clone();
        tour.status = Status::Completed;
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::Completed { open },
        }))
    }

    /// Whether a next tour may follow this one (the manager proposes it).
    pub fn check_next(&self, by: &UserId) -> Result<(), TourError> {
        self.require(by, Role::Manager, "propose the next tour after")?;
        match self.status {
            Status::Active | Status::Followed | Status::Completed => Ok(()),
            status => Err(TourError::WrongStatus {
                id: self.id,
                status: status.name(),
                action: "followed by a next tour",
            }),
        }
    }

    /// Records on this tour that `next` was proposed to follow it.
    pub fn link_next(&self, next: &Tour) -> (Tour, HistoryEntry) {
        let mut tour = self.clone();
        tour.next = Some(next.id);
        tour.record(HistoryEntry {
            at: next.proposed_at,
            by: next.manager.clone(),
            event: Event::NextProposed { next: next.id },
        })
    }

    /// Either party plans the member's early exit, with a successor.
    pub fn leave(
        &self,
        by: &UserId,
        successor: &UserId,
        on: Option<NaiveDate>,
        notes: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "plan the exit from")?;
        self.require_running("ended early")?;
        self.require_started(now, "ended early")?;
        if successor == &self.member {
            return Err(TourError::SuccessorIsLeaving);
        }
        let today = now.date_naive();
        let on = match on {
            Some(day) if day < today => return Err(TourError::ExitInThePast),
            Some(day) => day,
            None => today
                .checked_add_days(Days::new(DEFAULT_NOTICE_DAYS))
                .ok_or(TourError::ExitInThePast)?,
        };
        let notes = notes
            .map(|n| check_text(n, MAX_OBJECTIVE))
            .transpose()?
            .filter(|n| !n.is_empty());
        let mut tour = self.clone();
        tour.status = Status::Leaving;
        tour.exit = Some(Exit {
            successor: successor.clone(),
            on,
            planned_at: now,
            planned_by: by.clone(),
            notes: notes.clone(),
            handover_accepted: false,
            alumni: None,
        });
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::LeavePlanned {
                successor: successor.clone(),
                on,
                notes,
            },
        }))
    }

    /// The successor takes the handover on.
    pub fn accept_handover(
        &self,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        let exit = self.leaving()?;
        if &exit.successor != by {
            return Err(TourError::NotYourCall {
                id: self.id,
                who: format!("{} (the successor)", exit.successor.mention()),
                action: "accept the handover of",
            });
        }
        if exit.handover_accepted {
            return Err(TourError::AlreadyAnswered(self.id));
        }
        let mut tour = self.clone();
        if let Some(exit) = tour.exit.as_mut() {
            exit.handover_accepted = true;
        }
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::HandoverAccepted,
        }))
    }

    /// The leaving member says whether they want to stay in touch.
    pub fn answer_alumni(
        &self,
        by: &UserId,
        join: bool,
        contact: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        let exit = self.leaving()?;
        self.require(by, Role::Member, "answer the alumni question of")?;
        // Once: a stale "No, thanks" must never undo a join (or the reverse).
        if let Some(earlier) = &exit.alumni {
            return Err(TourError::AlumniAnswered {
                id: self.id,
                joined: earlier.join,
            });
        }
        let contact = match contact {
            Some(c) if join => Some(check_text(c, MAX_CONTACT)?).filter(|c| !c.is_empty()),
            _ => None,
        };
        let mut tour = self.clone();
        if let Some(exit) = tour.exit.as_mut() {
            exit.alumni = Some(AlumniChoice { join, contact });
        }
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::AlumniAnswered { join },
        }))
    }

    /// The exit date has come: the tour ends. `None` if it is not due.
    pub fn depart(&self, now: DateTime<Utc>) -> Option<(Tour, HistoryEntry)> {
        let exit = self.leaving().ok()?;
        if now.date_naive() < exit.on {
            return None;
        }
        let alumni = exit.alumni.as_ref().is_some_and(|a| a.join);
        let mut tour = self.clone();
        tour.status = Status::Left;
        Some(tour.record(HistoryEntry {
            at: now,
            by: self.member.clone(),
            event: Event::Left { alumni },
        }))
    }

    /// Accepted and not closed or leaving: active, or followed.
    fn require_running(&self, action: &'static str) -> Result<(), TourError> {
        match self.status {
            Status::Active | Status::Followed => Ok(()),
            _ => self.require_status(Status::Active, action),
        }
    }

    /// Not a scheduled tour still waiting for its start.
    pub(crate) fn require_started(
        &self,
        now: DateTime<Utc>,
        action: &'static str,
    ) -> Result<(), TourError> {
        match self.starts_on {
            Some(starts_on) if self.is_scheduled(now.date_naive()) => {
                Err(TourError::NotStartedYet {
                    id: self.id,
                    starts_on,
                    action,
                })
            }
            _ => Ok(()),
        }
    }

    fn leaving(&self) -> Result<&Exit, TourError> {
        match (&self.exit, self.status) {
            (Some(exit), Status::Leaving) => Ok(exit),
            _ => Err(TourError::NotLeaving(self.id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tour::{Side, TourId};
    use chrono::TimeZone;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }
    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap()
    }
    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn active(kind: TourKind, term: Term) -> Tour {
        let t = Tour::propose(
            TourId(1),
            &u("UM"),
            &u("UA"),
            kind,
            term,
            "M",
            at(2026, 1, 5),
        )
        .unwrap()
        .0;
        t.accept(&u("UA"), at(2026, 1, 6)).unwrap().0
    }

    #[test]
    fn extending_moves_the_end_and_the_term_and_is_recorded() {
        let t = active(TourKind::Rotational, Term::Months(12));
        assert_eq!(t.ends_on, Some(day(2027, 1, 6)));
        let (x, e) = t.extend(&u("UA"), 6, at(2026, 9, 1)).unwrap();
        assert_eq!(x.ends_on, Some(day(2027, 7, 6)));
        assert_eq!(x.term, Term::Months(18));
        assert_eq!(
            e.event,
            Event::Extended {
                months: 6,
                from: day(2027, 1, 6),
                to: day(2027, 7, 6)
            }
        );
        assert!(matches!(
            t.extend(&u("UX"), 6, at(2026, 9, 1)),
            Err(TourError::NotYourCall { .. })
        ));
        assert_eq!(
            t.extend(&u("UM"), 120, at(2026, 9, 1)),
            Err(TourError::BadLength),
            "the whole tour stays within 10 years"
        );
        let f = active(TourKind::Foundational, Term::OpenEnded);
        assert_eq!(
            f.extend(&u("UM"), 6, at(2026, 9, 1)),
            Err(TourError::FoundationalHasNoEnd)
        );
    }

    #[test]
    fn completing_keeps_open_objectives_open_and_lists_them() {
        let t = active(TourKind::Rotational, Term::Months(12));
        let t = t
            .add_objective(&u("UM"), Side::Company, "Ship", at(2026, 2, 1))
            .unwrap()
            .0;
        let t = t
            .add_objective(&u("UM"), Side::Member, "Course", at(2026, 2, 1))
            .unwrap()
            .0;
        let t = t.complete_objective(&u("UA"), 1, at(2026, 3, 1)).unwrap().0;
        let (done, e) = t.complete(&u("UM"), at(2027, 1, 6)).unwrap();
        assert_eq!(done.status, Status::Completed);
        assert!(done.objectives[1].done_at.is_none());
        assert_eq!(e.event, Event::Completed { open: vec![2] });
        assert!(matches!(
            done.complete(&u("UM"), at(2027, 1, 7)),
            Err(TourError::WrongStatus { .. })
        ));
    }

    #[test]
    fn only_the_manager_proposes_the_next_tour_after_an_active_or_completed_one() {
        let t = active(TourKind::Rotational, Term::Months(12));
        assert!(t.check_next(&u("UM")).is_ok());
        assert!(matches!(
            t.check_next(&u("UA")),
            Err(TourError::NotYourCall { .. })
        ));
        let declined = Tour::propose(
            TourId(2),
            &u("UM"),
            &u("UA"),
            TourKind::Rotational,
            Term::Months(12),
            "M",
            at(2026, 1, 5),
        )
        .unwrap()
        .0
        .decline(&u("UA"), None, at(2026, 1, 6))
        .unwrap()
        .0;
        assert!(matches!(
            declined.check_next(&u("UM")),
            Err(TourError::WrongStatus { .. })
        ));
    }

    #[test]
    fn an_early_exit_runs_from_leave_to_departure() {
        let t = active(TourKind::Transformational, Term::Months(24));
        let now = at(2026, 6, 1);
        assert_eq!(
            t.leave(&u("UA"), &u("UA"), None, None, now),
            Err(TourError::SuccessorIsLeaving)
        );
        assert_eq!(
            t.leave(&u("UA"), &u("US"), Some(day(2026, 5, 31)), None, now),
            Err(TourError::ExitInThePast)
        );
        let (l, e) = t
            .leave(&u("UM"), &u("US"), None, Some("Runbook in the wiki"), now)
            .unwrap();
        assert_eq!(l.status, Status::Leaving);
        let exit = l.exit.clone().unwrap();
        assert_eq!(exit.on, day(2026, 6, 15), "two weeks by default");
        assert!(matches!(e.event, Event::LeavePlanned { .. }));
        assert!(
            l.extend(&u("UM"), 6, now).is_err(),
            "a leaving tour is not extended"
        );

        assert!(matches!(
            l.accept_handover(&u("UM"), now),
            Err(TourError::NotYourCall { .. })
        ));
        let l = l.accept_handover(&u("US"), now).unwrap().0;
        assert_eq!(
            l.accept_handover(&u("US"), now),
            Err(TourError::AlreadyAnswered(TourId(1)))
        );
        assert!(matches!(
            l.answer_alumni(&u("UM"), true, None, now),
            Err(TourError::NotYourCall { .. })
        ));
        let (l, e) = l
            .answer_alumni(&u("UA"), true, Some("ada@example.org"), now)
            .unwrap();
        assert_eq!(e.event, Event::AlumniAnswered { join: true });
        assert_eq!(
            l.answer_alumni(&u("UA"), false, None, now),
            Err(TourError::AlumniAnswered {
                id: TourId(1),
                joined: true
            }),
            "answered once: a stale No, thanks does not undo the join"
        );
        assert_eq!(
            l.exit
                .as_ref()
                .unwrap()
                .alumni
                .as_ref()
                .unwrap()
                .contact
                .as_deref(),
            Some("ada@example.org")
        );

        assert!(
            l.depart(at(2026, 6, 14)).is_none(),
            "not before the last day"
        );
        let (gone, e) = l.depart(at(2026, 6, 15)).unwrap();
        assert_eq!(gone.status, Status::Left);
        assert_eq!(e.event, Event::Left { alumni: true });
        assert!(gone.depart(at(2026, 6, 16)).is_none(), "once");
    }

    #[test]
    fn saying_no_to_alumni_keeps_no_contact() {
        let t = active(TourKind::Rotational, Term::Months(12));
        let now = at(2026, 6, 1);
        let l = t.leave(&u("UA"), &u("US"), None, None, now).unwrap().0;
        let l = l
            .answer_alumni(&u("UA"), false, Some("x@y"), now)
            .unwrap()
            .0;
        assert_eq!(
            l.exit.unwrap().alumni,
            Some(AlumniChoice {
                join: false,
                contact: None
            })
        );
    }
}
