//! One contract suite, run against both backends: what the rest of Alliance
//! may rely on from [`Store`], whatever engine is underneath.

use super::*;
use crate::domain::{Event, Role, Side, Status, Term, TourKind};
use chrono::{TimeZone, Utc};

fn team() -> TeamId {
    TeamId::parse("T1").unwrap()
}
fn user(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}
fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
}

fn propose(store: &Store, team: &TeamId, manager: &str, member: &str) -> Tour {
    store
        .create_tour(team, |id| {
            Tour::propose(
                id,
                &user(manager),
                &user(member),
                TourKind::Rotational,
                Term::Months(12),
                "Run the on-call rotation",
                now(),
            )
        })
        .unwrap()
        .unwrap()
}

fn ids_count_up_per_workspace(store: Store) {
    let a = propose(&store, &team(), "UM", "UA");
    let b = propose(&store, &team(), "UM", "UB");
    let other = propose(&store, &TeamId::parse("T2").unwrap(), "UM", "UA");
    assert_eq!((a.id, b.id, other.id), (TourId(1), TourId(2), TourId(1)));
    assert_eq!(
        store.tour(&team(), TourId(2)).unwrap().unwrap().member,
        user("UB")
    );
    assert_eq!(
        store
            .tour(&TeamId::parse("T2").unwrap(), TourId(2))
            .unwrap(),
        None
    );
}

fn a_refused_rule_writes_nothing(store: Store) {
    let refused = store
        .create_tour(&team(), |id| {
            Tour::propose(
                id,
                &user("UM"),
                &user("UM"),
                TourKind::Rotational,
                Term::Months(12),
                "x",
                now(),
            )
        })
        .unwrap();
    assert_eq!(refused, Err(TourError::SelfProposal));
    // The counter did not move and no index entry was left behind.
    assert_eq!(propose(&store, &team(), "UM", "UA").id, TourId(1));
    assert_eq!(store.tours_of(&team(), &user("UM")).unwrap().len(), 1);

    let before = store.tour(&team(), TourId(1)).unwrap();
    let refused = store
        .update_tour(&team(), TourId(1), |t| t.withdraw(&user("UA"), now()))
        .unwrap();
    assert!(matches!(refused, Err(TourError::NotYourCall { .. })));
    assert_eq!(store.tour(&team(), TourId(1)).unwrap(), before);
    assert_eq!(store.history(&team(), TourId(1)).unwrap().len(), 1);
}

fn updates_append_history_in_order(store: Store) {
    let t = propose(&store, &team(), "UM", "UA");
    for text in ["Ship v2", "Mentor two juniors"] {
        store
            .update_tour(&team(), t.id, |t| {
                t.add_objective(&user("UM"), Side::Company, text, now())
            })
            .unwrap()
            .unwrap();
    }
    let accepted = store
        .update_tour(&team(), t.id, |t| t.accept(&user("UA"), now()))
        .unwrap()
        .unwrap();
    assert_eq!(accepted.status, Status::Active);
    // The covering index follows every change, for both parties.
    for party in ["UM", "UA"] {
        assert_eq!(
            store.tours_of(&team(), &user(party)).unwrap(),
            vec![accepted.summary()]
        );
    }
    assert_eq!(accepted.summary().objectives_total, 2);
    let history = store.history(&team(), t.id).unwrap();
    assert_eq!(history.len(), 4);
    assert!(matches!(history[0].event, Event::Proposed { .. }));
    assert!(
        matches!(&history[2].event, Event::ObjectiveAdded { number: 2, text, .. } if text == "Mentor two juniors")
    );
    assert!(matches!(history[3].event, Event::Accepted { .. }));
    assert_eq!(
        store
            .update_tour(&team(), TourId(99), |t| t.accept(&user("UA"), now()))
            .unwrap(),
        Err(TourError::NotFound(TourId(99)))
    );
}

fn party_index_finds_both_sides(store: Store) {
    propose(&store, &team(), "UM", "UA");
    propose(&store, &team(), "UA", "UB");
    propose(&store, &team(), "UM", "UB");
    let of_a: Vec<_> = store
        .tours_of(&team(), &user("UA"))
        .unwrap()
        .into_iter()
        .map(|t| (t.role_of(&user("UA")).unwrap(), t.id.0))
        .collect();
    assert_eq!(of_a, vec![(Role::Manager, 2), (Role::Member, 1)]);
    assert_eq!(store.tours_of(&team(), &user("UZ")).unwrap().len(), 0);
    assert_eq!(store.tours_in_team(&team(), 2).unwrap().len(), 2);
    assert_eq!(store.tours_in_team(&team(), 10).unwrap().len(), 3);
}

fn newer_schema_is_refused(store: Store) {
    let backend = store.backend.clone();
    backend
        .transact(true, &|tx| {
            tx.insert(TreeName::Meta, SCHEMA_KEY, &[SCHEMA_VERSION + 1])
        })
        .unwrap();
    assert!(matches!(
        Store::with_backend(backend),
        Err(StoreError::TooNew { .. })
    ));
}

/// A store written by schema 1: its due entries name no recipients, and
/// its values carry version byte 1. Both still read, and the store is then
/// marked as schema 2.
fn schema_1_data_is_read_and_upgraded(store: Store) {
    #[derive(Serialize)]
    struct DueV1 {
        at: chrono::DateTime<Utc>,
        team: TeamId,
        tour: TourId,
        series: schedule::Series,
        to: Option<UserId>,
        round: u32,
    }
    let tour = propose(&store, &team(), "UM", "UA");
    let backend = store.backend.clone();
    let at = now() + chrono::Duration::days(6);
    let v1 = |value: Vec<u8>| [&[1u8][..], &value[1..]].concat();
    backend
        .transact(true, &|tx| {
            tx.insert(TreeName::Meta, SCHEMA_KEY, &[1])?;
            let old = DueV1 {
                at,
                team: team(),
                tour: tour.id,
                series: schedule::Series::WaitingManager,
                to: None,
                round: 0,
            };
            let key = keys::due(at, &team(), tour.id, "waiting-manager", None, 0);
            tx.insert(TreeName::Due, &key, &v1(encode_index(&old)))?;
            // A version-1 tour value is the same JSON.
            tx.insert(
                TreeName::Tours,
                &keys::tour(&team(), tour.id),
                &v1(encode(&tour)),
            )
        })
        .unwrap();
    let store = Store::with_backend(backend.clone()).unwrap();
    assert_eq!(
        backend.get(TreeName::Meta, SCHEMA_KEY).unwrap(),
        Some(vec![SCHEMA_VERSION])
    );
    assert_eq!(store.tour(&team(), tour.id).unwrap().as_ref(), Some(&tour));
    let due = store.due_reminders(at, 10).unwrap();
    let old = due
        .iter()
        .find(|d| d.series == schedule::Series::WaitingManager)
        .expect("the schema-1 entry is read");
    assert_eq!(old.recipients, vec![user("UM")], "recipients from its tour");
    assert_eq!(store.fire_due(at, 10, true).unwrap(), due.len());
    assert_eq!(store.fan_out().unwrap(), 2, "member and manager owed");
    assert!(
        store
            .outbox_entry(&team(), "tour:1:waiting-manager:UM")
            .unwrap()
            .is_some()
    );
}

/// A store written by schema 4 keyed its send queue `time team ∅ key` with
/// empty values. At the first start the queue is rebuilt in the new layout
/// (workspace, lane, time; the recipient as value), so what was owed is
/// still found, in its lane, and nothing of the old layout is left.
fn schema_4_send_queue_is_rebuilt_in_lanes(store: Store) {
    let tour = propose(&store, &team(), "UM", "UA");
    let reminder = outbox::OutboxEntry::post(
        &team(),
        notice::Notice {
            tour: tour.id,
            to: user("UM"),
            kind: notice::NoticeKind::Reminder {
                series: schedule::Series::WaitingManager,
                round: 0,
                on: None,
            },
        },
        now(),
    );
    assert!(store.enqueue(&reminder).unwrap());
    let backend = store.backend.clone();
    let open: Vec<outbox::OutboxEntry> = store
        .outbox_all()
        .unwrap()
        .into_iter()
        .filter(|e| e.state.is_open())
        .collect();
    assert_eq!(open.len(), 2, "the proposal DM and the reminder");
    backend
        .transact(true, &|tx| {
            tx.insert(TreeName::Meta, SCHEMA_KEY, &[4])?;
            for (k, _) in tx.scan_range(TreeName::OutboxDue, &[], &[0xff; 4], usize::MAX)? {
                tx.remove(TreeName::OutboxDue, &k)?;
            }
            for e in &open {
                let mut old = keys::time(e.not_before).to_vec();
                old.extend_from_slice(&keys::outbox(&e.team, &e.key));
                tx.insert(TreeName::OutboxDue, &old, &[])?;
            }
            Ok(())
        })
        .unwrap();
    let store = Store::with_backend(backend.clone()).unwrap();
    assert_eq!(
        backend.get(TreeName::Meta, SCHEMA_KEY).unwrap(),
        Some(vec![SCHEMA_VERSION])
    );
    let lanes = |lane| {
        store
            .queued(&team(), lane, now(), None, 10)
            .unwrap()
            .into_iter()
            .map(|q| q.recipient)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        lanes(outbox::Lane::Answers),
        vec![user("UA")],
        "the proposal"
    );
    assert_eq!(lanes(outbox::Lane::Reminders), vec![user("UM")]);
    assert_eq!(
        backend
            .scan_prefix(TreeName::OutboxDue, &[], usize::MAX)
            .unwrap()
            .len(),
        2,
        "no key of the old layout is left"
    );
}

/// A store written by schema 5 kept one list of summaries per person
/// (`team ∅ user`). At the first start the index is rebuilt as one key per
/// person and tour: lists read the same, and no list of the old layout is
/// left. A user id that is a prefix of another (UA, UAB) keeps its own.
fn schema_5_party_lists_become_one_key_per_tour(store: Store) {
    propose(&store, &team(), "UM", "UA");
    propose(&store, &team(), "UM", "UAB");
    propose(&store, &team(), "UA", "UB");
    let people = ["UM", "UA", "UAB", "UB"];
    let lists: Vec<Vec<TourSummary>> = people
        .iter()
        .map(|p| store.tours_of(&team(), &user(p)).unwrap())
        .collect();
    let backend = store.backend.clone();
    backend
        .transact(true, &|tx| {
            tx.insert(TreeName::Meta, SCHEMA_KEY, &[5])?;
            for (k, _) in tx.scan_range(TreeName::Parties, &[], &[0xff; 4], usize::MAX)? {
                tx.remove(TreeName::Parties, &k)?;
            }
            for (p, list) in people.iter().zip(&lists) {
                let mut oldest_first = list.clone();
                oldest_first.reverse();
                tx.insert(
                    TreeName::Parties,
                    &keys::person(&team(), &user(p)),
                    &encode_index(&oldest_first),
                )?;
            }
            Ok(())
        })
        .unwrap();
    let store = Store::with_backend(backend.clone()).unwrap();
    assert_eq!(
        backend.get(TreeName::Meta, SCHEMA_KEY).unwrap(),
        Some(vec![SCHEMA_VERSION])
    );
    for (p, list) in people.iter().zip(&lists) {
        assert_eq!(&store.tours_of(&team(), &user(p)).unwrap(), list, "{p}");
    }
    assert_eq!(
        lists.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![2, 2, 1, 1]
    );
    assert_eq!(
        backend
            .scan_prefix(TreeName::Parties, &[], usize::MAX)
            .unwrap()
            .len(),
        6,
        "one key per party and tour, none of the old layout"
    );
}

/// A scan inside a transaction sees that transaction's own writes: new
/// keys, changed values, removals, in key order and within its limit.
fn a_transaction_scans_through_its_own_writes(store: Store) {
    let backend = store.backend.clone();
    backend
        .transact(true, &|tx| {
            for key in [b"a", b"c", b"e"] {
                tx.insert(TreeName::Due, key, b"old")?;
            }
            Ok(())
        })
        .unwrap();
    let entry = |k: &[u8], v: &[u8]| (k.to_vec(), v.to_vec());
    let seen = store
        .run(false, |tx| {
            tx.insert(TreeName::Due, b"b", b"new")?;
            tx.insert(TreeName::Due, b"c", b"changed")?;
            tx.remove(TreeName::Due, b"a")?;
            tx.insert(TreeName::Due, b"d", b"gone again")?;
            tx.remove(TreeName::Due, b"d")?;
            tx.insert(TreeName::Outbox, b"b2", b"another tree")?;
            let all = tx.scan_range(TreeName::Due, b"a", b"z", 10)?;
            let two = tx.scan_range(TreeName::Due, b"a", b"z", 2)?;
            let upto_e = tx.scan_range(TreeName::Due, b"a", b"e", 10)?;
            // Aborted: nothing of it stays.
            Ok(Err::<(), _>((all, two, upto_e)))
        })
        .unwrap()
        .unwrap_err();
    assert_eq!(
        seen.0,
        vec![
            entry(b"b", b"new"),
            entry(b"c", b"changed"),
            entry(b"e", b"old")
        ]
    );
    assert_eq!(seen.1, seen.0[..2]);
    assert_eq!(seen.2, seen.0[..2]);
    assert_eq!(
        backend
            .scan_range(TreeName::Due, b"a", b"z", 10)
            .unwrap()
            .len(),
        3
    );
}

/// A store on a new database of the test server (`scripts/test` starts one
/// and sets `ALLIANCE_TEST_DATABASE_URL`).
pub(crate) fn postgres_store(name: &str) -> Store {
    let server = std::env::var("ALLIANCE_TEST_DATABASE_URL").expect(
        "ALLIANCE_TEST_DATABASE_URL is not set: run the tests with ./scripts/test, \
         which starts a throwaway PostgreSQL",
    );
    let db = format!("unit_{name}_{}", std::process::id());
    let url = super::postgres::create_database(&server, &db).unwrap();
    Store::open_postgres(&url, 4).unwrap()
}

/// Transactions racing on one counter from several threads: each increment
/// is applied once (on PostgreSQL, through serialization failures and the
/// re-runs they cause).
fn racing_transactions_lose_no_update(store: Store) {
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    store
                        .run(false, |tx| {
                            let n = tx
                                .get(TreeName::Meta, b"race")?
                                .map_or(0, |v| u32::from_be_bytes(v[..4].try_into().unwrap()));
                            tx.insert(TreeName::Meta, b"race", &(n + 1).to_be_bytes())?;
                            Ok(Ok::<(), ()>(()))
                        })
                        .unwrap()
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let n = store.backend.get(TreeName::Meta, b"race").unwrap().unwrap();
    assert_eq!(u32::from_be_bytes(n[..4].try_into().unwrap()), 150);
}

/// Two schedulers ticking at the same instant (two instances whose lease
/// overlapped): each due reminder is fired by one of them.
fn racing_ticks_fire_each_reminder_once(store: Store) {
    for n in 0..20 {
        propose(&store, &team(), "UM", &format!("UA{n}"));
    }
    let later = now() + chrono::Duration::days(10);
    let ticks: Vec<_> = (0..2)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || store.fire_due(later, usize::MAX, false).unwrap())
        })
        .collect();
    let fired: usize = ticks.into_iter().map(|t| t.join().unwrap()).sum();
    let waiting = store.fired_reminders(usize::MAX).unwrap().len();
    assert_eq!(fired, waiting, "each fired once");
    assert!(waiting >= 20, "{waiting}");
}

macro_rules! contract {
    ($($name:ident),*) => {
        mod memory_backend {
            $(#[test] fn $name() { super::$name(super::Store::in_memory()); })*
        }
        mod sled_backend {
            $(#[test] fn $name() {
                let dir = tempfile::tempdir().unwrap();
                super::$name(super::Store::open(dir.path(), 8 << 20).unwrap());
            })*
        }
        mod postgres_backend {
            $(#[test] fn $name() {
                super::$name(super::postgres_store(stringify!($name)));
            })*
        }
    };
}

contract!(
    ids_count_up_per_workspace,
    a_refused_rule_writes_nothing,
    updates_append_history_in_order,
    party_index_finds_both_sides,
    newer_schema_is_refused,
    schema_1_data_is_read_and_upgraded,
    schema_4_send_queue_is_rebuilt_in_lanes,
    schema_5_party_lists_become_one_key_per_tour,
    a_transaction_scans_through_its_own_writes,
    racing_transactions_lose_no_update,
    racing_ticks_fire_each_reminder_once
);

/// Opens `dir` again right after a `Db` there was dropped: sled's flusher
/// thread lets go of the file lock a moment later, not at the drop.
fn when_released<T>(open: impl Fn() -> Result<T, String>) -> T {
    for _ in 0..100 {
        match open() {
            Ok(opened) => return opened,
            Err(e) if e.contains("in use by another") || e.contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the store stayed locked");
}

#[test]
fn sled_data_survives_reopen_and_a_second_opener_is_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), 8 << 20).unwrap();
    propose(&store, &team(), "UM", "UA");
    let second = Store::open(dir.path(), 8 << 20)
        .err()
        .map(|e| e.to_string());
    assert!(
        second
            .as_deref()
            .is_some_and(|e| e.contains("in use by another")),
        "{second:?}"
    );
    drop(store);
    let store = when_released(|| Store::open(dir.path(), 8 << 20).map_err(|e| e.to_string()));
    assert_eq!(
        store.tour(&team(), TourId(1)).unwrap().unwrap().mission,
        "Run the on-call rotation"
    );
    assert!(store.healthy());
}

#[test]
fn sled_data_of_the_first_release_moves_into_the_one_tree() {
    let dir = tempfile::tempdir().unwrap();
    {
        // The first release's layout: one sled tree per logical tree.
        let db = sled::open(dir.path()).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert(SCHEMA_KEY, &[1])
            .unwrap();
        let tour = Tour::propose(
            TourId(1),
            &user("UM"),
            &user("UA"),
            TourKind::Rotational,
            Term::Months(12),
            "Kept across the upgrade",
            now(),
        )
        .unwrap()
        .0;
        db.open_tree("tours")
            .unwrap()
            .insert(keys::tour(&team(), TourId(1)), encode(&tour))
            .unwrap();
        db.flush().unwrap();
    }
    let store = when_released(|| Store::open(dir.path(), 8 << 20).map_err(|e| e.to_string()));
    assert_eq!(
        store.tour(&team(), TourId(1)).unwrap().unwrap().mission,
        "Kept across the upgrade"
    );
    drop(store);
    let db = when_released(|| sled::open(dir.path()).map_err(|e| e.to_string()));
    assert!(
        !db.tree_names().iter().any(|n| n.as_ref() == b"tours"),
        "the old tree is gone once moved"
    );
}

/// 64 transactions of one process racing on one key (a workspace's tour
/// counter when everyone proposes at once), over as many connections: every
/// one commits. Each first run is optimistic; one that conflicted runs again
/// alone (the retry gate), so none runs out of attempts.
#[test]
fn postgres_sixty_four_racers_on_one_key_all_commit() {
    let server = std::env::var("ALLIANCE_TEST_DATABASE_URL")
        .expect("ALLIANCE_TEST_DATABASE_URL is not set: run the tests with ./scripts/test");
    let db = format!("unit_sixty_four_racers_{}", std::process::id());
    let url = super::postgres::create_database(&server, &db).unwrap();
    let store = Store::open_postgres(&url, 64).unwrap();
    let start = std::sync::Arc::new(std::sync::Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (store, start) = (store.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..10 {
                    store
                        .run(false, |tx| {
                            let n = tx
                                .get(TreeName::Meta, b"race")?
                                .map_or(0, |v| u32::from_be_bytes(v[..4].try_into().unwrap()));
                            tx.insert(TreeName::Meta, b"race", &(n + 1).to_be_bytes())?;
                            Ok(Ok::<(), ()>(()))
                        })
                        .map_err(|e| e.to_string())?
                        .ok();
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    let failed: Vec<String> = threads
        .into_iter()
        .filter_map(|t| t.join().unwrap().err())
        .collect();
    assert!(
        failed.is_empty(),
        "{} racers failed: {:?}",
        failed.len(),
        failed.first()
    );
    let n = store.backend.get(TreeName::Meta, b"race").unwrap().unwrap();
    assert_eq!(u32::from_be_bytes(n[..4].try_into().unwrap()), 640);
}

/// On a shared store, an entry one instance claimed is not another's until
/// the claim runs out; then the other takes it, and a write by the first
/// (late: it stalled) is refused, so its result cannot undo the taker's.
#[test]
fn postgres_a_claim_holds_off_other_instances_and_fences_a_late_writer() {
    let store = postgres_store("claims");
    assert!(store.shared());
    propose(&store, &team(), "UM", "UA");
    let lease = chrono::Duration::seconds(60);
    let queued = store
        .queued(&team(), outbox::Lane::Answers, now(), None, 10)
        .unwrap();
    let queued = &queued[0];

    let mut a = store
        .claim(queued, "a", now(), lease)
        .unwrap()
        .expect("a takes it");
    assert_eq!(
        store.claim(queued, "b", now(), lease).unwrap(),
        None,
        "held by a"
    );
    let later = now() + chrono::Duration::seconds(61);
    let mut b = store
        .claim(queued, "b", later, lease)
        .unwrap()
        .expect("a's claim ran out");

    a.state = outbox::OutboxState::Failed {
        at: later,
        error: "late".into(),
    };
    assert!(!store.outbox_note(&a).unwrap(), "a was taken over");
    b.state = outbox::OutboxState::Sent {
        at: later,
        channel: "D1".into(),
        ts: "1.2".into(),
    };
    assert!(store.outbox_note(&b).unwrap());
    let stored = store.outbox_entry(&team(), &b.key).unwrap().unwrap();
    assert!(matches!(stored.state, outbox::OutboxState::Sent { .. }));
    assert_eq!(stored.claim, None, "released with its fate");
    assert_eq!(
        store.claim(queued, "a", later, lease).unwrap(),
        None,
        "sent: owed no more"
    );
}
