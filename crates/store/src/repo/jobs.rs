//! The job queue. Claims lease jobs to one worker; on PostgreSQL concurrent claimers skip each
//! other's rows (FOR UPDATE SKIP LOCKED), on SQLite the single writer serialises claims.

use jiff::Timestamp;
use rapport_core::ids::OrgId;
use rapport_core::jobs::{Job, JobStatus};

use crate::db::{Db, Engine};
use crate::error::StoreError;
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Json, Param, Row};

/// PostgreSQL's SQLSTATE for a deadlock: two enqueues of one dedupe key waiting on each other.
const DEADLOCK_DETECTED: &str = "40P01";

const COLUMNS: &str = "id, org_id, kind, payload, status, run_at, attempts, max_attempts, locked_by, locked_until, \
    last_error, dedupe_key, created_at, updated_at, finished_at";

fn from_row(r: &Row) -> Result<Job, StoreError> {
    Ok(Job {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        kind: r.get("kind")?,
        payload: r.json("payload")?,
        status: r.word("status")?,
        run_at: r.get("run_at")?,
        attempts: r.get("attempts")?,
        max_attempts: r.get("max_attempts")?,
        locked_by: r.get("locked_by")?,
        locked_until: r.get("locked_until")?,
        last_error: r.get("last_error")?,
        dedupe_key: r.get("dedupe_key")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        finished_at: r.get("finished_at")?,
    })
}

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: &'a serde_json::Value,
    pub run_at: Timestamp,
    pub max_attempts: i64,
    /// At most one queued or running job per key and org.
    pub dedupe_key: Option<&'a str>,
}

/// Queue a job; `None` when a live job with the same dedupe key exists.
///
/// On PostgreSQL two transactions that queue the same dedupe keys in different orders wait on
/// each other's uncommitted rows, and the server breaks the deadlock by failing one of them.
/// The key it was waiting for is being queued by the other transaction, which is what
/// deduplication asks for: so the insert runs under a savepoint, and a deadlock on it reads as
/// "already queued" instead of failing the whole write.
pub fn enqueue(
    db: &mut Db<'_>,
    org: OrgId,
    j: &NewJob<'_>,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    if db.engine() == crate::Engine::Postgres && j.dedupe_key.is_some() {
        db.batch("SAVEPOINT rapport_enqueue")?;
        return match insert_job(db, org, j, now) {
            Ok(id) => {
                db.batch("RELEASE SAVEPOINT rapport_enqueue")?;
                Ok(id)
            }
            Err(e) if e.code() == Some(DEADLOCK_DETECTED) => {
                db.batch(
                    "ROLLBACK TO SAVEPOINT rapport_enqueue; RELEASE SAVEPOINT rapport_enqueue",
                )?;
                tracing::debug!(kind = j.kind, "deduplicated against a concurrent enqueue");
                Ok(None)
            }
            Err(e) => {
                db.batch(
                    "ROLLBACK TO SAVEPOINT rapport_enqueue; RELEASE SAVEPOINT rapport_enqueue",
                )?;
                Err(e)
            }
        };
    }
    insert_job(db, org, j, now)
}

fn insert_job(
    db: &mut Db<'_>,
    org: OrgId,
    j: &NewJob<'_>,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    let row = db.query_opt(
        "INSERT INTO jobs (org_id, kind, payload, status, run_at, attempts, max_attempts, dedupe_key, created_at, updated_at)
         VALUES ($1, $2, $3, 'queued', $4, 0, $5, $6, $7, $7)
         ON CONFLICT DO NOTHING RETURNING id",
        params![org, j.kind, Json(j.payload), j.run_at, j.max_attempts, j.dedupe_key, now],
    )?;
    row.map(|r| r.get("id")).transpose()
}

/// Lease up to `limit` due jobs (queued and due, or running with an expired lease) to `worker`
/// until `lease_until`. Each claim counts as an attempt.
pub fn claim(
    db: &mut Db<'_>,
    worker: &str,
    now: Timestamp,
    lease_until: Timestamp,
    limit: usize,
) -> Result<Vec<Job>, StoreError> {
    let lock = match db.engine() {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3
         WHERE (org_id, id) IN (
             SELECT org_id, id FROM jobs
             WHERE status IN ('queued', 'running') AND run_at <= $3
               AND (status = 'queued' OR locked_until < $3)
             ORDER BY run_at, id LIMIT $4{lock}
         )
         RETURNING {COLUMNS}"
    );
    db.query_map(&sql, params![worker, lease_until, now, limit], from_row)
}

/// Lease the next due job to `worker`, skipping organisations of which this worker already runs
/// `per_org` jobs: one organisation flooding the queue then holds at most that many of a
/// worker's slots, and the others' jobs still start. `None` when nothing is due.
pub fn claim_next(
    db: &mut Db<'_>,
    worker: &str,
    now: Timestamp,
    lease_until: Timestamp,
    per_org: usize,
) -> Result<Option<Job>, StoreError> {
    let lock = match db.engine() {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let per_org = i64::try_from(per_org.max(1)).unwrap_or(i64::MAX);
    let sql = format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3
         WHERE (org_id, id) IN (
             SELECT org_id, id FROM jobs
             WHERE status IN ('queued', 'running') AND run_at <= $3
               AND (status = 'queued' OR locked_until < $3)
               AND org_id NOT IN (
                   SELECT org_id FROM jobs
                   WHERE status = 'running' AND locked_by = $1 AND locked_until >= $3
                   GROUP BY org_id HAVING COUNT(*) >= $4
               )
             ORDER BY run_at, id LIMIT 1{lock}
         )
         RETURNING {COLUMNS}"
    );
    Ok(db
        .query_map(&sql, params![worker, lease_until, now, per_org], from_row)?
        .pop())
}

/// Mark done, if `worker` still holds the lease. Returns whether it did.
pub fn complete(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    worker: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = db.execute(
        "UPDATE jobs SET status = 'done', finished_at = $4, locked_by = NULL, locked_until = NULL, updated_at = $4
         WHERE org_id = $1 AND id = $2 AND status = 'running' AND locked_by = $3",
        params![org, id, worker, now],
    )?;
    Ok(n == 1)
}

/// Put a running job back in the queue until `run_at` without spending an attempt (a health
/// recompute asked for sooner than its interval allows), if `worker` still holds the lease.
/// When a rerun with the same dedupe key is queued already, this one is done instead: the
/// queued one covers it. Returns whether the lease was held.
pub fn postpone(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    worker: &str,
    run_at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = db.execute(
        "UPDATE jobs SET status = 'queued', run_at = $4, attempts = attempts - 1, locked_by = NULL,
             locked_until = NULL, updated_at = $5
         WHERE org_id = $1 AND id = $2 AND status = 'running' AND locked_by = $3
           AND NOT EXISTS (SELECT 1 FROM jobs q WHERE q.org_id = jobs.org_id
                             AND q.dedupe_key = jobs.dedupe_key AND q.status = 'queued')",
        params![org, id, worker, run_at, now],
    )?;
    if n == 1 {
        return Ok(true);
    }
    complete(db, org, id, worker, now)
}

/// Record a failed attempt: back to the queue at `retry_at`, or dead when `None`.
pub fn fail(
    db: &mut Db<'_>,
    org: OrgId,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let error: String = error.chars().take(4000).collect();
    // A kind whose running job does not hold its dedupe key (a health recompute) may already
    // have its rerun queued: that one will do the work, so this attempt ends instead of
    // queueing a second.
    if retry_at.is_some() {
        let superseded = db.execute(
            "UPDATE jobs SET status = 'done', last_error = $4, finished_at = $5, locked_by = NULL, locked_until = NULL, updated_at = $5
             WHERE org_id = $1 AND id = $2 AND status = 'running' AND locked_by = $3
               AND dedupe_key IS NOT NULL
               AND EXISTS (SELECT 1 FROM jobs q WHERE q.org_id = jobs.org_id
                             AND q.dedupe_key = jobs.dedupe_key AND q.status = 'queued')",
            params![org, id, worker, error, now],
        )?;
        if superseded == 1 {
            return Ok(true);
        }
    }
    let n = match retry_at {
        Some(at) => db.execute(
            "UPDATE jobs SET status = 'queued', run_at = $5, last_error = $4, locked_by = NULL, locked_until = NULL, updated_at = $6
             WHERE org_id = $1 AND id = $2 AND status = 'running' AND locked_by = $3",
            params![org, id, worker, error, at, now],
        )?,
        None => db.execute(
            "UPDATE jobs SET status = 'dead', last_error = $4, finished_at = $5, locked_by = NULL, locked_until = NULL, updated_at = $5
             WHERE org_id = $1 AND id = $2 AND status = 'running' AND locked_by = $3",
            params![org, id, worker, error, now],
        )?,
    };
    Ok(n == 1)
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: i64) -> Result<Job, StoreError> {
    from_row(&db.query_one(
        &format!("SELECT {COLUMNS} FROM jobs WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

/// A dead job back in the queue, with a fresh set of attempts.
pub fn retry(db: &mut Db<'_>, org: OrgId, id: i64, now: Timestamp) -> Result<bool, StoreError> {
    let n = db.execute(
        "UPDATE jobs SET status = 'queued', run_at = $3, attempts = 0, finished_at = NULL, updated_at = $3
         WHERE org_id = $1 AND id = $2 AND status = 'dead'",
        params![org, id, now],
    )?;
    Ok(n == 1)
}

pub fn list(
    db: &mut Db<'_>,
    org: OrgId,
    status: Option<JobStatus>,
    kind: Option<&str>,
    after_id: Option<i64>,
    limit: usize,
) -> Result<Page<Job>, StoreError> {
    let mut f = Filter::new(org);
    if let Some(s) = status {
        f.and("status = {}", Param::Text(s.as_str().into()));
    }
    if let Some(k) = kind {
        f.and("kind = {}", Param::Text(k.to_string().into()));
    }
    if let Some(a) = after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM jobs WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    Ok(Page::from_rows(rows, limit, |j| (j.id, j.id)))
}

/// Remove finished jobs older than `before` (the queue is not an archive).
pub fn purge_finished(db: &mut Db<'_>, before: Timestamp) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM jobs WHERE status = 'done' AND finished_at < $1",
        params![before],
    )
}

/// Due jobs of one kind waiting for a worker: what `/metrics` reports per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueKind {
    pub kind: String,
    /// Jobs due and not held by a live lease (queued, or running with an expired lease).
    pub due: i64,
    /// When the longest-waiting of them fell due.
    pub oldest_run_at: Timestamp,
}

/// The same test of "due and unclaimed" as [`claim`] uses, so the figure is what workers see.
const DUE_BY_KIND: &str = "SELECT kind, COUNT(*) AS due, MIN(run_at) AS oldest_run_at FROM jobs
     WHERE status IN ('queued', 'running') AND run_at <= $1
       AND (status = 'queued' OR locked_until < $1)
     GROUP BY kind ORDER BY kind";

/// Due jobs per kind across every organisation (an operator's figure, never a tenant's). Read
/// through the claim index, so its cost follows the backlog of due jobs, not the table: jobs
/// scheduled for later and finished ones are never touched.
pub fn due_by_kind(db: &mut Db<'_>, now: Timestamp) -> Result<Vec<DueKind>, StoreError> {
    db.query_map(DUE_BY_KIND, params![now], |r| {
        Ok(DueKind {
            kind: r.get("kind")?,
            due: r.get("due")?,
            oldest_run_at: r.get("oldest_run_at")?,
        })
    })
}

/// The plan of [`due_by_kind`], for the test that keeps it on an index.
pub fn explain_due_by_kind(db: &mut Db<'_>, now: Timestamp) -> Result<Vec<String>, StoreError> {
    match db.engine() {
        Engine::Sqlite => db.query_map(
            &format!("EXPLAIN QUERY PLAN {DUE_BY_KIND}"),
            params![now],
            |r| r.get("detail"),
        ),
        Engine::Postgres => db.query_map(&format!("EXPLAIN {DUE_BY_KIND}"), params![now], |r| {
            r.get("QUERY PLAN")
        }),
    }
}
