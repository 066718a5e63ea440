//! The in-memory twin of the sled backend, for unit tests: the same trait,
//! the same contract suite, one lock for serializable transactions.

use super::{Backend, Entries, StoreError, TreeName, Tx, TxFail, TxOutcome};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Mutex;

type Tree = BTreeMap<Vec<u8>, Vec<u8>>;

#[derive(Default)]
pub struct MemoryBackend {
    trees: Mutex<[Tree; TreeName::ALL.len()]>,
}

/// One buffered write: `None` removes the key.
type Write = (TreeName, Vec<u8>, Option<Vec<u8>>);

/// Writes buffered until the closure succeeds; reads see them first.
struct MemoryTx<'a> {
    trees: &'a [Tree; TreeName::ALL.len()],
    pending: RefCell<Vec<Write>>,
}

impl Tx for MemoryTx<'_> {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, TxFail> {
        let pending = self.pending.borrow();
        if let Some((_, _, v)) = pending
            .iter()
            .rev()
            .find(|(t, k, _)| *t == tree && k == key)
        {
            return Ok(v.clone());
        }
        Ok(self.trees[tree.index()].get(key).cloned())
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
        let range = start.to_vec()..end.to_vec();
        // The latest pending write of each key in range, in key order.
        let pending: BTreeMap<Vec<u8>, Option<Vec<u8>>> = self
            .pending
            .borrow()
            .iter()
            .filter(|(t, k, _)| *t == tree && range.contains(k))
            .map(|(_, k, v)| (k.clone(), v.clone()))
            .collect();
        let committed = self.trees[tree.index()]
            .range(range)
            .map(|(k, v)| Ok((k.clone(), v.clone())));
        super::overlay_scan(committed, pending.iter(), limit)
    }

    fn insert(&self, tree: TreeName, key: &[u8], value: &[u8]) -> Result<(), TxFail> {
        self.pending
            .borrow_mut()
            .push((tree, key.to_vec(), Some(value.to_vec())));
        Ok(())
    }

    fn remove(&self, tree: TreeName, key: &[u8]) -> Result<(), TxFail> {
        self.pending.borrow_mut().push((tree, key.to_vec(), None));
        Ok(())
    }
}

impl MemoryBackend {
    fn lock(&self) -> std::sync::MutexGuard<'_, [Tree; TreeName::ALL.len()]> {
        // A panic while holding the lock cannot leave a half-applied write
        // (writes are applied after the closure), so the data is still whole.
        self.trees
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Backend for MemoryBackend {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock()[tree.index()].get(key).cloned())
    }

    fn scan_prefix(
        &self,
        tree: TreeName,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        Ok(self.lock()[tree.index()]
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
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
        Ok(self.lock()[tree.index()]
            .range(start.to_vec()..end.to_vec())
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn transact(
        &self,
        _durable: bool,
        f: &dyn Fn(&dyn Tx) -> Result<(), TxFail>,
    ) -> Result<(), TxOutcome> {
        let mut trees = self.lock();
        let pending = {
            let tx = MemoryTx {
                trees: &trees,
                pending: RefCell::new(Vec::new()),
            };
            match f(&tx) {
                Ok(()) => tx.pending.into_inner(),
                Err(TxFail::Abort) => return Err(TxOutcome::Aborted),
                Err(TxFail::Engine(e)) => return Err(TxOutcome::Failed(StoreError::Engine(e))),
            }
        };
        for (tree, key, value) in pending {
            match value {
                Some(v) => trees[tree.index()].insert(key, v),
                None => trees[tree.index()].remove(&key),
            };
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
