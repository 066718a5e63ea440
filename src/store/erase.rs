//! Data stewardship, part two: erasing a person (`alliance erase --person`,
//! and `/tour forget-me` for one's own data).
//!
//! After an erase no key or value in any tree holds the person's Slack id
//! (tested by scanning the raw store). What stays, and why:
//!
//! - **Shared tours stay for the other party**, with the erased person
//!   replaced by a placeholder id, `UERASED<n>`: `n` counts erasures in the
//!   workspace (kept in the meta tree), so it cannot be derived from the real
//!   id. It is replaced everywhere the id appears — the tour (manager,
//!   member, successor, who planned an exit), every history entry (`by`,
//!   successor…), the other party's list index, reminders, messages owed to
//!   others, alumni records — and the person's own list index moves to the
//!   placeholder, so the tours still list for the other party and admins.
//! - **Free text stays**: a mission, objectives, reasons and notes belong to
//!   the shared commitment, whoever wrote them. Only mentions of the person
//!   in it (`<@U123>`, `<@U123|name>`, a bare `U123`) are replaced by the
//!   placeholder, the `|name` label dropped: Alliance stores no names, so a
//!   mention's label is the only place a name can be.
//! - **Removed**: the person's alumni record (with the personal contact they
//!   left) and its keep-in-touch reminders, the contact in a tour's exit record when they were the leaving
//!   member, every message owed or sent to them (pending ones will not go;
//!   their outbox keys embed their id), reminders planned for them alone
//!   (snoozes), their place among a shared reminder's recipients, their
//!   "Done" dismissals and the record of their snoozes (and the liaison's
//!   or 1:1 partner's snoozes of a series about them), their away period,
//!   and what Slack told us about them (DM channel, time zone).
//! - **Alumni they were liaison for** keep their record, with the
//!   placeholder as liaison: visibly nobody's, for an admin to reassign.
//! - **Check-ins** of shared tours stay, like history: the answers and
//!   notes are the shared record of how the tour went, with mentions of the
//!   person replaced. **Their conversation state** (what they were being
//!   asked, and the questions waiting) is removed; another person's that
//!   names them (as the manager to report to) gets the placeholder. Handled
//!   Events API ids hold nobody's id and are left to expire.
//! - **Their 1:1s are removed**, as manager or as member, with their log,
//!   notes and agenda, and their reminders: a 1:1 is the two people's
//!   working conversation, not a shared commitment like a tour, and its
//!   notes are mostly about the person. Mentions of them in other people's
//!   1:1s (agenda items, notes) are replaced like any free text.
//!
//! Decisions:
//! - The placeholder receives nothing: the outbox never enqueues a message
//!   to a placeholder, so later changes to a shared tour notify only the
//!   other party.
//! - The same person erased in two workspaces gets one placeholder in each.
//!   A person who is still in Slack may use Alliance again afterwards; they
//!   start with nothing.
//! - Candidates are found by scanning every tree's raw keys and values for
//!   the id's bytes (the same test the erase is checked with), then each is
//!   decoded and rewritten or removed in **one durable transaction**. A
//!   write racing the erase (the bot delivering to them at that moment) is
//!   caught by scanning again: the erase repeats until a scan finds nothing
//!   left to change (at most [`MAX_ROUNDS`]). The outbox refuses to
//!   resurrect an entry the erase removed.
//! - Every tree is handled by an exhaustive `match` over [`TreeName`], as in
//!   [`super::export`].
//! - `alliance erase --dry-run` ([`Store::erase_preview`]) runs the same
//!   first round in a transaction that is abandoned at the end, and reports
//!   what it would remove and rewrite per tree and the tours where the
//!   placeholder would stand: the preview is the erase itself, not a second
//!   description of it that could drift.
//! - Cost: each round reads the whole store once (there is no index by
//!   person for reminders and messages), so an erase is at least two full
//!   scans; on a very large store `/tour forget-me` takes seconds.
//! - Known gap: a delivery to the person in flight at that very moment may
//!   cache their DM channel again after the last scan. `alliance erase` runs
//!   on a stopped bot and cannot meet it; after a `/tour forget-me` during
//!   such a delivery, `alliance erase` finishes the job.

use super::away::Away;
use super::export::{self, Walk, split_dismissed, split_party, split_person, split_team};
use super::outbox::{self, OutboxEntry, UserCache};
use super::reminders::{self, DueReminder};
use super::{
    Store, StoreError, TreeName, Tx, TxFail, decode, decode_index, encode, encode_index, keys,
};
use crate::domain::alumni::Alumnus;
use crate::domain::checkin::{Chat, CheckIn};
use crate::domain::one_on_one::OneOnOne;
use crate::domain::schedule::Series;
use crate::domain::{HistoryEntry, TeamId, Tour, TourId, TourSummary, UserId};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Placeholders are `UERASED1`, `UERASED2`, … per workspace.
pub const PLACEHOLDER_PREFIX: &str = "UERASED";
/// Scans and transactions before an erase gives up on a store that keeps
/// changing under it.
pub const MAX_ROUNDS: usize = 3;

/// The `n`-th placeholder of a workspace.
pub fn placeholder(n: u64) -> UserId {
    UserId::parse(&format!("{PLACEHOLDER_PREFIX}{n}")).expect("a Slack-style id")
}

/// Whether `user` stands in for an erased person (and so gets no messages).
pub fn is_placeholder(user: &UserId) -> bool {
    user.as_str()
        .strip_prefix(PLACEHOLDER_PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// One raw entry of the store: its tree, key and value bytes.
pub type RawEntry = (TreeName, Vec<u8>, Vec<u8>);

/// What an erase did (or, from [`Store::erase_preview`], would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erasure {
    /// Each workspace where a kept record mentioned the person, and the
    /// placeholder that stands in for them there.
    pub placeholders: Vec<(TeamId, UserId)>,
    /// Tours they were a party to, kept for the other party.
    pub tours_kept: u64,
    /// Records deleted.
    pub removed: u64,
    /// Records rewritten with the placeholder.
    pub rewritten: u64,
    /// Removed and rewritten records per tree, by [`TreeName::index`].
    pub per_tree: [(u64, u64); TreeName::ALL.len()],
    /// The tours kept for the other party, where the placeholder stands.
    pub tours: Vec<(TeamId, TourId)>,
}

impl Erasure {
    /// Each tree with something removed or rewritten: (tree, removed, rewritten).
    pub fn changes(&self) -> Vec<(TreeName, u64, u64)> {
        TreeName::ALL
            .iter()
            .map(|t| (*t, self.per_tree[t.index()].0, self.per_tree[t.index()].1))
            .filter(|(_, removed, rewritten)| removed + rewritten > 0)
            .collect()
    }

    fn add(&mut self, round: Erasure) {
        self.tours_kept += round.tours_kept;
        self.removed += round.removed;
        self.rewritten += round.rewritten;
        for (total, more) in self.per_tree.iter_mut().zip(round.per_tree) {
            total.0 += more.0;
            total.1 += more.1;
        }
        self.tours.extend(round.tours);
    }
}

/// Finds `id` as a whole word in `text` (not inside a longer id).
fn whole_word_at(text: &str, id: &str, from: usize) -> Option<usize> {
    let mut start = from;
    while let Some(i) = text[start..].find(id).map(|i| i + start) {
        let before = text[..i].chars().next_back();
        let after = text[i + id.len()..].chars().next();
        let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if !alnum(before) && !alnum(after) {
            return Some(i);
        }
        start = i + id.len();
    }
    None
}

/// `text` with every mention of `id` replaced by `with` (a mention's
/// `|label` dropped), or `None` if it has none.
fn scrub_text(text: &str, id: &str, with: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let mut changed = false;
    while let Some(i) = whole_word_at(text, id, rest) {
        changed = true;
        out.push_str(&text[rest..i]);
        out.push_str(with);
        rest = i + id.len();
        if text[..i].ends_with("<@")
            && text[rest..].starts_with('|')
            && let Some(end) = text[rest..].find('>')
        {
            rest += end;
        }
    }
    out.push_str(&text[rest..]);
    changed.then_some(out)
}

fn mentions(value: &Value, id: &str) -> bool {
    match value {
        Value::String(s) => whole_word_at(s, id, 0).is_some(),
        Value::Array(items) => items.iter().any(|v| mentions(v, id)),
        Value::Object(map) => map.values().any(|v| mentions(v, id)),
        _ => false,
    }
}

fn replace(value: &mut Value, id: &str, with: &str) {
    match value {
        Value::String(s) => {
            if let Some(new) = scrub_text(s, id, with) {
                *s = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace(v, id, with)),
        Value::Object(map) => map.values_mut().for_each(|v| replace(v, id, with)),
        _ => {}
    }
}

fn fail(e: impl std::fmt::Display) -> TxFail {
    TxFail::Engine(e.to_string())
}

/// One erase transaction's state: who is erased, the placeholders handed
/// out so far (kept across rounds), and what was done.
struct Round<'a> {
    tx: &'a dyn Tx,
    person: &'a UserId,
    placeholders: RefCell<BTreeMap<TeamId, UserId>>,
    done: RefCell<Erasure>,
}

impl Round<'_> {
    /// The workspace's placeholder for this person, handed out on first use.
    fn placeholder(&self, team: &TeamId) -> Result<UserId, TxFail> {
        if let Some(p) = self.placeholders.borrow().get(team) {
            return Ok(p.clone());
        }
        let key = export::erase_counter_key(team);
        let n = match self.tx.get(TreeName::Meta, &key)? {
            Some(bytes) => export::counter(&bytes).ok_or_else(|| fail("bad erase counter"))?,
            None => 0,
        } + 1;
        self.tx.insert(TreeName::Meta, &key, &n.to_be_bytes())?;
        let p = placeholder(n);
        self.placeholders
            .borrow_mut()
            .insert(team.clone(), p.clone());
        Ok(p)
    }

    /// `value` with the person replaced by the workspace's placeholder, or
    /// `None` if it does not mention them.
    fn scrub<T: Serialize + DeserializeOwned>(
        &self,
        team: &TeamId,
        value: &T,
    ) -> Result<Option<T>, TxFail> {
        let mut json = serde_json::to_value(value).map_err(fail)?;
        if !mentions(&json, self.person.as_str()) {
            return Ok(None);
        }
        let with = self.placeholder(team)?;
        replace(&mut json, self.person.as_str(), with.as_str());
        serde_json::from_value(json).map(Some).map_err(fail)
    }

    fn remove(&self, tree: TreeName, key: &[u8]) -> Result<(), TxFail> {
        let mut done = self.done.borrow_mut();
        done.removed += 1;
        done.per_tree[tree.index()].0 += 1;
        self.tx.remove(tree, key)
    }

    fn rewrite(&self, tree: TreeName, key: &[u8], value: &[u8]) -> Result<(), TxFail> {
        let mut done = self.done.borrow_mut();
        done.rewritten += 1;
        done.per_tree[tree.index()].1 += 1;
        self.tx.insert(tree, key, value)
    }

    /// Erases the person from one entry found by the scan.
    fn entry(&self, tree: TreeName, key: &[u8]) -> Result<(), TxFail> {
        let tx = self.tx;
        let Some(value) = tx.get(tree, key)? else {
            return Ok(()); // removed meanwhile (or by this round)
        };
        let person = self.person;
        let team_of = |k: &[u8]| split_team(k).map(|(t, _)| t).ok_or_else(|| fail("bad key"));
        match tree {
            TreeName::Tours => {
                let team = team_of(key)?;
                let mut tour: Tour = decode(tree, &value).map_err(fail)?;
                let party = tour.role_of(person).is_some();
                let mut contact_removed = false;
                if &tour.member == person
                    && let Some(choice) = tour.exit.as_mut().and_then(|e| e.alumni.as_mut())
                {
                    contact_removed = choice.contact.take().is_some();
                }
                let scrubbed = self.scrub(&team, &tour)?;
                if scrubbed.is_some() || contact_removed {
                    self.rewrite(tree, key, &encode(scrubbed.as_ref().unwrap_or(&tour)))?;
                    if party {
                        let mut done = self.done.borrow_mut();
                        done.tours_kept += 1;
                        done.tours.push((team, tour.id));
                    }
                }
            }
            TreeName::History => {
                let entry: HistoryEntry = decode(tree, &value).map_err(fail)?;
                if let Some(entry) = self.scrub(&team_of(key)?, &entry)? {
                    self.rewrite(tree, key, &encode(&entry))?;
                }
            }
            TreeName::Parties => {
                let (team, user, id) = split_party(key).ok_or_else(|| fail("bad key"))?;
                let summary: TourSummary = decode_index(tree, &value).map_err(fail)?;
                let summary = self.scrub(&team, &summary)?.unwrap_or(summary);
                if &user != person {
                    return self.rewrite(tree, key, &encode_index(&summary));
                }
                // Their entry moves to the placeholder.
                self.remove(tree, key)?;
                let moved = keys::party(&team, &self.placeholder(&team)?, id);
                self.rewrite(tree, &moved, &encode_index(&summary))?;
            }
            // Schema marker and counters: numbers, never a person (a scan
            // may match their bytes by chance).
            TreeName::Meta => {}
            TreeName::Due => {
                let mut due: DueReminder = reminders::decode_due_in(tx, &value)?;
                let about_them = match &due.series {
                    Series::KeepInTouch(who, _) => who == person,
                    Series::OneOnOne {
                        manager, member, ..
                    } => manager == person || member == person,
                    _ => false,
                };
                if due.to.as_ref() == Some(person) || about_them {
                    return self.remove(tree, key);
                }
                let before = due.recipients.len();
                due.recipients.retain(|u| u != person);
                if due.recipients.len() == before {
                    return Ok(());
                }
                // The last day still ends the tour, even with nobody to tell.
                if due.recipients.is_empty() && due.series != Series::Exit {
                    return self.remove(tree, key);
                }
                self.rewrite(tree, key, &encode_index(&due))?;
            }
            TreeName::Outbox => {
                let entry: OutboxEntry = decode(tree, &value).map_err(fail)?;
                if entry.recipient() == person || entry.notice.is_talk_from(person) {
                    if entry.state.is_open() {
                        outbox::unindex_in(tx, &entry)?;
                    }
                    return self.remove(tree, key);
                }
                let Some(new) = self.scrub(&entry.team, &entry)? else {
                    return Ok(());
                };
                if entry.state.is_open() {
                    outbox::unindex_in(tx, &entry)?;
                }
                if new.key != entry.key {
                    tx.remove(tree, key)?;
                }
                if new.state.is_open() {
                    outbox::index_in(tx, &new)?;
                }
                self.rewrite(tree, &keys::outbox(&new.team, &new.key), &encode(&new))?;
            }
            TreeName::OutboxDue => {
                // `team ∅ lane time key` → recipient: its entry was erased
                // above, or never was.
                let entry_key = keys::parse_outbox_due(key).map(|(k, _, _)| k);
                let orphan = match &entry_key {
                    Some(k) => tx.get(TreeName::Outbox, k)?.is_none(),
                    None => true,
                };
                if orphan || value == person.as_str().as_bytes() {
                    self.remove(tree, key)?;
                }
            }
            TreeName::Users => {
                let (team, user) = split_person(key).ok_or_else(|| fail("bad key"))?;
                if &user == person {
                    return self.remove(tree, key);
                }
                let cache: UserCache = decode(tree, &value).map_err(fail)?;
                if let Some(cache) = self.scrub(&team, &cache)? {
                    self.rewrite(tree, key, &encode(&cache))?;
                }
            }
            TreeName::Dismissed => {
                let (_, _, _, user) = split_dismissed(key).ok_or_else(|| fail("bad key"))?;
                if &user == person {
                    self.remove(tree, key)?;
                }
            }
            TreeName::Away => {
                let (team, user) = split_person(key).ok_or_else(|| fail("bad key"))?;
                if &user == person {
                    return self.remove(tree, key);
                }
                // What another person's return brings may name them.
                let away: Away = decode(tree, &value).map_err(fail)?;
                if let Some(away) = self.scrub(&team, &away)? {
                    self.rewrite(tree, key, &encode(&away))?;
                }
            }
            TreeName::Snoozes => {
                // Theirs, or about them (a keep-in-touch series names its
                // alumnus, a 1:1's its pair): gone with what it was about.
                let (_, _, series, user) = split_dismissed(key).ok_or_else(|| fail("bad key"))?;
                if &user == person || series.split(':').any(|part| part == person.as_str()) {
                    self.remove(tree, key)?;
                }
            }
            TreeName::Alumni => {
                let (team, user) = split_person(key).ok_or_else(|| fail("bad key"))?;
                if &user == person {
                    return self.remove(tree, key);
                }
                let alumnus: Alumnus = decode(tree, &value).map_err(fail)?;
                if let Some(alumnus) = self.scrub(&team, &alumnus)? {
                    self.rewrite(tree, key, &encode(&alumnus))?;
                }
            }
            TreeName::Checkins => {
                let record: CheckIn = decode(tree, &value).map_err(fail)?;
                if let Some(record) = self.scrub(&team_of(key)?, &record)? {
                    self.rewrite(tree, key, &encode(&record))?;
                }
            }
            TreeName::Chats => {
                let (team, user) = split_person(key).ok_or_else(|| fail("bad key"))?;
                if &user == person {
                    return self.remove(tree, key);
                }
                let chat: Chat = decode(tree, &value).map_err(fail)?;
                if let Some(chat) = self.scrub(&team, &chat)? {
                    self.rewrite(tree, key, &encode(&chat))?;
                }
            }
            // Event ids and times: nobody's (a scan may match bytes by chance).
            TreeName::Events | TreeName::EventTimes => {}
            TreeName::OneOnOnes => {
                let (team, manager, member) =
                    super::one_on_ones::split_key(key).ok_or_else(|| fail("bad key"))?;
                if &manager == person || &member == person {
                    return self.remove(tree, key);
                }
                let o: OneOnOne = decode(tree, &value).map_err(fail)?;
                if let Some(o) = self.scrub(&team, &o)? {
                    self.rewrite(tree, key, &encode(&o))?;
                }
            }
        }
        Ok(())
    }
}

/// The workspace a raw key belongs to, as bytes (`None` for meta keys).
fn key_team(tree: TreeName, key: &[u8]) -> Option<&[u8]> {
    let rest = match tree {
        TreeName::Meta => return None,
        TreeName::Due | TreeName::EventTimes => key.get(8..)?,
        _ => key,
    };
    Some(&rest[..rest.iter().position(|b| *b == 0)?])
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

impl Store {
    /// Every raw key and value of every tree, in tree and key order: for
    /// audits, and for the tests that prove an erase left nothing behind.
    pub fn raw_entries(&self) -> Result<Vec<RawEntry>, StoreError> {
        let mut out = Vec::new();
        for tree in TreeName::ALL {
            for (k, v) in self.backend.scan_prefix(tree, &[], usize::MAX)? {
                out.push((tree, k, v));
            }
        }
        Ok(out)
    }

    /// Erases `person` from every workspace, or from `team` only (see the
    /// module docs for what is removed and what is kept). Durable.
    pub fn erase_person(
        &self,
        person: &UserId,
        team: Option<&TeamId>,
    ) -> Result<Erasure, StoreError> {
        let mut total = Erasure::default();
        let mut placeholders: BTreeMap<TeamId, UserId> = BTreeMap::new();
        for _ in 0..MAX_ROUNDS {
            let candidates = self.erase_candidates(person, team)?;
            let known = placeholders.clone();
            let (round, handed_out) = self
                .run(true, |tx| {
                    let round = Round {
                        tx,
                        person,
                        placeholders: RefCell::new(known.clone()),
                        done: RefCell::new(Erasure::default()),
                    };
                    for (tree, key) in &candidates {
                        round.entry(*tree, key)?;
                    }
                    Ok(Ok::<_, ()>((
                        round.done.into_inner(),
                        round.placeholders.into_inner(),
                    )))
                })?
                .unwrap_or_default();
            placeholders = handed_out;
            let changed = round.removed + round.rewritten;
            total.add(round);
            if changed == 0 {
                total.placeholders = placeholders.into_iter().collect();
                return Ok(total);
            }
        }
        Err(StoreError::Engine(format!(
            "the person's data kept changing during the erase ({MAX_ROUNDS} rounds); \
             stop the bot and run `alliance erase` again"
        )))
    }

    /// What [`Store::erase_person`] would do now, without doing it
    /// (`alliance erase --dry-run`): the same erase runs in a transaction
    /// that is then abandoned, so the preview cannot drift from the real
    /// thing and nothing is written, the placeholder counter included.
    pub fn erase_preview(
        &self,
        person: &UserId,
        team: Option<&TeamId>,
    ) -> Result<Erasure, StoreError> {
        let candidates = self.erase_candidates(person, team)?;
        let preview = self.run(false, |tx| {
            let round = Round {
                tx,
                person,
                placeholders: RefCell::new(BTreeMap::new()),
                done: RefCell::new(Erasure::default()),
            };
            for (tree, key) in &candidates {
                round.entry(*tree, key)?;
            }
            let mut done = round.done.into_inner();
            done.placeholders = round.placeholders.into_inner().into_iter().collect();
            // Handed back as a refusal: the transaction writes nothing.
            Ok(Err::<(), _>(done))
        })?;
        Ok(preview.err().unwrap_or_default())
    }

    /// Every entry (of `team`, if given) whose raw key or value holds the
    /// person's id, in tree order.
    fn erase_candidates(
        &self,
        person: &UserId,
        team: Option<&TeamId>,
    ) -> Result<Vec<(TreeName, Vec<u8>)>, StoreError> {
        let needle = person.as_str().as_bytes();
        let mut found = Vec::new();
        for tree in TreeName::ALL {
            for entry in Walk::new(self, tree) {
                let (k, v) = entry?;
                if team.is_some_and(|t| key_team(tree, &k) != Some(t.as_str().as_bytes())) {
                    continue;
                }
                if contains(&k, needle) || contains(&v, needle) {
                    found.push((tree, k));
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Term, TourKind};
    use chrono::{TimeZone, Utc};

    #[test]
    fn erasing_on_the_memory_backend_leaves_no_trace_and_counts_placeholders() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let u = |s: &str| UserId::parse(s).unwrap();
        for (manager, member) in [("UMGR", "UANNA"), ("UANNA", "UBOB"), ("UMGR", "UBOB")] {
            store
                .create_tour(&team, |id| {
                    Tour::propose(
                        id,
                        &u(manager),
                        &u(member),
                        TourKind::Rotational,
                        Term::Months(12),
                        "Pair with <@UANNA|anna k>",
                        now,
                    )
                })
                .unwrap()
                .unwrap();
        }
        let done = store.erase_person(&u("UANNA"), None).unwrap();
        assert_eq!(done.tours_kept, 2);
        assert_eq!(done.placeholders, vec![(team.clone(), u("UERASED1"))]);
        for (tree, k, v) in store.raw_entries().unwrap() {
            for needle in [&b"UANNA"[..], b"anna k"] {
                assert!(
                    !contains(&k, needle) && !contains(&v, needle),
                    "{} {:?}",
                    tree.name(),
                    String::from_utf8_lossy(&v)
                );
            }
        }
        let summaries = store.tours_of(&team, &u("UERASED1")).unwrap();
        assert_eq!(summaries.len(), 2, "the placeholder lists the shared tours");
        assert_eq!(
            store.tours_of(&team, &u("UBOB")).unwrap()[1].manager,
            u("UERASED1")
        );
        assert_eq!(
            store.erase_person(&u("UANNA"), None).unwrap(),
            Erasure::default(),
            "a second erase finds nothing"
        );
        let next = store.erase_person(&u("UBOB"), Some(&team)).unwrap();
        assert_eq!(next.placeholders, vec![(team, u("UERASED2"))]);
    }

    #[test]
    fn placeholders_are_valid_ids_that_say_what_they_are() {
        let p = placeholder(12);
        assert_eq!(p.as_str(), "UERASED12");
        assert!(is_placeholder(&p));
        assert!(!is_placeholder(&UserId::parse("UERASEDX").unwrap()));
        assert!(!is_placeholder(&UserId::parse("U123").unwrap()));
    }

    #[test]
    fn mentions_are_replaced_as_whole_ids_and_lose_their_label() {
        let s = |t: &str| scrub_text(t, "U123", "UERASED1");
        assert_eq!(s("U123").as_deref(), Some("UERASED1"));
        assert_eq!(
            s("Hand over to <@U123|ana lovelace> and <@U123>.").as_deref(),
            Some("Hand over to <@UERASED1> and <@UERASED1>.")
        );
        assert_eq!(
            s("tour:17:ending:30d:2026-12-06:U123").as_deref(),
            Some("tour:17:ending:30d:2026-12-06:UERASED1")
        );
        assert_eq!(s("U1234 and XU123 are other people"), None);
        assert_eq!(s("<@U1234|x> U123").as_deref(), Some("<@U1234|x> UERASED1"));
    }
}
