//! A tour of duty: the term sheet a manager and a member agree on, with the
//! objectives of both sides, and the rules for changing it.
//!
//! Every change is a method that takes the acting person and `now`, checks the
//! framework's rules, and returns the new tour together with the
//! [`HistoryEntry`] that records it. Nothing is changed in place, so a caller
//! (the store's transaction) can retry a rule safely.
//!
//! Decisions made here, where the product text is silent:
//! - A tour proposed with a *length* starts on the day it is accepted and ends
//!   that many months later — or, for a next tour accepted while the tour it
//!   follows still runs, the day after that one ends (it is *scheduled*); a
//!   tour proposed `from DATE to DATE` keeps those dates. Foundational tours
//!   are open-ended and take no length.
//! - Lengths run from 1 month to 10 years; anything else is a typo. Dates obey
//!   the same rule: the end at least a month after the start (as a length of
//!   1 month would put it), at most 10 years.
//! - An end date is never left in the past: `propose` refuses dates that end
//!   before today; `accept` refuses a proposal whose end has passed in the
//!   meantime (the member declines it, or the manager proposes new dates);
//!   `extend` refuses an extension that would still end before today, and
//!   says how much would reach today. A start in the past is allowed: it
//!   formalises a tour already under way (its reminders and check-ins count
//!   from the day it is accepted).
//! - Where a tour stands is derived from its status and dates on the day it
//!   is read, not stored: an accepted tour whose start is to come is
//!   *scheduled*, one whose end has passed with nothing decided is *ended,
//!   awaiting a decision* — never *active*. A member has one tour at a time;
//!   how a next tour is scheduled after the one it follows, moves with it and
//!   is called off, and what happens to other proposals, is in
//!   [`super::timeline`].
//! - The book's typical lengths (rotational 1–2 years, transformational 2–5)
//!   are not rules: real tours vary. A length outside them is allowed, and
//!   the answer that chose it says so in one line.
//! - Objectives are numbered from 1 in the order they were added and are never
//!   renumbered, so "objective 3" means the same thing in every message. A
//!   removed objective stays as a tombstone ([`Objective::removed_at`]): its
//!   number is never reused, it is left out of cards, lists and counts, and
//!   its text stays in history.
//! - A tour's term sheet changes only while it is open (proposed, active, or
//!   ending with an exit planned); a declined, withdrawn, completed or left
//!   tour is closed for good. Every change is a history entry that keeps the
//!   old text next to the new one.
//!
//! Who may do what (the rules of [`super::edits`] and [`super::ending`] too):
//!
//! | change | while proposed | while active or ending |
//! | --- | --- | --- |
//! | add an objective, mark one done, undo done, edit its text, remove it | either party | either party |
//! | change the mission | the manager (it is the offer the member answers) | either party (both agreed it) |
//! | accept, decline | the member | — |
//! | withdraw | the manager | — |
//! | extend, complete, plan the exit | — | either party (active only) |
//! | hand the tour to another manager (`reassign`) | the manager or an admin | the manager or an admin |
//!
//! - Admins see every tour and change nothing, except `reassign`: moving a
//!   tour to a new manager (someone left, a team was reorganised) is the
//!   people team's job as much as the manager's.
//! - The successor named in an exit plan sees the tour (card and history)
//!   while the handover runs (status `Leaving`), read-only, so they know what
//!   they take over; history entries private to the parties (check-ins, the
//!   alumni answer) are not shown to them ([`Event::is_for_parties_only`]).
//!   Lists and the App Home tab show only one's own tours: the successor
//!   reaches the tour by its number, which the handover message gives.
//! - The other party hears about edits and objective changes in one gathered
//!   message an hour after the first of them ([`super::notice`]); answers,
//!   extensions, completion, exits and reassignments have messages of their
//!   own, at once.

use super::ending::Exit;
use super::people::UserId;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A tour's number within its workspace: short enough to type (`#17`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TourId(pub u64);

impl fmt::Display for TourId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The three kinds of tour from the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TourKind {
    /// A structured programme; people are interchangeable in it (1–2 years).
    Rotational,
    /// Personalised; transforms the person's career and the company (2–5 years).
    Transformational,
    /// Long-term alignment of life mission and company mission; open-ended.
    Foundational,
}

impl TourKind {
    pub const ALL: [TourKind; 3] = [
        TourKind::Rotational,
        TourKind::Transformational,
        TourKind::Foundational,
    ];

    pub fn parse(s: &str) -> Option<TourKind> {
        let s = s.to_ascii_lowercase();
        TourKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The book's typical length of this kind, in months (rotational 1–2
    /// years, transformational 2–5); foundational tours have none.
    pub fn typical_months(self) -> Option<(u32, u32)> {
        match self {
            TourKind::Rotational => Some((12, 24)),
            TourKind::Transformational => Some((24, 60)),
            TourKind::Foundational => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TourKind::Rotational => "rotational",
            TourKind::Transformational => "transformational",
            TourKind::Foundational => "foundational",
        }
    }
}

/// How long a tour runs, as proposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// Starts on acceptance and runs this many months.
    Months(u32),
    /// Fixed dates, both inclusive.
    Dates { from: NaiveDate, to: NaiveDate },
    /// Foundational: no end date, a yearly re-commitment instead.
    OpenEnded,
}

/// The longest tour anyone should be typing: 10 years.
pub const MAX_MONTHS: u32 = 120;

impl Term {
    /// Checks a term against the kind it is proposed for.
    pub fn check(self, kind: TourKind) -> Result<Term, TourError> {
        match (kind, self) {
            (TourKind::Foundational, Term::OpenEnded) => Ok(self),
            (TourKind::Foundational, _) => Err(TourError::FoundationalHasNoEnd),
            (_, Term::OpenEnded) => Err(TourError::NeedsLength(kind)),
            (_, Term::Months(m)) if m == 0 || m > MAX_MONTHS => Err(TourError::BadLength),
            (_, Term::Dates { from, to }) if to <= from => Err(TourError::DatesBackwards),
            // Dates obey the rule lengths obey: a length of 1 month ends a
            // month after its start, so dates must be at least that far apart.
            (_, Term::Dates { from, to })
                if from
                    .checked_add_months(Months::new(1))
                    .is_none_or(|min| to < min) =>
            {
                Err(TourError::DatesOutOfRange {
                    from,
                    to,
                    short: true,
                })
            }
            (_, Term::Dates { from, to })
                if from
                    .checked_add_months(Months::new(MAX_MONTHS))
                    .is_none_or(|max| to > max) =>
            {
                Err(TourError::DatesOutOfRange {
                    from,
                    to,
                    short: false,
                })
            }
            _ => Ok(self),
        }
    }

    /// Whether a term of this length is outside the book's typical range
    /// for `kind` ([`TourKind::typical_months`]): allowed, but worth a note.
    pub fn outside_typical(self, kind: TourKind) -> bool {
        let Some((min, max)) = kind.typical_months() else {
            return false;
        };
        match self {
            Term::Months(m) => m < min || m > max,
            Term::Dates { from, to } => {
                from.checked_add_months(Months::new(min))
                    .is_none_or(|shortest| to < shortest)
                    || from
                        .checked_add_months(Months::new(max))
                        .is_none_or(|longest| to > longest)
            }
            Term::OpenEnded => false,
        }
    }

    pub fn describe(self) -> String {
        match self {
            Term::Months(m) if m % 12 == 0 => {
                let y = m / 12;
                format!("{y} year{}", if y == 1 { "" } else { "s" })
            }
            Term::Months(m) => format!("{m} month{}", if m == 1 { "" } else { "s" }),
            Term::Dates { from, to } => format!("{from} to {to}"),
            Term::OpenEnded => "open-ended".to_string(),
        }
    }
}

/// Whose objective it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// What the company gets: the member delivers it.
    Company,
    /// What the member gets: the company promised it (mentoring, a course…).
    Member,
}

impl Side {
    pub fn parse(s: &str) -> Option<Side> {
        match s.to_ascii_lowercase().as_str() {
            "company" => Some(Side::Company),
            "member" => Some(Side::Member),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Side::Company => "company",
            Side::Member => "member",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    pub side: Side,
    pub text: String,
    /// When it was marked done; `None` while open.
    pub done_at: Option<DateTime<Utc>>,
    /// When it was removed (`/tour objective <id> remove <n>`): kept as a
    /// tombstone so that no later objective takes its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<DateTime<Utc>>,
}

impl Objective {
    pub fn is_removed(&self) -> bool {
        self.removed_at.is_some()
    }

    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Proposed,
    Active,
    Declined,
    Withdrawn,
    /// Closed by either party (`/tour complete`).
    Completed,
    /// The member leaves early; an exit date and a successor are set.
    Leaving,
    /// The member left on the exit date.
    Left,
    /// Accepted, and so is its next tour, which starts the day after this
    /// one ends (see [`super::timeline`]): no "plan the next tour" reminders.
    /// Last, so that older values (JSON names, postcard indexes) read as
    /// they are.
    Followed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Active => "active",
            Status::Declined => "declined",
            Status::Withdrawn => "withdrawn",
            Status::Completed => "completed",
            Status::Leaving => "ending (the member is leaving)",
            Status::Left => "ended (the member left)",
            Status::Followed => "active (its next tour is agreed)",
        }
    }

    /// Still part of someone's working life (not closed).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Proposed | Status::Active | Status::Followed | Status::Leaving
        )
    }

    /// Agreed by both and not closed: the tour holds its member for its
    /// dates (see [`super::timeline`]).
    pub fn is_agreed(self) -> bool {
        matches!(self, Status::Active | Status::Followed | Status::Leaving)
    }
}

/// A party's part in a tour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Manager,
    Member,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tour {
    pub id: TourId,
    /// Who proposed it and answers for the company's side.
    pub manager: UserId,
    /// Who accepts it and whose career it moves.
    pub member: UserId,
    pub kind: TourKind,
    pub mission: String,
    pub term: Term,
    pub status: Status,
    /// Set on acceptance (or from the proposed dates).
    pub starts_on: Option<NaiveDate>,
    /// `None` while proposed with a length, and always for foundational tours.
    pub ends_on: Option<NaiveDate>,
    /// The day the member accepted: reminders owed before it are not sent.
    #[serde(default)]
    pub accepted_on: Option<NaiveDate>,
    pub objectives: Vec<Objective>,
    pub proposed_at: DateTime<Utc>,
    /// How many history entries exist; the next one gets this number, so the
    /// store can append without scanning.
    pub history_len: u32,
    /// The tour this one follows (`/tour next`); with [`Tour::next`] the
    /// chain of tours that is the person's alliance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<TourId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<TourId>,
    /// An early exit being planned (`/tour leave`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<Exit>,
    /// Months between check-ins when the parties set it for this tour
    /// (`/tour checkin <id> every <length>`); else the workspace's cadence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkin_every_months: Option<u32>,
    /// The day check-ins count from: the last one recorded, or the day the
    /// cadence changed; before either, the day the tour was accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkin_from: Option<NaiveDate>,
    /// Check-ins recorded so far: the next one gets this number plus one,
    /// so the store keys its record without scanning.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checkins: u32,
    /// Who managed it before (`/tour reassign`), in the order they first
    /// did (the manager may be among them again): what was planned for one
    /// who is no longer a party goes to the manager.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_managers: Vec<UserId>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What a list shows of a tour. Stored in the party index beside each
/// party's entry, so listing a person's tours is one range scan and never
/// reads or decodes whole tours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TourSummary {
    pub id: TourId,
    pub manager: UserId,
    pub member: UserId,
    pub kind: TourKind,
    pub status: Status,
    pub term: Term,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub mission: String,
    pub objectives_done: u32,
    pub objectives_total: u32,
}

impl TourSummary {
    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        role_in(user, &self.manager, &self.member)
    }

    pub fn visible_to(&self, user: &UserId, is_admin: bool) -> bool {
        is_admin || self.role_of(user).is_some()
    }
}

fn role_in(user: &UserId, manager: &UserId, member: &UserId) -> Option<Role> {
    if user == manager {
        Some(Role::Manager)
    } else if user == member {
        Some(Role::Member)
    } else {
        None
    }
}

/// One line of a tour's commitment log: who did what, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub by: UserId,
    pub event: Event,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Event {
    Proposed {
        kind: TourKind,
        term: Term,
        mission: String,
    },
    ObjectiveAdded {
        number: u32,
        side: Side,
        text: String,
    },
    ObjectiveDone {
        number: u32,
    },
    /// A done objective was opened again ("undo done").
    ObjectiveReopened {
        number: u32,
    },
    /// An objective's text changed; the old text is kept here.
    ObjectiveEdited {
        number: u32,
        from: String,
        to: String,
    },
    /// An objective was removed (its number is not reused); `text` is what
    /// it said.
    ObjectiveRemoved {
        number: u32,
        text: String,
    },
    /// The mission changed; the old text is kept here.
    MissionChanged {
        from: String,
        to: String,
    },
    /// The tour has a new manager (`/tour reassign`).
    Reassigned {
        from: UserId,
        to: UserId,
    },
    Accepted {
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
    },
    Declined {
        reason: Option<String>,
    },
    Withdrawn,
    Extended {
        months: u32,
        from: NaiveDate,
        to: NaiveDate,
    },
    /// Closed; the numbers of the objectives still open.
    Completed {
        open: Vec<u32>,
    },
    /// A next tour was proposed to follow this one.
    NextProposed {
        next: TourId,
    },
    /// The member accepted the next tour; it starts on `starts_on`.
    NextAgreed {
        next: TourId,
        starts_on: NaiveDate,
    },
    /// The next tour, agreed, was called off before it began: this one
    /// needs a decision about what comes next again.
    NextCalledOff {
        next: TourId,
    },
    /// A scheduled tour moved with the tour it follows (extended, or
    /// completed early).
    Rescheduled {
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
    },
    /// An agreed tour was called off before it began: by its manager, or
    /// because an exit was planned from the tour it was to follow (`exit`).
    CalledOff {
        exit: bool,
    },
    LeavePlanned {
        successor: UserId,
        on: NaiveDate,
        notes: Option<String>,
    },
    HandoverAccepted,
    /// The member answered the alumni question (the contact is not logged).
    AlumniAnswered {
        join: bool,
    },
    Left {
        alumni: bool,
    },
    /// A check-in was recorded (its answers are in the check-in record);
    /// `notes` when it was written directly with `/tour checkin <id> notes…`.
    CheckedIn {
        number: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notes: Option<String>,
    },
    /// Check-ins now come every `months` months, counted from that day.
    CheckinCadence {
        months: u32,
    },
    /// The manager said whether the company delivered a member-side
    /// objective in the period of check-in `checkin`.
    PromiseReviewed {
        checkin: u32,
        objective: u32,
        delivered: super::checkin::Delivered,
    },
}

impl Event {
    /// Entries only the two parties (and admins) read: how check-ins went
    /// and whether the member joins the alumni network. A successor reading
    /// the history of the tour they take over does not see them.
    pub fn is_for_parties_only(&self) -> bool {
        matches!(
            self,
            Event::CheckedIn { .. }
                | Event::CheckinCadence { .. }
                | Event::PromiseReviewed { .. }
                | Event::AlumniAnswered { .. }
        )
    }
}

/// Why a rule said no. Each message is written for the person who asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TourError {
    /// Also what a stranger hears about a tour that exists: no leak.
    #[error("There is no tour {0} that you can see.")]
    NotFound(TourId),
    #[error("Only {who} can {action} tour {id}.")]
    NotYourCall {
        id: TourId,
        who: String,
        action: &'static str,
    },
    #[error("Tour {id} is {status}, so it can't be {action}.")]
    WrongStatus {
        id: TourId,
        status: &'static str,
        action: &'static str,
    },
    #[error("You can't propose a tour to yourself: a tour has a manager and a member.")]
    SelfProposal,
    #[error("A tour's mission can't be empty: say what the tour is for.")]
    EmptyMission,
    #[error("An objective needs some text: what will be delivered, or what was promised.")]
    EmptyObjective,
    #[error("That text is too long ({len} characters); keep it under {max}.")]
    TooLong { len: usize, max: usize },
    #[error("Foundational tours are open-ended: drop the length or dates.")]
    FoundationalHasNoEnd,
    #[error("A {} tour needs a length (like `18m` or `2y`) or `from DATE to DATE`.", .0.name())]
    NeedsLength(TourKind),
    #[error("A tour runs from 1 month to 10 years.")]
    BadLength,
    #[error("The end date must come after the start date.")]
    DatesBackwards,
    #[error("Tour {id} has no objective {number}.")]
    NoSuchObjective { id: TourId, number: u32 },
    #[error("Objective {number} of tour {id} is already done.")]
    AlreadyDone { id: TourId, number: u32 },
    #[error("The successor must be someone other than the member who is leaving.")]
    SuccessorIsLeaving,
    #[error("The last day can't be in the past.")]
    ExitInThePast,
    #[error("Tour {0} has no exit planned.")]
    NotLeaving(TourId),
    #[error("That was already answered for tour {0}.")]
    AlreadyAnswered(TourId),
    /// The leaving member's alumni answer is given once.
    #[error(
        "You already answered for tour {id}: {}. Answering again changes nothing; if you change your mind, tell your manager.",
        if *.joined { "you join the alumni network on your last day" } else { "you chose not to join the alumni network" }
    )]
    AlumniAnswered { id: TourId, joined: bool },
    #[error("Tour {id} already has a next tour ({next}) that is still open.")]
    NextPending { id: TourId, next: TourId },
    #[error("The tour after {id} is for its member, {member}; propose a new tour for anyone else.")]
    NextIsForTheMember { id: TourId, member: String },
    #[error(
        "From {from} to {to} is {}: a tour runs from 1 month to 10 years.",
        if *.short { "less than a month" } else { "more than 10 years" }
    )]
    DatesOutOfRange {
        from: NaiveDate,
        to: NaiveDate,
        short: bool,
    },
    #[error(
        "The end date, {to}, has passed: a tour can't end in the past. Give dates that end today or later, or a length (the tour then starts when it is accepted)."
    )]
    EndInThePast { to: NaiveDate },
    #[error(
        "Tour {id} was to end on {to}, which has passed, so it can't be accepted. Decline it (`/tour decline {}`), or ask {manager} to propose it again with new dates.",
        .id.0
    )]
    EndedBeforeAccepted {
        id: TourId,
        to: NaiveDate,
        manager: String,
    },
    #[error(
        "Extended by {}, tour {id} would end on {to}, which has passed. Extend it by at least {} (to today or later), or decide what comes next: `/tour next {} …` proposes the next tour, `/tour complete {}` closes this one.",
        Term::Months(*.months).describe(), Term::Months(*.at_least).describe(), .id.0, .id.0
    )]
    EndStillInThePast {
        id: TourId,
        months: u32,
        to: NaiveDate,
        at_least: u32,
    },
    #[error(
        "Tour {previous} is open-ended (foundational), so no tour can start after it. Complete it first (`/tour complete {}`), then propose the next tour.",
        .previous.0
    )]
    FollowsOpenEnded { previous: TourId },
    #[error(
        "Tour {previous} runs until {ends_on}, and a member has one tour at a time: the tour after it can start on {} at the earliest. Give dates from then on, or a length (the tour then starts the day after {previous} ends).",
        day_after(*.ends_on)
    )]
    StartsBeforePrevious {
        previous: TourId,
        ends_on: NaiveDate,
    },
    #[error(
        "{member} already has tour {other} ({dates}), and a member has one tour at a time. {}",
        member_has_a_tour_advice(*.other, .dates, *.yours)
    )]
    MemberHasATour {
        member: String,
        other: TourId,
        dates: Dates,
        /// Whether the one proposing manages `other` (and so may propose
        /// the tour that follows it).
        yours: bool,
    },
    #[error(
        "You already have tour {other} ({dates}), and a member has one tour at a time, so tour {id} can't be accepted while their dates overlap. Complete {other} first (`/tour complete {}`), or decline {id} (`/tour decline {}`).",
        .other.0, .id.0
    )]
    YouHaveATour {
        id: TourId,
        other: TourId,
        dates: Dates,
    },
    #[error(
        "Tour {id} would then overlap tour {other} ({dates}), and a member has one tour at a time."
    )]
    WouldOverlap {
        id: TourId,
        other: TourId,
        dates: Dates,
    },
    #[error(
        "Tour {next}, which follows {id}, is agreed to start on {starts_on}, so {id} can't run past {}.",
        day_before(*.starts_on)
    )]
    NextHasFixedDates {
        id: TourId,
        next: TourId,
        starts_on: NaiveDate,
    },
    #[error(
        "Tour {id} has ended and {next}, which follows it, is under way: {instead} {next} instead."
    )]
    NextUnderWay {
        id: TourId,
        next: TourId,
        instead: &'static str,
    },
    #[error("Tour {id} starts on {starts_on}, so it can't be {action} yet.{}", not_started_hint(*.id, .action))]
    NotStartedYet {
        id: TourId,
        starts_on: NaiveDate,
        action: &'static str,
    },
    #[error("Check-ins can come every 1 to {max} months.")]
    CadenceOutOfRange { max: u32 },
    #[error("Check-in {number} of tour {id} has no question about objective {objective}.")]
    NoSuchPromise {
        id: TourId,
        number: u32,
        objective: u32,
    },
    #[error(
        "You can see tour {id} because you take over from {member}, but only its manager and its member can change it."
    )]
    ReadOnly { id: TourId, member: String },
    #[error(
        "Tour {id} is still a proposal, so its mission is {manager}'s to change: it is the offer you are answering. Decline with a reason, or talk it over."
    )]
    MissionIsTheManagers { id: TourId, manager: String },
    #[error("Objective {number} of tour {id} was removed.")]
    ObjectiveGone { id: TourId, number: u32 },
    #[error("Objective {number} of tour {id} isn't done, so there is nothing to undo.")]
    NotDone { id: TourId, number: u32 },
    #[error("{0} already says exactly that; nothing changed.")]
    Unchanged(String),
    #[error("{manager} is already the manager of tour {id}.")]
    AlreadyManager { id: TourId, manager: String },
    #[error("{member} is the member of tour {id}, so they can't also be its manager.")]
    ManagerIsMember { id: TourId, member: String },
}

fn day_after(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(day)
}

fn day_before(day: NaiveDate) -> NaiveDate {
    day.pred_opt().unwrap_or(day)
}

fn member_has_a_tour_advice(other: TourId, dates: &Dates, yours: bool) -> String {
    let n = other.0;
    match dates.1 {
        None => {
            format!("It is open-ended, so it has to be completed first (`/tour complete {n}`).")
        }
        Some(end) if yours => format!(
            "To follow it, propose the next tour (`/tour next {n} …`), or give dates that start after {end}."
        ),
        Some(end) => {
            format!(
                "Give dates that start after {end}, or propose again once {other} is completed."
            )
        }
    }
}

fn not_started_hint(id: TourId, action: &str) -> String {
    match action {
        "completed" => format!(
            " Its manager can call it off before then with `/tour withdraw {}`.",
            id.0
        ),
        "ended early" => " Plan the exit from the tour under way instead.".to_string(),
        _ => String::new(),
    }
}

/// An agreed tour's days, as answers show them: `2026-12-02 → 2029-06-30`,
/// or `open-ended since 2026-12-02`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dates(pub NaiveDate, pub Option<NaiveDate>);

impl fmt::Display for Dates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(end) => write!(f, "{} → {end}", self.0),
            None => write!(f, "open-ended since {}", self.0),
        }
    }
}

pub const MAX_MISSION: usize = 1000;
pub const MAX_OBJECTIVE: usize = 500;
pub const MAX_REASON: usize = 500;

pub(crate) fn check_text(text: &str, max: usize) -> Result<String, TourError> {
    let text = text.trim();
    let len = text.chars().count();
    if len > max {
        return Err(TourError::TooLong { len, max });
    }
    Ok(text.to_string())
}

impl Tour {
    /// A manager proposes a tour to a member.
    pub fn propose(
        id: TourId,
        manager: &UserId,
        member: &UserId,
        kind: TourKind,
        term: Term,
        mission: &str,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        if manager == member {
            return Err(TourError::SelfProposal);
        }
        let mission = check_text(mission, MAX_MISSION)?;
        if mission.is_empty() {
            return Err(TourError::EmptyMission);
        }
        let term = term.check(kind)?;
        let (starts_on, ends_on) = match term {
            // A start in the past formalises a tour already under way; an
            // end in the past is a tour that is over.
            Term::Dates { to, .. } if to < now.date_naive() => {
                return Err(TourError::EndInThePast { to });
            }
            Term::Dates { from, to } => (Some(from), Some(to)),
            _ => (None, None),
        };
        let tour = Tour {
            id,
            manager: manager.clone(),
            member: member.clone(),
            kind,
            mission: mission.clone(),
            term,
            status: Status::Proposed,
            starts_on,
            ends_on,
            accepted_on: None,
            objectives: Vec::new(),
            proposed_at: now,
            history_len: 0,
            previous: None,
            next: None,
            exit: None,
            checkin_every_months: None,
            checkin_from: None,
            checkins: 0,
            previous_managers: Vec::new(),
        };
        let entry = HistoryEntry {
            at: now,
            by: manager.clone(),
            event: Event::Proposed {
                kind,
                term,
                mission,
            },
        };
        Ok(tour.record(entry))
    }

    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        role_in(user, &self.manager, &self.member)
    }

    pub fn summary(&self) -> TourSummary {
        TourSummary {
            id: self.id,
            manager: self.manager.clone(),
            member: self.member.clone(),
            kind: self.kind,
            status: self.status,
            term: self.term,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            mission: self.mission.clone(),
            objectives_done: self.live_objectives().filter(|(_, o)| o.is_done()).count() as u32,
            objectives_total: self.live_objectives().count() as u32,
        }
    }

    /// Who proposed it: its first manager.
    pub fn proposed_by(&self) -> &UserId {
        self.previous_managers.first().unwrap_or(&self.manager)
    }

    /// The objectives that were not removed, with their numbers (from 1).
    pub fn live_objectives(&self) -> impl Iterator<Item = (u32, &Objective)> {
        self.objectives
            .iter()
            .enumerate()
            .filter(|(_, o)| !o.is_removed())
            .map(|(i, o)| (i as u32 + 1, o))
    }

    /// Parties and admins see a tour, and so does the successor named in
    /// its exit plan while the handover runs; nobody else learns it exists.
    pub fn visible_to(&self, user: &UserId, is_admin: bool) -> bool {
        is_admin || self.role_of(user).is_some() || self.is_successor(user)
    }

    /// The successor named in the exit plan, while the member is leaving.
    pub fn is_successor(&self, user: &UserId) -> bool {
        self.status == Status::Leaving && self.exit.as_ref().is_some_and(|e| &e.successor == user)
    }

    /// Sees the tour only as its successor: may read, not change.
    pub fn is_read_only_for(&self, user: &UserId, is_admin: bool) -> bool {
        !is_admin && self.role_of(user).is_none() && self.is_successor(user)
    }

    /// Whether `user` may try to change the tour at all (the rule of each
    /// change then decides): a stranger learns nothing, a successor is told
    /// the tour is read-only for them.
    pub fn check_may_change(&self, user: &UserId, is_admin: bool) -> Result<(), TourError> {
        if !self.visible_to(user, is_admin) {
            return Err(TourError::NotFound(self.id));
        }
        if self.is_read_only_for(user, is_admin) {
            return Err(TourError::ReadOnly {
                id: self.id,
                member: self.member.mention(),
            });
        }
        Ok(())
    }

    /// The member agrees to the term sheet; dates are fixed now. For a
    /// member with other tours, see [`Tour::accept_among`].
    pub fn accept(
        &self,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        let mut changes = self.accept_among(by, now, &[])?;
        Ok(changes.swap_remove(0))
    }

    pub fn decline(
        &self,
        by: &UserId,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require(by, Role::Member, "decline")?;
        self.require_status(Status::Proposed, "declined")?;
        let reason = reason
            .map(|r| check_text(r, MAX_REASON))
            .transpose()?
            .filter(|r| !r.is_empty());
        let mut tour = self.clone();
        tour.status = Status::Declined;
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::Declined { reason },
        }))
    }

    pub fn withdraw(
        &self,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require(by, Role::Manager, "withdraw")?;
        self.require_status(Status::Proposed, "withdrawn")?;
        let mut tour = self.clone();
        tour.status = Status::Withdrawn;
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::Withdrawn,
        }))
    }

    pub fn add_objective(
        &self,
        by: &UserId,
        side: Side,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "add objectives to")?;
        self.require_open("changed")?;
        let text = check_text(text, MAX_OBJECTIVE)?;
        if text.is_empty() {
            return Err(TourError::EmptyObjective);
        }
        let mut tour = self.clone();
        tour.objectives.push(Objective {
            side,
            text: text.clone(),
            done_at: None,
            removed_at: None,
        });
        let number = tour.objectives.len() as u32;
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::ObjectiveAdded { number, side, text },
        }))
    }

    pub fn complete_objective(
        &self,
        by: &UserId,
        number: u32,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require_party(by, "update objectives of")?;
        self.require_open("changed")?;
        let mut tour = self.clone();
        let objective = tour.live_objective_mut(number)?;
        if objective.done_at.is_some() {
            return Err(TourError::AlreadyDone {
                id: self.id,
                number,
            });
        }
        objective.done_at = Some(now);
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::ObjectiveDone { number },
        }))
    }

    /// Objective `number`, if it exists and was not removed.
    pub(crate) fn live_objective_mut(&mut self, number: u32) -> Result<&mut Objective, TourError> {
        let id = self.id;
        match number
            .checked_sub(1)
            .and_then(|i| self.objectives.get_mut(i as usize))
        {
            None => Err(TourError::NoSuchObjective { id, number }),
            Some(o) if o.is_removed() => Err(TourError::ObjectiveGone { id, number }),
            Some(o) => Ok(o),
        }
    }

    pub(crate) fn record(mut self, entry: HistoryEntry) -> (Tour, HistoryEntry) {
        self.history_len += 1;
        (self, entry)
    }

    pub(crate) fn require(
        &self,
        by: &UserId,
        role: Role,
        action: &'static str,
    ) -> Result<(), TourError> {
        if self.role_of(by) == Some(role) {
            return Ok(());
        }
        let who = match role {
            Role::Manager => self.manager.mention(),
            Role::Member => self.member.mention(),
        };
        Err(TourError::NotYourCall {
            id: self.id,
            who: format!("{who} (the {})", role_name(role)),
            action,
        })
    }

    pub(crate) fn require_party(&self, by: &UserId, action: &'static str) -> Result<(), TourError> {
        if self.role_of(by).is_some() {
            return Ok(());
        }
        Err(TourError::NotYourCall {
            id: self.id,
            who: "the manager or the member".to_string(),
            action,
        })
    }

    pub(crate) fn require_status(
        &self,
        status: Status,
        action: &'static str,
    ) -> Result<(), TourError> {
        if self.status == status {
            return Ok(());
        }
        Err(TourError::WrongStatus {
            id: self.id,
            status: self.status.name(),
            action,
        })
    }

    pub(crate) fn require_open(&self, action: &'static str) -> Result<(), TourError> {
        if self.status.is_open() {
            return Ok(());
        }
        Err(TourError::WrongStatus {
            id: self.id,
            status: self.status.name(),
            action,
        })
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Manager => "manager",
        Role::Member => "member",
    }
}
