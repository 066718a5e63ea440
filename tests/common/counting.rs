//! A store backend that counts what is written: sled underneath, every
//! insert and removal inside a committed transaction counted. For tests and
//! benchmarks that hold the worker to "writes follow what is sent".
//!
//! It can also stall: while [`Counts::hold`] is in force every transaction
//! waits at the door (a store that is slow, for as long as the test says).

use alliance::store::sled_backend::SledBackend;
use alliance::store::{Backend, Entries, Store, StoreError, TreeName, Tx, TxFail, TxOutcome};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What was written so far.
#[derive(Default)]
pub struct Counts {
    /// Keys inserted or removed by committed transactions.
    pub writes: AtomicU64,
    /// Committed transactions that wrote anything.
    pub commits: AtomicU64,
    /// Each committed transaction that wrote, in commit order: the trees it
    /// wrote to (for tests of what waits on what).
    pub log: std::sync::Mutex<Vec<Vec<TreeName>>>,
    /// While true, transactions wait.
    held: std::sync::Mutex<bool>,
    door: std::sync::Condvar,
    /// Transactions waiting at the door now.
    waiting: AtomicU64,
}

impl Counts {
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// From now on every transaction waits until [`Counts::release`].
    pub fn hold(&self) {
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = true;
    }

    pub fn release(&self) {
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = false;
        self.door.notify_all();
    }

    /// How many transactions are waiting at the door.
    pub fn waiting(&self) -> u64 {
        self.waiting.load(Ordering::SeqCst)
    }

    fn wait_at_the_door(&self) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if *held {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            while *held {
                held = self.door.wait(held).unwrap_or_else(|p| p.into_inner());
            }
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The trees of every committed write so far, in commit order.
    pub fn log(&self) -> Vec<Vec<TreeName>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

pub struct Counting {
    inner: SledBackend,
    counts: Arc<Counts>,
}

/// Opens a sled store in `dir` whose writes are counted.
pub fn open(dir: &std::path::Path) -> (Store, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let backend = Counting {
        inner: SledBackend::open(dir, 16 << 20).unwrap(),
        counts: counts.clone(),
    };
    (Store::with_backend(Arc::new(backend)).unwrap(), counts)
}

struct CountingTx<'a> {
    inner: &'a dyn Tx,
    writes: &'a Cell<u64>,
    trees: &'a std::cell::RefCell<Vec<TreeName>>,
}

impl CountingTx<'_> {
    fn wrote(&self, tree: TreeName) {
        self.writes.set(self.writes.get() + 1);
        let mut trees = self.trees.borrow_mut();
        if !trees.contains(&tree) {
            trees.push(tree);
        }
    }
}

impl Tx for CountingTx<'_> {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, TxFail> {
        self.inner.get(tree, key)
    }
    fn scan_range(
        &self,
        tree: TreeName,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Entries, TxFail> {
        self.inner.scan_range(tree, start, end, limit)
    }
    fn insert(&self, tree: TreeName, key: &[u8], value: &[u8]) -> Result<(), TxFail> {
        self.wrote(tree);
        self.inner.insert(tree, key, value)
    }
    fn remove(&self, tree: TreeName, key: &[u8]) -> Result<(), TxFail> {
        self.wrote(tree);
        self.inner.remove(tree, key)
    }
}

impl Backend for Counting {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(tree, key)
    }
    fn scan_prefix(
        &self,
        tree: TreeName,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        self.inner.scan_prefix(tree, prefix, limit)
    }
    fn scan_range(
        &self,
        tree: TreeName,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        self.inner.scan_range(tree, start, end, limit)
    }
    fn transact(
        &self,
        durable: bool,
        f: &dyn Fn(&dyn Tx) -> Result<(), TxFail>,
    ) -> Result<(), TxOutcome> {
        self.counts.wait_at_the_door();
        let writes = Cell::new(0);
        let trees = std::cell::RefCell::new(Vec::new());
        let outcome = self.inner.transact(durable, &|tx| {
            writes.set(0);
            trees.borrow_mut().clear();
            let outcome = f(&CountingTx {
                inner: tx,
                writes: &writes,
                trees: &trees,
            });
            if outcome.is_ok() && writes.get() > 0 {
                // Logged inside the transaction, so under the writer lock:
                // the log's order is the commit order.
                self.counts
                    .log
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(trees.borrow().clone());
            }
            outcome
        });
        if outcome.is_ok() && writes.get() > 0 {
            self.counts.writes.fetch_add(writes.get(), Ordering::SeqCst);
            self.counts.commits.fetch_add(1, Ordering::SeqCst);
        }
        outcome
    }
    fn flush(&self) -> Result<(), StoreError> {
        self.inner.flush()
    }
    fn size_on_disk(&self) -> u64 {
        self.inner.size_on_disk()
    }
}
