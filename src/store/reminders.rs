//! The reminder index: the next firing of every series a tour is in, by
//! time, so that a scheduler tick reads exactly what has fallen due.
//!
//! Entries are planned by `put_tour` (when a change starts a series), by the
//! delivery of an occurrence ([`Store::check_reminder`] plans the following
//! one) and by snoozes. Each entry carries whom it is for, so **firing reads
//! no tour**. A tour's manager can change (`/tour reassign`): the entries
//! its change finds are readdressed then, and any other is readdressed when
//! it is about to go (a manager who handed the tour over is no longer a
//! recipient; the new manager is, once).
//!
//! An occurrence goes to the outbox in two steps, each one atomic:
//! 1. **Firing** (the scheduler's tick): the due entry moves, bytes as they
//!    are, to the *fired* region at the end of the index ([`keys::fired`]).
//!    That is a range read and two writes per due reminder, so a tick is
//!    short and holds the store's writer lock only briefly, however many
//!    reminders fall due at once (commands wait on that lock).
//! 2. **Fanning out** (the outbox worker, before each pass): a fired
//!    occurrence becomes one outbox entry per recipient, keyed so that
//!    nobody is ever owed it twice, in transactions of [`FAN_OUT_BATCH`].
//!
//! A crash between the two leaves the occurrence fired, and the next pass
//! fans it out; a crash before a tick's flush fires it again, and the outbox
//! keys keep anyone from hearing twice.
//!
//! Whether a reminder is still owed is decided when it is about to be sent,
//! against the tour as it is then (`schedule::due_at` is the single source of
//! truth), and never to someone who marked that kind of reminder done. So a
//! reminder that waited for someone's morning is not sent if the tour was
//! answered, extended or closed in the meantime.
//!
//! **Snoozes hold.** A snooze ([`Store::snooze`]) plans the reminder again
//! for its clicker alone (round ≥ 1) and records, per person and series
//! (`Series::thread`), until when: the `snoozes` tree, which the same check
//! reads beside "Done" — for a tour's reminders here, for keep-in-touch and
//! 1:1 reminders in their own checks. So nothing else of that series
//! reaches them before then, whatever was planned (the series' regular
//! occurrences keep coming to the other party, and keep planning the next
//! one), and exactly one message after (`schedule::Snooze::holds`). A
//! check-in's snooze pauses the conversation instead (`store::checkins`);
//! a scheduled check-in that falls in the pause is held the same way.

use super::{
    Store, StoreError, TreeName, Tx, TxFail, decode, decode_index, encode, encode_index, keys,
    outbox,
};
use crate::domain::alumni::Alumnus;
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::schedule::{self, Occurrence, ReminderPolicy, Series, Snooze};
use crate::domain::{TeamId, Tour, TourId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

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
    /// Whom it is for, fixed when planned (schema 2; see [`decode_due`]).
    pub recipients: Vec<UserId>,
}

/// A due entry as schema 1 wrote it: without its recipients.
#[derive(Deserialize)]
struct DueReminderV1 {
    at: DateTime<Utc>,
    team: TeamId,
    tour: TourId,
    series: Series,
    to: Option<UserId>,
    round: u32,
}

impl DueReminder {
    pub(crate) fn key(&self) -> Vec<u8> {
        keys::due(
            self.at,
            &self.team,
            self.tour,
            &self.series.key(),
            self.to.as_ref(),
            self.round,
        )
    }

    /// The next occurrence of a series of `tour`, for its recipients.
    pub fn planned(team: &TeamId, tour: &Tour, occurrence: &Occurrence) -> DueReminder {
        DueReminder {
            at: occurrence.at,
            team: team.clone(),
            tour: tour.id,
            series: occurrence.series.clone(),
            to: None,
            round: 0,
            recipients: occurrence.series.recipients(tour),
        }
    }
}

/// Reads a due entry of any schema. A schema-1 entry names no recipients;
/// they are the series' recipients in its tour (read once, when it fires).
pub(super) fn decode_due(store: &Store, bytes: &[u8]) -> Result<DueReminder, StoreError> {
    decode_due_with(bytes, |team, id| store.tour(team, id))
}

/// [`decode_due`] inside a transaction.
pub(super) fn decode_due_in(tx: &dyn Tx, bytes: &[u8]) -> Result<DueReminder, TxFail> {
    decode_due_with(bytes, |team, id| {
        super::read_tour_in(tx, team, id).map_err(|e| match e {
            TxFail::Engine(e) => StoreError::Engine(e),
            TxFail::Abort => StoreError::Engine("aborted".into()),
        })
    })
    .map_err(|e| TxFail::Engine(e.to_string()))
}

fn decode_due_with(
    bytes: &[u8],
    tour: impl Fn(&TeamId, TourId) -> Result<Option<Tour>, StoreError>,
) -> Result<DueReminder, StoreError> {
    if bytes.first() != Some(&1) {
        return decode_index(TreeName::Due, bytes);
    }
    let old: DueReminderV1 = decode_index(TreeName::Due, bytes)?;
    let recipients = match &old.to {
        Some(one) => vec![one.clone()],
        None => tour(&old.team, old.tour)?
            .map(|t| old.series.recipients(&t))
            .unwrap_or_default(),
    };
    Ok(DueReminder {
        at: old.at,
        team: old.team,
        tour: old.tour,
        series: old.series,
        to: old.to,
        round: old.round,
        recipients,
    })
}

pub(crate) fn plan_in(tx: &dyn Tx, due: &DueReminder) -> Result<(), TxFail> {
    tx.insert(TreeName::Due, &due.key(), &encode_index(due))
}

pub(crate) fn unplan_in(tx: &dyn Tx, due: &DueReminder) -> Result<(), TxFail> {
    tx.remove(TreeName::Due, &due.key())
}

/// `to`'s latest snooze of the series of `series` about `tour`, if any.
pub(crate) fn snooze_in(
    tx: &dyn Tx,
    team: &TeamId,
    tour: TourId,
    series: &Series,
    to: &UserId,
) -> Result<Option<Snooze>, TxFail> {
    tx.get(
        TreeName::Snoozes,
        &keys::snoozed(team, tour, &series.thread(), to),
    )?
    .map(|b| decode(TreeName::Snoozes, &b).map_err(|e| TxFail::Engine(e.to_string())))
    .transpose()
}

/// Whether a snooze of `to`'s holds back the occurrence of `series` about
/// `tour` planned for `planned` (round `round`; `previous`: when the one
/// before it in its series was planned). See `Snooze::holds`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn held_in(
    tx: &dyn Tx,
    team: &TeamId,
    tour: TourId,
    series: &Series,
    round: u32,
    to: &UserId,
    planned: DateTime<Utc>,
    previous: Option<DateTime<Utc>>,
) -> Result<bool, TxFail> {
    Ok(snooze_in(tx, team, tour, series, to)?
        .is_some_and(|snooze| snooze.holds(planned, round, previous)))
}

/// Whom a due reminder would reach now, of its recipients: nobody if its
/// tour no longer owes it, never someone who marked that kind of reminder
/// done, and nobody whose snooze holds it back (for a check-in: whose
/// conversation about the tour is paused past it). The one check behind
/// delivery and `alliance reminders`.
fn recipients_in(
    tx: &dyn Tx,
    policy: &ReminderPolicy,
    due: &DueReminder,
) -> Result<Option<(Tour, Vec<UserId>)>, TxFail> {
    if matches!(due.series, Series::Checkin(_)) && due.round > 0 {
        // A paused check-in conversation coming back: owed while it waits.
        return super::checkins::resume_owed_in(tx, due);
    }
    let Some(tour) = super::read_tour_in(tx, &due.team, due.tour)? else {
        return Ok(None);
    };
    let owed = schedule::due_at(&tour, policy, &due.series);
    let valid = if due.round == 0 {
        owed == Some(due.at)
    } else {
        owed.is_some()
    };
    if !valid {
        return Ok(None);
    }
    let previous = due
        .series
        .previous()
        .and_then(|p| schedule::due_at(&tour, policy, &p));
    let mut kept: Vec<UserId> = Vec::with_capacity(due.recipients.len());
    for to in &due.recipients {
        // Fixed when planned: a manager who handed the tour over
        // (`reassign`) is no longer reminded; the new one is instead.
        let to = if tour.previous_managers.contains(to)
            && tour.role_of(to).is_none()
            && due.series.recipients(&tour).contains(&tour.manager)
        {
            &tour.manager
        } else {
            to
        };
        if kept.contains(to) {
            continue;
        }
        let dismissed = tx
            .get(
                TreeName::Dismissed,
                &keys::dismissed(&due.team, due.tour, due.series.family(), to),
            )?
            .is_some();
        if dismissed
            || held_in(
                tx,
                &due.team,
                due.tour,
                &due.series,
                due.round,
                to,
                due.at,
                previous,
            )?
        {
            continue;
        }
        // A check-in snoozed (or paused) past this one comes back as the
        // paused conversation itself, then.
        if matches!(due.series, Series::Checkin(_))
            && super::checkins::read_chat_in(tx, &due.team, to)?.is_paused_past(due.tour, due.at)
        {
            continue;
        }
        kept.push(to.clone());
    }
    Ok(Some((tour, kept)))
}

/// Owes `notice` to `to` instead of its recipient, as of `planned` (so a
/// reminder is checked against the same occurrence when it goes).
fn readdress_in(
    tx: &dyn Tx,
    team: &TeamId,
    notice: &Notice,
    to: &UserId,
    planned: DateTime<Utc>,
) -> Result<(), TxFail> {
    let readdressed = Notice {
        to: to.clone(),
        ..notice.clone()
    };
    outbox::enqueue_in(tx, team, &readdressed, planned).map(|_| ())
}

/// How many fired occurrences one fan-out transaction takes at most.
pub const FAN_OUT_BATCH: usize = 64;
/// How many due reminders one firing transaction moves at most.
const FIRE_BATCH: usize = 512;
/// The longest a transaction of the tick or the fan-out goes on before it
/// commits what it did and lets the writer go: commands wait on that lock,
/// and however many reminders are due, none waits on one batch for longer.
pub const TX_TIME: Duration = Duration::from_millis(10);

/// What a bounded fan-out did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FannedOut {
    /// Messages that became owed.
    pub owed: usize,
    /// The budget ran out with occurrences still waiting.
    pub more: bool,
}

/// Turns the fired occurrence at `key` into a message owed to each
/// recipient, not yet checked against the tour (delivery does that).
/// Returns how many were new. The last day of an exit is the one occurrence
/// that changes a tour (see [`depart_in`]).
fn fan_out_in(
    tx: &dyn Tx,
    policy: &ReminderPolicy,
    key: &[u8],
    due: &DueReminder,
) -> Result<usize, TxFail> {
    if tx.get(TreeName::Due, key)?.is_none() {
        return Ok(0);
    }
    tx.remove(TreeName::Due, key)?;
    if due.series == Series::Exit {
        return depart_in(tx, policy, due);
    }
    let mut sent = 0;
    for to in &due.recipients {
        let notice = Notice {
            tour: due.tour,
            to: to.clone(),
            kind: NoticeKind::Reminder {
                series: due.series.clone(),
                round: due.round,
                on: due.series.keyed_by_day().then(|| due.at.date_naive()),
            },
        };
        if outbox::enqueue_in(tx, &due.team, &notice, due.at)? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Whether `tour` still leaves on the day `due` (its `exit` occurrence) is
/// planned for.
fn exit_stands(tour: &Tour, policy: &ReminderPolicy, due: &DueReminder) -> bool {
    schedule::due_at(tour, policy, &Series::Exit) == Some(due.at)
}

/// The exit date has come: the tour ends, and a member who said yes to the
/// alumni network becomes an alumnus with their manager as liaison.
fn depart_in(tx: &dyn Tx, policy: &ReminderPolicy, due: &DueReminder) -> Result<usize, TxFail> {
    let Some(tour) = super::read_tour_in(tx, &due.team, due.tour)? else {
        return Ok(0);
    };
    if !exit_stands(&tour, policy, due) {
        return Ok(0);
    }
    let Some((left, entry)) = tour.depart(due.at) else {
        return Ok(0);
    };
    let owed = crate::domain::notice::for_change(&left, &entry).len();
    super::put_tour(tx, &due.team, policy, Some(&tour), &left, &entry)?;
    let choice = tour.exit.as_ref().and_then(|e| e.alumni.as_ref());
    if let (Some(exit), Some(choice)) = (&tour.exit, choice.filter(|c| c.join)) {
        let old = super::alumni::read_in(tx, &due.team, &tour.member)?;
        let mut alumnus = old.clone().unwrap_or_else(|| Alumnus {
            user: tour.member.clone(),
            left_on: None,
            liaison: tour.manager.clone(),
            last_tour: None,
            contact: None,
            note: None,
            contacts: Vec::new(),
            returning: false,
            added_at: due.at,
            added_by: tour.member.clone(),
            reminders_off: false,
        });
        alumnus.left_on = Some(exit.on);
        alumnus.last_tour = Some(tour.id);
        alumnus.returning = false;
        if choice.contact.is_some() {
            alumnus.contact = choice.contact.clone();
        }
        super::alumni::put_in(tx, &due.team, policy, old.as_ref(), &alumnus, due.at)?;
    }
    Ok(owed)
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
            .map(|(_, v)| decode_due(self, v))
            .collect()
    }

    /// Fires up to `limit` reminders due at or before `now`, in one
    /// transaction that reads them too (so nothing a command changed in
    /// between is fired): each moves, bytes unchanged, to the fired region
    /// (see the module docs). The transaction also stops after
    /// [`TX_TIME`], so it never holds the writer long. Returns how many
    /// fired: fewer than `limit` only when nothing more was due. With
    /// `durable` false the caller flushes (a tick flushes once for all it
    /// fired).
    pub fn fire_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        durable: bool,
    ) -> Result<usize, StoreError> {
        let mut fired = 0;
        while fired < limit {
            let (n, cut_short) = self
                .run(durable, |tx| {
                    let started = Instant::now();
                    let due = tx.scan_range(
                        TreeName::Due,
                        &[],
                        &keys::after_time(now),
                        (limit - fired).min(FIRE_BATCH),
                    )?;
                    let mut n = 0;
                    for (key, value) in &due {
                        if n > 0 && started.elapsed() >= TX_TIME {
                            return Ok(Ok::<_, ()>((n, true)));
                        }
                        tx.remove(TreeName::Due, key)?;
                        tx.insert(TreeName::Due, &keys::fired(key), value)?;
                        n += 1;
                    }
                    Ok(Ok((n, n == FIRE_BATCH)))
                })?
                .unwrap_or_default();
            fired += n;
            if !cut_short {
                break;
            }
        }
        Ok(fired)
    }

    /// Occurrences that fired and are not fanned out yet, at most `limit`.
    pub fn fired_reminders(&self, limit: usize) -> Result<Vec<DueReminder>, StoreError> {
        self.backend
            .scan_prefix(TreeName::Due, &keys::FIRED, limit)?
            .iter()
            .map(|(_, v)| decode_due(self, v))
            .collect()
    }

    /// Fans every fired occurrence out into the outbox (see
    /// [`Store::fan_out_for`]). Returns how many messages became owed.
    pub fn fan_out(&self) -> Result<usize, StoreError> {
        Ok(self.fan_out_for(None)?.owed)
    }

    /// Fans fired occurrences out into the outbox, [`FAN_OUT_BATCH`] per
    /// transaction and never longer than [`TX_TIME`] in one (not flushed:
    /// the delivery that follows is), for at most `budget` in all. One
    /// occurrence that cannot be fanned out (an unreadable value) does not
    /// hold up the others: it is logged and left where it is, for
    /// `alliance reminders` to show.
    pub fn fan_out_for(&self, budget: Option<Duration>) -> Result<FannedOut, StoreError> {
        // Team ids are ASCII, so every fired key sorts below this.
        let end = [&keys::FIRED[..], &[0xff]].concat();
        let mut from = keys::FIRED.to_vec();
        let started = Instant::now();
        let mut out = FannedOut::default();
        loop {
            if budget.is_some_and(|b| started.elapsed() >= b) {
                out.more = !self
                    .backend
                    .scan_range(TreeName::Due, &from, &end, 1)?
                    .is_empty();
                return Ok(out);
            }
            let batch = self
                .backend
                .scan_range(TreeName::Due, &from, &end, FAN_OUT_BATCH)?;
            if batch.is_empty() {
                return Ok(out);
            }
            let done = match self.fan_out_batch(&batch) {
                Ok((owed, done)) => {
                    out.owed += owed;
                    done
                }
                Err(_) => {
                    let one = &batch[..1];
                    match self.fan_out_batch(one) {
                        Ok((owed, _)) => out.owed += owed,
                        Err(e) => tracing::error!(
                            error = %e,
                            "a fired reminder cannot be fanned out; it is left in place"
                        ),
                    }
                    1
                }
            };
            from = [batch[done - 1].0.as_slice(), &[0]].concat();
        }
    }

    /// Fans out a prefix of `batch` in one transaction: all of it, or as much
    /// as [`TX_TIME`] allows (at least one). Returns what became owed and
    /// how many occurrences it took.
    fn fan_out_batch(&self, batch: &[(Vec<u8>, Vec<u8>)]) -> Result<(usize, usize), StoreError> {
        self.run(false, |tx| {
            let started = Instant::now();
            let mut owed = 0;
            for (n, (key, value)) in batch.iter().enumerate() {
                if n > 0 && started.elapsed() >= TX_TIME {
                    return Ok(Ok::<_, ()>((owed, n)));
                }
                let due = decode_due_in(tx, value)?;
                owed += fan_out_in(tx, &self.policy, key, &due)?;
            }
            Ok(Ok((owed, batch.len())))
        })
        .map(|r| r.unwrap_or_default())
    }

    /// Whether the message `notice` (a reminder planned for `planned`) is
    /// still owed to its recipient at `now`. The first time an occurrence is
    /// found owed, the following one of its series is planned — after
    /// `now`, so a weekly or yearly series that missed occurrences during an
    /// outage resumes with one message, not one per missed week. A reminder
    /// or check-in summary meant for a manager who handed the tour over is
    /// owed to the new manager instead; a change message is owed while it
    /// has something to tell (`changes`). Other messages are always owed.
    pub fn check_reminder(
        &self,
        team: &TeamId,
        notice: &Notice,
        planned: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (series, round) = match &notice.kind {
            NoticeKind::Reminder { series, round, .. } => (series, round),
            NoticeKind::Changes { .. } => {
                return Ok(self.changes_to_tell(team, notice)?.is_some());
            }
            NoticeKind::CheckedIn { .. } => {
                return self.readdress_in_role(team, notice, planned);
            }
            _ => return Ok(true),
        };
        if let Series::KeepInTouch(..) = series {
            let policy = self.policy.clone();
            return self
                .run(false, |tx| {
                    let owed = super::alumni::check_keep_in_touch_in(
                        tx, team, &policy, series, *round, &notice.to, planned,
                    )?;
                    Ok(Ok::<_, ()>(owed))
                })
                .map(|r| r.unwrap_or_default());
        }
        if let Series::OneOnOne { .. } = series {
            return self
                .run(false, |tx| {
                    let owed = super::one_on_ones::check_in(
                        tx, team, series, *round, &notice.to, planned, now, true,
                    )?;
                    Ok(Ok::<_, ()>(owed))
                })
                .map(|r| r.unwrap_or_default());
        }
        let due = DueReminder {
            at: planned,
            team: team.clone(),
            tour: notice.tour,
            series: series.clone(),
            to: (*round > 0).then(|| notice.to.clone()),
            round: *round,
            recipients: vec![notice.to.clone()],
        };
        let policy = self.policy.clone();
        // Not flushed by itself: the outcome of the delivery that follows is.
        self.run(false, |tx| {
            let Some((tour, reached)) = recipients_in(tx, &policy, &due)? else {
                return Ok(Ok::<_, ()>(false));
            };
            if due.round == 0 {
                let mut next = schedule::following(&tour, &policy, &due.series);
                while let Some(missed) = next.as_ref().filter(|n| n.at <= now) {
                    next = schedule::following(&tour, &policy, &missed.series);
                }
                if let Some(next) = next {
                    plan_in(tx, &DueReminder::planned(team, &tour, &next))?;
                }
            }
            if reached.contains(&notice.to) {
                return Ok(Ok(true));
            }
            // Meant for a manager who handed the tour over: owed to the new
            // one instead (once: its key names them), not to them.
            for to in reached {
                readdress_in(tx, team, notice, &to, planned)?;
            }
            Ok(Ok(false))
        })
        .map(|r| r.unwrap_or_default())
    }

    /// A message that asks a tour's manager something (a check-in's
    /// summary, with the company's side to answer) goes to whoever is the
    /// manager when it is sent: one owed to a manager who handed the tour
    /// over is owed to the new one instead.
    fn readdress_in_role(
        &self,
        team: &TeamId,
        notice: &Notice,
        planned: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.run(false, |tx| {
            let Some(tour) = super::read_tour_in(tx, team, notice.tour)? else {
                return Ok(Ok::<_, ()>(true));
            };
            if !tour.previous_managers.contains(&notice.to) || tour.role_of(&notice.to).is_some() {
                return Ok(Ok(true));
            }
            readdress_in(tx, team, notice, &tour.manager, planned)?;
            Ok(Ok(false))
        })
        .map(|r| r.unwrap_or(true))
    }

    /// Whom `due` would reach if it were sent now (empty: it would be
    /// dropped). Reads only.
    pub fn would_reach(&self, due: &DueReminder) -> Result<Vec<UserId>, StoreError> {
        let policy = self.policy.clone();
        // A transaction that always aborts: the same reads as delivery, no writes.
        self.run(false, |tx| {
            if let Series::OneOnOne { .. } = &due.series {
                let mut reached = Vec::new();
                for to in &due.recipients {
                    if super::one_on_ones::check_in(
                        tx,
                        &due.team,
                        &due.series,
                        due.round,
                        to,
                        due.at,
                        due.at,
                        false,
                    )? {
                        reached.push(to.clone());
                    }
                }
                return Ok(Err(reached));
            }
            if let Series::KeepInTouch(..) = &due.series {
                let mut reached = Vec::new();
                for to in &due.recipients {
                    // Its planning of the next occurrence is undone with the rest.
                    if super::alumni::check_keep_in_touch_in(
                        tx,
                        &due.team,
                        &policy,
                        &due.series,
                        due.round,
                        to,
                        due.at,
                    )? {
                        reached.push(to.clone());
                    }
                }
                return Ok(Err(reached));
            }
            let reached = recipients_in(tx, &policy, due)?
                .map(|(_, to)| to)
                .unwrap_or_default();
            Ok(Err::<(), _>(reached))
        })
        .map(|r| r.err().unwrap_or_default())
    }

    /// The tour whose last day `due` (an `exit` occurrence) is, if it still
    /// is. Reads only.
    pub fn departure(&self, due: &DueReminder) -> Result<Option<Tour>, StoreError> {
        if due.series != Series::Exit {
            return Ok(None);
        }
        Ok(self
            .tour(&due.team, due.tour)?
            .filter(|tour| exit_stands(tour, &self.policy, due)))
    }

    /// The occurrence of `due`'s series after it, as delivery plans it once
    /// `due` is found owed (the same functions): a tour's next place in its
    /// series (`schedule::following`), the next keep-in-touch, the 1:1's
    /// next slot. A snoozed copy or a paused check-in coming back has none
    /// of its own: its series goes on in its regular entry. Reads only.
    pub fn following(&self, due: &DueReminder) -> Result<Option<DueReminder>, StoreError> {
        if due.round > 0 {
            return Ok(None);
        }
        let team = &due.team;
        match &due.series {
            Series::KeepInTouch(who, _) => Ok(self.alumnus(team, who)?.and_then(|alumnus| {
                super::alumni::next_occurrence(team, &alumnus, &self.policy, due.at)
            })),
            Series::OneOnOne {
                manager,
                member,
                step,
                slot,
            } => {
                let Some(o) = self.one_on_one(team, manager, member)? else {
                    return Ok(None);
                };
                let tz = self.one_on_one_zone(team, &o)?;
                Ok(o.following(*step, *slot, tz, due.at)
                    .map(|next| super::one_on_ones::due_entry(team, &o, &next)))
            }
            series => Ok(self.tour(team, due.tour)?.and_then(|tour| {
                schedule::following(&tour, &self.policy, series)
                    .map(|next| DueReminder::planned(team, &tour, &next))
            })),
        }
    }

    /// Brings a reminder back for one person at `until` (a snooze), as
    /// round `round`, and records the snooze, so that nothing else of its
    /// series reaches them before then, nor right after (`Snooze::holds`);
    /// `now` is when they snoozed. A later snooze of the same series
    /// replaces it.
    #[allow(clippy::too_many_arguments)]
    pub fn snooze(
        &self,
        team: &TeamId,
        tour: TourId,
        series: &Series,
        to: &UserId,
        round: u32,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // To the second, as the index keeps it: the copy that comes back is
        // recognised as this snooze's own by its time.
        let until = DateTime::from_timestamp(until.timestamp(), 0).unwrap_or(until);
        let due = DueReminder {
            at: until,
            team: team.clone(),
            tour,
            series: series.clone(),
            to: Some(to.clone()),
            round,
            recipients: vec![to.clone()],
        };
        let snooze = Snooze {
            until,
            round,
            at: now,
        };
        self.run(self.durable, |tx| {
            plan_in(tx, &due)?;
            tx.insert(
                TreeName::Snoozes,
                &keys::snoozed(team, tour, &series.thread(), to),
                &encode(&snooze),
            )?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Term, TourKind};
    use chrono::TimeZone;

    #[test]
    fn an_unreadable_fired_reminder_does_not_hold_up_the_others() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let (m, a) = (UserId::parse("UM").unwrap(), UserId::parse("UA").unwrap());
        store
            .create_tour(&team, |id| {
                Tour::propose(id, &m, &a, TourKind::Rotational, Term::Months(12), "M", now)
            })
            .unwrap()
            .unwrap();
        // Sorts before the real one (an earlier tour id), and is not a reminder.
        let bad = keys::fired(&keys::due(now, &team, TourId(0), "waiting", None, 0));
        store
            .run(true, |tx| {
                tx.insert(TreeName::Due, &bad, b"\x09garbage")?;
                Ok(Ok::<(), ()>(()))
            })
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .fire_due(now + chrono::Duration::days(3), 10, true)
                .unwrap(),
            1
        );
        assert_eq!(store.fan_out().unwrap(), 1, "the good one went through");
        assert!(
            store
                .outbox_entry(&team, "tour:1:waiting:UA")
                .unwrap()
                .is_some()
        );
        assert!(
            store.backend.get(TreeName::Due, &bad).unwrap().is_some(),
            "the bad one stays, for an operator to see"
        );
        assert_eq!(store.fan_out().unwrap(), 0, "and is not a loop");
    }
}
