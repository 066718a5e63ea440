//! The alumni tree: one record per person who left, by workspace, and the
//! keep-in-touch reminders that follow each record.
//!
//! A keep-in-touch reminder is a due entry like any other, with tour 0 (it
//! is about a person, not a tour) and series `keep-in-touch:U…:nN`. Every
//! write of a record plans its next occurrence after now for its liaison;
//! one made stale by a logged contact or a new liaison is dropped when it
//! comes up (see [`check_keep_in_touch_in`]).

use super::reminders::{DueReminder, plan_in, unplan_in};
use super::{Store, StoreError, TreeName, Tx, TxFail, decode, encode, keys};
use crate::domain::alumni::Alumnus;
use crate::domain::schedule::{ReminderPolicy, Series, keep_in_touch_at};
use crate::domain::{TeamId, TourId, UserId};
use chrono::{DateTime, Utc};

/// What due entries carry for "not about a tour".
pub const NO_TOUR: TourId = TourId(0);

/// The first keep-in-touch occurrence about `alumnus` after `now`.
pub(crate) fn next_occurrence(
    team: &TeamId,
    alumnus: &Alumnus,
    policy: &ReminderPolicy,
    now: DateTime<Utc>,
) -> Option<DueReminder> {
    // Bounded: a cadence of at least a month reaches any date in time.
    (1..=2400u32).find_map(|n| {
        let at = keep_in_touch_at(alumnus, policy, n)?;
        (at > now).then(|| DueReminder {
            at,
            team: team.clone(),
            tour: NO_TOUR,
            series: Series::KeepInTouch(alumnus.user.clone(), n),
            to: None,
            round: 0,
            recipients: vec![alumnus.liaison.clone()],
        })
    })
}

pub(crate) fn read_in(
    tx: &dyn Tx,
    team: &TeamId,
    user: &UserId,
) -> Result<Option<Alumnus>, TxFail> {
    tx.get(TreeName::Alumni, &keys::person(team, user))?
        .map(|b| decode(TreeName::Alumni, &b).map_err(|e| TxFail::Engine(e.to_string())))
        .transpose()
}

/// Writes a record and moves its next keep-in-touch reminder.
pub(crate) fn put_in(
    tx: &dyn Tx,
    team: &TeamId,
    policy: &ReminderPolicy,
    old: Option<&Alumnus>,
    new: &Alumnus,
    now: DateTime<Utc>,
) -> Result<(), TxFail> {
    let before = old.and_then(|o| next_occurrence(team, o, policy, now));
    let after = next_occurrence(team, new, policy, now);
    if before != after {
        if let Some(before) = &before {
            unplan_in(tx, before)?;
        }
        if let Some(after) = &after {
            plan_in(tx, after)?;
        }
    }
    tx.insert(
        TreeName::Alumni,
        &keys::person(team, &new.user),
        &encode(new),
    )
}

/// Whether the keep-in-touch reminder `series` (planned for `planned`, to
/// `to`) is still owed; the first time it is, the next one is planned. A
/// snoozed one (`round` ≥ 1) is owed while no contact was logged since,
/// and a snooze of the liaison's holds the series back (`Snooze::holds`).
pub(crate) fn check_keep_in_touch_in(
    tx: &dyn Tx,
    team: &TeamId,
    policy: &ReminderPolicy,
    series: &Series,
    round: u32,
    to: &UserId,
    planned: DateTime<Utc>,
) -> Result<bool, TxFail> {
    let Series::KeepInTouch(who, n) = series else {
        return Ok(false);
    };
    let Some(alumnus) = read_in(tx, team, who)? else {
        return Ok(false);
    };
    if &alumnus.liaison != to || alumnus.reminders_off {
        return Ok(false);
    }
    let held = |tx: &dyn Tx| {
        let previous = n
            .checked_sub(1)
            .and_then(|p| keep_in_touch_at(&alumnus, policy, p));
        super::reminders::held_in(tx, team, NO_TOUR, series, round, to, planned, previous)
    };
    if round > 0 {
        // A snoozed one, unless a contact logged since moved the series on.
        let still_due = keep_in_touch_at(&alumnus, policy, *n).is_some_and(|at| at <= planned);
        return Ok(still_due && !held(tx)?);
    }
    if keep_in_touch_at(&alumnus, policy, *n) != Some(planned) {
        return Ok(false);
    }
    if let Some(next) = next_occurrence(team, &alumnus, policy, planned) {
        plan_in(tx, &next)?;
    }
    // Snoozed past it: the series goes on, but not to them now.
    Ok(!held(tx)?)
}

impl Store {
    pub fn alumnus(&self, team: &TeamId, user: &UserId) -> Result<Option<Alumnus>, StoreError> {
        self.backend
            .get(TreeName::Alumni, &keys::person(team, user))?
            .map(|v| decode(TreeName::Alumni, &v))
            .transpose()
    }

    /// Every alumnus of a workspace, by user id.
    pub fn alumni(&self, team: &TeamId) -> Result<Vec<Alumnus>, StoreError> {
        self.backend
            .scan_prefix(TreeName::Alumni, &keys::team_prefix(team), usize::MAX)?
            .iter()
            .map(|(_, v)| decode(TreeName::Alumni, v))
            .collect()
    }

    /// Applies `rule` to the record of `user` (or creates one when there is
    /// none and `rule` makes one), durably, with its reminder moved.
    pub fn change_alumnus<E>(
        &self,
        team: &TeamId,
        user: &UserId,
        now: DateTime<Utc>,
        rule: impl Fn(Option<&Alumnus>) -> Result<Alumnus, E>,
    ) -> Result<Result<Alumnus, E>, StoreError> {
        let policy = self.policy.clone();
        self.run(self.durable, |tx| {
            let old = read_in(tx, team, user)?;
            let new = match rule(old.as_ref()) {
                Ok(new) => new,
                Err(e) => return Ok(Err(e)),
            };
            put_in(tx, team, &policy, old.as_ref(), &new, now)?;
            Ok(Ok(new))
        })
    }

    /// Erases the record of `user` and its next reminder (`/alumni remove`).
    /// `check` decides who may.
    pub fn remove_alumnus<E>(
        &self,
        team: &TeamId,
        user: &UserId,
        now: DateTime<Utc>,
        check: impl Fn(&Alumnus) -> Result<(), E>,
        missing: impl Fn() -> E,
    ) -> Result<Result<(), E>, StoreError> {
        let policy = self.policy.clone();
        self.run(self.durable, |tx| {
            let Some(old) = read_in(tx, team, user)? else {
                return Ok(Err(missing()));
            };
            if let Err(e) = check(&old) {
                return Ok(Err(e));
            }
            if let Some(next) = next_occurrence(team, &old, &policy, now) {
                unplan_in(tx, &next)?;
            }
            tx.remove(TreeName::Alumni, &keys::person(team, user))?;
            Ok(Ok(()))
        })
    }
}
