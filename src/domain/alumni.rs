//! The alumni network: people who left, and the colleague who keeps in
//! touch with them (their *liaison*, by default their last manager).
//!
//! A record holds only what the person agreed to (PRODUCT: "Alumni records
//! hold only what the person agreed to"): when they left, their last tour,
//! and — if they chose to leave one — a personal contact. Notes and the
//! contact log are written by the liaison and admins.
//!
//! Who joins, and when (decisions):
//! - Someone still on a running tour (as its member) is not added by hand:
//!   the way out of a tour is `/tour leave`, which asks them before their
//!   last day and makes them an alumnus on it if they say yes. With an exit
//!   already planned, that question is on its way. [`is_running`] is the one
//!   place that says which tours count.
//! - Nobody is added with a `left` date still to come (today is fine): the
//!   directory says who *has* left.
//! - The record keeps the tour they left from: set on their last day, or,
//!   when added by hand, their newest tour as member that ran and closed
//!   ([`last_tour_of`]).

use super::people::UserId;
use super::timeline::Phase;
use super::tour::{Role, Status, Tour, TourId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alumnus {
    pub user: UserId,
    pub left_on: Option<NaiveDate>,
    /// Who keeps in touch.
    pub liaison: UserId,
    /// The tour they left from, if Alliance knew it.
    pub last_tour: Option<TourId>,
    /// A personal contact the person chose to leave (private).
    pub contact: Option<String>,
    /// A note from whoever added them (private).
    pub note: Option<String>,
    /// Logged contacts, oldest first (private).
    pub contacts: Vec<Contact>,
    /// Marked as returning (a boomerang) by `/alumni rehire`.
    pub returning: bool,
    pub added_at: DateTime<Utc>,
    pub added_by: UserId,
    /// The liaison said "Not any more" to keep-in-touch reminders (until
    /// they log a contact again).
    #[serde(default)]
    pub reminders_off: bool,
}

/// One logged keep-in-touch contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub at: DateTime<Utc>,
    pub by: UserId,
    pub note: Option<String>,
}

impl Alumnus {
    /// The last time anyone was in touch: the newest logged contact, else
    /// when they were added. The keep-in-touch cadence runs from it.
    pub fn last_touch(&self) -> DateTime<Utc> {
        self.contacts.last().map_or(self.added_at, |c| c.at)
    }
}

/// The longest note anyone can keep on an alumnus or a contact.
pub const MAX_NOTE: usize = 500;

/// Why an alumni rule said no. Each message is written for the person who asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AlumniError {
    /// Also what someone hears who may not see the directory: no leak.
    #[error("{0} isn't in the alumni network that you can see.")]
    NotFound(String),
    #[error("{0} is already in the alumni network.")]
    Exists(String),
    #[error("Only admins or someone who was {0}'s manager can add them to the alumni network.")]
    MayNotAdd(String),
    #[error("Only {0}'s liaison or an admin can do that.")]
    NotLiaison(String),
    #[error("Someone can't be their own liaison.")]
    OwnLiaison,
    #[error("That note is too long ({len} characters); keep it under {max}.")]
    TooLong { len: usize, max: usize },
    #[error(
        "{who} is still on tour {tour}. Plan their exit with `/tour leave {} successor @user [on YYYY-MM-DD]`: before their last day they are asked whether to join the alumni network, and they join it on that day if they say yes.",
        tour.0
    )]
    OnTour { who: String, tour: TourId },
    #[error(
        "{who}'s exit from tour {tour} is planned for {on}: before then they are asked whether to join the alumni network, and they join it on their last day if they say yes."
    )]
    Leaving {
        who: String,
        tour: TourId,
        on: NaiveDate,
    },
    #[error(
        "{on} is in the future: the alumni network is for people who have left. Add them on their last day or after (`left` today or earlier)."
    )]
    LeftInFuture { on: NaiveDate },
}

/// Whether a tour still holds its member on `today` or later, so that they
/// are not an alumnus yet: under way (an exit planned or not), or agreed and
/// still to start. One whose end passed with nothing decided holds nobody
/// (see `domain::timeline`). Every phase is named: a new one must be
/// decided here.
pub fn is_running(tour: &Tour, today: NaiveDate) -> bool {
    match tour.phase(today) {
        Phase::Scheduled | Phase::Active | Phase::ActiveNextAgreed | Phase::Leaving => true,
        Phase::Proposed | Phase::AwaitingDecision | Phase::FollowedOn | Phase::Closed(_) => false,
    }
}

/// The tour `user` last served as member that ran and closed (the newest).
pub fn last_tour_of(tours: &[Tour], user: &UserId) -> Option<TourId> {
    tours
        .iter()
        .filter(|t| t.role_of(user) == Some(Role::Member))
        .filter(|t| matches!(t.status, Status::Completed | Status::Left))
        .map(|t| t.id)
        .max()
}

fn note(text: Option<&str>) -> Result<Option<String>, AlumniError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let len = text.chars().count();
    if len > MAX_NOTE {
        return Err(AlumniError::TooLong { len, max: MAX_NOTE });
    }
    Ok(Some(text.to_string()))
}

impl Alumnus {
    /// `/alumni add`: who may add is decided by the caller (admins or a
    /// former manager); the liaison defaults to whoever adds them. `tours`
    /// are the person's tours as member: one still running refuses the add,
    /// and the last one they served is kept.
    pub fn add(
        user: &UserId,
        by: &UserId,
        left_on: Option<NaiveDate>,
        liaison: Option<&UserId>,
        text: Option<&str>,
        tours: &[Tour],
        now: DateTime<Utc>,
    ) -> Result<Alumnus, AlumniError> {
        let running = tours
            .iter()
            .filter(|t| t.role_of(user) == Some(Role::Member) && is_running(t, now.date_naive()))
            .max_by_key(|t| t.id);
        if let Some(t) = running {
            let who = user.mention();
            return Err(match (t.status, &t.exit) {
                (Status::Leaving, Some(exit)) => AlumniError::Leaving {
                    who,
                    tour: t.id,
                    on: exit.on,
                },
                _ => AlumniError::OnTour { who, tour: t.id },
            });
        }
        let today = now.date_naive();
        if let Some(on) = left_on.filter(|on| *on > today) {
            return Err(AlumniError::LeftInFuture { on });
        }
        let liaison = liaison.unwrap_or(by).clone();
        if &liaison == user {
            return Err(AlumniError::OwnLiaison);
        }
        Ok(Alumnus {
            user: user.clone(),
            left_on: Some(left_on.unwrap_or(today)),
            liaison,
            last_tour: last_tour_of(tours, user),
            contact: None,
            note: note(text)?,
            contacts: Vec::new(),
            returning: false,
            added_at: now,
            added_by: by.clone(),
            reminders_off: false,
        })
    }

    /// The liaison and admins look after the record; they alone see its
    /// private parts (note, contact, contact log).
    pub fn is_steward(&self, who: &UserId, is_admin: bool) -> bool {
        is_admin || &self.liaison == who
    }

    fn require_steward(&self, who: &UserId, is_admin: bool) -> Result<(), AlumniError> {
        if self.is_steward(who, is_admin) {
            Ok(())
        } else {
            Err(AlumniError::NotLiaison(self.user.mention()))
        }
    }

    /// Logs a contact; the keep-in-touch cadence starts again from it.
    pub fn touch(
        &self,
        by: &UserId,
        is_admin: bool,
        text: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Alumnus, AlumniError> {
        self.require_steward(by, is_admin)?;
        let mut next = self.clone();
        next.contacts.push(Contact {
            at: now,
            by: by.clone(),
            note: note(text)?,
        });
        next.reminders_off = false;
        Ok(next)
    }

    pub fn hand_to(
        &self,
        by: &UserId,
        is_admin: bool,
        liaison: &UserId,
    ) -> Result<Alumnus, AlumniError> {
        self.require_steward(by, is_admin)?;
        if liaison == &self.user {
            return Err(AlumniError::OwnLiaison);
        }
        let mut next = self.clone();
        next.liaison = liaison.clone();
        Ok(next)
    }

    /// A boomerang: they are coming back.
    pub fn rehire(&self, by: &UserId, is_admin: bool) -> Result<Alumnus, AlumniError> {
        self.require_steward(by, is_admin)?;
        let mut next = self.clone();
        next.returning = true;
        Ok(next)
    }

    /// The liaison's "Not any more": no more keep-in-touch reminders until
    /// a contact is logged again.
    pub fn stop_reminders(&self, by: &UserId, is_admin: bool) -> Result<Alumnus, AlumniError> {
        self.require_steward(by, is_admin)?;
        let mut next = self.clone();
        next.reminders_off = true;
        Ok(next)
    }

    pub fn check_remove(&self, by: &UserId, is_admin: bool) -> Result<(), AlumniError> {
        self.require_steward(by, is_admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }

    #[test]
    fn the_liaison_and_admins_steward_a_record_and_touch_restarts_the_cadence() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let a = Alumnus::add(
            &u("UA"),
            &u("UM"),
            None,
            None,
            Some(" met at a conference "),
            &[],
            now,
        )
        .unwrap();
        assert_eq!(a.liaison, u("UM"));
        assert_eq!(a.left_on, Some(now.date_naive()));
        assert_eq!(a.note.as_deref(), Some("met at a conference"));
        assert_eq!(a.last_touch(), now);
        assert_eq!(
            Alumnus::add(&u("UA"), &u("UM"), None, Some(&u("UA")), None, &[], now),
            Err(AlumniError::OwnLiaison)
        );
        let later = now + chrono::Duration::days(40);
        assert!(matches!(
            a.touch(&u("UX"), false, None, later),
            Err(AlumniError::NotLiaison(_))
        ));
        let touched = a.touch(&u("UADMIN"), true, Some("coffee"), later).unwrap();
        assert_eq!(touched.last_touch(), later);
        let handed = touched.hand_to(&u("UM"), false, &u("UN")).unwrap();
        assert!(handed.is_steward(&u("UN"), false) && !handed.is_steward(&u("UM"), false));
        assert!(handed.rehire(&u("UN"), false).unwrap().returning);
        let off = handed.stop_reminders(&u("UN"), false).unwrap();
        assert!(off.reminders_off);
        assert!(
            !off.touch(&u("UN"), false, None, later)
                .unwrap()
                .reminders_off
        );
        let long = "x".repeat(MAX_NOTE + 1);
        assert!(matches!(
            a.touch(&u("UM"), false, Some(&long), later),
            Err(AlumniError::TooLong { .. })
        ));
    }

    #[test]
    fn no_one_on_a_running_tour_or_leaving_later_and_the_last_tour_is_kept() {
        use crate::domain::tour::{Term, TourKind};
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let propose = |id: u64| {
            Tour::propose(
                TourId(id),
                &u("UM"),
                &u("UA"),
                TourKind::Rotational,
                Term::Months(12),
                "x",
                now,
            )
            .unwrap()
            .0
        };
        let add = |tours: &[Tour], left: Option<NaiveDate>| {
            Alumnus::add(&u("UA"), &u("UM"), left, None, None, tours, now)
        };
        let active = propose(1).accept(&u("UA"), now).unwrap().0;
        assert_eq!(
            add(std::slice::from_ref(&active), None),
            Err(AlumniError::OnTour {
                who: "<@UA>".into(),
                tour: TourId(1)
            })
        );
        let on = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        let leaving = active
            .leave(&u("UA"), &u("US"), Some(on), None, now)
            .unwrap()
            .0;
        assert!(matches!(
            add(&[leaving], None),
            Err(AlumniError::Leaving { on: d, .. }) if d == on
        ));
        let completed = active.complete(&u("UM"), now).unwrap().0;
        let declined = propose(2).decline(&u("UA"), None, now).unwrap().0;
        let today = now.date_naive();
        assert_eq!(
            add(&[completed.clone(), declined.clone()], today.succ_opt()),
            Err(AlumniError::LeftInFuture {
                on: today.succ_opt().unwrap()
            })
        );
        let a = add(&[completed, declined], Some(today)).unwrap();
        assert_eq!(
            a.last_tour,
            Some(TourId(1)),
            "the newest tour that ran, not the declined one"
        );
        assert_eq!(add(&[propose(3)], None).unwrap().last_tour, None);
    }
}
