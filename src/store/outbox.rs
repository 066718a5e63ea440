//! The outbox: every message the bot sends on its own, written in the same
//! transaction as the change that caused it, then delivered by the worker in
//! `delivery`.
//!
//! An entry is keyed by its idempotency key and is never removed: once a key
//! was sent (or failed for good) it is kept, so the same key can never be
//! enqueued — or sent — again. Pending and in-flight entries are also indexed
//! by workspace, [`Lane`] and the time they may go (`OutboxDue`), with their
//! recipient as the index value: that is what the worker scans, so it can
//! pass over someone it must not write to yet without reading their entry.
//!
//! Two lanes, so that a backlog of reminders never delays an answer:
//! [`Lane::Answers`] holds everything a person's own action caused (a
//! proposal to its member, accepted/declined, the next check-in question, a
//! handover request, a Right of First Conversation, App Home refreshes),
//! [`Lane::Reminders`] the scheduler's reminders. The worker empties the
//! first before it takes from the second.

use super::{Store, StoreError, TreeName, Tx, TxFail, decode, encode, keys};
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::schedule::Series;
use crate::domain::{TeamId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub team: TeamId,
    /// The idempotency key (`tour:17:proposal`), unique in the workspace.
    pub key: String,
    pub notice: Notice,
    pub action: Delivery,
    /// Not before this instant; also the entry's place in `OutboxDue`.
    pub not_before: DateTime<Utc>,
    /// Reminders wait for the recipient's working hours; answers to an
    /// action go at once.
    pub in_working_hours: bool,
    pub state: OutboxState,
    /// Failed attempts so far (for backoff).
    pub attempts: u32,
    /// When it became owed; for a reminder, the instant its occurrence was
    /// planned for, which delivery checks against the tour.
    pub created_at: DateTime<Utc>,
    /// The instance delivering it right now, on a shared store
    /// ([`Store::claim`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
}

/// An instance's hold on an entry it is delivering: until `until`, no other
/// instance takes the entry, and a write by another owner is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub owner: String,
    pub until: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Delivery {
    /// A new direct message to the recipient.
    Post,
    /// Replace an earlier message (after a button was clicked on it).
    Update { channel: String, ts: String },
    /// Publish the recipient's App Home tab, rendered when it goes.
    PublishHome,
    /// Upload files (a picture's pages, a report) into the recipient's DM,
    /// drawn when it goes. `files`: the ids of those uploaded so far, kept
    /// so a retry shares them rather than uploading again.
    Upload {
        #[serde(default)]
        files: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum OutboxState {
    Pending,
    /// A post was attempted and its outcome is unknown (a crash or a timeout
    /// in the middle). Before trying again, the worker asks Slack whether the
    /// message arrived after all.
    Sending {
        since: DateTime<Utc>,
        channel: String,
    },
    Sent {
        at: DateTime<Utc>,
        channel: String,
        ts: String,
    },
    /// Slack refused it for good (`channel_not_found`, `account_inactive`, …).
    Failed {
        at: DateTime<Utc>,
        error: String,
    },
    /// A reminder that was no longer owed when its time came (the tour was
    /// answered, extended or closed, or the person marked it done).
    Dropped {
        at: DateTime<Utc>,
    },
    /// The recipient's account is deactivated and they are an alumnus: the
    /// message went to their alumni liaison instead (as `<key>:via-liaison`).
    Redirected {
        at: DateTime<Utc>,
        to: UserId,
    },
}

/// Which queue an entry waits in (see the module docs). The number is its
/// place in the index key, so answers sort before reminders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lane {
    Answers = 0,
    Reminders = 1,
}

impl Lane {
    pub const ALL: [Lane; 2] = [Lane::Answers, Lane::Reminders];

    pub fn name(self) -> &'static str {
        match self {
            Lane::Answers => "answers",
            Lane::Reminders => "reminders",
        }
    }
}

impl OutboxState {
    /// Still owed: indexed in `OutboxDue`.
    pub fn is_open(&self) -> bool {
        matches!(self, OutboxState::Pending | OutboxState::Sending { .. })
    }
}

/// What Slack told us about a person, cached.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCache {
    /// The `D…` id of our DM with them (`conversations.open`).
    pub dm_channel: Option<String>,
    /// IANA time zone from `users.info`.
    pub tz: Option<String>,
    pub tz_checked_at: Option<DateTime<Utc>>,
    /// Deactivated (`account_inactive`, `user_not_found`, `deleted`).
    pub inactive: bool,
    /// They have opened Alliance's App Home tab: changes to their tours
    /// publish it again. (Nobody else's is published unasked.)
    #[serde(default)]
    pub home_opened: bool,
    /// Their display name (else real name) from `users.info`, for pictures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The latest timeline picture shared with them (its first file's id),
    /// which their App Home tab shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<String>,
}

impl Store {
    /// Records that `user` opened the App Home tab (once).
    pub fn mark_home_opened(&self, team: &TeamId, user: &UserId) -> Result<(), StoreError> {
        let mut person = self.user(team, user)?;
        if person.home_opened {
            return Ok(());
        }
        person.home_opened = true;
        self.save_user(team, user, &person)
    }

    /// Slack said this person's account is deactivated (a `user_change`
    /// event): the worker stops writing to them.
    pub fn mark_inactive(&self, team: &TeamId, user: &UserId) -> Result<(), StoreError> {
        let mut person = self.user(team, user)?;
        person.inactive = true;
        self.save_user(team, user, &person)
    }
}

/// The time index keeps whole seconds, so `not_before` is kept to the
/// second too: an entry and its index key always agree. (Whoever sets a
/// future time rounds it up first if it must not be early: see the worker's
/// retries.)
fn whole_second(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

/// The meta key of [`Store::set_bot_workspace`].
pub(super) const BOT_WORKSPACE: &[u8] = b"bot-workspace";

fn corrupt_index() -> StoreError {
    StoreError::Corrupt {
        tree: TreeName::OutboxDue.name(),
        detail: "malformed send-queue key".into(),
    }
}

fn queued(index_key: Vec<u8>, recipient: &[u8]) -> Result<Queued, StoreError> {
    let (_, lane, not_before) = keys::parse_outbox_due(&index_key).ok_or_else(corrupt_index)?;
    let lane = match lane {
        0 => Lane::Answers,
        1 => Lane::Reminders,
        _ => return Err(corrupt_index()),
    };
    let recipient = std::str::from_utf8(recipient)
        .ok()
        .and_then(UserId::parse)
        .ok_or_else(corrupt_index)?;
    Ok(Queued {
        index_key,
        lane,
        not_before,
        recipient,
    })
}

fn team_of(index_key: &[u8]) -> Result<TeamId, StoreError> {
    index_key
        .iter()
        .position(|b| *b == 0)
        .and_then(|end| std::str::from_utf8(&index_key[..end]).ok())
        .and_then(TeamId::parse)
        .ok_or_else(corrupt_index)
}

/// Writes `entry` unless its key exists already. Returns whether it was new.
/// Nothing is owed to an erased person's placeholder (see `store::erase`).
pub(crate) fn enqueue_entry_in(tx: &dyn Tx, entry: &OutboxEntry) -> Result<bool, TxFail> {
    if super::erase::is_placeholder(entry.recipient()) {
        return Ok(false);
    }
    let entry = &OutboxEntry {
        not_before: whole_second(entry.not_before),
        ..entry.clone()
    };
    let key = keys::outbox(&entry.team, &entry.key);
    if tx.get(TreeName::Outbox, &key)?.is_some() {
        return Ok(false);
    }
    tx.insert(TreeName::Outbox, &key, &encode(entry))?;
    index_in(tx, entry)?;
    Ok(true)
}

/// The send-queue key of an open entry, and its value: the recipient.
pub(crate) fn due_index(entry: &OutboxEntry) -> (Vec<u8>, Vec<u8>) {
    (
        keys::outbox_due(
            &entry.team,
            entry.lane() as u8,
            entry.not_before,
            &entry.key,
        ),
        entry.recipient().as_str().as_bytes().to_vec(),
    )
}

/// Puts an open entry in its lane of the send queue.
pub(crate) fn index_in(tx: &dyn Tx, entry: &OutboxEntry) -> Result<(), TxFail> {
    let (key, recipient) = due_index(entry);
    tx.insert(TreeName::OutboxDue, &key, &recipient)
}

/// Takes an entry out of the send queue (as it was indexed).
pub(crate) fn unindex_in(tx: &dyn Tx, entry: &OutboxEntry) -> Result<(), TxFail> {
    tx.remove(TreeName::OutboxDue, &due_index(entry).0)
}

/// Records a new state of an existing entry inside a transaction (see
/// [`Store::outbox_save`]): the send queue follows it; an entry erased
/// meanwhile stays erased. Returns whether it was written.
pub(crate) fn save_entry_in(tx: &dyn Tx, entry: &OutboxEntry) -> Result<bool, TxFail> {
    save_in(tx, entry, false)
}

/// As [`save_entry_in`]; with `release`, the writer's claim ends with this
/// write. Refused (`false`) when another owner holds the entry: the writer
/// was taken over (its claim ran out), and its result is late.
fn save_in(tx: &dyn Tx, entry: &OutboxEntry, release: bool) -> Result<bool, TxFail> {
    let key = keys::outbox(&entry.team, &entry.key);
    let Some(old) = read_entry_in(tx, &entry.team, &entry.key)? else {
        return Ok(false);
    };
    let writer = entry.claim.as_ref().map(|c| c.owner.as_str());
    if old
        .claim
        .as_ref()
        .is_some_and(|held| writer != Some(held.owner.as_str()))
    {
        return Ok(false);
    }
    let entry = &OutboxEntry {
        not_before: whole_second(entry.not_before),
        claim: if release { None } else { entry.claim.clone() },
        ..entry.clone()
    };
    if old.state.is_open() {
        unindex_in(tx, &old)?;
    }
    tx.insert(TreeName::Outbox, &key, &encode(entry))?;
    if entry.state.is_open() {
        index_in(tx, entry)?;
    }
    Ok(true)
}

/// The entry keyed `key` in `team`, inside a transaction.
pub(crate) fn read_entry_in(
    tx: &dyn Tx,
    team: &TeamId,
    key: &str,
) -> Result<Option<OutboxEntry>, TxFail> {
    tx.get(TreeName::Outbox, &keys::outbox(team, key))?
        .map(|b| decode(TreeName::Outbox, &b).map_err(|e| TxFail::Engine(e.to_string())))
        .transpose()
}

/// Owes `notice` as a new DM from `at` on.
pub(crate) fn enqueue_in(
    tx: &dyn Tx,
    team: &TeamId,
    notice: &Notice,
    at: DateTime<Utc>,
) -> Result<bool, TxFail> {
    enqueue_entry_in(tx, &OutboxEntry::post(team, notice.clone(), at))
}

impl OutboxEntry {
    pub fn post(team: &TeamId, notice: Notice, at: DateTime<Utc>) -> OutboxEntry {
        OutboxEntry {
            team: team.clone(),
            key: notice.key(),
            in_working_hours: !notice.is_immediate(),
            action: if notice.is_file() {
                Delivery::Upload { files: Vec::new() }
            } else {
                Delivery::Post
            },
            notice,
            not_before: at,
            state: OutboxState::Pending,
            attempts: 0,
            created_at: at,
            claim: None,
        }
    }

    pub fn recipient(&self) -> &UserId {
        &self.notice.to
    }

    /// Reminders wait behind answers; everything else is an answer to
    /// someone's action.
    pub fn lane(&self) -> Lane {
        if matches!(self.notice.kind, NoticeKind::Reminder { .. }) {
            Lane::Reminders
        } else {
            Lane::Answers
        }
    }
}

/// One open entry as the send queue lists it: where it sits, and for whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    /// The `OutboxDue` key (also where the next page starts after it).
    pub index_key: Vec<u8>,
    pub lane: Lane,
    pub not_before: DateTime<Utc>,
    pub recipient: UserId,
}

/// How many open entries wait in one lane of one workspace, and since when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backlog {
    pub team: TeamId,
    pub lane: Lane,
    pub count: usize,
    /// The earliest `not_before` among them.
    pub oldest: DateTime<Utc>,
}

impl Store {
    /// Owes a message outside any command (e.g. after a button): durable.
    /// Returns false if the key was enqueued before.
    pub fn enqueue(&self, entry: &OutboxEntry) -> Result<bool, StoreError> {
        self.run(self.durable, |tx| {
            Ok(Ok::<_, ()>(enqueue_entry_in(tx, entry)?))
        })
        .map(|r| r.unwrap_or(false))
    }

    /// Up to `limit` open entries of `team`'s `lane` whose time has come,
    /// oldest first, starting after the index key `after` (a page's last).
    /// Reads the send queue only: no entry is decoded.
    pub fn queued(
        &self,
        team: &TeamId,
        lane: Lane,
        now: DateTime<Utc>,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        let start = match after {
            Some(key) => [key, &[0]].concat(),
            None => keys::outbox_lane(team, lane as u8),
        };
        let end = keys::outbox_lane_after(team, lane as u8, now);
        self.backend
            .scan_range(TreeName::OutboxDue, &start, &end, limit)?
            .into_iter()
            .map(|(key, recipient)| queued(key, &recipient))
            .collect()
    }

    /// The open entries of `team`'s `lane` owed to `user`, due or not,
    /// in send order: the send queue is read (it names each recipient), and
    /// only their entries.
    pub fn queued_for(
        &self,
        team: &TeamId,
        lane: Lane,
        user: &UserId,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let (start, end) = (
            keys::outbox_lane(team, lane as u8),
            keys::outbox_lane(team, lane as u8 + 1),
        );
        let mut out = Vec::new();
        for (key, recipient) in
            self.backend
                .scan_range(TreeName::OutboxDue, &start, &end, usize::MAX)?
        {
            if recipient != user.as_str().as_bytes() {
                continue;
            }
            if let Some(entry) = self.queued_entry(&queued(key, &recipient)?)? {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// The entry a send-queue key points at, if it is still there.
    pub fn queued_entry(&self, queued: &Queued) -> Result<Option<OutboxEntry>, StoreError> {
        let Some((key, _, _)) = keys::parse_outbox_due(&queued.index_key) else {
            return Err(corrupt_index());
        };
        self.backend
            .get(TreeName::Outbox, &key)?
            .map(|b| decode(TreeName::Outbox, &b))
            .transpose()
    }

    /// When the earliest entry of `team`'s `lane` that is not due at `now`
    /// may go, if any.
    pub fn next_queued_after(
        &self,
        team: &TeamId,
        lane: Lane,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let start = keys::outbox_lane_after(team, lane as u8, now);
        let end = keys::outbox_lane(team, lane as u8 + 1);
        let first = self
            .backend
            .scan_range(TreeName::OutboxDue, &start, &end, 1)?;
        Ok(first
            .first()
            .and_then(|(k, _)| keys::parse_outbox_due(k))
            .map(|(_, _, at)| at))
    }

    /// The oldest open entry of `team`'s `lane`, due or not.
    pub fn oldest_queued(
        &self,
        team: &TeamId,
        lane: Lane,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let start = keys::outbox_lane(team, lane as u8);
        let end = keys::outbox_lane(team, lane as u8 + 1);
        let first = self
            .backend
            .scan_range(TreeName::OutboxDue, &start, &end, 1)?;
        Ok(first
            .first()
            .and_then(|(k, _)| keys::parse_outbox_due(k))
            .map(|(_, _, at)| at))
    }

    /// Every open entry, by workspace and lane: how many and since when.
    /// Reads the whole send queue (for operators, not for the worker).
    pub fn backlog(&self) -> Result<Vec<Backlog>, StoreError> {
        let mut out: Vec<Backlog> = Vec::new();
        for (key, recipient) in self
            .backend
            .scan_prefix(TreeName::OutboxDue, &[], usize::MAX)?
        {
            let q = queued(key, &recipient)?;
            let team = team_of(&q.index_key)?;
            match out.last_mut() {
                Some(b) if b.team == team && b.lane == q.lane => {
                    b.count += 1;
                    b.oldest = b.oldest.min(q.not_before);
                }
                _ => out.push(Backlog {
                    team,
                    lane: q.lane,
                    count: 1,
                    oldest: q.not_before,
                }),
            }
        }
        Ok(out)
    }

    /// Open entries of every workspace whose time has come, oldest first, at
    /// most `limit` (the shell shows these; the worker reads by lane).
    pub fn outbox_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut due = Vec::new();
        for (key, recipient) in self
            .backend
            .scan_prefix(TreeName::OutboxDue, &[], usize::MAX)?
        {
            let q = queued(key, &recipient)?;
            if q.not_before <= now {
                due.push(q);
            }
        }
        due.sort_by_key(|q| q.not_before);
        let mut out = Vec::with_capacity(due.len().min(limit));
        for q in due {
            if out.len() == limit {
                break;
            }
            if let Some(entry) = self.queued_entry(&q)? {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// Records a new state of an entry, keeping `OutboxDue` in step: open
    /// entries are indexed at `not_before`, finished ones are not. An entry
    /// that no longer exists was erased (`store::erase`) while it was being
    /// delivered, and stays erased. Durable: use it where a crash must not
    /// lose the state (an entry marked in flight before its post). The
    /// writer's claim, if any, holds on.
    ///
    /// Returns whether it was written: not when the entry is gone, or held
    /// by another instance's claim (this writer was taken over: whatever it
    /// was about to do must not happen).
    pub fn outbox_save(&self, entry: &OutboxEntry) -> Result<bool, StoreError> {
        self.save_entry(entry, self.durable, false)
    }

    /// [`Store::outbox_save`] without its own flush, for states whose loss
    /// in a crash costs nothing but a repeat of work that is checked anyway
    /// (sent: the in-flight mark makes the next start ask Slack; a retry
    /// time; a failure or a drop, found again). The next durable write, or
    /// sled's background flush, puts it on disk. Ends the writer's claim:
    /// the entry's fate (or its next time) is recorded.
    pub fn outbox_note(&self, entry: &OutboxEntry) -> Result<bool, StoreError> {
        self.save_entry(entry, false, true)
    }

    fn save_entry(
        &self,
        entry: &OutboxEntry,
        durable: bool,
        release: bool,
    ) -> Result<bool, StoreError> {
        self.run(durable, |tx| Ok(Ok::<_, ()>(save_in(tx, entry, release)?)))
            .map(|r| r.unwrap_or(false))
    }

    /// The entry `queued` points at, taken for delivery by `owner`.
    ///
    /// On a store only this process opens (sled), that is a plain read: no
    /// one else delivers. On a shared one (PostgreSQL, several instances),
    /// the entry is claimed in one transaction: only if it is still open,
    /// still due, and held by nobody else (or by someone whose claim ran
    /// out: they died or stalled; if they were posting, the entry is
    /// `Sending` and the taker asks Slack first). Two instances racing for
    /// it cannot both win: the transaction is serializable.
    pub fn claim(
        &self,
        queued: &Queued,
        owner: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        if !self.shared() {
            return self.queued_entry(queued);
        }
        let Some((key, _, _)) = keys::parse_outbox_due(&queued.index_key) else {
            return Err(corrupt_index());
        };
        self.run(false, |tx| {
            let Some(bytes) = tx.get(TreeName::Outbox, &key)? else {
                return Ok(Ok::<_, ()>(None));
            };
            let mut entry: OutboxEntry =
                decode(TreeName::Outbox, &bytes).map_err(|e| TxFail::Engine(e.to_string()))?;
            let held = entry
                .claim
                .as_ref()
                .is_some_and(|c| c.owner != owner && c.until > now);
            if !entry.state.is_open() || entry.not_before > now || held {
                return Ok(Ok(None));
            }
            entry.claim = Some(Claim {
                owner: owner.to_string(),
                until: now + lease,
            });
            tx.insert(TreeName::Outbox, &key, &encode(&entry))?;
            Ok(Ok(Some(entry)))
        })
        .map(|r| r.unwrap_or(None))
    }

    /// Rebuilds the send queue from the outbox's open entries (a schema
    /// step: the queue is derived, never exported).
    pub(super) fn rebuild_send_queue(&self) -> Result<(), StoreError> {
        self.rebuild(
            TreeName::OutboxDue,
            TreeName::Outbox,
            |page| {
                Ok(page
                    .iter()
                    .map(|(_, v)| decode::<OutboxEntry>(TreeName::Outbox, v))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .filter(|e| e.state.is_open())
                    .collect::<Vec<_>>())
            },
            |tx, open| {
                for entry in open {
                    index_in(tx, entry)?;
                }
                Ok(())
            },
        )
    }

    pub fn outbox_entry(
        &self,
        team: &TeamId,
        key: &str,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        self.backend
            .get(TreeName::Outbox, &keys::outbox(team, key))?
            .map(|b| decode(TreeName::Outbox, &b))
            .transpose()
    }

    /// The newest reminder sent to `to` among the messages whose keys start
    /// with `prefix` (`tour:17:`, `tour:0:1on1:UM…:UA…:`), of a series
    /// `wanted` takes: what that person last saw of it, and its place — the
    /// series and round its buttons carry. For a typed answer to it (see
    /// `commands::reminders`). Reads only; an entry this build cannot read
    /// is passed over.
    pub fn last_reminder_sent(
        &self,
        team: &TeamId,
        prefix: &str,
        to: &UserId,
        wanted: impl Fn(&Series) -> bool,
    ) -> Result<Option<(Series, u32)>, StoreError> {
        let mut newest: Option<(DateTime<Utc>, Series, u32)> = None;
        let entries =
            self.backend
                .scan_prefix(TreeName::Outbox, &keys::outbox(team, prefix), usize::MAX)?;
        for (_, bytes) in entries {
            let Ok(entry) = decode::<OutboxEntry>(TreeName::Outbox, &bytes) else {
                continue;
            };
            let (NoticeKind::Reminder { series, round, .. }, OutboxState::Sent { at, .. }) =
                (&entry.notice.kind, &entry.state)
            else {
                continue;
            };
            if entry.action != Delivery::Post || &entry.notice.to != to || !wanted(series) {
                continue;
            }
            if newest.as_ref().is_none_or(|(seen, ..)| at > seen) {
                newest = Some((*at, series.clone(), *round));
            }
        }
        Ok(newest.map(|(_, series, round)| (series, round)))
    }

    /// Every outbox entry of every workspace, for `alliance outbox`.
    pub fn outbox_all(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.backend
            .scan_prefix(TreeName::Outbox, &[], usize::MAX)?
            .iter()
            .map(|(_, v)| decode(TreeName::Outbox, v))
            .collect()
    }

    pub fn user(&self, team: &TeamId, user: &UserId) -> Result<UserCache, StoreError> {
        Ok(self
            .backend
            .get(TreeName::Users, &keys::person(team, user))?
            .map(|b| decode(TreeName::Users, &b))
            .transpose()?
            .unwrap_or_default())
    }

    /// [`Store::save_user`] without a flush of its own: for what the
    /// worker caches (a DM channel, a time zone), which is found again if lost.
    pub fn note_user(
        &self,
        team: &TeamId,
        user: &UserId,
        cache: &UserCache,
    ) -> Result<(), StoreError> {
        self.run(false, |tx| {
            tx.insert(TreeName::Users, &keys::person(team, user), &encode(cache))?;
            Ok(Ok::<(), ()>(()))
        })
        .map(|_| ())
    }

    /// Records which workspace `serve`'s bot token belongs to, so that
    /// `alliance outbox` can tell what will never be sent.
    pub fn set_bot_workspace(&self, team: &TeamId) -> Result<(), StoreError> {
        self.run(self.durable, |tx| {
            tx.insert(TreeName::Meta, BOT_WORKSPACE, team.as_str().as_bytes())?;
            Ok(Ok::<(), ()>(()))
        })
        .map(|_| ())
    }

    /// The workspace of the bot token `serve` last ran with, if any.
    pub fn bot_workspace(&self) -> Result<Option<TeamId>, StoreError> {
        Ok(self
            .backend
            .get(TreeName::Meta, BOT_WORKSPACE)?
            .and_then(|v| String::from_utf8(v).ok())
            .and_then(|t| TeamId::parse(&t)))
    }

    pub fn save_user(
        &self,
        team: &TeamId,
        user: &UserId,
        cache: &UserCache,
    ) -> Result<(), StoreError> {
        self.run(self.durable, |tx| {
            tx.insert(TreeName::Users, &keys::person(team, user), &encode(cache))?;
            Ok(Ok::<(), ()>(()))
        })
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TourId;
    use crate::domain::notice::NoticeKind;
    use chrono::TimeZone;

    #[test]
    fn an_entry_and_its_time_index_agree_to_the_second() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let whole = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 10).unwrap();
        let at = whole + chrono::Duration::milliseconds(700);
        let notice = Notice {
            tour: TourId(1),
            to: UserId::parse("U1").unwrap(),
            kind: NoticeKind::Accepted,
        };
        assert!(
            store
                .enqueue(&OutboxEntry::post(&team, notice.clone(), at))
                .unwrap()
        );
        assert!(
            !store
                .enqueue(&OutboxEntry::post(&team, notice, at))
                .unwrap(),
            "a key is owed once"
        );
        assert_eq!(
            store.oldest_queued(&team, Lane::Answers).unwrap(),
            Some(whole),
            "the entry and its index agree"
        );
        assert_eq!(
            store
                .next_queued_after(&team, Lane::Answers, whole - chrono::Duration::seconds(1))
                .unwrap(),
            Some(whole)
        );
        assert_eq!(
            store
                .next_queued_after(&team, Lane::Answers, whole)
                .unwrap(),
            None
        );
        assert!(
            store
                .outbox_due(whole - chrono::Duration::milliseconds(1), 10)
                .unwrap()
                .is_empty()
        );
        let due = store.outbox_due(whole, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].not_before, whole);
    }
}
