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
