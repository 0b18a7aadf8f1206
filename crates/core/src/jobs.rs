//! Jobs: work that happens later, at least once, with retries. The rules (when to retry, when to
//! give up) live here; the queue itself lives in the store.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ids::OrgId;
use crate::label_enum;

label_enum!(JobStatus {
    /// Waiting for its run time or a worker.
    Queued => "queued",
    /// Leased by a worker until `locked_until`.
    Running => "running",
    Done => "done",
    /// Failed `max_attempts` times; kept for a person to look at (the dead-letter list).
    Dead => "dead",
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: i64,
    pub org_id: OrgId,
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub run_at: Timestamp,
    pub attempts: i64,
    pub max_attempts: i64,
    pub locked_by: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub dedupe_key: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// Attempts before a job is dead, unless its kind says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 8;

/// How long to wait before attempt `attempts + 1`: 15 s doubling per attempt, capped at one hour,
/// with a deterministic spread of up to a quarter so that jobs that failed together do not all
/// retry together.
pub fn backoff(attempts: i64, job_id: i64) -> SignedDuration {
    let base = 15i64
        .saturating_mul(1i64 << attempts.clamp(0, 20))
        .min(3600);
    let spread = (job_id.unsigned_abs() % 1000) as i64 * base / 4000;
    SignedDuration::from_secs(base + spread)
}

/// What to do after a failed attempt: retry at this instant, or give up.
pub fn after_failure(job: &Job, now: Timestamp) -> Option<Timestamp> {
    if job.attempts >= job.max_attempts {
        None
    } else {
        now.checked_add(backoff(job.attempts, job.id)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0, 0), SignedDuration::from_secs(15));
        assert_eq!(backoff(1, 0), SignedDuration::from_secs(30));
        assert_eq!(backoff(3, 0), SignedDuration::from_secs(120));
        assert_eq!(backoff(30, 0), SignedDuration::from_secs(3600));
        let spread = backoff(30, 999);
        assert!(
            spread > SignedDuration::from_secs(3600) && spread <= SignedDuration::from_secs(4500)
        );
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let now: Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
        let mut job = Job {
            id: 1,
            org_id: OrgId(1),
            kind: "probe".into(),
            payload: serde_json::Value::Null,
            status: JobStatus::Running,
            run_at: now,
            attempts: 1,
            max_attempts: 3,
            locked_by: None,
            locked_until: None,
            last_error: None,
            dedupe_key: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        };
        assert!(after_failure(&job, now).unwrap() > now);
        job.attempts = 3;
        assert_eq!(after_failure(&job, now), None);
    }
}
