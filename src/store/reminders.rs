//! The reminder index: the next firing of every series a tour is in, by
//! time, so that a scheduler tick reads exactly what has fallen due.
//!
//! Entries are planned by `put_tour` (when a change starts a series), by
//! [`Store::fire`] (the following occurrence) and by snoozes. They are checked
//! against the tour when they fire — `schedule::due_at` is the single source
//! of truth — so a reminder the tour no longer owes (answered, extended,
//! closed, marked done) is dropped then, at no cost before.

use super::{
    Store, StoreError, TreeName, Tx, TxFail, decode, decode_index, encode, encode_index, keys,
    outbox,
};
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::schedule::{self, ReminderPolicy, Series};
use crate::domain::{TeamId, Tour, TourId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueReminder {
    pub at: DateTime<Utc>,
    pub team: TeamId,
    pub tour: TourId,
    pub series: Series,
    /// Only this person (a snooze); `None`: the series' recipients.
    pub to: Option<UserId>,
    /// How many times it was snoozed (0 = as planned).
    pub round: u32,
}

impl DueReminder {
    fn key(&self) -> Vec<u8> {
        keys::due(
            self.at,
            &self.team,
            self.tour,
            &self.series.key(),
            self.to.as_ref(),
            self.round,
        )
    }
}

/// What firing a due reminder did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fired {
    /// Messages enqueued (0 if every recipient had it already or marked it done).
    Sent(usize),
    /// The tour no longer owes it.
    Dropped,
}

pub(crate) fn plan_in(
    tx: &dyn Tx,
    team: &TeamId,
    tour: TourId,
    series: &Series,
    at: DateTime<Utc>,
    to: Option<&UserId>,
    round: u32,
) -> Result<(), TxFail> {
    let due = DueReminder {
        at,
        team: team.clone(),
        tour,
        series: series.clone(),
        to: to.cloned(),
        round,
    };
    tx.insert(TreeName::Due, &due.key(), &encode_index(&due))
}

fn engine(e: StoreError) -> TxFail {
    TxFail::Engine(e.to_string())
}

/// Whom a due reminder would reach now: nobody if its tour no longer owes
/// it, and never someone who marked that kind of reminder done. The one
/// check behind both firing and `alliance reminders`.
fn recipients_in(
    tx: &dyn Tx,
    policy: &ReminderPolicy,
    due: &DueReminder,
) -> Result<Option<(Tour, Vec<UserId>)>, TxFail> {
    let Some(bytes) = tx.get(TreeName::Tours, &keys::tour(&due.team, due.tour))? else {
        return Ok(None);
    };
    let tour: Tour = decode(TreeName::Tours, &bytes).map_err(engine)?;
    let owed = schedule::due_at(&tour, policy, &due.series);
    let valid = if due.round == 0 {
        owed == Some(due.at)
    } else {
        owed.is_some()
    };
    if !valid {
        return Ok(None);
    }
    let mut recipients = match &due.to {
        Some(one) => vec![one.clone()],
        None => due.series.recipients(&tour),
    };
    let mut kept = Vec::with_capacity(recipients.len());
    for to in recipients.drain(..) {
        if tx
            .get(
                TreeName::Dismissed,
                &keys::dismissed(&due.team, due.tour, due.series.family(), &to),
            )?
            .is_none()
        {
            kept.push(to);
        }
    }
    Ok(Some((tour, kept)))
}

fn fire_in(
    tx: &dyn Tx,
    policy: &ReminderPolicy,
    due: &DueReminder,
    now: DateTime<Utc>,
) -> Result<Fired, TxFail> {
    let key = due.key();
    if tx.get(TreeName::Due, &key)?.is_none() {
        return Ok(Fired::Sent(0));
    }
    tx.remove(TreeName::Due, &key)?;
    let Some((tour, recipients)) = recipients_in(tx, policy, due)? else {
        return Ok(Fired::Dropped);
    };
    let mut sent = 0;
    for to in recipients {
        let notice = Notice {
            tour: due.tour,
            to,
            kind: NoticeKind::Reminder {
                series: due.series.clone(),
                round: due.round,
            },
        };
        if outbox::enqueue_in(tx, &due.team, &notice, due.at)? {
            sent += 1;
        }
    }
    if due.round == 0 {
        let mut next = schedule::following(&tour, policy, &due.series);
        while let Some(missed) = next.as_ref().filter(|n| n.at <= now) {
            next = schedule::following(&tour, policy, &missed.series);
        }
        if let Some(next) = next {
            plan_in(tx, &due.team, due.tour, &next.series, next.at, None, 0)?;
        }
    }
    Ok(Fired::Sent(sent))
}

impl Store {
    /// Reminders due at or before `now`, oldest first, at most `limit`.
    pub fn due_reminders(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueReminder>, StoreError> {
        self.backend
            .scan_range(TreeName::Due, &[], &keys::after_time(now), limit)?
            .iter()
            .map(|(_, v)| decode_index(TreeName::Due, v))
            .collect()
    }

    /// Fires due reminders, all in one transaction: each is checked against
    /// its tour as it is now, owes each recipient a message, plans its
    /// series' next occurrence and is removed. With `durable` false the
    /// caller flushes (a tick flushes once for all it fired; if it crashes
    /// first, the next tick fires the same entries again and the outbox keys
    /// keep anyone from hearing twice).
    ///
    /// After an outage, a weekly or yearly series resumes with its next
    /// occurrence after `now`: one catch-up message, not one per missed week.
    pub fn fire(
        &self,
        due: &[DueReminder],
        now: DateTime<Utc>,
        durable: bool,
    ) -> Result<Vec<Fired>, StoreError> {
        let policy = self.policy.clone();
        self.run(durable, |tx| {
            let fired = due
                .iter()
                .map(|d| fire_in(tx, &policy, d, now))
                .collect::<Result<Vec<_>, TxFail>>()?;
            Ok(Ok::<_, ()>(fired))
        })
        .map(|r| r.unwrap_or_default())
    }

    /// Whom `due` would reach if it fired now (empty: it would be dropped).
    /// Reads only.
    pub fn would_reach(&self, due: &DueReminder) -> Result<Vec<UserId>, StoreError> {
        let policy = self.policy.clone();
        // A transaction that always aborts: the same reads as firing, no writes.
        self.run(false, |tx| {
            let reached = recipients_in(tx, &policy, due)?
                .map(|(_, to)| to)
                .unwrap_or_default();
            Ok(Err::<(), _>(reached))
        })
        .map(|r| r.err().unwrap_or_default())
    }

    /// Brings a reminder back for one person at `until` (a snooze).
    pub fn snooze(
        &self,
        team: &TeamId,
        tour: TourId,
        series: &Series,
        to: &UserId,
        round: u32,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.run(self.durable, |tx| {
            plan_in(tx, team, tour, series, until, Some(to), round)?;
            Ok(Ok::<(), ()>(()))
        })
        .map(|_| ())
    }

    /// Switches a series off for one person ("done").
    pub fn dismiss(
        &self,
        team: &TeamId,
        tour: TourId,
        family: &str,
        user: &UserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.run(self.durable, |tx| {
            tx.insert(
                TreeName::Dismissed,
                &keys::dismissed(team, tour, family, user),
                &encode(&now),
            )?;
            Ok(Ok::<(), ()>(()))
        })
        .map(|_| ())
    }
}
