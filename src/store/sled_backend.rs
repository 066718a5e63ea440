//! The production backend: sled 0.34, one directory per process (sled takes
//! a file lock).
//!
//! All logical trees live in **one** sled tree, each key prefixed with its
//! [`TreeName`]'s index byte. That is what makes a transaction cheap: writers
//! take one process-wide lock, read through an overlay of their own pending
//! writes, and commit with a single `apply_batch`, which sled applies
//! atomically (crash included) — no multi-tree sled transaction, which cost
//! several times more per key (measured in `cargo bench --bench scheduler`).
//!
//! Consequences, by design: writers are serialised (the bot is one process;
//! a write is tens of microseconds plus, when durable, one flush), so a
//! closure runs exactly once and never sees a conflict. Plain reads outside a
//! transaction do not take the lock.
//!
//! **Group commit.** A durable transaction is on disk before `transact`
//! returns, which is what lets a command be acknowledged only once it is.
//! The flush happens *after* the writer lock is released, and concurrent
//! committers share it: each commit takes a sequence number under the lock;
//! one waiter at a time flushes (sled's flush writes everything applied so
//! far), and every commit numbered up to what that flush covered returns
//! with it. So 64 concurrent commands need a few flushes, not 64, while each
//! is still answered only after its own change is durable. The price: for
//! the millisecond of a flush, a change is visible to readers before it is
//! durable. Nothing irreversible follows from such a read: the delivery
//! worker posts only after its own durable write (marking the message
//! Sending), and a flush covers every commit before it.
//!
//! The lock is handed over fairly: a writer that finishes passes it to the
//! one that has waited longest, instead of racing for it again. So a
//! background loop committing batch after batch (the tick, the fan-out, the
//! delivery worker) lets a waiting command in after each batch; with every
//! batch bounded in time, no command waits long behind a backlog.

use super::{Backend, Entries, StoreError, TreeName, Tx, TxFail, TxOutcome};
use parking_lot::{Condvar, Mutex, MutexGuard};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct SledBackend {
    db: sled::Db,
    data: sled::Tree,
    /// Held while a transaction runs and applies.
    writer: Mutex<()>,
    /// The number of the last commit applied (counted under `writer`).
    applied: AtomicU64,
    flushes: GroupFlush,
}

/// Who has flushed what: commits numbered up to `durable` are on disk.
#[derive(Default)]
struct GroupFlush {
    state: Mutex<Flushed>,
    done: Condvar,
}

#[derive(Default)]
struct Flushed {
    durable: u64,
    /// A flush is under way (its waiters wait for it, then look again).
    running: bool,
}

impl GroupFlush {
    /// Returns once commit `seq` is on disk: flushes if nobody is flushing,
    /// else waits for the flush under way and looks again. `applied` is the
    /// number of the last commit applied, read just before a flush starts:
    /// that flush covers every commit up to it.
    fn wait_durable(
        &self,
        seq: u64,
        applied: impl Fn() -> u64,
        flush: impl Fn() -> Result<(), sled::Error>,
    ) -> Result<(), sled::Error> {
        let mut state = self.state.lock();
        loop {
            if state.durable >= seq {
                return Ok(());
            }
            if state.running {
                self.done.wait(&mut state);
                continue;
            }
            state.running = true;
            let covers = applied();
            let flushed = MutexGuard::unlocked(&mut state, &flush);
            state.running = false;
            if flushed.is_ok() {
                state.durable = state.durable.max(covers);
            }
            self.done.notify_all();
            flushed?;
        }
    }
}

impl SledBackend {
    pub fn open(dir: &Path, cache_capacity_bytes: u64) -> Result<SledBackend, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_capacity_bytes)
            .open()
            .map_err(|e| match e {
                // sled wraps the flock failure in a message; match both forms.
                sled::Error::Io(io)
                    if io.kind() == std::io::ErrorKind::WouldBlock
                        || io.to_string().contains("could not acquire lock") =>
                {
                    StoreError::Locked(dir.display().to_string())
                }
                other => StoreError::Engine(other.to_string()),
            })?;
        let data = db.open_tree(DATA_TREE).map_err(engine)?;
        let backend = SledBackend {
            db,
            data,
            writer: Mutex::new(()),
            applied: AtomicU64::new(0),
            flushes: GroupFlush::default(),
        };
        backend.merge_old_trees()?;
        Ok(backend)
    }

    /// The first release kept one sled tree per [`TreeName`]. Their entries
    /// move into the one tree (one atomic batch, flushed), then the old
    /// trees are dropped; a crash in between repeats the move harmlessly.
    fn merge_old_trees(&self) -> Result<(), StoreError> {
        let existing = self.db.tree_names();
        for tree in TreeName::ALL {
            if !existing
                .iter()
                .any(|n| n.as_ref() == tree.name().as_bytes())
            {
                continue;
            }
            let old = self.db.open_tree(tree.name()).map_err(engine)?;
            let mut batch = sled::Batch::default();
            for entry in old.iter() {
                let (k, v) = entry.map_err(engine)?;
                batch.insert(full_key(tree, &k), v);
            }
            self.data.apply_batch(batch).map_err(engine)?;
            self.db.flush().map_err(engine)?;
            self.db.drop_tree(tree.name()).map_err(engine)?;
        }
        self.db.flush().map(|_| ()).map_err(engine)
    }

    fn scan(&self, iter: sled::Iter, limit: usize) -> Result<Entries, StoreError> {
        iter.take(limit)
            .map(|r| {
                r.map(|(k, v)| (k[1..].to_vec(), v.to_vec()))
                    .map_err(engine)
            })
            .collect()
    }
}

/// The key a logical tree's key has in the one sled tree.
/// The one sled tree that holds every logical tree.
const DATA_TREE: &str = "alliance";

fn full_key(tree: TreeName, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 1);
    out.push(tree.index() as u8);
    out.extend_from_slice(key);
    out
}

fn engine(e: sled::Error) -> StoreError {
    StoreError::Engine(e.to_string())
}

/// A transaction's view: its own pending writes over the committed tree.
struct BatchTx<'a> {
    data: &'a sled::Tree,
    writes: RefCell<BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
}

impl Tx for BatchTx<'_> {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, TxFail> {
        let key = full_key(tree, key);
        if let Some(pending) = self.writes.borrow().get(&key) {
            return Ok(pending.clone());
        }
        self.data
            .get(&key)
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| TxFail::Engine(e.to_string()))
    }

    fn scan_range(
        &self,
        tree: TreeName,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Entries, TxFail> {
        if start >= end {
            return Ok(Vec::new());
        }
        let (start, end) = (full_key(tree, start), full_key(tree, end));
        let committed = self.data.range(start.clone()..end.clone()).map(|r| {
            r.map(|(k, v)| (k.to_vec(), v.to_vec()))
                .map_err(|e| TxFail::Engine(e.to_string()))
        });
        let writes = self.writes.borrow();
        let entries = super::overlay_scan(committed, writes.range(start..end), limit)?;
        Ok(entries
            .into_iter()
            .map(|(mut k, v)| {
                k.remove(0);
                (k, v)
            })
            .collect())
    }

    fn insert(&self, tree: TreeName, key: &[u8], value: &[u8]) -> Result<(), TxFail> {
        self.writes
            .borrow_mut()
            .insert(full_key(tree, key), Some(value.to_vec()));
        Ok(())
    }

    fn remove(&self, tree: TreeName, key: &[u8]) -> Result<(), TxFail> {
        self.writes.borrow_mut().insert(full_key(tree, key), None);
        Ok(())
    }
}

impl Backend for SledBackend {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.data
            .get(full_key(tree, key))
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(engine)
    }

    fn scan_prefix(
        &self,
        tree: TreeName,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        self.scan(self.data.scan_prefix(full_key(tree, prefix)), limit)
    }

    fn scan_range(
        &self,
        tree: TreeName,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        if start >= end {
            return Ok(Vec::new());
        }
        self.scan(
            self.data.range(full_key(tree, start)..full_key(tree, end)),
            limit,
        )
    }

    fn transact(
        &self,
        durable: bool,
        f: &dyn Fn(&dyn Tx) -> Result<(), TxFail>,
    ) -> Result<(), TxOutcome> {
        let writer = self.writer.lock();
        let tx = BatchTx {
            data: &self.data,
            writes: RefCell::new(BTreeMap::new()),
        };
        match f(&tx) {
            Ok(()) => {}
            Err(TxFail::Abort) => return Err(TxOutcome::Aborted),
            Err(TxFail::Engine(e)) => return Err(TxOutcome::Failed(StoreError::Engine(e))),
        }
        let mut batch = sled::Batch::default();
        for (key, value) in tx.writes.into_inner() {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        let failed = |e| TxOutcome::Failed(engine(e));
        self.data.apply_batch(batch).map_err(failed)?;
        let seq = self.applied.fetch_add(1, Ordering::SeqCst) + 1;
        MutexGuard::unlock_fair(writer);
        if durable {
            // On disk before the caller acknowledges anything: one flush
            // for every commit waiting at the time (see the module doc).
            self.flushes
                .wait_durable(
                    seq,
                    || self.applied.load(Ordering::SeqCst),
                    || self.db.flush().map(drop),
                )
                .map_err(failed)?;
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(engine)
    }
    fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }
}
