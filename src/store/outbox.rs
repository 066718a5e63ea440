//! The outbox: every message the bot sends on its own, written in the same
//! transaction as the change that caused it, then delivered by the worker in
//! `slack::outbox`.
//!
//! An entry is keyed by its idempotency key and is never removed: once a key
//! was sent (or failed for good) it is kept, so the same key can never be
//! enqueued — or sent — again. Pending and in-flight entries are also indexed
//! by the time they may go (`OutboxDue`), which is what the worker scans.

use super::{Store, StoreError, TreeName, Tx, TxFail, decode, encode, keys};
use crate::domain::notice::Notice;
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
    tx.insert(
        TreeName::OutboxDue,
        &keys::outbox_due(entry.not_before, &entry.team, &entry.key),
        &[],
    )?;
    Ok(true)
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
            notice,
            action: Delivery::Post,
            not_before: at,
            state: OutboxState::Pending,
            attempts: 0,
            created_at: at,
        }
    }

    pub fn recipient(&self) -> &UserId {
        &self.notice.to
    }
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

    /// Open entries whose time has come, oldest first, at most `limit`.
    pub fn outbox_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let index =
            self.backend
                .scan_range(TreeName::OutboxDue, &[], &keys::after_time(now), limit)?;
        let mut out = Vec::with_capacity(index.len());
        for (k, _) in index {
            // The index key is `time ++ team ∅ key`; the entry lives at `team ∅ key`.
            if let Some(bytes) = self.backend.get(TreeName::Outbox, &k[8..])? {
                let entry: OutboxEntry = decode(TreeName::Outbox, &bytes)?;
                if entry.not_before <= now {
                    out.push(entry);
                }
            }
        }
        Ok(out)
    }

    /// When the earliest open entry may go, if any.
    pub fn next_outbox_time(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let first = self
            .backend
            .scan_range(TreeName::OutboxDue, &[], &[0xff; 9], 1)?;
        Ok(first.first().and_then(|(k, _)| {
            let secs = u64::from_be_bytes(k.get(..8)?.try_into().ok()?);
            DateTime::from_timestamp(i64::try_from(secs).ok()?, 0)
        }))
    }

    /// Records a new state of an entry, keeping `OutboxDue` in step: open
    /// entries are indexed at `not_before`, finished ones are not. An entry
    /// that no longer exists was erased (`store::erase`) while it was being
    /// delivered, and stays erased.
    pub fn outbox_save(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let entry = &OutboxEntry {
            not_before: whole_second(entry.not_before),
            ..entry.clone()
        };
        self.run(self.durable, |tx| {
            let key = keys::outbox(&entry.team, &entry.key);
            if let Some(old) = tx.get(TreeName::Outbox, &key)? {
                let old: OutboxEntry =
                    decode(TreeName::Outbox, &old).map_err(|e| TxFail::Engine(e.to_string()))?;
                if old.state.is_open() {
                    tx.remove(
                        TreeName::OutboxDue,
                        &keys::outbox_due(old.not_before, &old.team, &old.key),
                    )?;
                }
            } else {
                return Ok(Ok(()));
            }
            tx.insert(TreeName::Outbox, &key, &encode(entry))?;
            if entry.state.is_open() {
                tx.insert(
                    TreeName::OutboxDue,
                    &keys::outbox_due(entry.not_before, &entry.team, &entry.key),
                    &[],
                )?;
            }
            Ok(Ok::<(), ()>(()))
        })
        .map(|_| ())
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
            store.next_outbox_time().unwrap(),
            Some(whole),
            "the entry and its index agree"
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
