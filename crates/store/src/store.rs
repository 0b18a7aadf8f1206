//! `Store`: the one persistence interface the rest of Rapport uses, whatever the engine.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::db::{Db, Engine};
use crate::error::StoreError;
use crate::migrate::{self, MigrationReport};
use crate::postgres::{PgEngine, PgOptions};
use crate::sqlite::{Finish, SqliteEngine, SqliteOptions, WriterJob};
use crate::stats::{PoolWaits, StatsSnapshot, StoreStats, WriterStats};

/// Where the data lives, parsed from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// `sqlite://FILE` (relative), `sqlite:///ABS/FILE`, `sqlite:FILE`, or a
    /// `postgres://` / `postgresql://` URL.
    pub fn parse(url: &str) -> Result<Location, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_string()));
        }
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or("");
            if path.is_empty() {
                return Err(StoreError::Unavailable(format!(
                    "database URL {url:?} names no file; use sqlite://rapport.db"
                )));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        Err(StoreError::Unavailable(format!(
            "unsupported database URL {:?}: use sqlite://FILE or postgres://USER@HOST/DB",
            crate::postgres::redact(url)
        )))
    }
}

#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Create the SQLite file when missing (true for `serve` and `migrate`).
    pub create: bool,
    pub sqlite: SqliteOptions,
    pub postgres: PgOptions,
}

enum Inner {
    Sqlite(SqliteEngine),
    Postgres(PgEngine),
}

/// A handle to the database. Cheap to clone; all clones share the engine.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
    /// Snapshots opened by [`Store::read`] since the store was opened: how tests prove a page
    /// is one read (one relaxed increment per read costs nothing beside a query).
    reads: Arc<AtomicU64>,
    cost: Arc<CostMeter>,
    stats: Arc<StoreStats>,
}

/// The work the database did for [`Store::read`] and [`Store::write`], counted in units that
/// do not depend on the machine's load, so a test can say an operation costs no more over a
/// large history than over a small one. SQLite: virtual-machine steps of every statement.
/// PostgreSQL: tuples returned or fetched by scans of the schema's tables and indexes
/// ([`Db::tuples_read`]), which costs two more queries per transaction and so is counted only
/// once [`Store::meter_cost`] turned it on.
#[derive(Default)]
struct CostMeter {
    on: AtomicBool,
    total: AtomicU64,
}

impl CostMeter {
    fn on(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    fn add(&self, n: u64) {
        if self.on() {
            self.total.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The PostgreSQL count so far in this transaction, when counting.
    fn start(&self, db: &mut Db<'_>) -> Result<u64, StoreError> {
        if self.on() { db.tuples_read() } else { Ok(0) }
    }

    /// Add the work of one transaction: SQLite's steps, or PostgreSQL's tuples since `start`.
    fn finish(&self, db: &mut Db<'_>, start: u64) {
        if !self.on() {
            return;
        }
        let n = match db.engine() {
            Engine::Sqlite => db.steps(),
            // A failed count (the transaction aborted) adds nothing; the caller's error stands.
            Engine::Postgres => db.tuples_read().map_or(0, |end| end.saturating_sub(start)),
        };
        self.add(n);
    }
}

impl Store {
    /// Open the database at `url`. Does not migrate: call [`Store::migrate`] or
    /// [`Store::check_schema`].
    pub async fn open(url: &str, opts: StoreOptions) -> Result<Store, StoreError> {
        let location = Location::parse(url)?;
        let url = url.to_string();
        let stats = Arc::new(StoreStats::default());
        let engine_stats = Arc::clone(&stats);
        let inner = tokio::task::spawn_blocking(move || match location {
            Location::Sqlite(path) => {
                SqliteEngine::open(&path, opts.create, opts.sqlite, engine_stats).map(Inner::Sqlite)
            }
            Location::Postgres(_) => {
                PgEngine::open(&url, opts.postgres, engine_stats).map(Inner::Postgres)
            }
        })
        .await
        .map_err(|e| StoreError::backend("open failed", None, e))??;
        Ok(Store {
            inner: Arc::new(inner),
            reads: Arc::new(AtomicU64::new(0)),
            cost: Arc::new(CostMeter::default()),
            stats,
        })
    }

    /// Waits for connections and, on SQLite, the writer's queue and commit times, for
    /// `/metrics`. Reads counters only: no query, so it answers while the database does not.
    pub fn stats(&self) -> StatsSnapshot {
        let s = &self.stats;
        match &*self.inner {
            Inner::Sqlite(_) => StatsSnapshot {
                pools: vec![
                    PoolWaits {
                        pool: "sqlite_readers",
                        wait: s.pool_wait.snapshot(),
                    },
                    PoolWaits {
                        pool: "sqlite_writer",
                        wait: s.writer_wait.snapshot(),
                    },
                ],
                writer: Some(WriterStats {
                    queue_depth: s.writer_queue.load(Ordering::Relaxed).max(0),
                    commit: s.commit.snapshot(),
                }),
            },
            Inner::Postgres(_) => StatsSnapshot {
                pools: vec![PoolWaits {
                    pool: "postgres",
                    wait: s.pool_wait.snapshot(),
                }],
                writer: None,
            },
        }
    }

    pub fn engine(&self) -> Engine {
        match &*self.inner {
            Inner::Sqlite(_) => Engine::Sqlite,
            Inner::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQLite file, when that is the engine.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &*self.inner {
            Inner::Sqlite(e) => Some(e.path.clone()),
            Inner::Postgres(_) => None,
        }
    }

    /// Apply pending migrations.
    pub async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let now = jiff::Timestamp::now().as_millisecond();
        self.raw(move |db| migrate::apply(db, now)).await
    }

    /// Fail unless the schema is exactly what this binary expects.
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        let pending = self
            .raw(|db| migrate::check(db).map(|p| p.iter().map(|m| m.name).collect::<Vec<_>>()))
            .await?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Schema(format!(
                "the database needs migrating ({} pending: {}); run `rapport migrate`",
                pending.len(),
                pending.join(", ")
            )))
        }
    }

    /// Run `f` on a connection outside any transaction (it manages its own).
    pub async fn raw<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        match &*self.inner {
            Inner::Sqlite(e) => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                e.submit(WriterJob::Raw(Box::new(move |conn| {
                    let _ = tx.send(f(&mut Db::sqlite(conn)));
                })))?;
                rx.await.map_err(|_| dropped())?
            }
            Inner::Postgres(e) => e.pool.run(move |c| f(&mut Db::postgres(c))).await?,
        }
    }

    /// How many snapshots [`Store::read`] has opened, on this store and its clones.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// Count the work of reads and writes from now on (see [`Store::cost`]), or stop.
    pub fn meter_cost(&self, on: bool) {
        self.cost.on.store(on, Ordering::Relaxed);
    }

    /// The work counted while [`Store::meter_cost`] was on, on this store and its clones:
    /// SQLite virtual-machine steps, or PostgreSQL tuples read. Not a time: the same calls over
    /// the same data give the same count on a busy machine and an idle one.
    pub fn cost(&self) -> u64 {
        self.cost.total.load(Ordering::Relaxed)
    }

    /// Read in a consistent snapshot. Never waits for writers.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Db<'_>) -> Result<T, E> + Send + 'static,
    {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let cost = Arc::clone(&self.cost);
        match &*self.inner {
            Inner::Sqlite(e) => e
                .readers
                .run(move |conn| {
                    conn.execute_batch("BEGIN").map_err(StoreError::from)?;
                    let mut db = Db::sqlite(conn);
                    let out = f(&mut db);
                    cost.finish(&mut db, 0);
                    let _ = conn.execute_batch("COMMIT");
                    out
                })
                .await
                .map_err(E::from)?,
            Inner::Postgres(e) => e
                .pool
                .run(move |c| {
                    c.client
                        .batch_execute(
                            "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                        )
                        .map_err(StoreError::from)?;
                    let mut db = Db::postgres(c);
                    let start = cost.start(&mut db)?;
                    let out = f(&mut db);
                    cost.finish(&mut db, start);
                    let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
                    let _ = c.client.batch_execute(end);
                    out
                })
                .await
                .map_err(E::from)?,
        }
    }

    /// Write in one transaction: all of `f`'s changes commit together, or none do. Returns
    /// only after the commit.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Db<'_>) -> Result<T, E> + Send + 'static,
    {
        let cost = Arc::clone(&self.cost);
        match &*self.inner {
            Inner::Sqlite(e) => {
                let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, E>>();
                // The single writer is SQLite's one write connection: the time a write waits
                // for it is reported with the pools' waits.
                let (queued, stats) = (std::time::Instant::now(), Arc::clone(&self.stats));
                let job = Box::new(move |db: &mut Db<'_>| -> (bool, Finish) {
                    stats.writer_wait.observe(queued.elapsed());
                    let result = f(db);
                    cost.finish(db, 0);
                    let ok = result.is_ok();
                    let finish: Finish = Box::new(move |commit: Result<(), StoreError>| {
                        let out = match (result, commit) {
                            (Ok(v), Ok(())) => Ok(v),
                            (Ok(_), Err(e)) => Err(E::from(e)),
                            (Err(e), _) => Err(e),
                        };
                        let _ = tx.send(out);
                    });
                    (ok, finish)
                });
                e.submit(WriterJob::Tx(job)).map_err(E::from)?;
                rx.await.map_err(|_| E::from(dropped()))?
            }
            Inner::Postgres(e) => e
                .pool
                .run(move |c| {
                    c.client.batch_execute("BEGIN").map_err(StoreError::from)?;
                    let mut db = Db::postgres(c);
                    let start = cost.start(&mut db).map_err(E::from)?;
                    let out = f(&mut db);
                    cost.finish(&mut db, start);
                    match out {
                        Ok(v) => match c.client.batch_execute("COMMIT") {
                            Ok(()) => Ok(v),
                            Err(err) => Err(E::from(StoreError::from(err))),
                        },
                        Err(err) => {
                            let _ = c.client.batch_execute("ROLLBACK");
                            Err(err)
                        }
                    }
                })
                .await
                .map_err(E::from)?,
        }
    }
}

fn dropped() -> StoreError {
    StoreError::Unavailable(
        "the write could not be run (database busy or the writer failed); nothing was saved".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            Location::parse("sqlite://rapport.db").unwrap(),
            Location::Sqlite("rapport.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:///var/lib/r.db").unwrap(),
            Location::Sqlite("/var/lib/r.db".into())
        );
        assert!(matches!(
            Location::parse("postgresql://u@h/db").unwrap(),
            Location::Postgres(_)
        ));
        let e = Location::parse("mysql://u:pw@h/db")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unsupported") && !e.contains("pw"), "{e}");
        assert!(Location::parse("sqlite://").is_err());
    }
}
