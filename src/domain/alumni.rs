//! The alumni network: people who left, and the colleague who keeps in
//! touch with them (their *liaison*, by default their last manager).
//!
//! A record holds only what the person agreed to (PRODUCT: "Alumni records
//! hold only what the person agreed to"): when they left, their last tour,
//! and — if they chose to leave one — a personal contact. Notes and the
//! contact log are written by the liaison and admins.

use super::people::UserId;
use super::tour::TourId;
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
    /// former manager); the liaison defaults to whoever adds them.
    pub fn add(
        user: &UserId,
        by: &UserId,
        left_on: Option<NaiveDate>,
        liaison: Option<&UserId>,
        text: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Alumnus, AlumniError> {
        let liaison = liaison.unwrap_or(by).clone();
        if &liaison == user {
            return Err(AlumniError::OwnLiaison);
        }
        Ok(Alumnus {
            user: user.clone(),
            left_on: Some(left_on.unwrap_or(now.date_naive())),
            liaison,
            last_tour: None,
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
            now,
        )
        .unwrap();
        assert_eq!(a.liaison, u("UM"));
        assert_eq!(a.left_on, Some(now.date_naive()));
        assert_eq!(a.note.as_deref(), Some("met at a conference"));
        assert_eq!(a.last_touch(), now);
        assert_eq!(
            Alumnus::add(&u("UA"), &u("UM"), None, Some(&u("UA")), None, now),
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
}
