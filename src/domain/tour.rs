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
//!   that many months later; a tour proposed `from DATE to DATE` keeps those
//!   dates. Foundational tours are open-ended and take no length.
//! - Lengths run from 1 month to 10 years; anything else is a typo.
//! - Objectives are numbered from 1 in the order they were added and are never
//!   renumbered, so "objective 3" means the same thing in every message.
//! - Objectives can be added or marked done while a tour is proposed or
//!   active; a declined or withdrawn tour is closed for good.

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
            (_, Term::Dates { from, to })
                if from
                    .checked_add_months(Months::new(MAX_MONTHS))
                    .is_none_or(|max| to > max) =>
            {
                Err(TourError::BadLength)
            }
            _ => Ok(self),
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
        }
    }

    /// Still part of someone's working life (not closed).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Proposed | Status::Active | Status::Leaving)
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
        "You already answered for tour {id}: {}. Pressing again changes nothing; if you change your mind, tell your manager.",
        if *.joined { "you join the alumni network on your last day" } else { "you chose not to join the alumni network" }
    )]
    AlumniAnswered { id: TourId, joined: bool },
    #[error("Tour {id} already has a next tour ({next}) that is still open.")]
    NextPending { id: TourId, next: TourId },
    #[error("The tour after {id} is for its member, {member}; propose a new tour for anyone else.")]
    NextIsForTheMember { id: TourId, member: String },
    #[error("Check-ins can come every 1 to {max} months.")]
    CadenceOutOfRange { max: u32 },
    #[error("Check-in {number} of tour {id} has no question about objective {objective}.")]
    NoSuchPromise {
        id: TourId,
        number: u32,
        objective: u32,
    },
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
            objectives_done: self
                .objectives
                .iter()
                .filter(|o| o.done_at.is_some())
                .count() as u32,
            objectives_total: self.objectives.len() as u32,
        }
    }

    /// Parties and admins see a tour; nobody else learns it exists.
    pub fn visible_to(&self, user: &UserId, is_admin: bool) -> bool {
        is_admin || self.role_of(user).is_some()
    }

    /// The member agrees to the term sheet; dates are fixed now.
    pub fn accept(
        &self,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<(Tour, HistoryEntry), TourError> {
        self.require(by, Role::Member, "accept")?;
        self.require_status(Status::Proposed, "accepted")?;
        let today = now.date_naive();
        let (starts_on, ends_on) = match self.term {
            Term::Months(m) => (today, today.checked_add_months(Months::new(m))),
            Term::Dates { from, to } => (from, Some(to)),
            Term::OpenEnded => (today, None),
        };
        let mut tour = self.clone();
        tour.status = Status::Active;
        tour.starts_on = Some(starts_on);
        tour.ends_on = ends_on;
        tour.accepted_on = Some(today);
        Ok(tour.record(HistoryEntry {
            at: now,
            by: by.clone(),
            event: Event::Accepted { starts_on, ends_on },
        }))
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
        let objective = number
            .checked_sub(1)
            .and_then(|i| tour.objectives.get_mut(i as usize))
            .ok_or(TourError::NoSuchObjective {
                id: self.id,
                number,
            })?;
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

    fn require_open(&self, action: &'static str) -> Result<(), TourError> {
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
