//! A member's tours in time: where a tour stands on a given day
//! ([`Phase`]), the rule that a member has **one tour at a time**, and how a
//! follow-up tour moves with the tour it follows.
//!
//! Every rule here that touches more than one tour takes the member's other
//! open tours (`others`, as the store reads them in the same transaction)
//! and returns every tour it changes, the one asked about first, each with
//! its history entry. Like the rest of the domain it is pure: `now` is an
//! argument, and whether a tour is *scheduled*, *active* or *ended,
//! awaiting a decision* is derived from its dates on the day it is read —
//! no timer starts or ends a tour.
//!
//! Decisions (also in `tour.rs`'s list and the README):
//! - An agreed tour (accepted, not closed: active, followed or leaving)
//!   holds its member from its start to its end (the last day, for an
//!   exit; for ever, if open-ended). Two agreed tours of one member never
//!   overlap: accepting a tour that would is refused, and so is proposing
//!   one that could not be accepted today — with what to do instead (the
//!   next tour, dates after the running one, completing it first).
//! - A **next tour** with a length (or open-ended), accepted while the tour
//!   it follows still runs, is *scheduled*: it starts the day after that
//!   tour ends and runs its length from there, and the tour it follows
//!   becomes [`Status::Followed`] (no more "plan the next tour" reminders:
//!   the decision is made). It moves with its predecessor until it starts:
//!   extending the predecessor moves it later, completing the predecessor
//!   early lets it start the next day. A next tour with dates keeps its
//!   dates; they must start after the predecessor ends, and the predecessor
//!   cannot then be extended past them.
//! - A tour whose end has passed (awaiting a decision) no longer holds the
//!   days ahead: a new tour may start today. Accepting its next tour is the
//!   decision (it becomes followed); a tour not linked to it leaves it
//!   awaiting one.
//! - No tour can follow an open-ended (foundational) tour still running:
//!   it has no end to start after.
//! - Planning the member's exit from a tour calls off its next tour, proposed
//!   or scheduled: the member is leaving. Its manager may call off a
//!   scheduled tour with `/tour withdraw` (it is then *withdrawn*, and the
//!   tour it followed needs a decision again). A scheduled tour is not
//!   completed, left early or checked in on before it starts.
//! - Once a followed tour's end has passed and its next tour runs, the
//!   next tour is the one to extend or leave.

use super::people::UserId;
use super::tour::{Dates, Event, HistoryEntry, Role, Status, Term, Tour, TourError, TourSummary};
use chrono::{DateTime, Months, NaiveDate, Utc};

/// Tours a rule changed, the one it was asked about first.
pub type Changes = Vec<(Tour, HistoryEntry)>;

/// Where a tour stands on a given day: its status and its dates read
/// together. What `show`, `list` and the App Home say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Proposed,
    /// Agreed, and its start is still to come.
    Scheduled,
    /// Under way.
    Active,
    /// Under way, and the next tour is agreed.
    ActiveNextAgreed,
    /// Its end date has passed and nobody decided what comes next.
    AwaitingDecision,
    /// Its end date has passed and the next tour took over.
    FollowedOn,
    /// The member leaves early.
    Leaving,
    /// Declined, withdrawn, completed or left.
    Closed(Status),
}

impl Phase {
    pub fn of(
        status: Status,
        starts_on: Option<NaiveDate>,
        ends_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Phase {
        let not_yet = starts_on.is_some_and(|start| start > today);
        let over = ends_on.is_some_and(|end| end < today);
        match status {
            Status::Proposed => Phase::Proposed,
            Status::Active | Status::Followed if not_yet => Phase::Scheduled,
            Status::Active if over => Phase::AwaitingDecision,
            Status::Active => Phase::Active,
            Status::Followed if over => Phase::FollowedOn,
            Status::Followed => Phase::ActiveNextAgreed,
            Status::Leaving => Phase::Leaving,
            closed => Phase::Closed(closed),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Phase::Proposed => Status::Proposed.name(),
            Phase::Scheduled => "scheduled",
            Phase::Active => Status::Active.name(),
            Phase::ActiveNextAgreed => Status::Followed.name(),
            Phase::AwaitingDecision => "ended, awaiting a decision",
            Phase::FollowedOn => "ended (its next tour followed)",
            Phase::Leaving => Status::Leaving.name(),
            Phase::Closed(status) => status.name(),
        }
    }
}

impl Tour {
    pub fn phase(&self, today: NaiveDate) -> Phase {
        Phase::of(self.status, self.starts_on, self.ends_on, today)
    }

    /// Whether it is agreed and its start is still to come.
    pub fn is_scheduled(&self, today: NaiveDate) -> bool {
        self.phase(today) == Phase::Scheduled
    }

    /// The member accepts, among their `others` open tours: the dates are
    /// fixed now (a next tour's start after the tour it follows), checked
    /// against the one-tour-at-a-time rule, and the tour it follows, if it
    /// still runs, is marked as followed.
    pub fn accept_among(
        &self,
        by: &UserId,
        now: DateTime<Utc>,
        others: &[Tour],
    ) -> Result<Changes, TourError> {
        self.require(by, Role::Member, "accept")?;
        self.require_status(Status::Proposed, "accepted")?;
        let today = now.date_naive();
        let (starts_on, ends_on) = self.dates_if_accepted(today, others).map_err(|c| match c {
            Clash::EndPassed(to) => TourError::EndedBeforeAccepted {
                id: self.id,
                to,
                manager: self.manager.mention(),
            },
            Clash::OpenEndedPrevious(p) => TourError::FollowsOpenEnded { previous: p.id },
            Clash::BeforePrevious(o) | Clash::Overlap(o) => TourError::YouHaveATour {
                id: self.id,
                other: o.id,
                dates: held_dates(o),
            },
            Clash::TooFar => TourError::BadLength,
        })?;
        let mut tour = self.clone();
        tour.status = Status::Active;
        tour.starts_on = Some(starts_on);
        tour.ends_on = ends_on;
        tour.accepted_on = Some(today);
        let mut changes = vec![tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::Accepted { starts_on, ends_on },
        })];
        if let Some(previous) = self.previous_in(others)
            && previous.status == Status::Active
        {
            let mut followed = previous.clone();
            followed.status = Status::Followed;
            followed.next = Some(self.id);
            changes.push(followed.record(HistoryEntry {
                at: now,
                by: by.clone(),
                event: Event::NextAgreed {
                    next: self.id,
                    starts_on,
                },
            }));
        }
        Ok(changes)
    }

    /// Whether this new proposal could be accepted today, among the
    /// member's `others` open tours; the refusal speaks to `proposer`.
    pub fn check_fits(
        &self,
        proposer: &UserId,
        today: NaiveDate,
        others: &[Tour],
    ) -> Result<(), TourError> {
        self.dates_if_accepted(today, others)
            .map(|_| ())
            .map_err(|c| match c {
                Clash::EndPassed(to) => TourError::EndInThePast { to },
                Clash::OpenEndedPrevious(p) => TourError::FollowsOpenEnded { previous: p.id },
                Clash::BeforePrevious(p) => match p.ends_on {
                    Some(ends_on) => TourError::StartsBeforePrevious {
                        previous: p.id,
                        ends_on,
                    },
                    None => TourError::FollowsOpenEnded { previous: p.id },
                },
                Clash::Overlap(o) => TourError::MemberHasATour {
                    member: self.member.mention(),
                    other: o.id,
                    dates: held_dates(o),
                    yours: &o.manager == proposer,
                },
                Clash::TooFar => TourError::BadLength,
            })
    }

    /// Either party extends; a scheduled next tour moves with it.
    pub fn extend_among(
        &self,
        by: &UserId,
        months: u32,
        now: DateTime<Utc>,
        others: &[Tour],
    ) -> Result<Changes, TourError> {
        let today = now.date_naive();
        let next = self.next_agreed_in(others);
        if let Some(next) = next.filter(|n| !n.is_scheduled(today)) {
            return Err(TourError::NextUnderWay {
                id: self.id,
                next: next.id,
                instead: "extend",
            });
        }
        let (extended, entry) = self.extend(by, months, now)?;
        let end = extended.ends_on;
        let mut changes = vec![(extended, entry)];
        if let (Some(next), Some(end)) = (next, end) {
            match next.term {
                Term::Dates { from, .. } if from <= end => {
                    return Err(TourError::NextHasFixedDates {
                        id: self.id,
                        next: next.id,
                        starts_on: from,
                    });
                }
                Term::Dates { .. } => {}
                _ => changes.push(next.reschedule(day_after(end)?, by, now)?),
            }
        }
        apart(&changes, others)?;
        Ok(changes)
    }

    /// Either party completes; a scheduled next tour with a length may then
    /// start the next day.
    pub fn complete_among(
        &self,
        by: &UserId,
        now: DateTime<Utc>,
        others: &[Tour],
    ) -> Result<Changes, TourError> {
        let changes = vec![self.complete(by, now)?];
        let tomorrow = day_after(now.date_naive())?;
        match self.next_agreed_in(others) {
            Some(next)
                if !matches!(next.term, Term::Dates { .. })
                    && next.starts_on.is_some_and(|s| s > tomorrow) =>
            {
                let mut changes = changes;
                changes.push(next.reschedule(tomorrow, by, now)?);
                Ok(changes)
            }
            _ => Ok(changes),
        }
    }

    /// Either party plans the member's exit; the next tour, proposed or
    /// scheduled, is called off.
    #[allow(clippy::too_many_arguments)]
    pub fn leave_among(
        &self,
        by: &UserId,
        successor: &UserId,
        on: Option<NaiveDate>,
        notes: Option<&str>,
        now: DateTime<Utc>,
        others: &[Tour],
    ) -> Result<Changes, TourError> {
        if let Some(next) = self
            .next_agreed_in(others)
            .filter(|n| !n.is_scheduled(now.date_naive()))
        {
            return Err(TourError::NextUnderWay {
                id: self.id,
                next: next.id,
                instead: "plan the exit from",
            });
        }
        let mut changes = vec![self.leave(by, successor, on, notes, now)?];
        if let Some(next) = self.next.and_then(|id| others.iter().find(|t| t.id == id))
            && matches!(next.status, Status::Proposed | Status::Active)
        {
            changes.push(next.call_off(by, true, now));
        }
        Ok(changes)
    }

    /// The manager withdraws a proposal, or calls off a scheduled tour (the
    /// tour it was to follow then needs a decision again).
    pub fn withdraw_among(
        &self,
        by: &UserId,
        now: DateTime<Utc>,
        others: &[Tour],
    ) -> Result<Changes, TourError> {
        if !self.is_scheduled(now.date_naive()) {
            return Ok(vec![self.withdraw(by, now)?]);
        }
        self.require(by, Role::Manager, "call off")?;
        let mut changes = vec![self.call_off(by, false, now)];
        if let Some(previous) = self.previous_in(others)
            && previous.status == Status::Followed
            && previous.next == Some(self.id)
        {
            let mut reopened = previous.clone();
            reopened.status = Status::Active;
            changes.push(reopened.record(HistoryEntry {
                at: now,
                by: by.clone(),
                event: Event::NextCalledOff { next: self.id },
            }));
        }
        Ok(changes)
    }

    /// The days this proposal would hold its member if accepted `today`.
    fn dates_if_accepted<'a>(
        &self,
        today: NaiveDate,
        others: &'a [Tour],
    ) -> Result<(NaiveDate, Option<NaiveDate>), Clash<'a>> {
        let previous = self.previous_in(others).filter(|p| p.status.is_agreed());
        let earliest = match previous.and_then(|p| held(p).map(|h| (p, h))) {
            Some((p, (_, None))) => return Err(Clash::OpenEndedPrevious(p)),
            Some((_, (_, Some(end)))) => end.succ_opt().ok_or(Clash::TooFar)?.max(today),
            None => today,
        };
        let days = match self.term {
            Term::Months(m) => (
                earliest,
                Some(
                    earliest
                        .checked_add_months(Months::new(m))
                        .ok_or(Clash::TooFar)?,
                ),
            ),
            Term::OpenEnded => (earliest, None),
            Term::Dates { to, .. } if to < today => return Err(Clash::EndPassed(to)),
            Term::Dates { from, to } => (from, Some(to)),
        };
        let clash = others
            .iter()
            .filter(|o| o.id != self.id && o.member == self.member)
            .find(|o| held(o).is_some_and(|h| overlap(days, h)));
        match clash {
            Some(o) if Some(o.id) == self.previous => Err(Clash::BeforePrevious(o)),
            Some(o) => Err(Clash::Overlap(o)),
            None => Ok(days),
        }
    }

    fn previous_in<'a>(&self, others: &'a [Tour]) -> Option<&'a Tour> {
        let id = self.previous?;
        others.iter().find(|t| t.id == id)
    }

    /// The next tour, once agreed (this tour is then followed).
    fn next_agreed_in<'a>(&self, others: &'a [Tour]) -> Option<&'a Tour> {
        let id = self.next.filter(|_| self.status == Status::Followed)?;
        others
            .iter()
            .find(|t| t.id == id && matches!(t.status, Status::Active | Status::Followed))
    }

    /// A scheduled tour moves to start on `starts_on`, keeping its length.
    fn reschedule(
        &self,
        starts_on: NaiveDate,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        let ends_on = match self.term {
            Term::Months(m) => Some(
                starts_on
                    .checked_add_months(Months::new(m))
                    .ok_or(TourError::BadLength)?,
            ),
            Term::OpenEnded => None,
            Term::Dates { to, .. } => Some(to),
        };
        let mut tour = self.clone();
        tour.starts_on = Some(starts_on);
        tour.ends_on = ends_on;
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::Rescheduled { starts_on, ends_on },
        }))
    }

    /// Closes an agreed tour that never began (or a proposal, for an exit).
    fn call_off(&self, by: &UserId, exit: bool, now: DateTime<Utc>) -> (Tour, HistoryEntry) {
        let mut tour = self.clone();
        tour.status = Status::Withdrawn;
        tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::CalledOff { exit },
        })
    }
}

impl TourSummary {
    pub fn phase(&self, today: NaiveDate) -> Phase {
        Phase::of(self.status, self.starts_on, self.ends_on, today)
    }
}

/// Why a proposal could not run on the dates it asks for.
enum Clash<'a> {
    EndPassed(NaiveDate),
    OpenEndedPrevious(&'a Tour),
    BeforePrevious(&'a Tour),
    Overlap(&'a Tour),
    TooFar,
}

/// The days an agreed tour holds its member: from its start to its end
/// (the last day, for an exit); `None` as the end is open-ended. `None`
/// for a tour that is not agreed.
fn held(t: &Tour) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let start = t.starts_on?;
    match t.status {
        Status::Active | Status::Followed => Some((start, t.ends_on)),
        Status::Leaving => Some((start, t.exit.as_ref().map(|e| e.on).or(t.ends_on))),
        _ => None,
    }
}

fn held_dates(t: &Tour) -> Dates {
    let (start, end) = held(t).unwrap_or((t.starts_on.unwrap_or(NaiveDate::MIN), t.ends_on));
    Dates(start, end)
}

/// Whether two spans of days (both ends inclusive) share a day.
fn overlap(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    a.0 <= b.1.unwrap_or(NaiveDate::MAX) && b.0 <= a.1.unwrap_or(NaiveDate::MAX)
}

fn day_after(day: NaiveDate) -> Result<NaiveDate, TourError> {
    day.succ_opt().ok_or(TourError::BadLength)
}

/// The changed tours keep clear of the member's other agreed tours.
fn apart(changes: &Changes, others: &[Tour]) -> Result<(), TourError> {
    for (changed, _) in changes {
        let Some(days) = held(changed) else {
            continue;
        };
        let clash = others
            .iter()
            .filter(|o| o.member == changed.member)
            .filter(|o| !changes.iter().any(|(c, _)| c.id == o.id))
            .find(|o| held(o).is_some_and(|h| overlap(days, h)));
        if let Some(o) = clash {
            return Err(TourError::WouldOverlap {
                id: changed.id,
                other: o.id,
                dates: held_dates(o),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tour::{TourId, TourKind};
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
    fn proposal(id: u64, manager: &str, term: Term, now: DateTime<Utc>) -> Tour {
        Tour::propose(
            TourId(id),
            &u(manager),
            &u("UA"),
            TourKind::Rotational,
            term,
            "Mission",
            now,
        )
        .unwrap()
        .0
    }
    /// Tour 1, UM → UA, 2026-01-05 to 2026-12-31, accepted 2026-01-05.
    fn running() -> Tour {
        let from = day(2026, 1, 5);
        let to = day(2026, 12, 31);
        proposal(1, "UM", Term::Dates { from, to }, at(2026, 1, 5))
            .accept(&u("UA"), at(2026, 1, 5))
            .unwrap()
            .0
    }
    /// Tour 2 proposed as the next tour after `previous`, with `term`.
    fn next_of(previous: &Tour, term: Term, now: DateTime<Utc>) -> Tour {
        let mut next = proposal(2, "UM", term, now);
        next.previous = Some(previous.id);
        next
    }
    /// Tour 1 running, tour 2 (12 months) accepted after it on 2026-06-01.
    fn scheduled() -> (Tour, Tour) {
        let first = running();
        let next = next_of(&first, Term::Months(12), at(2026, 6, 1));
        let first = first.link_next(&next).0;
        let changes = next
            .accept_among(&u("UA"), at(2026, 6, 1), std::slice::from_ref(&first))
            .unwrap();
        (changes[1].0.clone(), changes[0].0.clone())
    }

    #[test]
    fn the_phase_reads_status_and_dates_on_the_day() {
        let t = running();
        let (from, to) = (day(2026, 1, 5), day(2026, 12, 31));
        assert_eq!(t.phase(day(2026, 1, 4)), Phase::Scheduled);
        assert_eq!(t.phase(from), Phase::Active);
        assert_eq!(t.phase(to), Phase::Active, "the end date is its last day");
        assert_eq!(t.phase(day(2027, 1, 1)), Phase::AwaitingDecision);
        assert_eq!(Phase::AwaitingDecision.name(), "ended, awaiting a decision");
        let s = Some(from);
        let e = Some(to);
        let after = day(2027, 1, 1);
        assert_eq!(
            Phase::of(Status::Followed, s, e, from),
            Phase::ActiveNextAgreed
        );
        assert_eq!(Phase::of(Status::Followed, s, e, after), Phase::FollowedOn);
        assert_eq!(Phase::of(Status::Leaving, s, e, after), Phase::Leaving);
        assert_eq!(
            Phase::of(Status::Completed, s, e, from),
            Phase::Closed(Status::Completed)
        );
        assert_eq!(
            Phase::of(Status::Proposed, None, None, from),
            Phase::Proposed
        );
        assert_eq!(
            Phase::of(Status::Active, s, None, day(2040, 1, 1)),
            Phase::Active,
            "an open-ended tour never ends"
        );
    }

    #[test]
    fn a_next_tour_accepted_early_starts_the_day_after_and_marks_the_one_it_follows() {
        let (first, next) = scheduled();
        assert_eq!(next.status, Status::Active);
        assert_eq!(
            (next.starts_on, next.ends_on),
            (Some(day(2027, 1, 1)), Some(day(2028, 1, 1)))
        );
        assert_eq!(next.accepted_on, Some(day(2026, 6, 1)));
        assert!(next.is_scheduled(day(2026, 12, 31)));
        assert!(!next.is_scheduled(day(2027, 1, 1)));
        assert_eq!(first.status, Status::Followed);
        assert_eq!(first.next, Some(TourId(2)));

        // Accepted after its predecessor ended: it starts today, and the
        // predecessor's decision is made.
        let ended = running();
        let late = next_of(&ended, Term::Months(12), at(2027, 2, 1))
            .accept_among(&u("UA"), at(2027, 2, 10), std::slice::from_ref(&ended))
            .unwrap();
        assert_eq!(late[0].0.starts_on, Some(day(2027, 2, 10)));
        assert_eq!(late[1].0.status, Status::Followed);
        assert_eq!(late[1].0.phase(day(2027, 2, 10)), Phase::FollowedOn);
        assert_eq!(
            late[1].1.event,
            Event::NextAgreed {
                next: TourId(2),
                starts_on: day(2027, 2, 10)
            }
        );
    }

    #[test]
    fn two_agreed_tours_of_a_member_never_overlap() {
        let first = running();
        let now = at(2026, 6, 1);
        let today = now.date_naive();
        let others = std::slice::from_ref(&first);
        // Another proposal with a length would start today: refused, with
        // the way forward for whoever proposes it.
        let other = proposal(3, "UX", Term::Months(12), now);
        assert_eq!(
            other.check_fits(&u("UX"), today, others),
            Err(TourError::MemberHasATour {
                member: "<@UA>".into(),
                other: TourId(1),
                dates: Dates(day(2026, 1, 5), Some(day(2026, 12, 31))),
                yours: false,
            })
        );
        assert!(matches!(
            proposal(3, "UM", Term::Months(12), now).check_fits(&u("UM"), today, others),
            Err(TourError::MemberHasATour { yours: true, .. })
        ));
        assert!(matches!(
            other.accept_among(&u("UA"), now, others),
            Err(TourError::YouHaveATour {
                other: TourId(1),
                ..
            })
        ));
        // Dates after it are fine; dates of a next tour must come after it.
        let after = Term::Dates {
            from: day(2027, 1, 1),
            to: day(2027, 12, 31),
        };
        assert_eq!(
            proposal(3, "UX", after, now).check_fits(&u("UX"), today, others),
            Ok(())
        );
        let overlapping = Term::Dates {
            from: day(2026, 12, 1),
            to: day(2027, 12, 31),
        };
        assert_eq!(
            next_of(&first, overlapping, now).check_fits(&u("UM"), today, others),
            Err(TourError::StartsBeforePrevious {
                previous: TourId(1),
                ends_on: day(2026, 12, 31)
            })
        );
        // Nothing can follow an open-ended tour still running.
        let foundational = Tour::propose(
            TourId(1),
            &u("UM"),
            &u("UA"),
            TourKind::Foundational,
            Term::OpenEnded,
            "Mission",
            now,
        )
        .unwrap()
        .0
        .accept(&u("UA"), now)
        .unwrap()
        .0;
        assert_eq!(
            next_of(&foundational, Term::Months(12), now).check_fits(
                &u("UM"),
                today,
                std::slice::from_ref(&foundational)
            ),
            Err(TourError::FollowsOpenEnded {
                previous: TourId(1)
            })
        );
        // Someone else's tours, and closed ones, are no obstacle.
        let mut theirs = first.clone();
        theirs.member = u("UB");
        assert_eq!(other.check_fits(&u("UX"), today, &[theirs]), Ok(()));
        let done = first.complete(&u("UM"), now).unwrap().0;
        assert_eq!(other.check_fits(&u("UX"), today, &[done]), Ok(()));
    }

    #[test]
    fn a_scheduled_next_tour_moves_with_the_tour_it_follows() {
        let (first, next) = scheduled();
        let others = [next.clone()];
        let changes = first
            .extend_among(&u("UM"), 3, at(2026, 7, 1), &others)
            .unwrap();
        assert_eq!(changes[0].0.ends_on, Some(day(2027, 3, 31)));
        assert_eq!(
            changes[1].1.event,
            Event::Rescheduled {
                starts_on: day(2027, 4, 1),
                ends_on: Some(day(2028, 4, 1))
            }
        );
        let changes = first
            .complete_among(&u("UA"), at(2026, 7, 1), &others)
            .unwrap();
        assert_eq!(changes[0].0.status, Status::Completed);
        assert_eq!(changes[1].0.starts_on, Some(day(2026, 7, 2)));
        assert_eq!(changes[1].0.ends_on, Some(day(2027, 7, 2)));

        // A next tour with dates keeps them: its predecessor can't run into it.
        let first = running();
        let dated = next_of(
            &first,
            Term::Dates {
                from: day(2027, 2, 1),
                to: day(2027, 12, 31),
            },
            at(2026, 6, 1),
        );
        let first = first.link_next(&dated).0;
        let accepted = dated
            .accept_among(&u("UA"), at(2026, 6, 1), std::slice::from_ref(&first))
            .unwrap();
        let (next, first) = (accepted[0].0.clone(), accepted[1].0.clone());
        assert_eq!(next.starts_on, Some(day(2027, 2, 1)));
        let others = [next.clone()];
        assert_eq!(
            first
                .extend_among(&u("UM"), 1, at(2026, 7, 1), &others)
                .map(|c| c.len()),
            Ok(1),
            "to 2027-01-31: still clear of it"
        );
        assert_eq!(
            first.extend_among(&u("UM"), 2, at(2026, 7, 1), &others),
            Err(TourError::NextHasFixedDates {
                id: TourId(1),
                next: TourId(2),
                starts_on: day(2027, 2, 1)
            })
        );
        assert_eq!(
            first
                .complete_among(&u("UM"), at(2026, 7, 1), &others)
                .map(|c| c.len()),
            Ok(1),
            "it starts on its own date"
        );
    }

    #[test]
    fn once_the_next_tour_runs_it_is_the_one_to_extend_or_leave() {
        let (first, next) = scheduled();
        let others = [next];
        let now = at(2027, 3, 1);
        for result in [
            first.extend_among(&u("UM"), 3, now, &others),
            first.leave_among(&u("UM"), &u("US"), None, None, now, &others),
        ] {
            assert!(
                matches!(
                    result,
                    Err(TourError::NextUnderWay {
                        next: TourId(2),
                        ..
                    })
                ),
                "{result:?}"
            );
        }
        assert!(first.complete_among(&u("UM"), now, &others).is_ok());
    }

    #[test]
    fn an_exit_or_the_manager_calls_off_the_next_tour_before_it_starts() {
        let (first, next) = scheduled();
        let now = at(2026, 8, 1);
        let changes = first
            .leave_among(
                &u("UA"),
                &u("US"),
                None,
                None,
                now,
                std::slice::from_ref(&next),
            )
            .unwrap();
        assert_eq!(changes[0].0.status, Status::Leaving);
        assert_eq!(changes[1].0.status, Status::Withdrawn);
        assert_eq!(changes[1].1.event, Event::CalledOff { exit: true });
        // A next tour only proposed is called off too.
        let proposed = next_of(&running(), Term::Months(12), now);
        let linked = running().link_next(&proposed).0;
        let changes = linked
            .leave_among(&u("UA"), &u("US"), None, None, now, &[proposed])
            .unwrap();
        assert_eq!(changes[1].0.status, Status::Withdrawn);

        let others = std::slice::from_ref(&first);
        assert!(matches!(
            next.withdraw_among(&u("UA"), now, others),
            Err(TourError::NotYourCall { .. })
        ));
        let changes = next.withdraw_among(&u("UM"), now, others).unwrap();
        assert_eq!(changes[0].0.status, Status::Withdrawn);
        assert_eq!(changes[0].1.event, Event::CalledOff { exit: false });
        assert_eq!(changes[1].0.status, Status::Active);
        assert_eq!(changes[1].1.event, Event::NextCalledOff { next: TourId(2) });
        // Under way, it is not withdrawn: it is completed.
        assert!(matches!(
            next.withdraw_among(&u("UM"), at(2027, 2, 1), others),
            Err(TourError::WrongStatus { .. })
        ));
    }

    #[test]
    fn a_scheduled_tour_is_not_completed_left_or_checked_in_on_before_it_starts() {
        let (_, next) = scheduled();
        let now = at(2026, 8, 1);
        let not_yet = |action| TourError::NotStartedYet {
            id: TourId(2),
            starts_on: day(2027, 1, 1),
            action,
        };
        assert_eq!(next.complete(&u("UM"), now), Err(not_yet("completed")));
        assert_eq!(
            next.leave(&u("UM"), &u("US"), None, None, now),
            Err(not_yet("ended early"))
        );
        assert_eq!(
            next.check_in(&u("UM"), Some("x"), None, now).map(|_| ()),
            Err(not_yet("checked in on"))
        );
        assert!(next.check_checkin_start(&u("UM"), now).is_err());
        assert!(
            next.add_objective(&u("UM"), crate::domain::Side::Company, "Plan", now)
                .is_ok()
        );
        assert!(
            next.extend(&u("UM"), 6, now).is_ok(),
            "its own end may move"
        );
    }

    #[test]
    fn dates_obey_the_length_rule_and_a_proposal_never_ends_in_the_past() {
        let k = TourKind::Rotational;
        let dates = |from, to| Term::Dates { from, to };
        assert_eq!(
            dates(day(2027, 1, 1), day(2027, 1, 10)).check(k),
            Err(TourError::DatesOutOfRange {
                from: day(2027, 1, 1),
                to: day(2027, 1, 10),
                short: true
            })
        );
        assert!(dates(day(2027, 1, 1), day(2027, 2, 1)).check(k).is_ok());
        assert!(
            dates(day(2027, 1, 31), day(2027, 2, 28)).check(k).is_ok(),
            "a month, clamped"
        );
        assert!(dates(day(2027, 1, 1), day(2037, 1, 1)).check(k).is_ok());
        assert!(matches!(
            dates(day(2027, 1, 1), day(2037, 1, 2)).check(k),
            Err(TourError::DatesOutOfRange { short: false, .. })
        ));
        let now = at(2026, 12, 2);
        let propose =
            |term| Tour::propose(TourId(1), &u("UM"), &u("UA"), k, term, "M", now).map(|(t, _)| t);
        assert_eq!(
            propose(dates(day(2020, 1, 1), day(2021, 1, 1))),
            Err(TourError::EndInThePast {
                to: day(2021, 1, 1)
            })
        );
        assert!(
            propose(dates(day(2026, 6, 1), day(2026, 12, 2))).is_ok(),
            "ends today"
        );
        // Accepting later than the end: refused, naming the way out.
        let t = propose(dates(day(2026, 11, 1), day(2026, 12, 20))).unwrap();
        assert!(matches!(
            t.accept(&u("UA"), at(2026, 12, 21)),
            Err(TourError::EndedBeforeAccepted { .. })
        ));
        assert!(t.accept(&u("UA"), at(2026, 12, 20)).is_ok());
    }

    #[test]
    fn extending_never_leaves_the_end_in_the_past() {
        let t = running();
        assert_eq!(
            t.extend(&u("UM"), 1, at(2027, 3, 15)),
            Err(TourError::EndStillInThePast {
                id: TourId(1),
                months: 1,
                to: day(2027, 1, 31),
                at_least: 3
            })
        );
        let (x, _) = t.extend(&u("UM"), 3, at(2027, 3, 15)).unwrap();
        assert_eq!(x.ends_on, Some(day(2027, 3, 31)));
        assert_eq!(x.phase(day(2027, 3, 15)), Phase::Active);
    }

    #[test]
    fn the_books_typical_ranges_are_a_note_not_a_rule() {
        use TourKind::*;
        assert!(Term::Months(60).outside_typical(Rotational));
        assert!(Term::Months(11).outside_typical(Rotational));
        assert!(!Term::Months(12).outside_typical(Rotational));
        assert!(!Term::Months(24).outside_typical(Rotational));
        assert!(Term::Months(3).outside_typical(Transformational));
        assert!(!Term::Months(60).outside_typical(Transformational));
        assert!(Term::Months(61).outside_typical(Transformational));
        assert!(!Term::OpenEnded.outside_typical(Foundational));
        let dates = |from, to| Term::Dates { from, to };
        assert!(!dates(day(2027, 1, 1), day(2029, 1, 1)).outside_typical(Rotational));
        assert!(dates(day(2027, 1, 1), day(2029, 1, 2)).outside_typical(Rotational));
        assert!(dates(day(2027, 1, 1), day(2027, 12, 31)).outside_typical(Rotational));
    }
}
