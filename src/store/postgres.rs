//! The shared backend: PostgreSQL, for two or more `serve` instances on one
//! database (`store.backend = "postgres"`, `DATABASE_URL`).
//!
//! **Layout.** Every logical tree lives in one table, `alliance_kv(tree
//! smallint, key bytea, value bytea, PRIMARY KEY (tree, key))`: a tree is a
//! range of the primary key and `bytea` compares byte by byte, so a scan is
//! the same ordered range scan as in sled, and everything above the
//! [`Backend`] trait (keys, indexes, versioned values, export, erase) is the
//! same code on both engines.
//!
//! **Transactions** are `SERIALIZABLE`. A closure's reads go to the server
//! (so PostgreSQL sees what it depended on); its writes are kept here, read
//! back through the same overlay sled uses, and sent at the end in one
//! upsert and one delete. When PostgreSQL reports a serialization failure
//! or a deadlock (SQLSTATE 40001, 40P01), the whole closure runs again, up
//! to [`ATTEMPTS`] times, after a short jittered pause; closures are already
//! written to be re-runnable (sled's contract says the same). Why not row
//! locks: a closure reads ranges (the due index, a person's tours, the send
//! queue) and decides from what is *absent* as much as from what is there
//! (an id counter, an idempotency key never enqueued); `SELECT … FOR UPDATE`
//! cannot lock an absent row, and serializable isolation covers exactly
//! that, with no change to the closures. Two instances that race for the
//! same due reminder or the same outbox entry both run; one commits, the
//! other is retried and finds the work done. Within one process, a run
//! after a conflict holds a gate alone (first runs share it), so 64
//! commands fighting over one workspace's tour counter take turns rather
//! than exhausting each other's attempts (tested with 64 racers; without
//! the gate some failed).
//!
//! **Durability.** A commit of a durable transaction is on disk when
//! PostgreSQL says so (`synchronous_commit` as the server has it). The
//! others (`durable = false`: a retry time, a cache) commit with
//! `SET LOCAL synchronous_commit = off`.
//!
//! **Migrations** of the table layout are numbered ([`MIGRATIONS`]),
//! recorded in `alliance_migrations`, and applied at open under a
//! *transaction-scoped* advisory lock, so instances starting together apply
//! each once. A database migrated by a newer build is refused. The data's
//! own schema version (the `Meta` tree) is checked by [`super::Store`] as
//! on sled.
//!
//! **Threads.** The trait is synchronous (sled is); the connections are
//! tokio-postgres clients driven by a small runtime of their own, and a
//! caller blocks on its round trip as it blocks on a sled flush. A pool
//! keeps up to `store.pool_size` connections; one that broke is replaced
//! when next taken. TLS is not built in: reach the server by its Unix
//! socket, on a private network, or through a TLS sidecar (README).

use super::{Backend, Entries, StoreError, TreeName, Tx, TxFail, TxOutcome};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, Statement};

/// How many times a transaction runs before a conflict is reported.
pub const ATTEMPTS: u32 = 30;
/// How long a caller waits for a free connection before giving up.
const CHECKOUT_WAIT: Duration = Duration::from_secs(10);

/// The table layout, in order. Append; never edit a shipped step.
pub const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "CREATE TABLE alliance_kv (
        tree smallint NOT NULL,
        key bytea NOT NULL,
        value bytea NOT NULL,
        PRIMARY KEY (tree, key)
    )",
)];

/// Any number, the same in every build: the key of the advisory lock that
/// lets one instance at a time migrate.
const MIGRATION_LOCK: i64 = 0x616c_6c69_616e_6365;

pub struct PostgresBackend {
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    config: tokio_postgres::Config,
    pool: Pool,
    /// Shared by first runs of this process's transactions, held alone by
    /// one re-running after a conflict (see `transact` below).
    retrying: RwLock<()>,
}

/// One connection with its prepared statements.
struct Conn {
    client: Client,
    get: Statement,
    scan: Statement,
    scan_from: Statement,
    upsert: Statement,
    delete: Statement,
}

struct Pool {
    size: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
}

struct PoolState {
    idle: Vec<Arc<Conn>>,
    /// Connections open, idle or taken.
    open: usize,
}

/// A taken connection; goes back to the pool when dropped.
struct Taken<'a> {
    pool: &'a Pool,
    conn: Option<Arc<Conn>>,
}

impl std::ops::Deref for Taken<'_> {
    type Target = Arc<Conn>;
    fn deref(&self) -> &Arc<Conn> {
        self.conn.as_ref().expect("taken until dropped")
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let mut state = self.pool.lock();
        if conn.client.is_closed() {
            state.open -= 1;
        } else {
            state.idle.push(conn);
        }
        self.pool.freed.notify_one();
    }
}

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        // The state is two counters and a stack: whole after any panic.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn engine(e: impl std::fmt::Display) -> StoreError {
    StoreError::Engine(format!("postgres: {e}"))
}

/// What went wrong, as the server or the connection said it (tokio-postgres
/// keeps the server's message in the error's source).
fn pg(e: tokio_postgres::Error) -> StoreError {
    engine(pg_text(&e))
}

fn pg_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

/// Whether running the transaction again may succeed.
fn is_conflict(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

impl PostgresBackend {
    /// Connects to `url` (a libpq-style `postgres://…` URL or `key=value`
    /// string), applies the table migrations, and keeps up to `pool_size`
    /// connections. The URL never appears in an error.
    pub fn open(url: &str, pool_size: usize) -> Result<PostgresBackend, StoreError> {
        let config = tokio_postgres::Config::from_str(url).map_err(|_| {
            StoreError::Engine(
                "DATABASE_URL is not a PostgreSQL connection string \
                 (like postgres://alliance@db.internal/alliance)"
                    .into(),
            )
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("alliance-postgres")
            .enable_all()
            .build()
            .map_err(engine)?;
        let backend = PostgresBackend {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            config,
            pool: Pool {
                size: pool_size.max(1),
                state: Mutex::new(PoolState {
                    idle: Vec::new(),
                    open: 0,
                }),
                freed: Condvar::new(),
            },
            retrying: RwLock::new(()),
        };
        backend.migrate()?;
        Ok(backend)
    }

    /// Runs `fut` on the connections' runtime and waits for it. Safe to
    /// call from inside another runtime's task: nothing of that runtime is
    /// used, the thread only blocks.
    fn block<T: Send + 'static>(&self, fut: impl Future<Output = T> + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv()
            .expect("the postgres runtime runs while the backend lives")
    }

    /// A new connection, its I/O driven on the runtime.
    async fn raw_connect(config: tokio_postgres::Config) -> Result<Client, StoreError> {
        let (client, connection) = config.connect(NoTls).await.map_err(|e| {
            engine(format!(
                "cannot connect to the database (DATABASE_URL): {}",
                pg_text(&e)
            ))
        })?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %pg_text(&e), "a database connection closed");
            }
        });
        Ok(client)
    }

    /// A new connection with the statements the trait needs (the table
    /// exists: [`PostgresBackend::migrate`] ran first).
    fn connect(&self) -> Result<Conn, StoreError> {
        let config = self.config.clone();
        self.block(async move {
            let client = PostgresBackend::raw_connect(config).await?;
            let prepare = |sql: &'static str| client.prepare(sql);
            let statements = async {
                Ok::<_, tokio_postgres::Error>((
                    prepare("SELECT value FROM alliance_kv WHERE tree = $1 AND key = $2").await?,
                    prepare(
                        "SELECT key, value FROM alliance_kv \
                         WHERE tree = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4",
                    )
                    .await?,
                    prepare(
                        "SELECT key, value FROM alliance_kv \
                         WHERE tree = $1 AND key >= $2 ORDER BY key LIMIT $3",
                    )
                    .await?,
                    prepare(
                        "INSERT INTO alliance_kv (tree, key, value) \
                         SELECT * FROM unnest($1::smallint[], $2::bytea[], $3::bytea[]) \
                         ON CONFLICT (tree, key) DO UPDATE SET value = excluded.value",
                    )
                    .await?,
                    prepare(
                        "DELETE FROM alliance_kv WHERE (tree, key) IN \
                         (SELECT * FROM unnest($1::smallint[], $2::bytea[]))",
                    )
                    .await?,
                ))
            };
            let (get, scan, scan_from, upsert, delete) = statements.await.map_err(pg)?;
            Ok(Conn {
                client,
                get,
                scan,
                scan_from,
                upsert,
                delete,
            })
        })
    }

    /// A connection: an idle one, a new one while fewer than the pool's
    /// size are open, else the next one given back.
    fn take(&self) -> Result<Taken<'_>, StoreError> {
        let mut state = self.pool.lock();
        loop {
            while let Some(conn) = state.idle.pop() {
                if conn.client.is_closed() {
                    state.open -= 1;
                    continue;
                }
                return Ok(Taken {
                    pool: &self.pool,
                    conn: Some(conn),
                });
            }
            if state.open < self.pool.size {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(conn) => Ok(Taken {
                        pool: &self.pool,
                        conn: Some(Arc::new(conn)),
                    }),
                    Err(e) => {
                        self.pool.lock().open -= 1;
                        self.pool.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let (next, waited) = self
                .pool
                .freed
                .wait_timeout(state, CHECKOUT_WAIT)
                .unwrap_or_else(|p| p.into_inner());
            state = next;
            if waited.timed_out() && state.idle.is_empty() && state.open >= self.pool.size {
                return Err(StoreError::Engine(
                    "postgres: no database connection came free (store.pool_size)".into(),
                ));
            }
        }
    }

    /// Applies the migrations this database lacks, one instance at a time;
    /// refuses a database a newer build migrated.
    fn migrate(&self) -> Result<(), StoreError> {
        let config = self.config.clone();
        let applied = self.block(async move {
            let client = PostgresBackend::raw_connect(config).await?;
            client
                .batch_execute(&format!(
                    "BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK}); \
                     CREATE TABLE IF NOT EXISTS alliance_migrations (\
                         version integer PRIMARY KEY, \
                         applied_at timestamptz NOT NULL DEFAULT now())"
                ))
                .await
                .map_err(pg)?;
            let row = client
                .query_one(
                    "SELECT coalesce(max(version), 0) FROM alliance_migrations",
                    &[],
                )
                .await
                .map_err(pg)?;
            let found: i32 = row.get(0);
            let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
            if found > known {
                client.batch_execute("ROLLBACK").await.map_err(pg)?;
                return Ok(Err((found, known)));
            }
            for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
                client.batch_execute(sql).await.map_err(pg)?;
                client
                    .execute(
                        "INSERT INTO alliance_migrations (version) VALUES ($1)",
                        &[version],
                    )
                    .await
                    .map_err(pg)?;
            }
            client.batch_execute("COMMIT").await.map_err(pg)?;
            Ok(Ok(()))
        });
        match applied? {
            Ok(()) => Ok(()),
            Err((found, known)) => Err(StoreError::Engine(format!(
                "the database was migrated by a newer Alliance (table layout {found}, this build \
                 knows {known}); upgrade Alliance"
            ))),
        }
    }

    /// Entries of `tree` from `start` (to `end`), at most `limit`. With
    /// `begin`, the transaction's `BEGIN` goes first in the same round trip
    /// (tokio-postgres pipelines requests sent together).
    fn read_range(
        &self,
        conn: &Arc<Conn>,
        begin: Option<&'static str>,
        tree: TreeName,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, tokio_postgres::Error> {
        let conn = Arc::clone(conn);
        let (tree, start, end) = (tree_id(tree), start.to_vec(), end.map(<[u8]>::to_vec));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.block(async move {
            let client = &conn.client;
            let query = async {
                match &end {
                    Some(end) => {
                        client
                            .query(&conn.scan, &[&tree, &start, end, &limit])
                            .await
                    }
                    None => {
                        client
                            .query(&conn.scan_from, &[&tree, &start, &limit])
                            .await
                    }
                }
            };
            let (begun, rows) = tokio::join!(begin_in(client, begin), query);
            begun?;
            Ok(rows?
                .into_iter()
                .map(|row| (row.get::<_, Vec<u8>>(0), row.get::<_, Vec<u8>>(1)))
                .collect())
        })
    }

    /// The value of `key` in `tree`; `begin` as in [`Self::read_range`].
    fn read(
        &self,
        conn: &Arc<Conn>,
        begin: Option<&'static str>,
        tree: TreeName,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, tokio_postgres::Error> {
        let conn = Arc::clone(conn);
        let (tree, key) = (tree_id(tree), key.to_vec());
        self.block(async move {
            let client = &conn.client;
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&tree, &key];
            let (begun, row) = tokio::join!(
                begin_in(client, begin),
                client.query_opt(&conn.get, &params)
            );
            begun?;
            Ok(row?.map(|r| r.get::<_, Vec<u8>>(0)))
        })
    }

    /// One run of a transaction. `Err` is the engine's error, which may be
    /// a conflict worth a rerun; `Ok(Err)` ends the transaction for good.
    /// Round trips: one per read (the first carries the `BEGIN`), and one
    /// for all the writes and the `COMMIT`.
    fn attempt(
        &self,
        durable: bool,
        f: &dyn Fn(&dyn Tx) -> Result<(), TxFail>,
    ) -> Result<Result<(), TxOutcome>, tokio_postgres::Error> {
        let conn = match self.take() {
            Ok(conn) => conn,
            Err(e) => return Ok(Err(TxOutcome::Failed(e))),
        };
        let begin = if durable {
            "BEGIN ISOLATION LEVEL SERIALIZABLE"
        } else {
            "BEGIN ISOLATION LEVEL SERIALIZABLE; SET LOCAL synchronous_commit = off"
        };
        let tx = PgTx {
            backend: self,
            conn: &conn,
            begin: Cell::new(Some(begin)),
            writes: RefCell::new(BTreeMap::new()),
            failed: Cell::new(None),
        };
        let outcome = f(&tx);
        let writes = tx.writes.into_inner();
        // Still `Some` when the closure read nothing: the BEGIN goes with
        // the writes.
        let unbegun = tx.begin.take();
        let rollback = |conn: &Arc<Conn>| {
            if unbegun.is_none() {
                let _ = self.simple(conn, "ROLLBACK");
            }
        };
        if let Some(e) = tx.failed.take() {
            rollback(&conn);
            return Err(e);
        }
        match outcome {
            Ok(()) => {}
            Err(TxFail::Abort) => {
                rollback(&conn);
                return Ok(Err(TxOutcome::Aborted));
            }
            Err(TxFail::Engine(e)) => {
                rollback(&conn);
                return Ok(Err(TxOutcome::Failed(StoreError::Engine(e))));
            }
        }
        if unbegun.is_some() && writes.is_empty() {
            return Ok(Ok(()));
        }
        let conn2 = Arc::clone(&conn);
        let committed = self.block(async move {
            let (mut up, mut gone) = ((vec![], vec![], vec![]), (vec![], vec![]));
            for ((tree, key), value) in writes {
                match value {
                    Some(value) => {
                        up.0.push(tree);
                        up.1.push(key);
                        up.2.push(value);
                    }
                    None => {
                        gone.0.push(tree);
                        gone.1.push(key);
                    }
                }
            }
            let client = &conn2.client;
            let upsert = async {
                if up.0.is_empty() {
                    return Ok(0);
                }
                client.execute(&conn2.upsert, &[&up.0, &up.1, &up.2]).await
            };
            let delete = async {
                if gone.0.is_empty() {
                    return Ok(0);
                }
                client.execute(&conn2.delete, &[&gone.0, &gone.1]).await
            };
            // Sent together, in this order. If a write fails, the
            // transaction is aborted and PostgreSQL answers the COMMIT with
            // a rollback: nothing of it stays, and the write's error is the
            // one reported.
            let (begun, upserted, deleted, commit) = tokio::join!(
                begin_in(client, unbegun),
                upsert,
                delete,
                client.batch_execute("COMMIT")
            );
            begun?;
            upserted?;
            deleted?;
            commit
        });
        if let Err(e) = committed {
            let _ = self.simple(&conn, "ROLLBACK");
            return Err(e);
        }
        Ok(Ok(()))
    }

    fn simple(&self, conn: &Arc<Conn>, sql: &'static str) -> Result<(), tokio_postgres::Error> {
        let conn = Arc::clone(conn);
        self.block(async move { conn.client.batch_execute(sql).await })
    }
}

/// Sends `begin` (a transaction's first statements), if given.
async fn begin_in(
    client: &Client,
    begin: Option<&'static str>,
) -> Result<(), tokio_postgres::Error> {
    match begin {
        Some(sql) => client.batch_execute(sql).await,
        None => Ok(()),
    }
}

impl Drop for PostgresBackend {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which a caller inside another runtime
        // may not do; its connections close as their tasks stop.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn tree_id(tree: TreeName) -> i16 {
    tree.index() as i16
}

/// The first key after every key that starts with `prefix` (`None`: there
/// is none, the scan runs to the end of the tree).
fn after_prefix(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// A transaction's writes by (tree, key); `None` removes the key.
type Pending = BTreeMap<(i16, Vec<u8>), Option<Vec<u8>>>;

/// A transaction's view: its writes kept here over the server's rows.
struct PgTx<'a> {
    backend: &'a PostgresBackend,
    conn: &'a Arc<Conn>,
    /// The `BEGIN` not sent yet: it goes with the first read.
    begin: Cell<Option<&'static str>>,
    writes: RefCell<Pending>,
    /// The first engine error, kept whole so the caller can tell a conflict.
    failed: Cell<Option<tokio_postgres::Error>>,
}

impl PgTx<'_> {
    fn fail(&self, e: tokio_postgres::Error) -> TxFail {
        let text = pg_text(&e);
        let first = self.failed.take();
        self.failed.set(Some(first.unwrap_or(e)));
        TxFail::Engine(format!("postgres: {text}"))
    }
}

impl Tx for PgTx<'_> {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, TxFail> {
        if let Some(pending) = self.writes.borrow().get(&(tree_id(tree), key.to_vec())) {
            return Ok(pending.clone());
        }
        self.backend
            .read(self.conn, self.begin.take(), tree, key)
            .map_err(|e| self.fail(e))
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
        let writes = self.writes.borrow();
        let id = tree_id(tree);
        let pending: Vec<(&Vec<u8>, &Option<Vec<u8>>)> = writes
            .range((id, start.to_vec())..(id, end.to_vec()))
            .map(|((_, k), v)| (k, v))
            .collect();
        // Enough committed rows to fill `limit` after the pending writes
        // hide some of them.
        let want = limit.saturating_add(pending.len());
        let committed = self
            .backend
            .read_range(self.conn, self.begin.take(), tree, start, Some(end), want)
            .map_err(|e| self.fail(e))?;
        super::overlay_scan(committed.into_iter().map(Ok), pending.into_iter(), limit)
    }

    fn insert(&self, tree: TreeName, key: &[u8], value: &[u8]) -> Result<(), TxFail> {
        self.writes
            .borrow_mut()
            .insert((tree_id(tree), key.to_vec()), Some(value.to_vec()));
        Ok(())
    }

    fn remove(&self, tree: TreeName, key: &[u8]) -> Result<(), TxFail> {
        self.writes
            .borrow_mut()
            .insert((tree_id(tree), key.to_vec()), None);
        Ok(())
    }
}

impl Backend for PostgresBackend {
    fn get(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.take()?;
        self.read(&conn, None, tree, key).map_err(pg)
    }

    fn scan_prefix(
        &self,
        tree: TreeName,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        let conn = self.take()?;
        let end = after_prefix(prefix);
        self.read_range(&conn, None, tree, prefix, end.as_deref(), limit)
            .map_err(pg)
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
        let conn = self.take()?;
        self.read_range(&conn, None, tree, start, Some(end), limit)
            .map_err(pg)
    }

    fn transact(
        &self,
        durable: bool,
        f: &dyn Fn(&dyn Tx) -> Result<(), TxFail>,
    ) -> Result<(), TxOutcome> {
        let mut last = None;
        // The first run is optimistic, beside every other first run of this
        // process (a shared hold on the retry gate). One that conflicted
        // runs again holding the gate alone: no new first run starts in
        // this process meanwhile, so transactions that fight over one key
        // (a workspace's tour counter, when 64 people propose at once)
        // take turns instead of failing each other again and again, while
        // those that do not conflict still commit side by side and share
        // PostgreSQL's flushes. Only other instances can make a run holding
        // the gate fail.
        let mut alone = None;
        let mut shared = Some(self.retrying.read().unwrap_or_else(|p| p.into_inner()));
        for attempt in 0..ATTEMPTS {
            match self.attempt(durable, f) {
                Ok(outcome) => return outcome,
                Err(e) if is_conflict(&e) => {
                    last = Some(e);
                    if alone.is_none() {
                        drop(shared.take());
                        alone = Some(self.retrying.write().unwrap_or_else(|p| p.into_inner()));
                        continue;
                    }
                    // Another instance won the race: run again on what it
                    // committed, after a pause that grows and differs
                    // between the racers.
                    let spread = std::hash::BuildHasher::hash_one(
                        &std::collections::hash_map::RandomState::new(),
                        attempt,
                    ) % 1000;
                    std::thread::sleep(Duration::from_micros(
                        (200 << attempt.min(6)) + spread * u64::from(attempt.min(6) + 1),
                    ));
                }
                Err(e) => return Err(TxOutcome::Failed(pg(e))),
            }
        }
        Err(TxOutcome::Failed(StoreError::Engine(format!(
            "postgres: a transaction conflicted {ATTEMPTS} times in a row: {}",
            last.map(|e| pg_text(&e)).unwrap_or_default()
        ))))
    }

    fn flush(&self) -> Result<(), StoreError> {
        // Every durable commit is already on disk when it returns.
        Ok(())
    }

    fn size_on_disk(&self) -> u64 {
        let Ok(conn) = self.take() else { return 0 };
        let conn = Arc::clone(&conn);
        self.block(async move {
            conn.client
                .query_one("SELECT pg_total_relation_size('alliance_kv')", &[])
                .await
                .map(|r| r.get::<_, i64>(0))
        })
        .map_or(0, |n| u64::try_from(n).unwrap_or(0))
    }

    fn shared(&self) -> bool {
        true
    }
}

/// For tests and benchmarks: a new, empty database on the server
/// `server_url` points at (`ALLIANCE_TEST_DATABASE_URL`), and the URL that
/// opens it. `name` must be unique on that server.
pub fn create_database(server_url: &str, name: &str) -> Result<String, StoreError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(engine)?;
    let name = name.to_string();
    let url = server_url.to_string();
    // On a thread of its own: the caller may be inside a runtime.
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let (client, connection) = tokio_postgres::connect(&url, NoTls).await.map_err(pg)?;
            tokio::spawn(connection);
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .await
                .map_err(pg)?;
            client
                .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .await
                .map_err(pg)?;
            Ok(with_dbname(&url, &name))
        })
    })
    .join()
    .map_err(|_| StoreError::Engine("creating a test database panicked".into()))?
}

/// `url` pointing at database `name` instead (the path of a URL, or a
/// `dbname=` of a key=value string).
pub fn with_dbname(url: &str, name: &str) -> String {
    if let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    {
        let (before_query, query) = match rest.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (rest, None),
        };
        let authority = before_query.split('/').next().unwrap_or("");
        let mut out = format!("postgres://{authority}/{name}");
        if let Some(query) = query {
            out.push('?');
            out.push_str(query);
        }
        out
    } else {
        format!("{url} dbname={name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_ends_after_its_last_key() {
        assert_eq!(after_prefix(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(after_prefix(&[1, 0xff]), Some(vec![2]));
        assert_eq!(after_prefix(&[0xff, 0xff]), None);
        assert_eq!(after_prefix(b""), None);
    }

    #[test]
    fn a_url_names_another_database() {
        assert_eq!(
            with_dbname("postgres://postgres@/postgres?host=/tmp/x", "t_1"),
            "postgres://postgres@/t_1?host=/tmp/x"
        );
        assert_eq!(
            with_dbname("postgresql://u:p@db:5432", "t_2"),
            "postgres://u:p@db:5432/t_2"
        );
        assert_eq!(
            with_dbname("host=/tmp user=postgres", "t_3"),
            "host=/tmp user=postgres dbname=t_3"
        );
    }

    #[test]
    fn a_database_a_newer_build_migrated_is_refused() {
        let store = crate::store::contract::postgres_store("newer_layout");
        drop(store);
        let server = std::env::var("ALLIANCE_TEST_DATABASE_URL").unwrap();
        let url = with_dbname(
            &server,
            &format!("unit_newer_layout_{}", std::process::id()),
        );
        let backend = PostgresBackend::open(&url, 1).unwrap();
        let conn = Arc::clone(&backend.take().unwrap());
        backend
            .block(async move {
                conn.client
                    .batch_execute("INSERT INTO alliance_migrations (version) VALUES (999)")
                    .await
            })
            .unwrap();
        drop(backend);
        let err = PostgresBackend::open(&url, 1).err().unwrap().to_string();
        assert!(
            err.contains("newer Alliance") && err.contains("999"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_url_is_refused_without_being_echoed() {
        let err = PostgresBackend::open("mysql://root:hunter2@db", 1)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("DATABASE_URL"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
