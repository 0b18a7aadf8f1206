//! The job queue: queueing, finishing and inspecting jobs. A job's database effects commit in
//! the same transaction that marks it done, and only while the worker still holds its lease: a
//! worker that lost its lease (it was too slow, or it died and another took over) commits
//! nothing, so database effects happen exactly once. Effects outside the database (mail,
//! webhooks) are at least once and are made idempotent by their handlers.
//!
//! A leaf: handlers live with their use cases and import this; running them is
//! [`crate::worker`]'s, which nothing imports.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rapport_core::access::Permission;
use rapport_core::audit::AuditEntry;
use rapport_core::ids::OrgId;
use rapport_core::jobs::{DEFAULT_MAX_ATTEMPTS, Job, JobStatus};
use rapport_store::Db;
use rapport_store::repo::jobs as store;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Identifies the worker in leases (host:pid:n).
    pub id: String,
    /// How long a claimed job is ours before another worker may take it.
    pub lease: SignedDuration,
    /// Jobs run at once by this worker.
    pub concurrency: usize,
    /// Of those, the most one organisation's jobs may hold: a flood from one organisation
    /// leaves the other slots to everyone else.
    pub per_org: usize,
    /// Pause between polls when the queue is empty.
    pub idle_poll: Duration,
    /// How often this worker deletes expired sessions and links.
    pub housekeeping_every: Duration,
}

impl WorkerConfig {
    pub fn new(id: impl Into<String>) -> Self {
        WorkerConfig {
            id: id.into(),
            lease: SignedDuration::from_secs(60),
            concurrency: 4,
            per_org: 2,
            idle_poll: Duration::from_millis(500),
            housekeeping_every: Duration::from_secs(600),
        }
    }
}

/// A handler failed: retried with backoff until the job's attempts run out.
#[derive(Debug, Clone)]
pub struct JobFailure(pub String);

impl From<AppError> for JobFailure {
    fn from(e: AppError) -> Self {
        JobFailure(e.to_string())
    }
}

/// A kind of job: its name in the queue and the payload it carries, declared once beside its
/// handler. The code that queues a job and the handler that reads it share the payload's type,
/// so they cannot disagree about its shape; [`crate::worker`] names every kind it runs.
pub(crate) trait JobKind {
    /// The name stored in `jobs.kind`.
    const KIND: &'static str;
    /// What the job carries: written when it is queued, read by its handler.
    type Payload: Serialize + DeserializeOwned;
    /// How often it is tried before it is dead.
    const MAX_ATTEMPTS: i64 = DEFAULT_MAX_ATTEMPTS;

    /// The payload as stored.
    fn encode(p: &Self::Payload) -> AppResult<serde_json::Value> {
        serde_json::to_value(p).map_err(|e| AppError::internal(Self::KIND, e))
    }

    /// The payload of a claimed job of this kind, naming the kind when it does not fit.
    fn decode(job: &Job) -> Result<Self::Payload, JobFailure> {
        serde_json::from_value(job.payload.clone())
            .map_err(|e| JobFailure(format!("bad {} payload: {e}", Self::KIND)))
    }
}

/// Queue a `K` in the caller's write, due at `run_at`. `None` when a live job with the same
/// dedupe key exists.
pub(crate) fn queue<K: JobKind>(
    db: &mut Db<'_>,
    org: OrgId,
    payload: &K::Payload,
    run_at: Timestamp,
    dedupe_key: Option<&str>,
    now: Timestamp,
) -> AppResult<Option<i64>> {
    Ok(store::enqueue(
        db,
        org,
        &store::NewJob {
            kind: K::KIND,
            payload: &K::encode(payload)?,
            run_at,
            max_attempts: K::MAX_ATTEMPTS,
            dedupe_key,
        },
        now,
    )?)
}

/// A payload with nothing in it (`{}`): jobs whose kind says everything, such as an org's
/// periodic checks. Any stored object reads as one.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Nothing {}

/// An operator's probe (`rapport jobs probe`): records that it ran, so that workers can be
/// seen alive and each job seen to run exactly once.
pub(crate) struct Probe;

impl JobKind for Probe {
    const KIND: &'static str = "probe";
    type Payload = ProbePayload;
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ProbePayload {
    #[serde(default)]
    pub(crate) sleep_ms: u64,
    #[serde(default)]
    pub(crate) fail: bool,
}

impl App {
    /// Queue a job for `org`. Returns `None` when a live job with the same dedupe key exists.
    pub async fn enqueue(
        &self,
        org: OrgId,
        kind: &str,
        payload: serde_json::Value,
        run_at: Option<Timestamp>,
        dedupe_key: Option<String>,
    ) -> AppResult<Option<i64>> {
        let now = self.now();
        let kind = kind.to_string();
        Ok(self
            .store
            .write(move |db| {
                store::enqueue(
                    db,
                    org,
                    &store::NewJob {
                        kind: &kind,
                        payload: &payload,
                        run_at: run_at.unwrap_or(now),
                        max_attempts: DEFAULT_MAX_ATTEMPTS,
                        dedupe_key: dedupe_key.as_deref(),
                    },
                    now,
                )
            })
            .await?)
    }

    /// Commit a job's database effects together with its completion, if the lease is still
    /// ours; otherwise commit nothing.
    pub(crate) async fn finish_job<F>(
        &self,
        job: &Job,
        worker: &str,
        effects: F,
    ) -> Result<(), JobFailure>
    where
        F: FnOnce(&mut Db<'_>, Timestamp) -> AppResult<()> + Send + 'static,
    {
        self.finish_job_locked(job, worker, |_| Ok(()), move |db, now, ()| effects(db, now))
            .await
    }

    /// [`App::finish_job`] for a job about one row: `lock` loads (and on PostgreSQL locks) that
    /// row before the job is marked done, so rows are locked in the same order as the use cases
    /// that change them and then reschedule the job (row first, then job); `effects` then runs
    /// in the same transaction.
    pub(crate) async fn finish_job_locked<T, L, F>(
        &self,
        job: &Job,
        worker: &str,
        lock: L,
        effects: F,
    ) -> Result<(), JobFailure>
    where
        T: Send + 'static,
        L: FnOnce(&mut Db<'_>) -> AppResult<T> + Send + 'static,
        F: FnOnce(&mut Db<'_>, Timestamp, T) -> AppResult<()> + Send + 'static,
    {
        let now = self.now();
        let (org, id, worker) = (job.org_id, job.id, worker.to_string());
        // The lease is told apart from the effects' own errors: a conflict in the effects (a
        // unique key, say) is the job failing, to be retried and seen, not a lost lease.
        let held = self
            .store
            .write(move |db| -> AppResult<bool> {
                let row = lock(db)?;
                if !store::complete(db, org, id, &worker, now)? {
                    return Ok(false);
                }
                effects(db, now, row)?;
                Ok(true)
            })
            .await?;
        if !held {
            tracing::warn!(
                job = id,
                "lease lost before completion; another worker has it"
            );
        }
        Ok(())
    }

    /// Put a running job back in the queue until `run_at` (see `store::postpone`), while
    /// `worker` holds its lease; nothing else changes.
    pub(crate) async fn postpone_job(
        &self,
        job: &Job,
        worker: &str,
        run_at: Timestamp,
    ) -> Result<(), JobFailure> {
        let now = self.now();
        let (org, id, worker) = (job.org_id, job.id, worker.to_string());
        let held = self
            .store
            .write(move |db| store::postpone(db, org, id, &worker, run_at, now))
            .await
            .map_err(AppError::from)?;
        if !held {
            tracing::warn!(
                job = id,
                "lease lost before postponing; another worker has it"
            );
        }
        Ok(())
    }

    pub async fn list_jobs(
        &self,
        ctx: &Ctx,
        status: Option<JobStatus>,
        kind: Option<String>,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<Listing<Job>> {
        ctx.require(Permission::ReadAudit)?;
        let org = ctx.org();
        let after = cursor::after_id(after)?;
        Ok(self
            .store
            .read(move |db| store::list(db, org, status, kind.as_deref(), after, limit))
            .await?
            .into())
    }

    pub async fn get_job(&self, ctx: &Ctx, id: i64) -> AppResult<Job> {
        ctx.require(Permission::ReadAudit)?;
        let org = ctx.org();
        self.store
            .read(move |db| store::get(db, org, id).map_err(|_| AppError::NotFound("job")))
            .await
    }

    /// Put a dead job back in the queue (admins).
    pub async fn retry_job(&self, ctx: &Ctx, id: i64) -> AppResult<Job> {
        ctx.require(Permission::ReadAudit)?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Job> {
                let job = store::get(db, org, id).map_err(|_| AppError::NotFound("job"))?;
                if !store::retry(db, org, id, now)? {
                    return Err(AppError::conflict(
                        "status",
                        format!("only dead jobs can be retried (this one is {})", job.status),
                    ));
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "job.retry").target("job", id),
                )?;
                Ok(store::get(db, org, id)?)
            })
            .await
    }

    /// Queue `count` probe jobs for `org`: an operator's check that workers are alive (`rapport
    /// jobs probe`). Not offered to organisations: sleeping probes would hold worker slots.
    pub async fn probe_jobs_as_operator(
        &self,
        org: OrgId,
        count: usize,
        sleep_ms: u64,
    ) -> AppResult<Vec<i64>> {
        if !(1..=10_000).contains(&count) {
            return Err(AppError::invalid("count", "must be 1 to 10000"));
        }
        if sleep_ms > 600_000 {
            return Err(AppError::invalid("sleep_ms", "must be at most 600000"));
        }
        let now = self.now();
        let payload = ProbePayload {
            sleep_ms,
            fail: false,
        };
        self.store
            .write(move |db| -> AppResult<Vec<i64>> {
                let mut ids = Vec::with_capacity(count);
                for _ in 0..count {
                    let id = queue::<Probe>(db, org, &payload, now, None, now)?
                        .ok_or_else(|| AppError::bug("probe job deduplicated"))?;
                    ids.push(id);
                }
                Ok(ids)
            })
            .await
    }
}
