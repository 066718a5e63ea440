//! The production backend: sled 0.34, one tree per [`TreeName`], one
//! directory per process (sled takes a file lock).
//!
//! A durable transaction is flushed before `transact` returns
//! (`TransactionalTree::flush`), which is what lets a command be
//! acknowledged only once it is on disk.

use super::{Backend, Entries, StoreError, TreeName, Tx, TxFail, TxOutcome};
use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use std::path::Path;

pub struct SledBackend {
    db: sled::Db,
    trees: Vec<sled::Tree>,
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
        let trees = TreeName::ALL
            .iter()
            .map(|t| db.open_tree(t.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(engine)?;
        Ok(SledBackend { db, trees })
    }
}

fn engine(e: sled::Error) -> StoreError {
    StoreError::Engine(e.to_string())
}

fn unabortable(e: UnabortableTransactionError) -> TxFail {
    match e {
        UnabortableTransactionError::Conflict => TxFail::Conflict,
        UnabortableTransactionError::Storage(e) => TxFail::Engine(e.to_string()),
    }
}

struct SledTx<'a>(&'a [TransactionalTree]);

impl Tx for SledTx<'_> {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, TxFail> {
        self.0[tree.index()]
            .get(key)
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(unabortable)
    }

    fn insert(&self, tree: TreeName, key: &[u8], value: &[u8]) -> Result<(), TxFail> {
        self.0[tree.index()]
            .insert(key, value)
            .map(|_| ())
            .map_err(unabortable)
    }

    fn remove(&self, tree: TreeName, key: &[u8]) -> Result<(), TxFail> {
        self.0[tree.index()]
            .remove(key)
            .map(|_| ())
            .map_err(unabortable)
    }
}

impl Backend for SledBackend {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.trees[tree.index()]
            .get(key)
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(engine)
    }

    fn scan_prefix(
        &self,
        tree: TreeName,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        self.trees[tree.index()]
            .scan_prefix(prefix)
            .take(limit)
            .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(engine))
            .collect()
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
        self.trees[tree.index()]
            .range(start..end)
            .take(limit)
            .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(engine))
            .collect()
    }

    fn transact(
        &self,
        durable: bool,
        f: &dyn Fn(&dyn Tx) -> Result<(), TxFail>,
    ) -> Result<(), TxOutcome> {
        let result = self
            .trees
            .as_slice()
            .transaction(|views: &Vec<TransactionalTree>| {
                match f(&SledTx(views)) {
                    Ok(()) => {
                        if durable {
                            // On disk before the caller acknowledges anything.
                            views[0].flush();
                        }
                        Ok(())
                    }
                    Err(TxFail::Conflict) => Err(ConflictableTransactionError::Conflict),
                    Err(TxFail::Abort) => Err(ConflictableTransactionError::Abort(None)),
                    Err(TxFail::Engine(e)) => Err(ConflictableTransactionError::Abort(Some(e))),
                }
            });
        match result {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(None)) => Err(TxOutcome::Aborted),
            Err(TransactionError::Abort(Some(e))) => Err(TxOutcome::Failed(StoreError::Engine(e))),
            Err(TransactionError::Storage(e)) => Err(TxOutcome::Failed(engine(e))),
        }
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(engine)
    }
}
