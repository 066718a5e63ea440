//! The one-on-ones tree: one record per pair in a workspace, keyed
//! `team ∅ manager ∅ member`, and the reminders that follow each record.
//! A set-up ([`Store::set_up_one_on_one`]) sees the pair's record either
//! way round, so a pair keeps one record (data from before may hold both).
//!
//! A 1:1's reminders are due entries like any other, with tour 0 (they are
//! about a pair, not a tour) and series `1on1:Umanager:Umember:step:slot`.
//! Every write of a record moves its next occurrences (agenda, "did it
//! happen?", overdue) in the same transaction, computed by
//! `domain::one_on_one` in the zone the record is read in now: its own, or
//! the manager's Slack zone from the users cache (see
//! [`OneOnOne::schedule`]'s `zone`).
//!
//! At delivery [`check_in`] decides whether an occurrence is still owed
//! (the 1:1 was not stopped, moved or logged meanwhile; an agenda is never
//! sent once its slot has begun) and plans the following one. An occurrence
//! found stale plans the one that is owed now in its place: inputs can
//! change outside a write of the record, and the series must not stop
//! because of it. Its key names its slot's instant, so the replacement is a
//! new message, never a duplicate.
//!
//! The manager's Slack zone is such an input: delivery learns it. When it
//! caches one through [`Store::save_user_following`], the 1:1s that follow
//! it are re-planned in the same transaction and both parties are told
//! when the next one moved, once per change.
//!
//! Cost: a person's 1:1s as manager are one prefix scan; as member, a scan
//! of the workspace's 1:1s (one per pair: small next to its tours).

use super::alumni::NO_TOUR;
use super::outbox::{OutboxEntry, UserCache, enqueue_entry_in, enqueue_in};
use super::reminders::{DueReminder, plan_in, unplan_in};
use super::{Store, StoreError, TreeName, Tx, TxFail, decode, encode, keys};
use crate::domain::notice::Notice;
use crate::domain::one_on_one::{Due, OneOnOne, Step};
use crate::domain::schedule::Series;
use crate::domain::{TeamId, UserId};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// `team ∅ manager ∅ member`.
pub fn key(team: &TeamId, manager: &UserId, member: &UserId) -> Vec<u8> {
    let mut k = keys::person(team, manager);
    k.push(0);
    k.extend_from_slice(member.as_str().as_bytes());
    k
}

/// Reads back [`key`].
pub(super) fn split_key(key: &[u8]) -> Option<(TeamId, UserId, UserId)> {
    let mut parts = key.split(|b| *b == 0);
    let text = |b: &[u8]| std::str::from_utf8(b).ok().map(str::to_string);
    let team = TeamId::parse(&text(parts.next()?)?)?;
    let manager = UserId::parse(&text(parts.next()?)?)?;
    let member = UserId::parse(&text(parts.next()?)?)?;
    parts.next().is_none().then_some((team, manager, member))
}

/// The series of an occurrence of `o`.
pub fn series(o: &OneOnOne, step: Step, slot: DateTime<Utc>) -> Series {
    Series::OneOnOne {
        manager: o.manager.clone(),
        member: o.member.clone(),
        step,
        slot,
    }
}

pub(crate) fn due_entry(team: &TeamId, o: &OneOnOne, due: &Due) -> DueReminder {
    DueReminder {
        at: due.at,
        team: team.clone(),
        tour: NO_TOUR,
        series: series(o, due.step, due.slot),
        to: None,
        round: 0,
        recipients: o.recipients(due.step),
    }
}

fn fail(e: StoreError) -> TxFail {
    TxFail::Engine(e.to_string())
}

pub(crate) fn read_in(
    tx: &dyn Tx,
    team: &TeamId,
    manager: &UserId,
    member: &UserId,
) -> Result<Option<OneOnOne>, TxFail> {
    tx.get(TreeName::OneOnOnes, &key(team, manager, member))?
        .map(|b| decode(TreeName::OneOnOnes, &b).map_err(fail))
        .transpose()
}

/// The zone the slots of `o` are read in now.
pub(crate) fn zone_in(tx: &dyn Tx, team: &TeamId, o: &OneOnOne) -> Result<Tz, TxFail> {
    let cached: Option<UserCache> = tx
        .get(TreeName::Users, &keys::person(team, &o.manager))?
        .map(|b| decode(TreeName::Users, &b).map_err(fail))
        .transpose()?;
    Ok(o.schedule.zone(cached.and_then(|c| c.tz).as_deref()))
}

/// Moves the next occurrences of `old` (as read in its zone) to those of
/// `new` (in its own): what is no longer owed leaves the due index, what
/// is new joins it. `None` on either side: nothing planned.
fn replan_in(
    tx: &dyn Tx,
    team: &TeamId,
    old: Option<(&OneOnOne, Tz)>,
    new: Option<(&OneOnOne, Tz)>,
    now: DateTime<Utc>,
) -> Result<(), TxFail> {
    let entries = |side: Option<(&OneOnOne, Tz)>| -> Vec<DueReminder> {
        side.map(|(o, tz)| {
            o.plan(tz, now)
                .iter()
                .map(|due| due_entry(team, o, due))
                .collect()
        })
        .unwrap_or_default()
    };
    let (before, after) = (entries(old), entries(new));
    for due in before.iter().filter(|d| !after.contains(d)) {
        unplan_in(tx, due)?;
    }
    for due in after.iter().filter(|d| !before.contains(d)) {
        plan_in(tx, due)?;
    }
    Ok(())
}

/// Writes a record and moves its next occurrences.
pub(crate) fn put_in(
    tx: &dyn Tx,
    team: &TeamId,
    old: Option<&OneOnOne>,
    new: &OneOnOne,
    now: DateTime<Utc>,
) -> Result<(), TxFail> {
    let old = match old {
        Some(o) => Some((o, zone_in(tx, team, o)?)),
        None => None,
    };
    replan_in(tx, team, old, Some((new, zone_in(tx, team, new)?)), now)?;
    tx.insert(
        TreeName::OneOnOnes,
        &key(team, &new.manager, &new.member),
        &encode(new),
    )
}

fn as_pair(o: &Option<(OneOnOne, Tz)>) -> Option<(&OneOnOne, Tz)> {
    o.as_ref().map(|(o, tz)| (o, *tz))
}

/// The record of `manager` with `member`, with the zone it is read in now.
fn read_with_zone_in(
    tx: &dyn Tx,
    team: &TeamId,
    manager: &UserId,
    member: &UserId,
) -> Result<Option<(OneOnOne, Tz)>, TxFail> {
    match read_in(tx, team, manager, member)? {
        Some(o) => {
            let tz = zone_in(tx, team, &o)?;
            Ok(Some((o, tz)))
        }
        None => Ok(None),
    }
}

/// Whether the 1:1 reminder `series` (planned for `planned`, round
/// `round`) is still owed to `to` at `now` (and not held back by their
/// snooze of it). With `plan`, the first time an
/// occurrence is found owed the following one is planned, and a stale one
/// plans the occurrence owed now in its place (see the module docs).
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_in(
    tx: &dyn Tx,
    team: &TeamId,
    series: &Series,
    round: u32,
    to: &UserId,
    planned: DateTime<Utc>,
    now: DateTime<Utc>,
    plan: bool,
) -> Result<bool, TxFail> {
    let Series::OneOnOne {
        manager,
        member,
        step,
        slot,
    } = series
    else {
        return Ok(false);
    };
    let Some(o) = read_in(tx, team, manager, member)? else {
        return Ok(false);
    };
    let tz = zone_in(tx, team, &o)?;
    let due = o.due_at(*step, *slot, tz);
    let timely = match round {
        0 => due == Some(planned),
        _ => due.is_some(),
    };
    let owed = timely && o.recipients(*step).contains(to) && (*step != Step::Agenda || now < *slot);
    // A snooze of the series holds it back from them (`Snooze::holds`); the
    // series still goes on.
    let held = owed
        && super::reminders::held_in(
            tx,
            team,
            NO_TOUR,
            series,
            round,
            to,
            planned,
            o.before(*step, *slot),
        )?;
    if plan && round == 0 {
        let next = if owed {
            o.following(*step, *slot, tz, now)
        } else {
            o.next_due(*step, now, tz)
        };
        if let Some(next) = next {
            plan_in(tx, &due_entry(team, &o, &next))?;
        }
    }
    Ok(owed && !held)
}

impl Store {
    pub fn one_on_one(
        &self,
        team: &TeamId,
        manager: &UserId,
        member: &UserId,
    ) -> Result<Option<OneOnOne>, StoreError> {
        self.backend
            .get(TreeName::OneOnOnes, &key(team, manager, member))?
            .map(|v| decode(TreeName::OneOnOnes, &v))
            .transpose()
    }

    /// Every 1:1 of a workspace (stopped ones too), by manager and member:
    /// one range scan (the people team's report).
    pub fn one_on_ones_in_team(&self, team: &TeamId) -> Result<Vec<OneOnOne>, StoreError> {
        self.backend
            .scan_prefix(TreeName::OneOnOnes, &keys::team_prefix(team), usize::MAX)?
            .iter()
            .map(|(_, v)| decode(TreeName::OneOnOnes, v))
            .collect()
    }

    /// Every 1:1 `user` is a party to (stopped ones too): those they
    /// manage, then those they are the member of.
    pub fn one_on_ones_of(
        &self,
        team: &TeamId,
        user: &UserId,
    ) -> Result<Vec<OneOnOne>, StoreError> {
        let mut managed = keys::person(team, user);
        managed.push(0);
        let mut out: Vec<OneOnOne> = self
            .backend
            .scan_prefix(TreeName::OneOnOnes, &managed, usize::MAX)?
            .iter()
            .map(|(_, v)| decode(TreeName::OneOnOnes, v))
            .collect::<Result<_, _>>()?;
        for (k, v) in
            self.backend
                .scan_prefix(TreeName::OneOnOnes, &keys::team_prefix(team), usize::MAX)?
        {
            if k.ends_with(user.as_str().as_bytes())
                && split_key(&k).is_some_and(|(_, _, member)| &member == user)
            {
                out.push(decode(TreeName::OneOnOnes, &v)?);
            }
        }
        Ok(out)
    }

    /// Caches what Slack told us about `user` (as [`Store::save_user`]
    /// does) and follows it in the same durable transaction: each running
    /// 1:1 they manage whose zone follows their Slack zone is read in the
    /// new one from now on, so its next occurrences move; when that moves
    /// its next 1:1 in UTC ([`OneOnOne::moved_by_zone`]), the messages
    /// `tell` writes (given the 1:1, the zone it was read in, the new one
    /// and its next slot) are owed, in their recipients' working hours.
    /// The zone and the messages are written together, so a change is
    /// told once. The delivery worker calls this (through
    /// `commands::one_on_ones::cache_user`) where it caches a zone it
    /// looked up.
    pub fn save_user_following(
        &self,
        team: &TeamId,
        user: &UserId,
        cache: &UserCache,
        now: DateTime<Utc>,
        tell: impl Fn(&OneOnOne, Tz, Tz, DateTime<Utc>) -> Vec<Notice>,
    ) -> Result<(), StoreError> {
        self.run(self.durable, |tx| {
            let at = keys::person(team, user);
            let was: Option<String> = tx
                .get(TreeName::Users, &at)?
                .map(|b| decode::<UserCache>(TreeName::Users, &b).map_err(fail))
                .transpose()?
                .and_then(|c| c.tz);
            tx.insert(TreeName::Users, &at, &encode(cache))?;
            if was == cache.tz {
                return Ok(Ok::<(), ()>(()));
            }
            let (mut from, mut to) = (at.clone(), at);
            from.push(0);
            to.push(1);
            for (_, bytes) in tx.scan_range(TreeName::OneOnOnes, &from, &to, usize::MAX)? {
                let o: OneOnOne = decode(TreeName::OneOnOnes, &bytes).map_err(fail)?;
                let (before, after) = (
                    o.schedule.zone(was.as_deref()),
                    o.schedule.zone(cache.tz.as_deref()),
                );
                if !o.is_active() || before == after {
                    continue;
                }
                replan_in(tx, team, Some((&o, before)), Some((&o, after)), now)?;
                let Some(next) = o.moved_by_zone(before, after, now) else {
                    continue;
                };
                for notice in tell(&o, before, after, next) {
                    // News, not an answer to anyone: in working hours.
                    let entry = OutboxEntry {
                        in_working_hours: true,
                        ..OutboxEntry::post(team, notice, now)
                    };
                    enqueue_entry_in(tx, &entry)?;
                }
            }
            Ok(Ok(()))
        })
        .map(|_| ())
    }

    /// The zone the slots of `o` are read in now.
    pub fn one_on_one_zone(&self, team: &TeamId, o: &OneOnOne) -> Result<Tz, StoreError> {
        let cached = self.user(team, &o.manager)?;
        Ok(o.schedule.zone(cached.tz.as_deref()))
    }

    /// Applies `rule` to the 1:1 of `manager` with `member` (given with the
    /// zone it is read in now, if it exists) and writes what it returns,
    /// with the messages it owes, durably, its reminders moved. A refusal
    /// changes nothing.
    pub fn change_one_on_one<E>(
        &self,
        team: &TeamId,
        manager: &UserId,
        member: &UserId,
        now: DateTime<Utc>,
        rule: impl Fn(Option<(&OneOnOne, Tz)>) -> Result<(OneOnOne, Vec<Notice>), E>,
    ) -> Result<Result<OneOnOne, E>, StoreError> {
        self.write_one_on_one(team, manager, member, now, false, |old, _| rule(old))
    }

    /// [`Store::change_one_on_one`] for a set-up: `rule` also sees the
    /// pair's record the other way round (`member` managing it), with its
    /// zone. There is one 1:1 per pair: when there was none this way round,
    /// the one the other way round — whose log and agenda `rule` carried
    /// on, unless it refused — is removed in the same transaction.
    pub fn set_up_one_on_one<E>(
        &self,
        team: &TeamId,
        manager: &UserId,
        member: &UserId,
        now: DateTime<Utc>,
        rule: impl Fn(
            Option<(&OneOnOne, Tz)>,
            Option<(&OneOnOne, Tz)>,
        ) -> Result<(OneOnOne, Vec<Notice>), E>,
    ) -> Result<Result<OneOnOne, E>, StoreError> {
        self.write_one_on_one(team, manager, member, now, true, rule)
    }

    /// Both of the above: with `set_up`, the record the other way round is
    /// read, and replaced when there was none this way round.
    fn write_one_on_one<E>(
        &self,
        team: &TeamId,
        manager: &UserId,
        member: &UserId,
        now: DateTime<Utc>,
        set_up: bool,
        rule: impl Fn(
            Option<(&OneOnOne, Tz)>,
            Option<(&OneOnOne, Tz)>,
        ) -> Result<(OneOnOne, Vec<Notice>), E>,
    ) -> Result<Result<OneOnOne, E>, StoreError> {
        self.run(self.durable, |tx| {
            let old = read_with_zone_in(tx, team, manager, member)?;
            let reversed = match set_up {
                true => read_with_zone_in(tx, team, member, manager)?,
                false => None,
            };
            let (new, owed) = match rule(as_pair(&old), as_pair(&reversed)) {
                Ok(changed) => changed,
                Err(e) => return Ok(Err(e)),
            };
            if let Some((theirs, tz)) = reversed.as_ref().filter(|_| old.is_none()) {
                replan_in(tx, team, Some((theirs, *tz)), None, now)?;
                tx.remove(
                    TreeName::OneOnOnes,
                    &key(team, &theirs.manager, &theirs.member),
                )?;
            }
            put_in(tx, team, old.as_ref().map(|(o, _)| o), &new, now)?;
            for notice in &owed {
                enqueue_in(tx, team, notice, now)?;
            }
            Ok(Ok(new))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::one_on_one::{Cadence, SetUp};
    use chrono::{NaiveTime, TimeZone, Weekday};

    #[test]
    fn keys_split_back_and_lists_find_both_sides() {
        let team = TeamId::parse("T1").unwrap();
        let (m, a, b) = (
            UserId::parse("UM").unwrap(),
            UserId::parse("UA").unwrap(),
            UserId::parse("UAA").unwrap(),
        );
        assert_eq!(
            split_key(&key(&team, &m, &a)),
            Some((team.clone(), m.clone(), a.clone()))
        );
        let store = Store::in_memory();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 16, 0, 0).unwrap();
        for (manager, member) in [(&m, &a), (&m, &b), (&a, &m)] {
            store
                .change_one_on_one(&team, manager, member, now, |old| {
                    OneOnOne::set_up(
                        old.map(|(o, _)| o),
                        None,
                        manager,
                        member,
                        &SetUp {
                            cadence: Cadence::Weekly,
                            weekday: Weekday::Tue,
                            time: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
                            zone: None,
                        },
                        Tz::UTC,
                        now,
                    )
                    .map(|o| (o, Vec::new()))
                })
                .unwrap()
                .unwrap();
        }
        let pairs = |user: &UserId| -> Vec<(String, String)> {
            store
                .one_on_ones_of(&team, user)
                .unwrap()
                .into_iter()
                .map(|o| (o.manager.to_string(), o.member.to_string()))
                .collect()
        };
        assert_eq!(
            pairs(&m),
            [
                ("UM".into(), "UA".into()),
                ("UM".into(), "UAA".into()),
                ("UA".into(), "UM".into())
            ]
        );
        assert_eq!(
            pairs(&a),
            [("UA".into(), "UM".into()), ("UM".into(), "UA".into())],
            "UAA's pair is not UA's"
        );
        // Three occurrences each, planned at once.
        let due = store
            .due_reminders(now + chrono::Duration::days(400), 100)
            .unwrap();
        assert_eq!(due.len(), 9);
        assert!(due.iter().all(|d| d.tour == NO_TOUR));
    }
}

#[cfg(test)]
mod zone_tests {
    use super::*;
    use crate::domain::notice::NoticeKind;
    use crate::domain::one_on_one::{Cadence, SetUp, ZoneChoice};
    use chrono::{NaiveTime, TimeZone, Weekday};
    use chrono_tz::{America, Europe};

    fn u(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }

    /// Sets up `manager`'s 1:1 with `member` on Tuesdays at 10:00.
    fn set(store: &Store, manager: &str, member: &str, zone: Option<ZoneChoice>) {
        let team = TeamId::parse("T1").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 16, 0, 0).unwrap();
        let wanted = SetUp {
            cadence: Cadence::Weekly,
            weekday: Weekday::Tue,
            time: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            zone,
        };
        store
            .set_up_one_on_one(&team, &u(manager), &u(member), now, |old, reversed| {
                OneOnOne::set_up(
                    old.map(|(o, _)| o),
                    reversed,
                    &u(manager),
                    &u(member),
                    &wanted,
                    Tz::UTC,
                    now,
                )
                .map(|o| (o, Vec::new()))
            })
            .unwrap()
            .unwrap();
    }

    /// The planned agenda slots of `manager`'s 1:1s, as `HH:MM` UTC.
    fn agendas(store: &Store) -> Vec<String> {
        let until = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        store
            .due_reminders(until, 100)
            .unwrap()
            .into_iter()
            .filter_map(|d| match d.series {
                Series::OneOnOne {
                    step: Step::Agenda,
                    manager,
                    slot,
                    ..
                } => Some(format!("{manager} {}", slot.format("%H:%M"))),
                _ => None,
            })
            .collect()
    }

    fn zone_notes(store: &Store) -> Vec<String> {
        store
            .outbox_all()
            .unwrap()
            .into_iter()
            .filter(|e| matches!(&e.notice.kind, NoticeKind::Note { key, .. } if key.contains(":zone:")))
            .map(|e| {
                assert!(e.in_working_hours, "news waits for working hours");
                e.notice.to.to_string()
            })
            .collect()
    }

    #[test]
    fn a_zone_learned_moves_the_1on1s_that_follow_it_and_tells_both_once() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        set(&store, "UM", "UA", None);
        set(&store, "UM", "UB", Some(ZoneChoice::Given(Tz::UTC)));
        set(&store, "UMM", "UA", None);
        assert_eq!(agendas(&store), ["UM 10:00", "UM 10:00", "UMM 10:00"]);
        let learn = |tz: &str, at: DateTime<Utc>| {
            let cache = UserCache {
                tz: Some(tz.into()),
                tz_checked_at: Some(at),
                ..store.user(&team, &u("UM")).unwrap()
            };
            store
                .save_user_following(&team, &u("UM"), &cache, at, |o, from, to, next| {
                    assert_eq!((from, to), (Tz::UTC, America::New_York));
                    assert_eq!(next.to_rfc3339(), "2026-06-02T14:00:00+00:00");
                    [&o.manager, &o.member]
                        .into_iter()
                        .map(|to| Notice {
                            tour: NO_TOUR,
                            to: to.clone(),
                            kind: NoticeKind::Note {
                                key: format!("1on1:zone:{}:{to}", at.timestamp()),
                                text: "moved".into(),
                            },
                        })
                        .collect()
                })
                .unwrap();
        };
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 17, 0, 0).unwrap();
        learn("America/New_York", now);
        assert_eq!(
            store.user(&team, &u("UM")).unwrap().tz.as_deref(),
            Some("America/New_York"),
            "cached"
        );
        // Only the one that follows UM's zone moved, in the index too.
        let mut planned = agendas(&store);
        planned.sort();
        assert_eq!(planned, ["UM 10:00", "UM 14:00", "UMM 10:00"]);
        assert_eq!(zone_notes(&store), ["UA", "UM"]);
        // The same zone again, a day later: nothing more.
        learn("America/New_York", now + chrono::Duration::days(1));
        assert_eq!(zone_notes(&store).len(), 2);
    }

    #[test]
    fn a_changed_zone_unplans_what_was_planned_in_the_old_one() {
        let store = Store::in_memory();
        set(
            &store,
            "UM",
            "UA",
            Some(ZoneChoice::Given(America::New_York)),
        );
        set(&store, "UM", "UA", Some(ZoneChoice::Given(Europe::Berlin)));
        assert_eq!(agendas(&store), ["UM 08:00"], "none left in New York time");
    }
}
