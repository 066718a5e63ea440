//! Data stewardship, part one: `alliance export` and `alliance import`.
//!
//! An export is everything the store holds (or everything about one person)
//! as **typed, decoded records** — tours with their history, reminders,
//! outbox entries, cached user info, dismissals, alumni — never raw bytes:
//! keys are binary (see [`keys`]), so a record carries the fields its key is
//! rebuilt from (its workspace, ids). A people team can read it; `import`
//! writes it back into an empty store.
//!
//! ```text
//! {
//!   "format": "alliance-export",
//!   "version": 1,
//!   "person": null,                 (or "U123": an export about one person)
//!   "tours": [ {"team": …, "tour": {…}, "history": [{…}, …]}, … ],
//!   "workspaces": [ {"team": …, "next_tour": 18, "erased": 2}, … ],
//!   "reminders": [ … ], "outbox": [ … ], "users": [ … ],
//!   "dismissed": [ … ], "alumni": [ … ], "one_on_ones": [ … ],
//!   "checkins": [ … ], "chats": [ … ], "events": [ … ], "snoozes": [ … ],
//!   "away": [ … ]
//! }
//! ```
//!
//! Guarantees and decisions:
//! - **Every tree is accounted for** by an exhaustive `match` over
//!   [`TreeName`] (no `_` arm), here and in [`super::erase`]: a new tree does
//!   not compile until export, import and erase say what happens to it.
//! - Three trees are derived indexes and are **rebuilt on import**, not
//!   exported: `parties` (each person's tour summaries, from the tours),
//!   `outbox-due` (open outbox entries by send time, from the outbox) and
//!   `event-times` (handled Events API ids by age, from `events`). History
//!   entries travel inside their tour, numbered by their position.
//! - `checkins`, `chats` and `events` came with check-ins (schema 3); an
//!   export written before them has no such sections and imports as empty
//!   ones. Handled event ids are exported too (a day's worth at most) so the
//!   round trip stays exact.
//! - **Round trip exact**: export → import into an empty store → export gives
//!   the same bytes (and the same raw store, derived indexes included; tested).
//!   So the file has no timestamp: the same data always gives the same bytes.
//! - A reminder a tick fired but the worker had not yet fanned out into
//!   messages (see [`super::reminders`]; the bot stopped in between) is
//!   exported with the others and imports as planned for its time, so the
//!   next tick fires it again; outbox keys keep anyone from hearing twice.
//!   (Only then is the round trip not exact: it comes back in time order.)
//! - Deterministic order: every section is in key order (workspace, then
//!   tour id, …), one record per line, so two exports diff well.
//! - Streamed: the export is written as the store is read, page by page, with
//!   a progress call every [`PROGRESS_EVERY`] records read. Import reads the
//!   whole file into memory first (it must be checked before anything is
//!   written), so it needs a few times the file's size in memory.
//! - **The full export is the backup**: it holds everything the bot still
//!   owes, a Right of First Conversation request not yet delivered included
//!   (with its note, which the outbox drops once the request is delivered),
//!   so a restore sends it. Whoever holds the file can read it, like the
//!   data directory itself. Every *view* still hides requests: another
//!   person's `--person` export (the manager's included), the operator
//!   listings (`alliance outbox`, `reminders`), history and admin views.
//! - `--person U123`: the tours where they are manager, member or named
//!   successor, or were manager before a `reassign` (with their whole
//!   history — it is the shared record), the
//!   reminders due to them, the messages owed or sent to them, their cached
//!   Slack info, their dismissals, snoozes and away period, their own alumni record, the 1:1s they are a party to
//!   (with the log and agenda they share), the check-ins
//!   of their tours and their own conversation state. Not other
//!   people's alumni records where they are the liaison (those hold the
//!   alumnus's private contact), and no workspace counters. Such an export is
//!   for reading, not importing: import refuses it.
//! - `one_on_ones`, `snoozes` and `away` came after format version 1 was
//!   first written: import reads a file without them as having none, so
//!   older exports still import.
//! - Import refuses a store that is not empty, a file that is not an export,
//!   an unknown format version, and records whose ids could not form keys
//!   (a hand-edited file); it checks everything before writing anything
//!   ([`ImportPlan::check`] needs no store, so `alliance import` checks the
//!   file before it opens, or creates, the data directory).
//!   Otherwise the file is trusted as the operator's own backup.
//! - CSV ([`Store::export_csv`]) is the tours table only, one row per tour,
//!   for spreadsheets; JSON is the complete, importable form. Free-text cells
//!   starting with `=`, `+`, `-`, `@` get a leading `'` so a spreadsheet
//!   shows them instead of evaluating them.

use super::away::Away;
use super::outbox::{OutboxEntry, UserCache};
use super::reminders::{self, DueReminder};
use super::{Backend, Store, StoreError, TreeName, decode, encode, encode_index, keys};
use crate::domain::alumni::Alumnus;
use crate::domain::checkin::{Chat, CheckIn};
use crate::domain::notice::NoticeKind;
use crate::domain::one_on_one::OneOnOne;
use crate::domain::schedule::Snooze;
use crate::domain::{EventId, HistoryEntry, TeamId, Tour, TourId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// What the `format` field of every export says.
pub const FORMAT: &str = "alliance-export";
/// The layout of this build's exports. Import reads only this version.
pub const FORMAT_VERSION: u32 = 1;
/// Records read between two progress calls.
pub const PROGRESS_EVERY: u64 = 10_000;

/// A whole export, as import reads it (export streams the same shape).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub format: String,
    pub version: u32,
    /// `None`: the whole store; `Some`: only what concerns this person.
    pub person: Option<UserId>,
    pub tours: Vec<TourRecord>,
    pub workspaces: Vec<Workspace>,
    pub reminders: Vec<DueReminder>,
    pub outbox: Vec<OutboxEntry>,
    pub users: Vec<UserRecord>,
    pub dismissed: Vec<Dismissal>,
    pub alumni: Vec<AlumnusRecord>,
    #[serde(default)]
    pub checkins: Vec<CheckinRecord>,
    #[serde(default)]
    pub chats: Vec<ChatRecord>,
    #[serde(default)]
    pub events: Vec<EventRecord>,
    #[serde(default)]
    pub one_on_ones: Vec<OneOnOneRecord>,
    #[serde(default)]
    pub snoozes: Vec<SnoozeRecord>,
    #[serde(default)]
    pub away: Vec<AwayRecord>,
}

/// Someone's away period (`/tour away`), with what waits for their return.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwayRecord {
    pub team: TeamId,
    pub user: UserId,
    pub away: Away,
}

/// A recorded check-in of a tour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckinRecord {
    pub team: TeamId,
    pub checkin: CheckIn,
}

/// A person's check-in conversations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatRecord {
    pub team: TeamId,
    pub user: UserId,
    pub chat: Chat,
}

/// An Events API delivery already handled (kept a day, so a retry of it
/// has no effect).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    pub team: TeamId,
    pub event_id: String,
    pub at: DateTime<Utc>,
}

/// A workspace's counters (the meta tree).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    pub team: TeamId,
    /// The id the next tour gets; absent while no tour was ever proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_tour: Option<u64>,
    /// How many people were erased (numbers their placeholders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased: Option<u64>,
}

/// A tour with its whole history, oldest entry first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TourRecord {
    pub team: TeamId,
    pub tour: Tour,
    pub history: Vec<HistoryEntry>,
}

/// What Slack told us about a person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    pub team: TeamId,
    pub user: UserId,
    pub info: UserCache,
}

/// A kind of reminder someone switched off for a tour ("Done").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dismissal {
    pub team: TeamId,
    pub tour: TourId,
    pub family: String,
    pub user: UserId,
    pub at: DateTime<Utc>,
}

/// Someone's latest snooze of a series of reminders (`Series::thread`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnoozeRecord {
    pub team: TeamId,
    pub tour: TourId,
    pub series: String,
    pub user: UserId,
    pub snooze: Snooze,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlumnusRecord {
    pub team: TeamId,
    pub alumnus: Alumnus,
}

/// A 1:1 series with its log and agenda.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneOnOneRecord {
    pub team: TeamId,
    pub one_on_one: OneOnOne,
}

/// How many records of each kind an export or import carried.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub workspaces: u64,
    pub tours: u64,
    pub history: u64,
    pub reminders: u64,
    pub outbox: u64,
    pub users: u64,
    pub dismissed: u64,
    pub alumni: u64,
    pub checkins: u64,
    pub chats: u64,
    pub events: u64,
    pub one_on_ones: u64,
    pub snoozes: u64,
    pub away: u64,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::words::{count, count_as};
        write!(
            f,
            "{} ({}), {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}",
            count(self.tours, "tour"),
            count_as(self.history, "history entry", "history entries"),
            count(self.workspaces, "workspace"),
            count(self.reminders, "reminder"),
            count_as(self.outbox, "outbox entry", "outbox entries"),
            count(self.users, "cached user"),
            count(self.dismissed, "dismissal"),
            count_as(self.alumni, "alumnus", "alumni"),
            count(self.checkins, "check-in"),
            count(self.chats, "conversation state"),
            count(self.events, "handled event"),
            count(self.one_on_ones, "one-on-one"),
            count(self.snoozes, "snooze"),
            count(self.away, "away period"),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    /// Something in the store this build cannot account for: exporting
    /// without it would be an incomplete backup, so nothing is claimed.
    #[error("the store holds something this export cannot account for: {0}")]
    Unexpected(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "the store is not empty (the {0} tree has data); import only restores into an empty data directory"
    )]
    NotEmpty(&'static str),
    /// The file: not an export, another version, a per-person export, or
    /// records that could not be stored.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    /// The operator's mistake (exit code 2), rather than a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ImportError::NotEmpty(_) | ImportError::Refused(_))
    }
}

/// Entries of one tree in key order, read a page at a time.
pub(super) struct Walk<'a> {
    backend: &'a dyn Backend,
    tree: TreeName,
    /// The first key the next page may hold.
    next: Vec<u8>,
    page: std::vec::IntoIter<(Vec<u8>, Vec<u8>)>,
    done: bool,
}

/// Entries per page of a [`Walk`].
const PAGE: usize = 1024;
/// Above every key: ids are ASCII and times big-endian below 2^63, so no key
/// starts with `0xff`.
const END: &[u8] = &[0xff];

impl<'a> Walk<'a> {
    pub(super) fn new(store: &'a Store, tree: TreeName) -> Walk<'a> {
        Walk {
            backend: store.backend.as_ref(),
            tree,
            next: Vec::new(),
            page: Vec::new().into_iter(),
            done: false,
        }
    }
}

impl Iterator for Walk<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(entry) = self.page.next() {
            return Some(Ok(entry));
        }
        if self.done {
            return None;
        }
        let page = match self.backend.scan_range(self.tree, &self.next, END, PAGE) {
            Ok(page) => page,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        self.done = page.len() < PAGE;
        if let Some((last, _)) = page.last() {
            // The smallest key after `last`.
            self.next = last.clone();
            self.next.push(0);
        }
        self.page = page.into_iter();
        self.page.next().map(Ok)
    }
}

/// Splits `team ∅ rest`, the head of most keys.
pub(super) fn split_team(key: &[u8]) -> Option<(TeamId, &[u8])> {
    let sep = key.iter().position(|b| *b == 0)?;
    let team = TeamId::parse(std::str::from_utf8(&key[..sep]).ok()?)?;
    Some((team, &key[sep + 1..]))
}

/// `team ∅ user` (parties, users, alumni).
pub(super) fn split_person(key: &[u8]) -> Option<(TeamId, UserId)> {
    let (team, rest) = split_team(key)?;
    Some((team, UserId::parse(std::str::from_utf8(rest).ok()?)?))
}

/// `team ∅ user ∅ id` (parties).
pub(super) fn split_party(key: &[u8]) -> Option<(TeamId, UserId, TourId)> {
    let (team, rest) = split_team(key)?;
    let sep = rest.iter().position(|b| *b == 0)?;
    let user = UserId::parse(std::str::from_utf8(&rest[..sep]).ok()?)?;
    let id = u64::from_be_bytes(rest.get(sep + 1..)?.try_into().ok()?);
    Some((team, user, TourId(id)))
}

/// `team ∅ tour family ∅ user` (dismissed, and snoozes by series).
pub(super) fn split_dismissed(key: &[u8]) -> Option<(TeamId, TourId, String, UserId)> {
    let (team, rest) = split_team(key)?;
    let id = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
    let rest = &rest[8..];
    let sep = rest.iter().position(|b| *b == 0)?;
    let family = std::str::from_utf8(&rest[..sep]).ok()?.to_string();
    let user = UserId::parse(std::str::from_utf8(&rest[sep + 1..]).ok()?)?;
    Some((team, TourId(id), family, user))
}

/// The meta tree's keys: `schema`, the workspace of `serve`'s bot token,
/// and per workspace its counters.
pub(super) enum MetaKey {
    Schema,
    /// A fact about the machine the store runs on, not data: not exported.
    BotWorkspace,
    /// Which instance ticks the scheduler (`Store::take_lease`): not data.
    Lease,
    TourCounter(TeamId),
    EraseCounter(TeamId),
}

pub(super) const ERASE_COUNTER: &[u8] = b"erase-counter";

/// `erase-counter ∅ team` in the meta tree: how many placeholders the
/// workspace has handed out.
pub(super) fn erase_counter_key(team: &TeamId) -> Vec<u8> {
    let mut k = ERASE_COUNTER.to_vec();
    k.push(0);
    k.extend_from_slice(team.as_str().as_bytes());
    k
}

pub(super) fn meta_key(key: &[u8]) -> Option<MetaKey> {
    if key == super::SCHEMA_KEY {
        return Some(MetaKey::Schema);
    }
    if key == super::outbox::BOT_WORKSPACE {
        return Some(MetaKey::BotWorkspace);
    }
    if key.starts_with(super::LEASE_PREFIX) {
        return Some(MetaKey::Lease);
    }
    let sep = key.iter().position(|b| *b == 0)?;
    let team = TeamId::parse(std::str::from_utf8(&key[sep + 1..]).ok()?)?;
    match &key[..sep] {
        b"tour-counter" => Some(MetaKey::TourCounter(team)),
        ERASE_COUNTER => Some(MetaKey::EraseCounter(team)),
        _ => None,
    }
}

pub(super) fn counter(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

fn unexpected(tree: TreeName, key: &[u8]) -> ExportError {
    ExportError::Unexpected(format!(
        "a key of the {} tree that does not parse ({} bytes)",
        tree.name(),
        key.len()
    ))
}

/// Writes the JSON layout: a header, then sections of one record a line.
struct JsonOut<'a> {
    out: &'a mut dyn Write,
    first: bool,
}

impl JsonOut<'_> {
    fn begin(&mut self, name: &str) -> std::io::Result<()> {
        write!(self.out, ",\n  \"{name}\": [")?;
        self.first = true;
        Ok(())
    }

    fn item<T: Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        self.out
            .write_all(if self.first { b"\n    " } else { b",\n    " })?;
        self.first = false;
        serde_json::to_writer(&mut *self.out, value)?;
        Ok(())
    }

    fn end(&mut self) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b"\n  ")?;
        }
        self.out.write_all(b"]")
    }
}

/// Counts records read and reports every `every` of them.
struct Progress<'a> {
    read: u64,
    every: u64,
    report: &'a mut dyn FnMut(u64),
}

impl Progress<'_> {
    fn tick(&mut self) {
        self.read += 1;
        if self.every > 0 && self.read.is_multiple_of(self.every) {
            (self.report)(self.read);
        }
    }
}

/// Whether a record is about `person` (see the module docs).
fn tour_concerns(tour: &Tour, person: &UserId) -> bool {
    tour.role_of(person).is_some()
        || tour.exit.as_ref().is_some_and(|e| &e.successor == person)
        || tour.previous_managers.contains(person)
}

impl Store {
    /// Writes the JSON export of everything (or of everything about
    /// `person`) to `out`; `progress` hears how many records were read,
    /// every [`PROGRESS_EVERY`].
    pub fn export(
        &self,
        person: Option<&UserId>,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Counts, ExportError> {
        self.export_every(person, out, PROGRESS_EVERY, progress)
    }

    pub(crate) fn export_every(
        &self,
        person: Option<&UserId>,
        out: &mut dyn Write,
        every: u64,
        report: &mut dyn FnMut(u64),
    ) -> Result<Counts, ExportError> {
        let mut progress = Progress {
            read: 0,
            every,
            report,
        };
        let mut counts = Counts::default();
        let keep = |user: &UserId| person.is_none_or(|p| p == user);
        write!(
            out,
            "{{\n  \"format\": \"{FORMAT}\",\n  \"version\": {FORMAT_VERSION},\n  \"person\": {}",
            serde_json::to_string(&person).map_err(std::io::Error::from)?
        )?;
        let mut json = JsonOut { out, first: true };
        for tree in TreeName::ALL {
            match tree {
                TreeName::Tours => {
                    json.begin("tours")?;
                    self.export_tours(person, &mut json, &mut progress, &mut counts)?;
                    json.end()?;
                }
                // Exported inside their tour by the `Tours` arm, which also
                // refuses history entries that belong to no tour.
                TreeName::History => {}
                // Derived from the tours; rebuilt on import.
                TreeName::Parties => {}
                TreeName::Meta => {
                    json.begin("workspaces")?;
                    let mut workspaces: BTreeMap<TeamId, Workspace> = BTreeMap::new();
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, tours) = match meta_key(&k) {
                            Some(MetaKey::Schema | MetaKey::BotWorkspace | MetaKey::Lease) => {
                                continue;
                            }
                            Some(MetaKey::TourCounter(team)) => (team, true),
                            Some(MetaKey::EraseCounter(team)) => (team, false),
                            None => return Err(unexpected(tree, &k)),
                        };
                        let n = counter(&v).ok_or_else(|| unexpected(tree, &k))?;
                        let ws = workspaces.entry(team.clone()).or_insert(Workspace {
                            team,
                            next_tour: None,
                            erased: None,
                        });
                        if tours {
                            ws.next_tour = Some(n);
                        } else {
                            ws.erased = Some(n);
                        }
                    }
                    if person.is_none() {
                        for ws in workspaces.values() {
                            json.item(ws)?;
                            counts.workspaces += 1;
                        }
                    }
                    json.end()?;
                }
                TreeName::Due => {
                    json.begin("reminders")?;
                    for entry in Walk::new(self, tree) {
                        let (_, v) = entry?;
                        progress.tick();
                        let due = reminders::decode_due(self, &v)?;
                        if person.is_none_or(|p| {
                            due.to.as_ref() == Some(p) || due.recipients.contains(p)
                        }) {
                            json.item(&due)?;
                            counts.reminders += 1;
                        }
                    }
                    json.end()?;
                }
                TreeName::Outbox => {
                    json.begin("outbox")?;
                    for entry in Walk::new(self, tree) {
                        let (_, v) = entry?;
                        progress.tick();
                        let entry: OutboxEntry = decode(tree, &v)?;
                        // A conversation request is in the backup (the full
                        // export), and otherwise only the asker's to see.
                        let talk = matches!(entry.notice.kind, NoticeKind::Talk { .. });
                        let shown = match person {
                            None => true,
                            Some(p) if talk => entry.notice.is_talk_from(p),
                            Some(p) => entry.recipient() == p,
                        };
                        if shown {
                            json.item(&entry)?;
                            counts.outbox += 1;
                        }
                    }
                    json.end()?;
                }
                // Derived from the outbox's open entries; rebuilt on import.
                TreeName::OutboxDue => {}
                TreeName::Users => {
                    json.begin("users")?;
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, user) = split_person(&k).ok_or_else(|| unexpected(tree, &k))?;
                        if keep(&user) {
                            let info: UserCache = decode(tree, &v)?;
                            json.item(&UserRecord { team, user, info })?;
                            counts.users += 1;
                        }
                    }
                    json.end()?;
                }
                TreeName::Dismissed => {
                    json.begin("dismissed")?;
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, tour, family, user) =
                            split_dismissed(&k).ok_or_else(|| unexpected(tree, &k))?;
                        if keep(&user) {
                            let at: DateTime<Utc> = decode(tree, &v)?;
                            json.item(&Dismissal {
                                team,
                                tour,
                                family,
                                user,
                                at,
                            })?;
                            counts.dismissed += 1;
                        }
                    }
                    json.end()?;
                }
                TreeName::Alumni => {
                    json.begin("alumni")?;
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, _) = split_team(&k).ok_or_else(|| unexpected(tree, &k))?;
                        let alumnus: Alumnus = decode(tree, &v)?;
                        if keep(&alumnus.user) {
                            json.item(&AlumnusRecord { team, alumnus })?;
                            counts.alumni += 1;
                        }
                    }
                    json.end()?;
                }
                TreeName::Checkins => {
                    json.begin("checkins")?;
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, _) = split_team(&k).ok_or_else(|| unexpected(tree, &k))?;
                        let checkin: CheckIn = decode(tree, &v)?;
                        let keep = match person {
                            None => true,
                            Some(p) => self
                                .tour(&team, checkin.tour)?
                                .is_some_and(|t| tour_concerns(&t, p)),
                        };
                        if keep {
                            json.item(&CheckinRecord { team, checkin })?;
                            counts.checkins += 1;
                        }
                    }
                    json.end()?;
                }
                TreeName::OneOnOnes => {
                    json.begin("one_on_ones")?;
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, _, _) = super::one_on_ones::split_key(&k)
                            .ok_or_else(|| unexpected(tree, &k))?;
                        let one_on_one: OneOnOne = decode(tree, &v)?;
                        if person.is_none_or(|p| one_on_one.role_of(p).is_some()) {
                            json.item(&OneOnOneRecord { team, one_on_one })?;
                            counts.one_on_ones += 1;
                        }
                    }
                    json.end()?;
                }
                TreeName::Chats => {
                    json.begin("chats")?;
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, user) = split_person(&k).ok_or_else(|| unexpected(tree, &k))?;
                        if keep(&user) {
                            let chat: Chat = decode(tree, &v)?;
                            json.item(&ChatRecord { team, user, chat })?;
                            counts.chats += 1;
                        }
                    }
                    json.end()?;
                }
                TreeName::Events => {
                    json.begin("events")?;
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, id) = split_team(&k).ok_or_else(|| unexpected(tree, &k))?;
                        let event_id = std::str::from_utf8(id)
                            .map_err(|_| unexpected(tree, &k))?
                            .to_string();
                        // Nobody's: not part of a person's export.
                        if person.is_none() {
                            let at: DateTime<Utc> = decode(tree, &v)?;
                            json.item(&EventRecord { team, event_id, at })?;
                            counts.events += 1;
                        }
                    }
                    json.end()?;
                }
                // Derived from `events`; rebuilt on import.
                TreeName::EventTimes => {}
                TreeName::Snoozes => {
                    json.begin("snoozes")?;
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, tour, series, user) =
                            split_dismissed(&k).ok_or_else(|| unexpected(tree, &k))?;
                        if keep(&user) {
                            let snooze: Snooze = decode(tree, &v)?;
                            json.item(&SnoozeRecord {
                                team,
                                tour,
                                series,
                                user,
                                snooze,
                            })?;
                            counts.snoozes += 1;
                        }
                    }
                    json.end()?;
                }
                TreeName::Away => {
                    json.begin("away")?;
                    for entry in Walk::new(self, tree) {
                        let (k, v) = entry?;
                        progress.tick();
                        let (team, user) = split_person(&k).ok_or_else(|| unexpected(tree, &k))?;
                        if keep(&user) {
                            let away: Away = decode(tree, &v)?;
                            json.item(&AwayRecord { team, user, away })?;
                            counts.away += 1;
                        }
                    }
                    json.end()?;
                }
            }
        }
        json.out.write_all(b"\n}\n")?;
        json.out.flush()?;
        Ok(counts)
    }

    /// The `tours` section: tours in key order, each with the history
    /// entries that follow it in the history tree (the same order).
    fn export_tours(
        &self,
        person: Option<&UserId>,
        json: &mut JsonOut,
        progress: &mut Progress,
        counts: &mut Counts,
    ) -> Result<(), ExportError> {
        let orphan = |k: &[u8]| {
            ExportError::Unexpected(format!(
                "a history entry of a tour that does not exist ({})",
                split_team(k).map_or_else(|| "unreadable key".into(), |(t, _)| t.to_string())
            ))
        };
        let mut history = Walk::new(self, TreeName::History);
        let mut pending = history.next().transpose()?;
        for entry in Walk::new(self, TreeName::Tours) {
            let (k, v) = entry?;
            progress.tick();
            let (team, _) = split_team(&k).ok_or_else(|| unexpected(TreeName::Tours, &k))?;
            let tour: Tour = decode(TreeName::Tours, &v)?;
            let mut entries = Vec::new();
            while let Some((hk, hv)) = &pending {
                if hk.len() == k.len() + 4 && hk.starts_with(&k) {
                    progress.tick();
                    entries.push(decode::<HistoryEntry>(TreeName::History, hv)?);
                    pending = history.next().transpose()?;
                } else if *hk < k {
                    return Err(orphan(hk));
                } else {
                    break;
                }
            }
            if person.is_none_or(|p| tour_concerns(&tour, p)) {
                counts.tours += 1;
                counts.history += entries.len() as u64;
                json.item(&TourRecord {
                    team,
                    tour,
                    history: entries,
                })?;
            }
        }
        match pending {
            None => Ok(()),
            Some((hk, _)) => Err(orphan(&hk)),
        }
    }

    /// The tours table as CSV, one row per tour (everything, or the tours
    /// of `person`): the spreadsheet view, not a backup.
    pub fn export_csv(
        &self,
        person: Option<&UserId>,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, ExportError> {
        let mut progress = Progress {
            read: 0,
            every: PROGRESS_EVERY,
            report: progress,
        };
        writeln!(
            out,
            "team,id,manager,member,kind,status,starts_on,ends_on,mission,objectives_done,objectives_total"
        )?;
        let mut rows = 0;
        for entry in Walk::new(self, TreeName::Tours) {
            let (k, v) = entry?;
            progress.tick();
            let (team, _) = split_team(&k).ok_or_else(|| unexpected(TreeName::Tours, &k))?;
            let tour: Tour = decode(TreeName::Tours, &v)?;
            if !person.is_none_or(|p| tour_concerns(&tour, p)) {
                continue;
            }
            let s = tour.summary();
            let status = serde_json::to_value(s.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}",
                team,
                s.id.0,
                s.manager,
                s.member,
                s.kind.name(),
                status,
                day(s.starts_on),
                day(s.ends_on),
                csv_text(&s.mission),
                s.objectives_done,
                s.objectives_total
            )?;
            rows += 1;
        }
        out.flush()?;
        Ok(rows)
    }

    /// Whether nothing but the schema marker is stored; else the first tree
    /// that holds data.
    fn first_non_empty(&self) -> Result<Option<&'static str>, StoreError> {
        for tree in TreeName::ALL {
            let entries = self.backend.scan_prefix(tree, &[], 2)?;
            let data = entries.iter().any(|(k, _)| {
                !(tree == TreeName::Meta
                    && matches!(
                        meta_key(k),
                        Some(MetaKey::Schema | MetaKey::BotWorkspace | MetaKey::Lease)
                    ))
            });
            if data {
                return Ok(Some(tree.name()));
            }
        }
        Ok(None)
    }

    /// Restores a JSON export (the bytes of the file) into this store, which
    /// must be empty. Everything is checked before anything is written; the
    /// writes are flushed once at the end. `progress` hears how many records
    /// were written, every [`PROGRESS_EVERY`].
    pub fn import(
        &self,
        file: &[u8],
        progress: &mut dyn FnMut(u64),
    ) -> Result<Counts, ImportError> {
        if let Some(tree) = self.first_non_empty()? {
            return Err(ImportError::NotEmpty(tree));
        }
        self.import_checked(&ImportPlan::check(file)?, progress)
    }

    /// Restores an export already checked by [`ImportPlan::check`] into
    /// this store, which must be empty.
    pub fn import_checked(
        &self,
        plan: &ImportPlan,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Counts, ImportError> {
        if let Some(tree) = self.first_non_empty()? {
            return Err(ImportError::NotEmpty(tree));
        }
        let ImportPlan { writes, counts } = plan;
        let mut written = 0u64;
        for batch in writes.chunks(1000) {
            self.run(false, |tx| {
                for (tree, key, value) in batch {
                    tx.insert(*tree, key, value)?;
                }
                Ok(Ok::<(), ()>(()))
            })?
            .ok();
            for _ in batch {
                written += 1;
                if written.is_multiple_of(PROGRESS_EVERY) {
                    progress(written);
                }
            }
        }
        self.flush()?;
        Ok(counts.clone())
    }
}

/// An export file read and checked as a whole, ready to be written into an
/// empty store: every key and value it stands for. Checking needs no store,
/// so a refused file never touches a data directory.
pub struct ImportPlan {
    writes: Vec<Write3>,
    counts: Counts,
}

impl ImportPlan {
    /// Reads `file` and checks everything in it; refuses what import refuses.
    pub fn check(file: &[u8]) -> Result<ImportPlan, ImportError> {
        let export = read_export(file)?;
        let writes = plan_import(&export)?;
        let counts = Counts {
            workspaces: export.workspaces.len() as u64,
            tours: export.tours.len() as u64,
            history: export.tours.iter().map(|t| t.history.len() as u64).sum(),
            reminders: export.reminders.len() as u64,
            outbox: export.outbox.len() as u64,
            users: export.users.len() as u64,
            dismissed: export.dismissed.len() as u64,
            alumni: export.alumni.len() as u64,
            checkins: export.checkins.len() as u64,
            chats: export.chats.len() as u64,
            events: export.events.len() as u64,
            one_on_ones: export.one_on_ones.len() as u64,
            snoozes: export.snoozes.len() as u64,
            away: export.away.len() as u64,
        };
        Ok(ImportPlan { writes, counts })
    }
}

/// Reads and checks the file's header, then the whole export.
fn read_export(file: &[u8]) -> Result<Export, ImportError> {
    #[derive(Deserialize)]
    struct Header {
        format: Option<String>,
        version: Option<serde_json::Value>,
    }
    let header: Header = serde_json::from_slice(file).map_err(|e| {
        ImportError::Refused(format!(
            "this is not an Alliance export (not a JSON object: {e})"
        ))
    })?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err(ImportError::Refused(format!(
            "this is not an Alliance export (its `format` is not \"{FORMAT}\")"
        )));
    }
    match header.version.as_ref().and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => {
            return Err(ImportError::Refused(format!(
                "this export has format version {v}; this build of Alliance reads version {FORMAT_VERSION} \
                 (import it with the Alliance that wrote it, or a newer one)"
            )));
        }
        None => {
            return Err(ImportError::Refused(
                "this export has no readable `version`".into(),
            ));
        }
    }
    let export: Export = serde_json::from_slice(file)
        .map_err(|e| ImportError::Refused(format!("the export is damaged: {e}")))?;
    if let Some(person) = &export.person {
        return Err(ImportError::Refused(format!(
            "this is an export about one person ({person}), for reading; only a full export can be imported"
        )));
    }
    Ok(export)
}

type Write3 = (TreeName, Vec<u8>, Vec<u8>);

/// Every key and value the export stands for, derived indexes included, in
/// tree order; refuses what could not be stored faithfully.
fn plan_import(export: &Export) -> Result<Vec<Write3>, ImportError> {
    let refuse = |section: &str, n: usize, why: &str| {
        ImportError::Refused(format!("record {} of `{section}`: {why}", n + 1))
    };
    let team_ok = |t: &TeamId| TeamId::parse(t.as_str()).is_some();
    let user_ok = |u: &UserId| UserId::parse(u.as_str()).is_some();
    let mut writes: Vec<Write3> = Vec::new();
    let next_tour: BTreeMap<&TeamId, u64> = export
        .workspaces
        .iter()
        .filter_map(|ws| Some((&ws.team, ws.next_tour?)))
        .collect();
    // Exhaustive like the export: each tree is written, or derived here.
    for tree in TreeName::ALL {
        match tree {
            TreeName::Meta => {
                for (n, ws) in export.workspaces.iter().enumerate() {
                    if !team_ok(&ws.team) {
                        return Err(refuse("workspaces", n, "not a Slack team id"));
                    }
                    if let Some(next) = ws.next_tour {
                        writes.push((
                            tree,
                            keys::tour_counter(&ws.team),
                            next.to_be_bytes().to_vec(),
                        ));
                    }
                    if let Some(erased) = ws.erased {
                        writes.push((
                            tree,
                            erase_counter_key(&ws.team),
                            erased.to_be_bytes().to_vec(),
                        ));
                    }
                }
            }
            TreeName::Tours => {
                for (n, r) in export.tours.iter().enumerate() {
                    let t = &r.tour;
                    if !team_ok(&r.team) || !user_ok(&t.manager) || !user_ok(&t.member) {
                        return Err(refuse("tours", n, "a team or user id is not a Slack id"));
                    }
                    if next_tour
                        .get(&r.team)
                        .is_none_or(|next| t.id.0 == 0 || t.id.0 >= *next)
                    {
                        return Err(refuse(
                            "tours",
                            n,
                            "its id is not below its workspace's `next_tour` (a new tour would overwrite it)",
                        ));
                    }
                    writes.push((tree, keys::tour(&r.team, t.id), encode(t)));
                }
            }
            TreeName::History => {
                for r in &export.tours {
                    for (i, entry) in r.history.iter().enumerate() {
                        let key = keys::history(&r.team, r.tour.id, i as u32);
                        writes.push((tree, key, encode(entry)));
                    }
                }
            }
            TreeName::Parties => {
                for r in &export.tours {
                    let summary = encode_index(&r.tour.summary());
                    for party in [&r.tour.manager, &r.tour.member] {
                        let key = keys::party(&r.team, party, r.tour.id);
                        writes.push((tree, key, summary.clone()));
                    }
                }
            }
            TreeName::Due => {
                for (n, due) in export.reminders.iter().enumerate() {
                    if !team_ok(&due.team) || due.to.as_ref().is_some_and(|u| !user_ok(u)) {
                        return Err(refuse(
                            "reminders",
                            n,
                            "a team or user id is not a Slack id",
                        ));
                    }
                    writes.push((tree, due.key(), encode_index(due)));
                }
            }
            TreeName::Outbox => {
                for (n, e) in export.outbox.iter().enumerate() {
                    if !team_ok(&e.team) || e.key.is_empty() {
                        return Err(refuse("outbox", n, "no team id or no key"));
                    }
                    writes.push((tree, keys::outbox(&e.team, &e.key), encode(e)));
                }
            }
            TreeName::OutboxDue => {
                for e in export.outbox.iter().filter(|e| e.state.is_open()) {
                    let (key, recipient) = super::outbox::due_index(e);
                    writes.push((tree, key, recipient));
                }
            }
            TreeName::Users => {
                for (n, r) in export.users.iter().enumerate() {
                    if !team_ok(&r.team) || !user_ok(&r.user) {
                        return Err(refuse("users", n, "a team or user id is not a Slack id"));
                    }
                    writes.push((tree, keys::person(&r.team, &r.user), encode(&r.info)));
                }
            }
            TreeName::Dismissed => {
                for (n, d) in export.dismissed.iter().enumerate() {
                    if !team_ok(&d.team) || !user_ok(&d.user) {
                        return Err(refuse(
                            "dismissed",
                            n,
                            "a team or user id is not a Slack id",
                        ));
                    }
                    if d.family.is_empty() || d.family.contains('\0') {
                        return Err(refuse("dismissed", n, "not a reminder family"));
                    }
                    let key = keys::dismissed(&d.team, d.tour, &d.family, &d.user);
                    writes.push((tree, key, encode(&d.at)));
                }
            }
            TreeName::Alumni => {
                for (n, r) in export.alumni.iter().enumerate() {
                    if !team_ok(&r.team) || !user_ok(&r.alumnus.user) {
                        return Err(refuse("alumni", n, "a team or user id is not a Slack id"));
                    }
                    writes.push((
                        tree,
                        keys::person(&r.team, &r.alumnus.user),
                        encode(&r.alumnus),
                    ));
                }
            }
            TreeName::Checkins => {
                for (n, r) in export.checkins.iter().enumerate() {
                    if !team_ok(&r.team) || !user_ok(&r.checkin.by) {
                        return Err(refuse("checkins", n, "a team or user id is not a Slack id"));
                    }
                    let key = keys::checkin(&r.team, r.checkin.tour, r.checkin.number);
                    writes.push((tree, key, encode(&r.checkin)));
                }
            }
            TreeName::Chats => {
                for (n, r) in export.chats.iter().enumerate() {
                    if !team_ok(&r.team) || !user_ok(&r.user) {
                        return Err(refuse("chats", n, "a team or user id is not a Slack id"));
                    }
                    writes.push((tree, keys::person(&r.team, &r.user), encode(&r.chat)));
                }
            }
            TreeName::Events => {
                for (n, r) in export.events.iter().enumerate() {
                    if !team_ok(&r.team) || EventId::parse(&r.event_id).is_none() {
                        return Err(refuse("events", n, "a team id or event id is not Slack's"));
                    }
                    writes.push((tree, keys::event(&r.team, &r.event_id), encode(&r.at)));
                }
            }
            TreeName::EventTimes => {
                for r in &export.events {
                    writes.push((
                        tree,
                        keys::event_time(r.at, &r.team, &r.event_id),
                        Vec::new(),
                    ));
                }
            }
            TreeName::OneOnOnes => {
                for (n, r) in export.one_on_ones.iter().enumerate() {
                    let o = &r.one_on_one;
                    if !team_ok(&r.team) || !user_ok(&o.manager) || !user_ok(&o.member) {
                        return Err(refuse(
                            "one_on_ones",
                            n,
                            "a team or user id is not a Slack id",
                        ));
                    }
                    writes.push((
                        tree,
                        super::one_on_ones::key(&r.team, &o.manager, &o.member),
                        encode(o),
                    ));
                }
            }
            TreeName::Snoozes => {
                for (n, r) in export.snoozes.iter().enumerate() {
                    if !team_ok(&r.team) || !user_ok(&r.user) {
                        return Err(refuse("snoozes", n, "a team or user id is not a Slack id"));
                    }
                    if r.series.is_empty() || r.series.contains('\0') {
                        return Err(refuse("snoozes", n, "not a series of reminders"));
                    }
                    let key = keys::snoozed(&r.team, r.tour, &r.series, &r.user);
                    writes.push((tree, key, encode(&r.snooze)));
                }
            }
            TreeName::Away => {
                for (n, r) in export.away.iter().enumerate() {
                    if !team_ok(&r.team) || !user_ok(&r.user) {
                        return Err(refuse("away", n, "a team or user id is not a Slack id"));
                    }
                    writes.push((tree, keys::person(&r.team, &r.user), encode(&r.away)));
                }
            }
        }
    }
    // The same key twice would keep only the last record: the next export
    // would differ from this file. Derived keys are unique by construction.
    let mut seen = BTreeSet::new();
    for (tree, key, _) in &writes {
        if !seen.insert((tree.index(), key.as_slice())) {
            return Err(ImportError::Refused(format!(
                "two records of the export are the same {} entry",
                tree.name()
            )));
        }
    }
    Ok(writes)
}

/// A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line
/// break; text a spreadsheet would run as a formula gets a `'` first.
pub(crate) fn csv_text(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Term, TourKind};
    use chrono::TimeZone;

    #[test]
    fn counts_read_as_words() {
        let one = Counts {
            workspaces: 1,
            tours: 1,
            history: 1,
            alumni: 1,
            outbox: 2,
            ..Counts::default()
        };
        let said = one.to_string();
        for words in [
            "1 tour (1 history entry)",
            "1 workspace,",
            "1 alumnus",
            "2 outbox entries",
            "0 reminders",
        ] {
            assert!(said.contains(words), "{words:?} in {said}");
        }
    }

    fn filled() -> Store {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        for member in ["UA", "UB", "UC"] {
            store
                .create_tour(&team, |id| {
                    Tour::propose(
                        id,
                        &UserId::parse("UM").unwrap(),
                        &UserId::parse(member).unwrap(),
                        TourKind::Rotational,
                        Term::Months(12),
                        "Run support",
                        now,
                    )
                })
                .unwrap()
                .unwrap();
        }
        store
    }

    fn export_of(store: &Store) -> String {
        let mut out = Vec::new();
        store.export(None, &mut out, &mut |_| {}).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn progress_is_reported_every_so_many_records_read() {
        let store = filled();
        let mut seen = Vec::new();
        let mut out = Vec::new();
        store
            .export_every(None, &mut out, 4, &mut |n| seen.push(n))
            .unwrap();
        // 3 tours, 3 history entries, 2 meta entries, 6 reminders, 3 outbox entries.
        assert_eq!(seen, [4, 8, 12, 16]);
    }

    #[test]
    fn a_tampered_export_is_refused_before_anything_is_written() {
        let good = export_of(&filled());
        for (from, to, why) in [
            ("\"next_tour\":4", "\"next_tour\":3", "next_tour"),
            ("\"team\":\"T1\"", "\"team\":\"t1\"", "not a Slack id"),
            (
                "\"version\": 1",
                "\"version\": \"one\"",
                "no readable `version`",
            ),
            (
                "\"alliance-export\"",
                "\"something\"",
                "not an Alliance export",
            ),
            ("\"tours\"", "\"tourz\"", "damaged"),
        ] {
            let bad = good.replacen(from, to, 1);
            assert_ne!(bad, good, "{from}");
            let store = Store::in_memory();
            let err = store.import(bad.as_bytes(), &mut |_| {}).unwrap_err();
            assert!(
                err.is_refusal() && err.to_string().contains(why),
                "{from}: {err}"
            );
            assert_eq!(store.first_non_empty().unwrap(), None, "nothing written");
        }
        let twice = good.replacen(
            "\"outbox\": [\n",
            "\"outbox\": [\n    {\"team\":\"T1\",\"key\":\"tour:1:proposal\",\"notice\":{\"tour\":1,\"to\":\"UA\",\"kind\":{\"type\":\"proposal\"}},\"action\":{\"type\":\"post\"},\"not_before\":\"2026-11-24T09:00:00Z\",\"in_working_hours\":false,\"state\":{\"type\":\"pending\"},\"attempts\":0,\"created_at\":\"2026-11-24T09:00:00Z\"},\n",
            1,
        );
        let err = Store::in_memory()
            .import(twice.as_bytes(), &mut |_| {})
            .unwrap_err();
        assert!(err.to_string().contains("same outbox entry"), "{err}");
        let store = Store::in_memory();
        store.import(good.as_bytes(), &mut |_| {}).unwrap();
        assert_eq!(export_of(&store), good);
    }

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_text("Ship it"), "Ship it");
        assert_eq!(csv_text("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(csv_text("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_text("-1,2"), "\"'-1,2\"");
    }

    #[test]
    fn keys_split_back_into_their_parts() {
        let team = TeamId::parse("T1").unwrap();
        let user = UserId::parse("U9").unwrap();
        assert_eq!(
            split_person(&keys::person(&team, &user)),
            Some((team.clone(), user.clone()))
        );
        assert_eq!(
            split_dismissed(&keys::dismissed(&team, TourId(7), "ending", &user)),
            Some((team.clone(), TourId(7), "ending".into(), user))
        );
        assert!(matches!(
            meta_key(&keys::tour_counter(&team)),
            Some(MetaKey::TourCounter(t)) if t == team
        ));
        assert!(matches!(
            meta_key(&erase_counter_key(&team)),
            Some(MetaKey::EraseCounter(t)) if t == team
        ));
        assert!(meta_key(b"something-else\0T1").is_none());
    }
}
