//! What an operator watches and alerts on, gathered for `/metrics`: the job queue read from the
//! database at the moment of the scrape, counters of failures this process saw (mail intake per
//! mailbox, jobs per kind), and the store's own waits and commit times.
//!
//! The counters live in this process, as Prometheus counters do: with several app servers each
//! reports its own and the scraper sums them. The job queue is shared, so every server reports
//! the same figures for it (alert on `max`, not `sum`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use rapport_core::ids::OrgId;
pub use rapport_store::stats::{HistogramSnapshot, PoolWaits, StatsSnapshot, WriterStats};

use crate::App;

/// Where mail that could not be taken in was coming from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IntakeSource {
    /// An IMAP mailbox the worker polls (its id).
    Mailbox(i64),
    /// The local mail server's LMTP deliveries (no mailbox of ours names them).
    Lmtp,
}

/// Failures counted since the process started.
#[derive(Default)]
pub(crate) struct OpsCounters {
    mail_intake: Mutex<BTreeMap<(OrgId, IntakeSource), u64>>,
    /// (kind, whether the failure was the last attempt) -> failures.
    jobs: Mutex<BTreeMap<(String, bool), u64>>,
}

impl OpsCounters {
    pub(crate) fn mail_intake_failed(&self, org: OrgId, source: IntakeSource) {
        let mut m = self.mail_intake.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((org, source)).or_default() += 1;
    }

    pub(crate) fn job_failed(&self, kind: &str, dead: bool) {
        let mut m = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((kind.to_string(), dead)).or_default() += 1;
    }
}

/// One job kind's backlog at the app's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct JobQueue {
    pub kind: String,
    /// Jobs due and not held by a live lease.
    pub due: i64,
    /// Seconds since the longest-waiting of them fell due (0 when none is due).
    pub oldest_due_age_seconds: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IntakeFailures {
    pub org: OrgId,
    pub source: IntakeSource,
    pub failures: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobFailures {
    pub kind: String,
    /// The failure was the job's last attempt: it is dead now.
    pub dead: bool,
    pub failures: u64,
}

/// Everything `/metrics` shows beyond HTTP traffic.
#[derive(Debug, Clone)]
pub struct OpsSnapshot {
    /// Every known kind (with zeros) and any other kind found due; `Err`: the database could
    /// not be read, in words for the log.
    pub jobs: Result<Vec<JobQueue>, String>,
    pub mail_intake_failures: Vec<IntakeFailures>,
    pub job_failures: Vec<JobFailures>,
    pub store: StatsSnapshot,
    pub engine: rapport_store::Engine,
}

impl App {
    /// The operator's figures (see the module's notes). One read of the jobs table through its
    /// claim index (`App::job_queue`, with the worker, which knows every kind); everything
    /// else is counters in memory.
    pub async fn ops_snapshot(&self) -> OpsSnapshot {
        let jobs = self.job_queue().await;
        let mail_intake_failures = self
            .ops
            .mail_intake
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(&(org, source), &failures)| IntakeFailures {
                org,
                source,
                failures,
            })
            .collect();
        let job_failures = self
            .ops
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|((kind, dead), &failures)| JobFailures {
                kind: kind.clone(),
                dead: *dead,
                failures,
            })
            .collect();
        OpsSnapshot {
            jobs,
            mail_intake_failures,
            job_failures,
            store: self.store.stats(),
            engine: self.store.engine(),
        }
    }
}
