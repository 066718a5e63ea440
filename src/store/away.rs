//! Away periods in the store: `/tour away until YYYY-MM-DD` holds every
//! reminder to a person until the day they are back (the rules are
//! `domain::hours`), and what fell due meanwhile comes once when they are
//! back, one message per series.
//!
//! One [`Away`] record per person per workspace in the `away` tree
//! (`team ∅ user`): the day they are back, and `held` — for each series
//! that fell due while they were away (`tour:thread`, see
//! `Series::thread`), the outbox key of its latest occurrence. The
//! delivery worker, about to send a reminder to someone away, moves it once
//! to when they may have it again (the first working moment of their
//! return) and records it in `held`, in one transaction
//! ([`Store::hold_if_away`]); an occurrence of the same series held before
//! is dropped then, so a weekly series missed three times comes back as one
//! message, the latest. Nothing more is written for it until it comes due
//! again. Moving the day (`set_away`) or coming back early (`end_away`)
//! moves what is held, in the same transaction.
//!
//! Kept apart from the users cache (`outbox::UserCache`), which the worker
//! rewrites whole after its Slack lookups: a command setting an away period
//! in between could otherwise be lost.

use super::outbox::{self, OutboxEntry, OutboxState};
use super::{Store, StoreError, TreeName, Tx, TxFail, decode, encode, keys};
use crate::domain::notice::NoticeKind;
use crate::domain::{TeamId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Someone's away period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Away {
    /// The day they are back: reminders come again from its start, in
    /// their zone and working hours.
    pub back_on: NaiveDate,
    /// When they set it.
    pub set_at: DateTime<Utc>,
    /// What waits for their return: per `tour:series`, the outbox key of
    /// the latest occurrence held.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub held: BTreeMap<String, String>,
}

/// What [`Store::hold_if_away`] did with a reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Its recipient is not away: deliver it as usual.
    NotAway,
    /// Moved to this instant, their return.
    Until(DateTime<Utc>),
    /// A later occurrence of its series waits for their return already:
    /// this one is dropped.
    Replaced,
}

fn fail(e: StoreError) -> TxFail {
    TxFail::Engine(e.to_string())
}

pub(crate) fn read_in(tx: &dyn Tx, team: &TeamId, user: &UserId) -> Result<Option<Away>, TxFail> {
    tx.get(TreeName::Away, &keys::person(team, user))?
        .map(|b| decode(TreeName::Away, &b).map_err(fail))
        .transpose()
}

/// Moves every entry `away` holds that is still pending to `at`, and
/// forgets the others.
fn move_held_in(
    tx: &dyn Tx,
    team: &TeamId,
    away: &mut Away,
    at: DateTime<Utc>,
) -> Result<(), TxFail> {
    let mut kept = BTreeMap::new();
    for (series, key) in std::mem::take(&mut away.held) {
        let Some(mut entry) = outbox::read_entry_in(tx, team, &key)? else {
            continue;
        };
        if entry.state != OutboxState::Pending {
            continue;
        }
        entry.not_before = at;
        outbox::save_entry_in(tx, &entry)?;
        kept.insert(series, key);
    }
    away.held = kept;
    Ok(())
}

impl Store {
    /// `user`'s away record, if they set one (it may be over).
    pub fn away(&self, team: &TeamId, user: &UserId) -> Result<Option<Away>, StoreError> {
        self.backend
            .get(TreeName::Away, &keys::person(team, user))?
            .map(|v| decode(TreeName::Away, &v))
            .transpose()
    }

    /// Sets `user` away until `back_on` (or moves the day), durably. What
    /// an earlier period holds and is still pending moves to `held_until`,
    /// the first moment they may have reminders again. Returns the record
    /// it replaced.
    pub fn set_away(
        &self,
        team: &TeamId,
        user: &UserId,
        back_on: NaiveDate,
        held_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Away>, StoreError> {
        self.run(self.durable, |tx| {
            let old = read_in(tx, team, user)?;
            let mut away = Away {
                back_on,
                set_at: now,
                held: old.as_ref().map(|o| o.held.clone()).unwrap_or_default(),
            };
            move_held_in(tx, team, &mut away, held_until)?;
            tx.insert(TreeName::Away, &keys::person(team, user), &encode(&away))?;
            Ok(Ok::<_, ()>(old))
        })
        .map(|r| r.unwrap_or_default())
    }

    /// Ends `user`'s away period, durably: what it holds may go from `now`
    /// (in their working hours). Returns the record removed, if any.
    pub fn end_away(
        &self,
        team: &TeamId,
        user: &UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<Away>, StoreError> {
        self.run(self.durable, |tx| {
            let Some(mut away) = read_in(tx, team, user)? else {
                return Ok(Ok::<_, ()>(None));
            };
            let removed = away.clone();
            move_held_in(tx, team, &mut away, now)?;
            tx.remove(TreeName::Away, &keys::person(team, user))?;
            Ok(Ok(Some(removed)))
        })
        .map(|r| r.unwrap_or_default())
    }

    /// The worker's step for a reminder about to go: if its recipient is
    /// away at `now` — until the first moment they may have reminders again
    /// (`until` gives it for the day they are back, and when this one may
    /// go) — it waits for their return, moved once, and is recorded as
    /// what their return brings of its series, in place of an older
    /// occurrence held before (which is dropped), or dropped itself if a
    /// later one waits already. So an occurrence due in the night of their
    /// return also stands in for the one held. Not flushed by itself, like
    /// the worker's other notes: repeated if lost. Writes nothing for
    /// someone who is not away.
    pub fn hold_if_away(
        &self,
        entry: &OutboxEntry,
        now: DateTime<Utc>,
        until: impl Fn(NaiveDate) -> (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Held, StoreError> {
        let NoticeKind::Reminder { series, .. } = &entry.notice.kind else {
            return Ok(Held::NotAway);
        };
        let (team, user) = (&entry.team, entry.recipient());
        let series = format!("{}:{}", entry.notice.tour.0, series.thread());
        self.run(false, |tx| {
            let Some(mut away) = read_in(tx, team, user)? else {
                return Ok(Ok::<_, ()>(Held::NotAway));
            };
            let (returned, may_go) = until(away.back_on);
            if now >= returned {
                return Ok(Ok(Held::NotAway));
            }
            let earlier = match away.held.get(&series) {
                Some(key) if *key != entry.key => outbox::read_entry_in(tx, team, key)?
                    .filter(|e| e.state == OutboxState::Pending),
                _ => None,
            };
            if let Some(mut earlier) = earlier {
                let dropped = OutboxState::Dropped { at: now };
                if earlier.created_at > entry.created_at {
                    let mut this = entry.clone();
                    this.state = dropped;
                    outbox::save_entry_in(tx, &this)?;
                    return Ok(Ok(Held::Replaced));
                }
                earlier.state = dropped;
                outbox::save_entry_in(tx, &earlier)?;
            }
            let mut this = entry.clone();
            this.not_before = may_go;
            outbox::save_entry_in(tx, &this)?;
            away.held.insert(series.clone(), entry.key.clone());
            tx.insert(TreeName::Away, &keys::person(team, user), &encode(&away))?;
            Ok(Ok(Held::Until(may_go)))
        })
        .map(|r| r.unwrap_or(Held::NotAway))
    }
}
