//! The worker: claims due jobs and runs each kind's handler. Every `rapport serve` runs one; on
//! PostgreSQL several processes share the queue. The one place that knows every job kind, so
//! nothing imports it.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use rapport_core::access::Actor;
use rapport_core::audit::AuditEntry;
use rapport_core::jobs::{self, Job};
use rapport_store::repo::{audit, jobs as store};

use crate::jobs::{JobFailure, JobKind, Probe, WorkerConfig};
use crate::{App, AppError, AppResult};

/// Every job kind the worker runs: `/metrics` reports each, zeros included, so a dashboard
/// shows a quiet kind as 0 rather than no data. Kept next to `dispatch`'s match.
const KINDS: [&str; 13] = [
    Probe::KIND,
    crate::health_jobs::Recompute::KIND,
    crate::health_jobs::Daily::KIND,
    crate::clocks::sla::Check::KIND,
    crate::clocks::promises::Check::KIND,
    crate::clocks::silence::Check::KIND,
    crate::mail_out::Send::KIND,
    crate::mail_out::Outbox::KIND,
    crate::thread::Reached::KIND,
    crate::mail::poll::Poll::KIND,
    crate::events::Deliver::KIND,
    crate::events::RunRules::KIND,
    crate::notify::MailJob::KIND,
];

impl App {
    /// Claim and run one batch of due jobs. Returns how many were claimed.
    pub async fn run_due_jobs(&self, cfg: &WorkerConfig) -> AppResult<usize> {
        let now = self.now();
        let lease_until = now
            .checked_add(cfg.lease)
            .map_err(|e| AppError::internal("a job lease's end", e))?;
        let worker = cfg.id.clone();
        let limit = cfg.concurrency.max(1);
        let claimed = self
            .store
            .write(move |db| store::claim(db, &worker, now, lease_until, limit))
            .await?;
        let n = claimed.len();
        let runs = claimed.into_iter().map(|job| {
            let app = self.clone();
            let worker = cfg.id.clone();
            async move { app.run_one(job, &worker).await }
        });
        for result in futures_join_all(runs).await {
            if let Err(e) = result {
                tracing::warn!(error = %e, "recording a job outcome failed");
            }
        }
        Ok(n)
    }

    async fn run_one(&self, job: Job, worker: &str) -> AppResult<()> {
        if job.attempts > job.max_attempts {
            // Its leases expired too often (workers died while holding it): give up on it.
            return self
                .job_failed(&job, worker, "lease expired on every attempt".into())
                .await;
        }
        let outcome = self.dispatch(&job, worker).await;
        match outcome {
            Ok(()) => Ok(()),
            Err(JobFailure(message)) => {
                tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %message, "job failed");
                self.job_failed(&job, worker, message).await
            }
        }
    }

    async fn job_failed(&self, job: &Job, worker: &str, message: String) -> AppResult<()> {
        let now = self.now();
        let retry_at = jobs::after_failure(job, now);
        self.ops.job_failed(&job.kind, retry_at.is_none());
        let (org, id, worker) = (job.org_id, job.id, worker.to_string());
        let kind = job.kind.clone();
        self.store
            .write(move |db| -> AppResult<()> {
                let updated = store::fail(db, org, id, &worker, &message, retry_at, now)?;
                if updated && retry_at.is_none() {
                    audit::record(
                        db,
                        org,
                        now,
                        None,
                        &AuditEntry::new(Actor::System, "job.dead")
                            .target("job", id)
                            .details(serde_json::json!({"kind": kind, "error": message})),
                    )?;
                }
                Ok(())
            })
            .await
    }

    /// Due jobs per kind at the app's clock, every kind in [`KINDS`] included (with zeros):
    /// one read through the queue's claim index. `Err`: the database could not be read.
    pub(crate) async fn job_queue(&self) -> Result<Vec<crate::ops::JobQueue>, String> {
        use crate::ops::JobQueue;
        let now = self.now();
        let found = self
            .store
            .read(move |db| store::due_by_kind(db, now))
            .await
            .map_err(|e| e.to_string())?;
        let mut by_kind: std::collections::BTreeMap<String, JobQueue> = KINDS
            .iter()
            .map(|k| {
                let q = JobQueue {
                    kind: (*k).to_string(),
                    due: 0,
                    oldest_due_age_seconds: 0.0,
                };
                ((*k).to_string(), q)
            })
            .collect();
        for d in found {
            let age = now.duration_since(d.oldest_run_at).as_secs_f64().max(0.0);
            by_kind.insert(
                d.kind.clone(),
                JobQueue {
                    kind: d.kind,
                    due: d.due,
                    oldest_due_age_seconds: age,
                },
            );
        }
        Ok(by_kind.into_values().collect())
    }

    async fn dispatch(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        use crate::{clocks, events, health_jobs, mail, mail_out, notify, thread};
        match job.kind.as_str() {
            Probe::KIND => self.run_probe(job, worker).await,
            health_jobs::Recompute::KIND => self.run_health_recompute(job, worker).await,
            health_jobs::Daily::KIND => self.run_health_daily(job, worker).await,
            clocks::sla::Check::KIND => self.run_sla_check(job, worker).await,
            clocks::promises::Check::KIND => self.run_promise_check(job, worker).await,
            clocks::silence::Check::KIND => self.run_silence_check(job, worker).await,
            mail_out::Send::KIND => self.run_send_job(job, worker).await,
            mail_out::Outbox::KIND => self.run_outbox_job(job, worker).await,
            thread::Reached::KIND => self.run_reply_reached(job, worker).await,
            mail::poll::Poll::KIND => self.run_poll_job(job, worker).await,
            events::Deliver::KIND => self.run_deliver_job(job, worker).await,
            events::RunRules::KIND => self.run_rules_job(job, worker).await,
            notify::MailJob::KIND => self.run_notify_mail(job, worker).await,
            other => Err(JobFailure(format!("no handler for job kind {other:?}"))),
        }
    }

    /// A harmless job that records that it ran: lets operators (and tests) check that workers
    /// are alive and that each job runs exactly once.
    async fn run_probe(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        let p = Probe::decode(job)?;
        if p.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(p.sleep_ms.min(600_000))).await;
        }
        if p.fail {
            return Err(JobFailure("probe asked to fail".into()));
        }
        let (org, id, attempt) = (job.org_id, job.id, job.attempts);
        let worker_id = worker.to_string();
        self.finish_job(job, worker, move |db, now| {
            audit::record(
                db,
                org,
                now,
                None,
                &AuditEntry::new(Actor::System, "job.probe")
                    .target("job", id)
                    .details(serde_json::json!({"worker": worker_id, "attempt": attempt})),
            )?;
            Ok(())
        })
        .await
    }

    /// Delete what has expired and only takes room or could be misused: sessions past their
    /// end, imports checked a day ago and never applied, one-time links a day past theirs
    /// (kept that long so that a late click still hears "expired" rather than "unknown"), and
    /// presence reports from request pages closed since, and snoozes whose time has passed (the
    /// request is back in the views already; the sweep audits its return).
    /// Returns how many rows went.
    pub async fn housekeep(&self) -> AppResult<u64> {
        let now = self.now();
        let links_before = now
            .checked_sub(SignedDuration::from_hours(24))
            .map_err(|e| AppError::internal("the cut-off for used links", e))?;
        let holds_before = now
            .checked_sub(crate::imports::HOLD_FOR)
            .map_err(|e| AppError::internal("the cut-off for held imports", e))?;
        let n = self
            .store
            .write(move |db| -> AppResult<u64> {
                let sessions = rapport_store::repo::auth::delete_all_expired_sessions(db, now)?;
                let links = rapport_store::repo::accounts::purge_expired_links(db, links_before)?;
                let holds = rapport_store::repo::import_holds::purge_before(db, holds_before)?;
                let presence = rapport_store::repo::presence::purge_before(
                    db,
                    rapport_core::presence::fresh_since(now),
                )?;
                let snoozes = crate::snooze::sweep_past(db, now)?;
                Ok(sessions + links + holds + presence + snoozes)
            })
            .await?;
        if n > 0 {
            tracing::debug!(rows = n, "housekeeping deleted expired sessions and links");
        }
        Ok(n)
    }

    /// Lease the next due job to this worker, within its per-organisation share.
    async fn claim_next(&self, cfg: &WorkerConfig) -> AppResult<Option<Job>> {
        let now = self.now();
        let lease_until = now
            .checked_add(cfg.lease)
            .map_err(|e| AppError::internal("a job lease's end", e))?;
        let worker = cfg.id.clone();
        let per_org = cfg.per_org.clamp(1, cfg.concurrency.max(1));
        Ok(self
            .store
            .write(move |db| store::claim_next(db, &worker, now, lease_until, per_org))
            .await?)
    }

    /// Run the worker until `shutdown` resolves; jobs in flight are finished first.
    ///
    /// Each job runs in its own task and frees its slot when it ends, so a slow job never holds
    /// back the others claimed with it; a freed slot is filled at once.
    pub async fn run_worker(
        self: Arc<Self>,
        cfg: WorkerConfig,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        tracing::info!(worker = %cfg.id, "job worker started");
        if let Err(e) = self.start_clock_checks().await {
            tracing::warn!(error = %e, "could not queue the periodic clock checks");
        }
        let slots = cfg.concurrency.max(1);
        let mut running = tokio::task::JoinSet::new();
        let mut housekept: Option<std::time::Instant> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            if housekept.is_none_or(|t| t.elapsed() >= cfg.housekeeping_every) {
                housekept = Some(std::time::Instant::now());
                if let Err(e) = self.housekeep().await {
                    tracing::warn!(error = %e, "housekeeping failed");
                }
            }
            while let Some(done) = running.try_join_next() {
                if let Err(e) = done {
                    tracing::error!(error = %e, "a job task panicked");
                }
            }
            let mut claimed = 0;
            while running.len() < slots {
                match self.claim_next(&cfg).await {
                    Ok(Some(job)) => {
                        let (app, worker) = (Arc::clone(&self), cfg.id.clone());
                        running.spawn(async move {
                            if let Err(e) = app.run_one(job, &worker).await {
                                tracing::warn!(error = %e, "recording a job outcome failed");
                            }
                        });
                        claimed += 1;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "job worker could not claim jobs");
                        break;
                    }
                }
            }
            if claimed == 0 {
                // Nothing due, or no slot free: wait for a slot, the next poll or the end.
                tokio::select! {
                    _ = tokio::time::sleep(cfg.idle_poll) => {}
                    Some(done) = running.join_next(), if !running.is_empty() => {
                        if let Err(e) = done {
                            tracing::error!(error = %e, "a job task panicked");
                        }
                    }
                    _ = shutdown.changed() => {}
                }
            }
        }
        while let Some(done) = running.join_next().await {
            if let Err(e) = done {
                tracing::error!(error = %e, "a job task panicked");
            }
        }
        tracing::info!(worker = %cfg.id, "job worker stopped");
    }
}

/// Await every future and collect their outputs (a small join_all without another dependency).
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        match h.await {
            Ok(v) => out.push(v),
            Err(e) => tracing::error!(error = %e, "a job task panicked"),
        }
    }
    out
}
