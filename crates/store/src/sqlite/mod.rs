//! The SQLite engine: one writer thread that group-commits, and a pool of readers.
//!
//! SQLite allows one writer at a time. Instead of letting concurrent writers queue on the file
//! lock, every write is sent to a single thread which takes whatever writes are waiting, runs
//! each in its own savepoint inside one transaction, commits once, and only then answers each
//! caller. A failed write rolls back its savepoint without touching the others. Readers use WAL
//! snapshots on their own connections and never wait for the writer.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

pub mod backup;

use crate::db::Db;
use crate::error::StoreError;
use crate::pool::Pool;
use crate::stats::StoreStats;

/// Writes taken into one transaction at most. Bounds the latency a write can add to others.
const MAX_BATCH: usize = 256;

/// What the writer does with one queued write once the batch is committed (or not).
pub(crate) type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A write to run in a savepoint of the batch transaction. Returns whether it succeeded and how
/// to deliver its result after the commit.
pub(crate) type TxJob = Box<dyn FnOnce(&mut Db<'_>) -> (bool, Finish) + Send>;

pub(crate) enum WriterJob {
    Tx(TxJob),
    /// Work that manages its own transactions (migrations, maintenance). Runs alone.
    Raw(Box<dyn FnOnce(&Connection) + Send>),
}

#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub readers: usize,
    /// Page cache per connection, in KiB.
    pub cache_kib: i64,
    pub busy_timeout: Duration,
    /// `NORMAL` (WAL default: durable across process crashes, may lose the last commits on
    /// power loss) or `FULL` (fsync on every commit).
    pub synchronous_full: bool,
}

impl SqliteOptions {
    /// Each connection's share of a page cache budget of `total_mib` for the process: the writer
    /// and every reader get an equal part, at least 1 MiB.
    pub fn cache_per_connection_kib(&self, total_mib: u32) -> i64 {
        let connections = self.readers as i64 + 1;
        (i64::from(total_mib) * 1024 / connections).max(1024)
    }
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            readers: 4,
            cache_kib: 16 * 1024,
            busy_timeout: Duration::from_secs(5),
            synchronous_full: false,
        }
    }
}

pub(crate) struct SqliteEngine {
    pub(crate) path: PathBuf,
    writer: mpsc::SyncSender<WriterJob>,
    pub(crate) readers: Arc<Pool<Connection>>,
    stats: Arc<StoreStats>,
}

fn configure(conn: &Connection, opts: &SqliteOptions, reader: bool) -> Result<(), StoreError> {
    conn.busy_timeout(opts.busy_timeout)?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = {};
         PRAGMA cache_size = -{};
         PRAGMA temp_store = MEMORY;",
        if opts.synchronous_full {
            "FULL"
        } else {
            "NORMAL"
        },
        opts.cache_kib
    ))?;
    if reader {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    conn.set_prepared_statement_cache_capacity(256);
    Ok(())
}

fn open_connection(path: &Path, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    Connection::open_with_flags(path, flags).map_err(|e| {
        StoreError::Unavailable(format!(
            "cannot open SQLite database {}: {e}",
            path.display()
        ))
    })
}

impl SqliteEngine {
    pub(crate) fn open(
        path: &Path,
        create: bool,
        opts: SqliteOptions,
        stats: Arc<StoreStats>,
    ) -> Result<Self, StoreError> {
        if !create && !path.exists() {
            return Err(StoreError::Unavailable(format!(
                "SQLite database {} does not exist",
                path.display()
            )));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            return Err(StoreError::Unavailable(format!(
                "directory {} does not exist",
                dir.display()
            )));
        }
        let conn = open_connection(path, create)?;
        // Fails on a file that is not a database: say so before anything else.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "{} is not a usable SQLite database: {e}",
                    path.display()
                ))
            })?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!(
                "{} could not be switched to WAL mode (got {mode})",
                path.display()
            )));
        }
        configure(&conn, &opts, false)?;

        let (tx, rx) = mpsc::sync_channel::<WriterJob>(4096);
        let writer_stats = Arc::clone(&stats);
        std::thread::Builder::new()
            .name("rapport-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx, &writer_stats))
            .map_err(|e| StoreError::backend("cannot start the writer thread", None, e))?;

        let reader_path = path.to_path_buf();
        let reader_opts = opts.clone();
        let readers = Pool::new(
            opts.readers,
            Duration::from_secs(30),
            Box::new(move || {
                let c = open_connection(&reader_path, false)?;
                configure(&c, &reader_opts, true)?;
                Ok(c)
            }),
            |_| true,
            Arc::clone(&stats),
        );
        Ok(SqliteEngine {
            path: path.to_path_buf(),
            writer: tx,
            readers,
            stats,
        })
    }

    pub(crate) fn submit(&self, job: WriterJob) -> Result<(), StoreError> {
        // Counted before the send, so the writer never takes a job it has not seen counted
        // (the depth would dip below zero).
        self.stats.writer_queue.fetch_add(1, Ordering::Relaxed);
        self.writer.send(job).map_err(|_| {
            self.stats.writer_queue.fetch_sub(1, Ordering::Relaxed);
            StoreError::Unavailable("the SQLite writer has stopped".into())
        })
    }
}

fn writer_loop(conn: Connection, rx: mpsc::Receiver<WriterJob>, stats: &StoreStats) {
    let taken = || stats.writer_queue.fetch_sub(1, Ordering::Relaxed);
    let mut pending_raw: Option<WriterJob> = None;
    loop {
        let first = match pending_raw.take() {
            Some(job) => job,
            None => match rx.recv() {
                Ok(job) => {
                    taken();
                    job
                }
                Err(_) => return, // every Store handle is gone
            },
        };
        let first = match first {
            WriterJob::Raw(f) => {
                if catch_unwind(AssertUnwindSafe(|| f(&conn))).is_err() {
                    tracing::error!("a maintenance job panicked in the SQLite writer");
                    let _ = conn.execute_batch("ROLLBACK");
                }
                continue;
            }
            tx => tx,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(WriterJob::Raw(f)) => {
                    taken();
                    pending_raw = Some(WriterJob::Raw(f));
                    break;
                }
                Ok(job) => {
                    taken();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        run_batch(&conn, batch, stats);
    }
}

/// Run one batch in one transaction, and record how long it took from BEGIN to the end of
/// its COMMIT (what every write queued behind it waits for).
fn run_batch(conn: &Connection, batch: Vec<WriterJob>, stats: &StoreStats) {
    let began = Instant::now();
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let err = StoreError::from(e);
        for job in batch {
            if let WriterJob::Tx(f) = job {
                // Never ran: report the failure without running the closure.
                drop(f);
            }
        }
        tracing::error!(error = %err, "could not begin a write transaction");
        return;
    }
    let mut finishes: Vec<Finish> = Vec::with_capacity(batch.len());
    for job in batch {
        let WriterJob::Tx(f) = job else { continue };
        if conn.execute_batch("SAVEPOINT w").is_err() {
            drop(f);
            continue;
        }
        let mut db = Db::sqlite(conn);
        match catch_unwind(AssertUnwindSafe(|| f(&mut db))) {
            Ok((true, finish)) => {
                let _ = conn.execute_batch("RELEASE w");
                finishes.push(finish);
            }
            Ok((false, finish)) => {
                let _ = conn.execute_batch("ROLLBACK TO w; RELEASE w");
                finishes.push(finish);
            }
            Err(_) => {
                tracing::error!("a write panicked; its changes were rolled back");
                let _ = conn.execute_batch("ROLLBACK TO w; RELEASE w");
            }
        }
    }
    let commit = conn.execute_batch("COMMIT").map_err(StoreError::from);
    if commit.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    stats.commit.observe(began.elapsed());
    for finish in finishes {
        finish(commit.clone());
    }
}
