//! Durable state: tours, their history, the indexes that find them, the
//! reminders due and the outbox of messages owed.
//!
//! Two layers. [`Backend`] is the small trait an embedded engine must offer
//! (point reads, prefix scans, and all-or-nothing transactions over named
//! trees); [`sled`](sled_backend) implements it for production and
//! [`memory`] for unit tests, and one contract suite runs against both.
//! [`Store`] holds everything Alliance knows about keys, indexes and
//! versioned values, written once on top of the trait — so moving off sled
//! touches one file. [`export`] (export/import) and [`erase`] (a person's
//! erasure) read and write every tree, each through an exhaustive match
//! over [`TreeName`].
//!
//! Guarantees:
//! - Every command's change is one transaction across all the trees it
//!   touches (the tour, its history entry, the party index, the id counter,
//!   the reminders it plans and the messages it owes people), flushed to disk
//!   before the call returns: an acknowledged command survives `kill -9`.
//! - Every value starts with a schema-version byte; [`Store::open`] refuses
//!   data written by a newer Alliance and migrates older data.
//! - Keys start with the workspace id and use big-endian numbers, so a
//!   workspace or a tour's history is one range scan; a person's tours are
//!   one value, read in one lookup.

pub mod alumni;
pub mod away;
pub mod changes;
pub mod checkins;
pub mod erase;
pub mod export;
pub mod keys;
pub mod memory;
pub mod one_on_ones;
pub mod outbox;
pub mod postgres;
pub mod reminders;
pub mod sled_backend;
pub mod talk;

use crate::domain::schedule::{self, ReminderPolicy};
use crate::domain::{HistoryEntry, TeamId, Tour, TourError, TourId, TourSummary, UserId, notice};
use reminders::DueReminder;
use serde::{Serialize, de::DeserializeOwned};
use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

/// The trees Alliance keeps. A new one does not compile until export,
/// import and erase (`export.rs`, `erase.rs`) say what happens to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreeName {
    /// `team ∅ tour-id` → the tour.
    Tours,
    /// `team ∅ tour-id history-no` → one history entry.
    History,
    /// `team ∅ user ∅ tour-id` → the person's summary of one tour they are
    /// a party to: a list is one short range scan, and a change to a tour
    /// rewrites one key per party, however many tours they have.
    Parties,
    /// Counters and the schema version.
    Meta,
    /// `due-time team ∅ tour-id series ∅ user ∅ round` → a reminder's next
    /// firing; the scheduler reads it up to now. Fired occurrences wait for
    /// the outbox worker at the end, under [`keys::FIRED`].
    Due,
    /// `team ∅ key` → an outbox entry: a message owed, and whether it went.
    Outbox,
    /// `team ∅ lane send-time key` → recipient: open outbox entries in
    /// send order, per workspace and lane (`outbox::Lane`).
    OutboxDue,
    /// `team ∅ user` → what Slack told us of a person (DM channel, time zone).
    Users,
    /// `team ∅ tour-id family ∅ user` → when that person marked a series done.
    Dismissed,
    /// `team ∅ user` → an alumnus.
    Alumni,
    /// `team ∅ tour-id n` → the n-th check-in of a tour: answers, notes,
    /// and the company's side.
    Checkins,
    /// `team ∅ user` → the person's check-in conversations: the current
    /// one, where it stands, and those waiting.
    Chats,
    /// `team ∅ event-id` → when that Events API delivery was first handled:
    /// a retry of it has no effect. Kept for a day.
    Events,
    /// `time team ∅ event-id` → (): the same ids by age, for pruning.
    EventTimes,
    /// `team ∅ manager ∅ member` → a 1:1 series, its log and agenda.
    OneOnOnes,
    /// `team ∅ tour-id series ∅ user` → that person's latest snooze of a
    /// series (`Series::thread`): until when it holds (`reminders`).
    Snoozes,
    /// `team ∅ user` → the day that person is back from being away, and
    /// the reminders held for their return (`away`).
    Away,
}

impl TreeName {
    pub const ALL: [TreeName; 17] = [
        TreeName::Tours,
        TreeName::History,
        TreeName::Parties,
        TreeName::Meta,
        TreeName::Due,
        TreeName::Outbox,
        TreeName::OutboxDue,
        TreeName::Users,
        TreeName::Dismissed,
        TreeName::Alumni,
        TreeName::Checkins,
        TreeName::Chats,
        TreeName::Events,
        TreeName::EventTimes,
        TreeName::OneOnOnes,
        TreeName::Snoozes,
        TreeName::Away,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            TreeName::Tours => "tours",
            TreeName::History => "history",
            TreeName::Parties => "parties",
            TreeName::Meta => "meta",
            TreeName::Due => "due",
            TreeName::Outbox => "outbox",
            TreeName::OutboxDue => "outbox-due",
            TreeName::Users => "users",
            TreeName::Dismissed => "dismissed",
            TreeName::Alumni => "alumni",
            TreeName::Checkins => "checkins",
            TreeName::Chats => "chats",
            TreeName::Events => "events",
            TreeName::EventTimes => "event-times",
            TreeName::OneOnOnes => "one-on-ones",
            TreeName::Snoozes => "snoozes",
            TreeName::Away => "away",
        }
    }
}

/// What can go wrong below the rules. Never shown to a user as is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage engine error: {0}")]
    Engine(String),
    #[error("the data directory is in use by another Alliance process ({0})")]
    Locked(String),
    #[error("stored value in tree {tree} is unreadable: {detail}")]
    Corrupt { tree: &'static str, detail: String },
    #[error(
        "the store was written by a newer Alliance (schema {found}, this build knows {known}); upgrade Alliance"
    )]
    TooNew { found: u8, known: u8 },
}

/// Why a transaction closure stopped: the engine failed, or the caller's
/// rule said no (its reason travels out of band).
#[derive(Debug)]
pub enum TxFail {
    Engine(String),
    Abort,
}

/// The view of the trees inside one transaction.
pub trait Tx {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, TxFail>;
    /// Entries with `start <= key < end`, in key order, at most `limit`, as
    /// this transaction sees them (its own writes included).
    fn scan_range(
        &self,
        tree: TreeName,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Entries, TxFail>;
    fn insert(&self, tree: TreeName, key: &[u8], value: &[u8]) -> Result<(), TxFail>;
    fn remove(&self, tree: TreeName, key: &[u8]) -> Result<(), TxFail>;
}

/// A transaction's range scan: `committed` entries (in key order) with its
/// `pending` writes in the same range (in key order) laid over them; a
/// pending `None` hides the key.
fn overlay_scan<'a>(
    committed: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), TxFail>>,
    pending: impl Iterator<Item = (&'a Vec<u8>, &'a Option<Vec<u8>>)>,
    limit: usize,
) -> Result<Entries, TxFail> {
    use std::cmp::Ordering;
    let mut committed = committed.peekable();
    let mut pending = pending.peekable();
    let mut out = Vec::new();
    while out.len() < limit {
        let order = match (committed.peek(), pending.peek()) {
            (None, None) => break,
            (Some(Err(_)) | Some(Ok(_)), None) | (Some(Err(_)), Some(_)) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(Ok((c, _))), Some((p, _))) => c.cmp(p),
        };
        if order == Ordering::Less {
            if let Some(entry) = committed.next() {
                out.push(entry?);
            }
            continue;
        }
        if order == Ordering::Equal {
            committed.next();
        }
        if let Some((key, Some(value))) = pending.next() {
            out.push((key.clone(), value.clone()));
        }
    }
    Ok(out)
}

/// Key–value pairs as a scan returns them.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The embedded engine. Transactions are serialised: a closure runs once,
/// reads its own writes, and commits all of them or none. Closures should
/// still have no side effects beyond the `Tx` (an engine may change).
pub trait Backend: Send + Sync {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Entries whose key starts with `prefix`, in key order, at most `limit`.
    fn scan_prefix(
        &self,
        tree: TreeName,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError>;
    /// Entries with `start <= key < end`, in key order, at most `limit`.
    fn scan_range(
        &self,
        tree: TreeName,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError>;
    /// Runs `f` atomically; with `durable`, the result is on disk before
    /// this returns.
    fn transact(
        &self,
        durable: bool,
        f: &dyn Fn(&dyn Tx) -> Result<(), TxFail>,
    ) -> Result<(), TxOutcome>;
    fn flush(&self) -> Result<(), StoreError>;
    /// The bytes the store takes on disk (0 for one in memory).
    fn size_on_disk(&self) -> u64 {
        0
    }
    /// Whether other processes use the same data at once (PostgreSQL).
    /// When not, whatever an earlier process claimed (an outbox entry, the
    /// scheduler's lease) was left by one that is gone, and is void.
    fn shared(&self) -> bool {
        false
    }
}

/// How a transaction ended when it did not commit.
#[derive(Debug)]
pub enum TxOutcome {
    Aborted,
    Failed(StoreError),
}

/// The schema this build writes. Bump it with a migration in [`Store::open`].
///
/// - 1: the first release.
/// - 2: a due reminder carries its recipients, so a scheduler tick never
///   reads a tour. Version-1 due entries are still read (their recipients
///   come from the tour, once); every other value is unchanged.
/// - 3: check-ins. Tours gain optional fields (their cadence and count of
///   check-ins) and four trees appear; older values read unchanged. The
///   bump makes an older build refuse the store rather than rewrite a tour
///   without its check-in fields.
/// - 4: one-on-ones: a new tree, and 1:1 reminder series in due entries and
///   outbox entries, which an older build could not decode. Older data
///   reads as it is.
/// - 5 (release 1.1): the outbox's send queue is keyed by workspace and
///   lane (answers before reminders) and names each entry's recipient; it
///   is rebuilt from the outbox at the first start. Tours gain the status
///   `followed`, history events for next tours agreed, moved and called
///   off, for edits and a new manager, objectives a `removed_at`, tours
///   `previous_managers`; notices `changes` and `reassigned`. Older values
///   read as they are; an older build could not read these, so it refuses.
/// - 6: the party index is one key per (person, tour) instead of one list
///   per person, so a change costs the same for a person with 5,000 tours
///   as for one with one; rebuilt from the tours at the first start.
pub const SCHEMA_VERSION: u8 = 6;
const SCHEMA_KEY: &[u8] = b"schema";
/// `lease ∅ name` in the meta tree: who holds a lease ([`Store::take_lease`]).
const LEASE_PREFIX: &[u8] = b"lease\0";

/// Encodes a value as `[schema version] ++ JSON`.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.push(SCHEMA_VERSION);
    // Our own types serialize infallibly (no maps with non-string keys).
    serde_json::to_writer(&mut out, value).expect("domain types serialize");
    out
}

/// Encodes a derived index value as `[schema version] ++ postcard`. Index
/// entries are rebuilt from the records they summarise, so they trade JSON's
/// readability for a decode several times faster: lists read them in bulk.
pub fn encode_index<T: Serialize>(value: &T) -> Vec<u8> {
    let out = vec![SCHEMA_VERSION];
    postcard::to_extend(value, out).expect("domain types serialize")
}

pub fn decode_index<T: DeserializeOwned>(tree: TreeName, bytes: &[u8]) -> Result<T, StoreError> {
    postcard::from_bytes(payload(tree, bytes)?).map_err(|e| corrupt(tree, e.to_string()))
}

pub fn decode<T: DeserializeOwned>(tree: TreeName, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(payload(tree, bytes)?).map_err(|e| corrupt(tree, e.to_string()))
}

/// The bytes after the schema-version byte, if this build knows the version.
/// Values of older versions whose layout did not change read the same.
fn payload(tree: TreeName, bytes: &[u8]) -> Result<&[u8], StoreError> {
    match bytes.split_first() {
        Some((1..=SCHEMA_VERSION, rest)) => Ok(rest),
        Some((v, _)) => Err(corrupt(tree, format!("unknown value version {v}"))),
        None => Err(corrupt(tree, "empty value".into())),
    }
}

fn corrupt(tree: TreeName, detail: String) -> StoreError {
    StoreError::Corrupt {
        tree: tree.name(),
        detail,
    }
}

/// Tours and their indexes, on any [`Backend`].
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    /// Flush every commit before returning. Off only in [`Store::bulk_loader`].
    durable: bool,
    /// The cadences that decide which reminders a change plans.
    policy: Arc<ReminderPolicy>,
}

impl Store {
    /// Opens (or creates) the sled store in `dir` and brings its schema up to date.
    pub fn open(dir: &Path, cache_capacity_bytes: u64) -> Result<Store, StoreError> {
        Store::with_backend(Arc::new(sled_backend::SledBackend::open(
            dir,
            cache_capacity_bytes,
        )?))
    }

    /// Connects to the PostgreSQL database at `url` (keeping up to
    /// `pool_size` connections), migrates its tables and its data.
    pub fn open_postgres(url: &str, pool_size: usize) -> Result<Store, StoreError> {
        Store::with_backend(Arc::new(postgres::PostgresBackend::open(url, pool_size)?))
    }

    /// Whether other processes share this store (see [`Backend::shared`]).
    pub fn shared(&self) -> bool {
        self.backend.shared()
    }

    /// Takes or renews the lease `name` for `owner` until `now + secs`, and
    /// says whether `owner` holds it: not while another owner's lease runs.
    /// A lease, not a lock: an owner that dies simply stops renewing, and
    /// the next taker waits at most `secs`. On a store only this process
    /// opens, every lease is this process's.
    pub fn take_lease(
        &self,
        name: &str,
        owner: &str,
        now: chrono::DateTime<chrono::Utc>,
        secs: i64,
    ) -> Result<bool, StoreError> {
        if !self.shared() {
            return Ok(true);
        }
        let key = [LEASE_PREFIX, name.as_bytes()].concat();
        self.run(false, |tx| {
            if let Some(bytes) = tx.get(TreeName::Meta, &key)? {
                let held: outbox::Claim =
                    decode(TreeName::Meta, &bytes).map_err(|e| TxFail::Engine(e.to_string()))?;
                if held.owner != owner && held.until > now {
                    return Ok(Ok::<_, ()>(false));
                }
            }
            let lease = outbox::Claim {
                owner: owner.to_string(),
                until: now + chrono::Duration::seconds(secs),
            };
            tx.insert(TreeName::Meta, &key, &encode(&lease))?;
            Ok(Ok(true))
        })
        .map(|r| r.unwrap_or(false))
    }

    /// A store that lives in memory only: for tests and benchmarks.
    pub fn in_memory() -> Store {
        Store::with_backend(Arc::new(memory::MemoryBackend::default()))
            .expect("an empty memory store opens")
    }

    pub fn with_backend(backend: Arc<dyn Backend>) -> Result<Store, StoreError> {
        let store = Store {
            backend,
            durable: true,
            policy: Arc::default(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Records the schema version on a new store and refuses a newer one.
    /// Later versions add their steps here.
    fn migrate(&self) -> Result<(), StoreError> {
        let found = match self.backend.get(TreeName::Meta, SCHEMA_KEY)?.as_deref() {
            Some([v]) if *v > SCHEMA_VERSION => {
                return Err(StoreError::TooNew {
                    found: *v,
                    known: SCHEMA_VERSION,
                });
            }
            Some([v]) if *v == SCHEMA_VERSION => return Ok(()),
            Some([v]) => Some(*v),
            None => None,
            Some(_) => return Err(corrupt(TreeName::Meta, "bad schema marker".into())),
        };
        // 5: the send queue is keyed by workspace and lane. It is derived
        // from the outbox, so it is rebuilt (a crash before the marker below
        // rebuilds it again).
        if found.is_some_and(|v| v < 5) {
            self.rebuild_send_queue()?;
        }
        // 6: a person's tour summaries are one key per tour, not one list.
        // Derived from the tours, so rebuilt the same way.
        if found.is_some_and(|v| v < 6) {
            self.rebuild_parties()?;
        }
        // Older data reads as it is (see SCHEMA_VERSION); mark it as ours so
        // an older build refuses it from now on.
        self.backend
            .transact(true, &|tx| {
                tx.insert(TreeName::Meta, SCHEMA_KEY, &[SCHEMA_VERSION])
            })
            .map_err(outcome_to_error)
    }

    /// Rebuilds a derived tree (a schema step): empties `derived`, then
    /// walks `source` in pages of 1,024 entries; `prepare` reads a page,
    /// `write` puts what it derived in one transaction. Bounded batches, so
    /// a large store does not become one huge transaction; flushed at the
    /// end, and re-runnable (a crash before the schema marker repeats it).
    pub(super) fn rebuild<T>(
        &self,
        derived: TreeName,
        source: TreeName,
        prepare: impl Fn(&Entries) -> Result<T, StoreError>,
        write: impl Fn(&dyn Tx, &T) -> Result<(), TxFail>,
    ) -> Result<(), StoreError> {
        const BATCH: usize = 1024;
        loop {
            let old = self.backend.scan_prefix(derived, &[], BATCH)?;
            if old.is_empty() {
                break;
            }
            self.backend
                .transact(false, &|tx| {
                    for (k, _) in &old {
                        tx.remove(derived, k)?;
                    }
                    Ok(())
                })
                .map_err(outcome_to_error)?;
        }
        let mut from = Vec::new();
        loop {
            let page = self.backend.scan_range(source, &from, &[0xff; 2], BATCH)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            from = [last.as_slice(), &[0]].concat();
            let prepared = prepare(&page)?;
            self.backend
                .transact(false, &|tx| write(tx, &prepared))
                .map_err(outcome_to_error)?;
        }
        self.flush()
    }

    /// Rebuilds the party index from the tours: one entry per party and
    /// tour (every entry of either layout is dropped first).
    fn rebuild_parties(&self) -> Result<(), StoreError> {
        self.rebuild(
            TreeName::Parties,
            TreeName::Tours,
            |page| {
                let mut entries = Vec::with_capacity(page.len() * 2);
                for (key, value) in page {
                    let (team, _) = export::split_team(key)
                        .ok_or_else(|| corrupt(TreeName::Tours, "bad key".into()))?;
                    let tour: Tour = decode(TreeName::Tours, value)?;
                    let summary = encode_index(&tour.summary());
                    for party in [&tour.manager, &tour.member] {
                        entries.push((keys::party(&team, party, tour.id), summary.clone()));
                    }
                }
                Ok(entries)
            },
            |tx, entries| {
                for (k, v) in entries {
                    tx.insert(TreeName::Parties, k, v)?;
                }
                Ok(())
            },
        )
    }

    /// The same store with per-commit flushing off, for loading many
    /// records at once (imports, benchmarks). Call [`Store::flush`] at the
    /// end; never hand this to a surface that acknowledges commands.
    pub fn bulk_loader(&self) -> Store {
        Store {
            durable: false,
            ..self.clone()
        }
    }

    /// The cadences this store plans reminders with.
    pub fn policy(&self) -> &ReminderPolicy {
        &self.policy
    }

    /// The same store, planning reminders with `policy`.
    pub fn with_policy(self, policy: ReminderPolicy) -> Store {
        Store {
            policy: Arc::new(policy),
            ..self
        }
    }

    /// Answers whether the engine can still read (for `/healthz`).
    pub fn healthy(&self) -> bool {
        self.backend
            .get(TreeName::Meta, SCHEMA_KEY)
            .is_ok_and(|v| v.is_some())
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.backend.flush()
    }

    /// The bytes the store takes on disk, as its engine counts them.
    pub fn size_on_disk(&self) -> u64 {
        self.backend.size_on_disk()
    }

    pub fn tour(&self, team: &TeamId, id: TourId) -> Result<Option<Tour>, StoreError> {
        self.backend
            .get(TreeName::Tours, &keys::tour(team, id))?
            .map(|v| decode(TreeName::Tours, &v))
            .transpose()
    }

    pub fn history(&self, team: &TeamId, id: TourId) -> Result<Vec<HistoryEntry>, StoreError> {
        self.backend
            .scan_prefix(TreeName::History, &keys::tour(team, id), usize::MAX)?
            .iter()
            .map(|(_, v)| decode(TreeName::History, v))
            .collect()
    }

    /// The tours a person is a party to, newest first, as list summaries:
    /// one range scan of their entries, whatever the size of the store.
    pub fn tours_of(&self, team: &TeamId, user: &UserId) -> Result<Vec<TourSummary>, StoreError> {
        let mut tours = self
            .backend
            .scan_prefix(TreeName::Parties, &keys::parties_of(team, user), usize::MAX)?
            .iter()
            .map(|(_, v)| decode_index(TreeName::Parties, v))
            .collect::<Result<Vec<TourSummary>, _>>()?;
        tours.reverse();
        Ok(tours)
    }

    /// The workspace's first `limit` tours, oldest first: one bounded scan
    /// (newest first would mean scanning the whole workspace).
    pub fn tours_in_team(&self, team: &TeamId, limit: usize) -> Result<Vec<Tour>, StoreError> {
        self.backend
            .scan_prefix(TreeName::Tours, &keys::team_prefix(team), limit)?
            .iter()
            .map(|(_, v)| decode(TreeName::Tours, v))
            .collect()
    }

    /// The workspaces that have had a tour, by id: one scan of the tour
    /// counters (for the operator commands that default to the only one).
    pub fn workspaces(&self) -> Result<Vec<TeamId>, StoreError> {
        // `tour-counter ∅ team` (keys::tour_counter).
        let prefix: &[u8] = b"tour-counter\0";
        Ok(self
            .backend
            .scan_prefix(TreeName::Meta, prefix, usize::MAX)?
            .iter()
            .filter_map(|(k, _)| {
                let team = std::str::from_utf8(k.get(prefix.len()..)?).ok()?;
                TeamId::parse(team)
            })
            .collect())
    }

    /// Creates a tour with the workspace's next id, its history entry and its
    /// party index, in one durable transaction.
    pub fn create_tour(
        &self,
        team: &TeamId,
        build: impl Fn(TourId) -> Result<(Tour, HistoryEntry), TourError>,
    ) -> Result<Result<Tour, TourError>, StoreError> {
        self.write(|tx| {
            let built = build(next_id_in(tx, team)?);
            if let Ok((tour, entry)) = &built {
                put_tour(tx, team, &self.policy, None, tour, entry)?;
            }
            Ok(built.map(|(tour, _)| tour))
        })
    }

    /// [`Store::create_tour`] for a proposal to `member`: `build` also gets
    /// the member's open tours (to check the one-tour-at-a-time rule, see
    /// `domain::timeline`), read in the same transaction.
    pub fn propose_tour(
        &self,
        team: &TeamId,
        member: &UserId,
        build: impl Fn(TourId, &[Tour]) -> Result<(Tour, HistoryEntry), TourError>,
    ) -> Result<Result<Tour, TourError>, StoreError> {
        self.write(|tx| {
            let others = open_tours_of_member_in(tx, team, member, None)?;
            let built = build(next_id_in(tx, team)?, &others);
            if let Ok((tour, entry)) = &built {
                put_tour(tx, team, &self.policy, None, tour, entry)?;
            }
            Ok(built.map(|(tour, _)| tour))
        })
    }

    /// Proposes the tour that follows `after` (`/tour next`): the new
    /// proposal and the link on the tour it follows, in one transaction.
    /// `may` decides whether the caller may follow that tour (first, so a
    /// stranger learns nothing); `build` makes the proposal with the new id,
    /// given the member's open tours (the one it follows among them).
    /// A next tour still open (proposed or running) is not proposed twice.
    pub fn propose_next(
        &self,
        team: &TeamId,
        after: TourId,
        may: impl Fn(&Tour) -> Result<(), TourError>,
        build: impl Fn(&Tour, TourId, &[Tour]) -> Result<(Tour, HistoryEntry), TourError>,
    ) -> Result<Result<Tour, TourError>, StoreError> {
        self.write(|tx| {
            let Some(previous) = read_tour_in(tx, team, after)? else {
                return Ok(Err(TourError::NotFound(after)));
            };
            if let Err(e) = may(&previous) {
                return Ok(Err(e));
            }
            if let Some(next) = previous.next
                && read_tour_in(tx, team, next)?.is_some_and(|n| n.status.is_open())
            {
                return Ok(Err(TourError::NextPending { id: after, next }));
            }
            let others = open_tours_of_member_in(tx, team, &previous.member, None)?;
            let (tour, entry) = match build(&previous, next_id_in(tx, team)?, &others) {
                Ok(built) => built,
                Err(e) => return Ok(Err(e)),
            };
            put_tour(tx, team, &self.policy, None, &tour, &entry)?;
            let (linked, link) = previous.link_next(&tour);
            put_tour(tx, team, &self.policy, Some(&previous), &linked, &link)?;
            Ok(Ok(tour))
        })
    }

    /// Applies a rule to a stored tour and records its history entry, in one
    /// durable transaction. A missing tour is [`TourError::NotFound`].
    pub fn update_tour(
        &self,
        team: &TeamId,
        id: TourId,
        rule: impl Fn(&Tour) -> Result<(Tour, HistoryEntry), TourError>,
    ) -> Result<Result<Tour, TourError>, StoreError> {
        self.write(|tx| {
            let Some(current) = read_tour_in(tx, team, id)? else {
                return Ok(Err(TourError::NotFound(id)));
            };
            let changed = rule(&current);
            if let Ok((tour, entry)) = &changed {
                put_tour(tx, team, &self.policy, Some(&current), tour, entry)?;
            }
            Ok(changed.map(|(tour, _)| tour))
        })
    }

    /// [`Store::update_tour`] for a rule that may change other tours of the
    /// same member too (a next tour moving with the one it follows, see
    /// `domain::timeline`): `rule` gets the tour and the member's other open
    /// tours, and returns every tour it changed, that one first. All are
    /// written in one durable transaction; the changed tours come back in
    /// the same order.
    pub fn update_among(
        &self,
        team: &TeamId,
        id: TourId,
        rule: impl Fn(&Tour, &[Tour]) -> Result<Vec<(Tour, HistoryEntry)>, TourError>,
    ) -> Result<Result<Vec<Tour>, TourError>, StoreError> {
        self.run(self.durable, |tx| {
            let Some(current) = read_tour_in(tx, team, id)? else {
                return Ok(Err(TourError::NotFound(id)));
            };
            let others = open_tours_of_member_in(tx, team, &current.member, Some(id))?;
            let changes = match rule(&current, &others) {
                Ok(changes) => changes,
                Err(e) => return Ok(Err(e)),
            };
            for (tour, entry) in &changes {
                let old = std::iter::once(&current)
                    .chain(&others)
                    .find(|t| t.id == tour.id);
                put_tour(tx, team, &self.policy, old, tour, entry)?;
            }
            Ok(Ok(changes.into_iter().map(|(tour, _)| tour).collect()))
        })
    }

    /// Runs a write whose rule may refuse: a refusal aborts the transaction
    /// (nothing is written, not even the id counter) and is handed back as
    /// the inner `Err`.
    fn write(
        &self,
        f: impl Fn(&dyn Tx) -> Result<Result<Tour, TourError>, TxFail>,
    ) -> Result<Result<Tour, TourError>, StoreError> {
        self.run(self.durable, f)
    }

    /// The transaction runner under every write: the closure's inner `Err`
    /// aborts (nothing is written) and is handed back.
    pub(crate) fn run<T, E>(
        &self,
        durable: bool,
        f: impl Fn(&dyn Tx) -> Result<Result<T, E>, TxFail>,
    ) -> Result<Result<T, E>, StoreError> {
        let result = RefCell::new(None);
        let outcome = self.backend.transact(durable, &|tx| {
            let changed = f(tx)?;
            let refused = changed.is_err();
            *result.borrow_mut() = Some(changed);
            if refused { Err(TxFail::Abort) } else { Ok(()) }
        });
        match outcome {
            Ok(()) | Err(TxOutcome::Aborted) => result
                .into_inner()
                .ok_or_else(|| StoreError::Engine("transaction ended without a result".into())),
            Err(TxOutcome::Failed(e)) => Err(e),
        }
    }
}

/// Takes the workspace's next tour id.
fn next_id_in(tx: &dyn Tx, team: &TeamId) -> Result<TourId, TxFail> {
    let counter = keys::tour_counter(team);
    let next = match tx.get(TreeName::Meta, &counter)? {
        Some(bytes) => u64::from_be_bytes(
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| TxFail::Engine("bad tour counter".into()))?,
        ),
        None => 1,
    };
    tx.insert(TreeName::Meta, &counter, &(next + 1).to_be_bytes())?;
    Ok(TourId(next))
}

pub(crate) fn read_tour_in(tx: &dyn Tx, team: &TeamId, id: TourId) -> Result<Option<Tour>, TxFail> {
    tx.get(TreeName::Tours, &keys::tour(team, id))?
        .map(|bytes| decode(TreeName::Tours, &bytes).map_err(|e| TxFail::Engine(e.to_string())))
        .transpose()
}

/// The open tours (proposed or not closed) where `member` is the member,
/// but `except`: found through their party index, read whole. A person has
/// a handful: one range scan of their party keys, then a point read each.
fn open_tours_of_member_in(
    tx: &dyn Tx,
    team: &TeamId,
    member: &UserId,
    except: Option<TourId>,
) -> Result<Vec<Tour>, TxFail> {
    let prefix = keys::parties_of(team, member);
    let entries = tx.scan_range(
        TreeName::Parties,
        &prefix,
        &keys::prefix_end(&prefix),
        usize::MAX,
    )?;
    let mut tours = Vec::new();
    for (_, bytes) in entries {
        let s: TourSummary =
            decode_index(TreeName::Parties, &bytes).map_err(|e| TxFail::Engine(e.to_string()))?;
        if &s.member != member || !s.status.is_open() || Some(s.id) == except {
            continue;
        }
        if let Some(tour) = read_tour_in(tx, team, s.id)? {
            tours.push(tour);
        }
    }
    Ok(tours)
}

/// Writes a tour, its newest history entry, both parties' summaries, the
/// reminders the change starts (and removes those it ends) and the messages
/// it owes people, at once or gathered (`changes`). A reassigned tour leaves
/// its old manager's list, and its planned reminders are addressed to the
/// new manager (later occurrences, which the time-ordered index cannot find
/// by tour, are readdressed when they are about to go: see `reminders`).
fn put_tour(
    tx: &dyn Tx,
    team: &TeamId,
    policy: &ReminderPolicy,
    old: Option<&Tour>,
    tour: &Tour,
    entry: &HistoryEntry,
) -> Result<(), TxFail> {
    let before = old.map(|t| schedule::plan(t, policy)).unwrap_or_default();
    let after = schedule::plan(tour, policy);
    for occurrence in &after {
        if !before.contains(occurrence) {
            reminders::plan_in(tx, &DueReminder::planned(team, tour, occurrence))?;
        }
    }
    // Occurrences the change ended leave the index now (a snoozed one, or
    // one planned by an older rule, is still checked when it comes up).
    for occurrence in &before {
        if !after.contains(occurrence) {
            reminders::unplan_in(tx, &DueReminder::planned(team, tour, occurrence))?;
        }
    }
    let left: Vec<&UserId> = old
        .map(|o| [&o.manager, &o.member])
        .into_iter()
        .flatten()
        .filter(|p| tour.role_of(p).is_none())
        .collect();
    if !left.is_empty() {
        // Planned, not yet fired: the same occurrences, for the new parties.
        for occurrence in after.iter().filter(|o| o.at > entry.at) {
            if before.contains(occurrence) {
                reminders::plan_in(tx, &DueReminder::planned(team, tour, occurrence))?;
            }
        }
    }
    for owed in notice::for_change(tour, entry) {
        outbox::enqueue_in(tx, team, &owed, entry.at)?;
    }
    changes::owe_in(tx, team, tour, entry)?;
    // The parties' App Home tabs show the tour (and one who left it no
    // longer does): publish them again, for those who have opened it.
    for party in [&tour.manager, &tour.member]
        .into_iter()
        .chain(left.iter().copied())
    {
        let seen = match tx.get(TreeName::Users, &keys::person(team, party))? {
            Some(bytes) => {
                decode::<outbox::UserCache>(TreeName::Users, &bytes)
                    .map_err(|e| TxFail::Engine(e.to_string()))?
                    .home_opened
            }
            None => false,
        };
        if !seen {
            continue;
        }
        let refresh = notice::Notice {
            tour: tour.id,
            to: party.clone(),
            kind: notice::NoticeKind::Home {
                entry: tour.history_len.saturating_sub(1),
            },
        };
        outbox::enqueue_entry_in(
            tx,
            &outbox::OutboxEntry {
                action: outbox::Delivery::PublishHome,
                in_working_hours: false,
                ..outbox::OutboxEntry::post(team, refresh, entry.at)
            },
        )?;
    }
    tx.insert(TreeName::Tours, &keys::tour(team, tour.id), &encode(tour))?;
    // One key per party; one who left the tour no longer lists it.
    for gone in left {
        tx.remove(TreeName::Parties, &keys::party(team, gone, tour.id))?;
    }
    let summary = encode_index(&tour.summary());
    for party in [&tour.manager, &tour.member] {
        tx.insert(
            TreeName::Parties,
            &keys::party(team, party, tour.id),
            &summary,
        )?;
    }
    let number = tour.history_len.saturating_sub(1);
    tx.insert(
        TreeName::History,
        &keys::history(team, tour.id, number),
        &encode(entry),
    )
}

fn outcome_to_error(outcome: TxOutcome) -> StoreError {
    match outcome {
        TxOutcome::Failed(e) => e,
        TxOutcome::Aborted => StoreError::Engine("transaction aborted".into()),
    }
}

#[cfg(test)]
mod contract;

#[cfg(test)]
mod index_tests {
    use super::*;
    use crate::domain::Status;

    /// The party index is postcard (positional): a status is its variant's
    /// number. Statuses added later go last, so every value an older build
    /// wrote reads the same.
    #[test]
    fn statuses_keep_their_numbers_in_the_party_index() {
        let older = [
            Status::Proposed,
            Status::Active,
            Status::Declined,
            Status::Withdrawn,
            Status::Completed,
            Status::Leaving,
            Status::Left,
        ];
        for (n, status) in older.into_iter().chain([Status::Followed]).enumerate() {
            let bytes = encode_index(&status);
            assert_eq!(bytes, vec![SCHEMA_VERSION, n as u8], "{status:?}");
            assert_eq!(
                decode_index::<Status>(TreeName::Parties, &bytes).unwrap(),
                status
            );
        }
    }
}
