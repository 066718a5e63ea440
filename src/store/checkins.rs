//! Check-ins and conversations in the store: each person's [`Chat`] (the
//! conversation state machine of `domain::checkin`), the recorded
//! [`CheckIn`]s of each tour, and the Events API deliveries already
//! handled.
//!
//! Everything a check-in conversation changes — the chat, the tour and its
//! history, the check-in record, the resume reminder, the messages it owes —
//! is written in one durable transaction through a [`CheckinTx`]. When the
//! change answers an Events API delivery, that transaction also records the
//! delivery's `event_id` first, and finds it there if Slack sends the same
//! event again: a retry (`X-Slack-Retry-Num`) is acknowledged and changes
//! nothing. Event ids are kept for a day ([`EVENT_TTL_HOURS`]; Slack retries
//! within minutes), then pruned by the scheduler's tick, oldest first,
//! through a time-ordered index.
//!
//! A paused conversation comes back through the reminder index like any
//! reminder: series `Checkin(n)`, round = the pause's number, to the member.
//! It is owed at delivery only if the member's chat still waits for that very
//! pause ([`resume_owed_in`]).

use super::reminders::{DueReminder, plan_in};
use super::{Store, StoreError, TreeName, Tx, TxFail, decode, encode, keys};
use crate::domain::checkin::{Chat, CheckIn};
use crate::domain::notice::Notice;
use crate::domain::schedule::{ReminderPolicy, Series};
use crate::domain::{EventId, HistoryEntry, TeamId, Tour, TourId, UserId};
use chrono::{DateTime, Duration, Utc};

/// How long a handled event id is remembered.
pub const EVENT_TTL_HOURS: i64 = 24;
/// Event ids pruned per transaction.
const PRUNE_BATCH: usize = 1000;

fn fail(e: StoreError) -> TxFail {
    TxFail::Engine(e.to_string())
}

pub(crate) fn read_chat_in(tx: &dyn Tx, team: &TeamId, user: &UserId) -> Result<Chat, TxFail> {
    Ok(tx
        .get(TreeName::Chats, &keys::person(team, user))?
        .map(|b| decode(TreeName::Chats, &b).map_err(fail))
        .transpose()?
        .unwrap_or_default())
}

/// Whether a resume reminder (`Checkin(n)`, round ≥ 1) is still owed: its
/// recipients whose chat waits for exactly that pause of that tour's
/// conversation.
pub(crate) fn resume_owed_in(
    tx: &dyn Tx,
    due: &DueReminder,
) -> Result<Option<(Tour, Vec<UserId>)>, TxFail> {
    let Some(tour) = super::read_tour_in(tx, &due.team, due.tour)? else {
        return Ok(None);
    };
    let mut waiting = Vec::new();
    for to in &due.recipients {
        if read_chat_in(tx, &due.team, to)?.is_paused(due.tour, due.round) {
            waiting.push(to.clone());
        }
    }
    Ok(Some((tour, waiting)))
}

/// One transaction over everything a check-in changes.
pub struct CheckinTx<'a> {
    tx: &'a dyn Tx,
    team: &'a TeamId,
    policy: &'a ReminderPolicy,
}

impl CheckinTx<'_> {
    pub fn team(&self) -> &TeamId {
        self.team
    }

    pub fn tour(&self, id: TourId) -> Result<Option<Tour>, TxFail> {
        super::read_tour_in(self.tx, self.team, id)
    }

    /// A person's chat (empty if they never had a conversation).
    pub fn chat(&self, user: &UserId) -> Result<Chat, TxFail> {
        read_chat_in(self.tx, self.team, user)
    }

    /// Keeps a chat, even an idle one: its message counter keys the
    /// conversation's messages, which must never repeat.
    pub fn save_chat(&self, user: &UserId, chat: &Chat) -> Result<(), TxFail> {
        self.tx.insert(
            TreeName::Chats,
            &keys::person(self.team, user),
            &encode(chat),
        )
    }

    /// Writes a changed tour with its history entry, its reminders and the
    /// messages the change owes (as every tour change does).
    pub fn put_tour(&self, old: &Tour, tour: &Tour, entry: &HistoryEntry) -> Result<(), TxFail> {
        super::put_tour(self.tx, self.team, self.policy, Some(old), tour, entry)
    }

    pub fn checkin(&self, tour: TourId, number: u32) -> Result<Option<CheckIn>, TxFail> {
        self.tx
            .get(TreeName::Checkins, &keys::checkin(self.team, tour, number))?
            .map(|b| decode(TreeName::Checkins, &b).map_err(fail))
            .transpose()
    }

    pub fn save_checkin(&self, record: &CheckIn) -> Result<(), TxFail> {
        self.tx.insert(
            TreeName::Checkins,
            &keys::checkin(self.team, record.tour, record.number),
            &encode(record),
        )
    }

    /// Owes `notice` from `at` on; false if its key was owed before.
    pub fn enqueue(&self, notice: &Notice, at: DateTime<Utc>) -> Result<bool, TxFail> {
        super::outbox::enqueue_in(self.tx, self.team, notice, at)
    }

    /// Brings the conversation about `tour` back to `to` at `until`: the
    /// series `Checkin(n)`, round `round` (the pause's number).
    pub fn plan_resume(
        &self,
        tour: TourId,
        n: u32,
        to: &UserId,
        round: u32,
        until: DateTime<Utc>,
    ) -> Result<(), TxFail> {
        plan_in(
            self.tx,
            &DueReminder {
                at: until,
                team: self.team.clone(),
                tour,
                series: Series::Checkin(n),
                to: Some(to.clone()),
                round,
                recipients: vec![to.clone()],
            },
        )
    }
}

impl Store {
    /// Runs `f` in one durable transaction over the check-in trees. With
    /// `event`, the Events API delivery's id is recorded in the same
    /// transaction, and an id seen before makes this return `None` with
    /// nothing run or written. An `Err` from `f` aborts: nothing is written.
    pub fn checkin_tx<T, E>(
        &self,
        team: &TeamId,
        event: Option<&EventId>,
        now: DateTime<Utc>,
        f: impl Fn(&CheckinTx) -> Result<Result<T, E>, TxFail>,
    ) -> Result<Option<Result<T, E>>, StoreError> {
        let policy = self.policy.clone();
        self.run(self.durable, |tx| {
            if let Some(id) = event {
                let id = id.as_str();
                let key = keys::event(team, id);
                if tx.get(TreeName::Events, &key)?.is_some() {
                    return Ok(Err(None));
                }
                tx.insert(TreeName::Events, &key, &encode(&now))?;
                tx.insert(TreeName::EventTimes, &keys::event_time(now, team, id), &[])?;
            }
            let ctx = CheckinTx {
                tx,
                team,
                policy: &policy,
            };
            Ok(f(&ctx)?.map_err(Some))
        })
        .map(|r| match r {
            Ok(t) => Some(Ok(t)),
            Err(Some(e)) => Some(Err(e)),
            Err(None) => None,
        })
    }

    /// Whether the Events API delivery `event_id` was handled already.
    pub fn event_seen(&self, team: &TeamId, event_id: &EventId) -> Result<bool, StoreError> {
        Ok(self
            .backend
            .get(TreeName::Events, &keys::event(team, event_id.as_str()))?
            .is_some())
    }

    /// Forgets event ids first seen before `now` minus a day. Not flushed
    /// by itself (the tick flushes). Returns how many were forgotten.
    pub fn prune_events(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let before = now - Duration::hours(EVENT_TTL_HOURS);
        let mut pruned = 0;
        loop {
            let old = self.backend.scan_range(
                TreeName::EventTimes,
                &[],
                &keys::after_time(before),
                PRUNE_BATCH,
            )?;
            if old.is_empty() {
                return Ok(pruned);
            }
            pruned += old.len();
            self.run(false, |tx| {
                for (k, _) in &old {
                    tx.remove(TreeName::EventTimes, k)?;
                    tx.remove(TreeName::Events, k.get(8..).unwrap_or_default())?;
                }
                Ok(Ok::<(), ()>(()))
            })?
            .ok();
        }
    }

    /// A person's check-in conversations.
    pub fn chat(&self, team: &TeamId, user: &UserId) -> Result<Chat, StoreError> {
        Ok(self
            .backend
            .get(TreeName::Chats, &keys::person(team, user))?
            .map(|b| decode(TreeName::Chats, &b))
            .transpose()?
            .unwrap_or_default())
    }

    /// The people of a workspace a check-in is talking to now, each with
    /// when that conversation opened: whom a surface that may have missed
    /// what they wrote asks again (what they wrote since).
    pub fn chatting(&self, team: &TeamId) -> Result<Vec<(UserId, DateTime<Utc>)>, StoreError> {
        let prefix = keys::team_prefix(team);
        let mut people = Vec::new();
        for (key, value) in self
            .backend
            .scan_prefix(TreeName::Chats, &prefix, usize::MAX)?
        {
            let chat: Chat = decode(TreeName::Chats, &value)?;
            let user = std::str::from_utf8(&key[prefix.len()..])
                .ok()
                .and_then(UserId::parse);
            if let (Some(user), Some(current)) = (user, chat.current) {
                people.push((user, current.opened_at));
            }
        }
        Ok(people)
    }

    pub fn checkin(
        &self,
        team: &TeamId,
        tour: TourId,
        number: u32,
    ) -> Result<Option<CheckIn>, StoreError> {
        self.backend
            .get(TreeName::Checkins, &keys::checkin(team, tour, number))?
            .map(|b| decode(TreeName::Checkins, &b))
            .transpose()
    }

    /// Every check-in of a tour, oldest first.
    pub fn checkins(&self, team: &TeamId, tour: TourId) -> Result<Vec<CheckIn>, StoreError> {
        self.backend
            .scan_prefix(TreeName::Checkins, &keys::tour(team, tour), usize::MAX)?
            .iter()
            .map(|(_, v)| decode(TreeName::Checkins, v))
            .collect()
    }

    /// Every check-in recorded in a workspace, by tour and number: one
    /// range scan (the people team's report).
    pub fn checkins_in_team(&self, team: &TeamId) -> Result<Vec<CheckIn>, StoreError> {
        self.backend
            .scan_prefix(TreeName::Checkins, &keys::team_prefix(team), usize::MAX)?
            .iter()
            .map(|(_, v)| decode(TreeName::Checkins, v))
            .collect()
    }

    /// The scheduled check-ins Alliance asked for in a workspace: each
    /// `checkin:nN` reminder (round 0, the conversation's first question)
    /// that was sent to its member, as (tour, when it went). Read from the
    /// outbox, which keeps every entry for good; a page at a time, and only
    /// the entries whose key names a check-in are decoded. An entry this
    /// build cannot read is passed over (the report is a reading).
    pub fn checkin_questions_sent(
        &self,
        team: &TeamId,
    ) -> Result<Vec<(TourId, DateTime<Utc>)>, StoreError> {
        use super::outbox::{OutboxEntry, OutboxState};
        use crate::domain::notice::NoticeKind;
        const PAGE: usize = 1024;
        const NEEDLE: &[u8] = b":checkin:n";
        // Every tour's outbox key is `team ∅ tour:…`; `;` follows `:`.
        let end = keys::outbox(team, "tour;");
        let mut from = keys::outbox(team, "tour:");
        let mut sent = Vec::new();
        loop {
            let page = self
                .backend
                .scan_range(TreeName::Outbox, &from, &end, PAGE)?;
            let Some((last, _)) = page.last() else {
                return Ok(sent);
            };
            from = [last.as_slice(), &[0]].concat();
            for (key, value) in &page {
                if !key.windows(NEEDLE.len()).any(|w| w == NEEDLE) {
                    continue;
                }
                let Ok(entry) = decode::<OutboxEntry>(TreeName::Outbox, value) else {
                    continue;
                };
                if let (
                    NoticeKind::Reminder {
                        series: Series::Checkin(_),
                        round: 0,
                        ..
                    },
                    OutboxState::Sent { at, .. },
                ) = (&entry.notice.kind, &entry.state)
                {
                    sent.push((entry.notice.tour, *at));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_event_has_one_effect_and_its_id_is_forgotten_after_a_day() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let u = UserId::parse("UA").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let (ev1, ev2) = (
            EventId::parse("Ev1").unwrap(),
            EventId::parse("Ev2").unwrap(),
        );
        let said = |store: &Store| store.chat(&team, &u).unwrap().said;
        let effect = |ctx: &CheckinTx| {
            let mut chat = ctx.chat(&u)?;
            chat.next_message();
            ctx.save_chat(&u, &chat)?;
            Ok(Ok::<_, ()>(chat.said))
        };
        assert_eq!(
            store.checkin_tx(&team, Some(&ev1), now, effect).unwrap(),
            Some(Ok(1))
        );
        assert_eq!(
            store.checkin_tx(&team, Some(&ev1), now, effect).unwrap(),
            None,
            "a retry changes nothing"
        );
        assert_eq!(said(&store), 1);
        assert!(store.event_seen(&team, &ev1).unwrap());
        // A refusal writes nothing, not even the event id.
        let refused = store
            .checkin_tx(&team, Some(&ev2), now, |_| Ok(Err::<(), _>("no")))
            .unwrap();
        assert_eq!(refused, Some(Err("no")));
        assert!(!store.event_seen(&team, &ev2).unwrap());

        assert_eq!(store.prune_events(now + Duration::hours(23)).unwrap(), 0);
        assert!(store.event_seen(&team, &ev1).unwrap());
        assert_eq!(store.prune_events(now + Duration::hours(25)).unwrap(), 1);
        assert!(!store.event_seen(&team, &ev1).unwrap());
    }
}
