//! What the time rules read and write: the status history the SLA clocks are computed from,
//! the SLA columns of the queue view, the one live job per clock, and the reads of the
//! silence, promise and capacity checks.

use jiff::Timestamp;
use rapport_core::capacity::LoggedTime;
use rapport_core::ids::{ClientId, EngagementId, MemberId, OrgId, RequestId};
use rapport_core::jobs::DEFAULT_MAX_ATTEMPTS;
use rapport_core::promise::Promise;
use rapport_core::request::{Request, Status};
use rapport_core::sla::{SlaEvent, SlaState};

use crate::db::Db;
use crate::error::StoreError;
use crate::params;
use crate::repo::{jobs, promises, requests};
use crate::value::{Json, Word};

/// Record that a request moved to `status` at `at` (in the transaction that moves it).
pub fn log_status(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    at: Timestamp,
    status: Status,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO request_status_log (org_id, request_id, at, status) VALUES ($1, $2, $3, $4)",
        params![org, request, at, Word(status.as_str())],
    )?;
    Ok(())
}

/// The status changes recorded for a request, oldest first.
pub fn status_log(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Vec<(Timestamp, Status)>, StoreError> {
    db.query_map(
        "SELECT at, status FROM request_status_log WHERE org_id = $1 AND request_id = $2 ORDER BY id",
        params![org, request],
        |r| Ok((r.get("at")?, r.word("status")?)),
    )
}

/// A request's history as the SLA clocks see it: its status changes, then the client's messages
/// and our replies. A reply counts when it reaches the client: at once (queued mail is our
/// answer), or at the time it was held for. Internal notes are not events, and neither is a
/// machine's mail: an auto-reply to us (`Auto-Submitted`) starts no clock, and an acknowledgement
/// written by a rule or the system meets none.
pub fn sla_events(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Vec<SlaEvent>, StoreError> {
    let mut events: Vec<SlaEvent> = status_log(db, org, request)?
        .into_iter()
        .map(|(at, status)| SlaEvent::Status { at, status })
        .collect();
    let messages = db.query_map(
        "SELECT m.direction, COALESCE(m.scheduled_for, m.created_at) AS at FROM messages m
         LEFT JOIN mail_meta mm ON mm.org_id = m.org_id AND mm.message_id = m.id
         WHERE m.org_id = $1 AND m.request_id = $2 AND m.direction IN ('inbound', 'outbound')
           AND COALESCE(mm.auto_submitted, FALSE) = FALSE
           AND NOT (m.direction = 'outbound' AND m.author_kind = 'system')
         ORDER BY m.id",
        params![org, request],
        |r| {
            let direction: String = r.get("direction")?;
            let at: Timestamp = r.get("at")?;
            Ok(if direction == "inbound" {
                SlaEvent::Inbound { at }
            } else {
                SlaEvent::Outbound { at }
            })
        },
    )?;
    events.extend(messages);
    Ok(events)
}

/// Store the queue's view of a request's clocks.
pub fn set_sla(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    due: Option<Timestamp>,
    state: &'static str,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE requests SET sla_due_at = $3, sla_state = $4 WHERE org_id = $1 AND id = $2",
        params![org, request, due, Word(state)],
    )?;
    Ok(())
}

/// The SLA columns of a request: `(sla_due_at, sla_state)`.
pub fn sla_columns(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<(Option<Timestamp>, Option<String>), StoreError> {
    let r = db.query_one(
        "SELECT sla_due_at, sla_state FROM requests WHERE org_id = $1 AND id = $2",
        params![org, request],
    )?;
    Ok((r.get("sla_due_at")?, r.get("sla_state")?))
}

/// The clocks as last alerted on; `None` when the job never looked at the request.
pub fn alerted(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
) -> Result<Option<SlaState>, StoreError> {
    db.query_one(
        "SELECT sla_alerted FROM requests WHERE org_id = $1 AND id = $2",
        params![org, request],
    )?
    .json_opt("sla_alerted")
}

pub fn set_alerted(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    state: &SlaState,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE requests SET sla_alerted = $3 WHERE org_id = $1 AND id = $2",
        params![org, request, Json(state)],
    )?;
    Ok(())
}

/// A job that belongs to one thing (a request's clocks, a promise, an org's periodic check).
pub struct KeyedJob<'a> {
    pub kind: &'a str,
    pub payload: &'a serde_json::Value,
    pub dedupe_key: &'a str,
}

/// Make the one queued job of `job.dedupe_key` run at `run_at`: move it when queued, queue it
/// when there is none, remove it when `run_at` is `None`. A running job of the key is left
/// alone: its handler reads the current state when it finishes and schedules what follows.
pub fn schedule(
    db: &mut Db<'_>,
    org: OrgId,
    job: &KeyedJob<'_>,
    run_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), StoreError> {
    // `status IN ('queued', 'running')` repeats the predicate of the partial index on
    // (org_id, dedupe_key): SQLite uses a partial index only when the query states it.
    let Some(at) = run_at else {
        db.execute(
            "DELETE FROM jobs
             WHERE org_id = $1 AND dedupe_key = $2 AND status IN ('queued', 'running') AND status = 'queued'",
            params![org, job.dedupe_key],
        )?;
        return Ok(());
    };
    let moved = db.execute(
        "UPDATE jobs SET run_at = $3, updated_at = $4
         WHERE org_id = $1 AND dedupe_key = $2 AND status IN ('queued', 'running') AND status = 'queued'",
        params![org, job.dedupe_key, at, now],
    )?;
    if moved == 0 {
        jobs::enqueue(
            db,
            org,
            &jobs::NewJob {
                kind: job.kind,
                payload: job.payload,
                run_at: at,
                max_attempts: DEFAULT_MAX_ATTEMPTS,
                dedupe_key: Some(job.dedupe_key),
            },
            now,
        )?;
    }
    Ok(())
}

/// Queue the job unless one of its key is live (a periodic check that must keep its time).
pub fn ensure(
    db: &mut Db<'_>,
    org: OrgId,
    job: &KeyedJob<'_>,
    run_at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    jobs::enqueue(
        db,
        org,
        &jobs::NewJob {
            kind: job.kind,
            payload: job.payload,
            run_at,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            dedupe_key: Some(job.dedupe_key),
        },
        now,
    )?;
    Ok(())
}

/// Bring a queued keyed job forward to `run_at` when it is due later: work that cannot wait for
/// the job's next round, or a round scheduled by a clock that has since moved back.
pub fn bring_forward(
    db: &mut Db<'_>,
    org: OrgId,
    dedupe_key: &str,
    run_at: Timestamp,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE jobs SET run_at = $3, updated_at = $4
         WHERE org_id = $1 AND dedupe_key = $2 AND status = 'queued' AND run_at > $3",
        params![org, dedupe_key, run_at, now],
    )?;
    Ok(())
}

/// Open requests not waiting on the client whose last word is the client's: the only ones
/// that can be in silence (of one client, or of the whole org).
pub fn silence_candidates(
    db: &mut Db<'_>,
    org: OrgId,
    client: Option<ClientId>,
) -> Result<Vec<Request>, StoreError> {
    // One client's open work is read from `requests_client_status`, the firm's from
    // `requests_status`: two texts, because `($2 = 0 OR client_id = $2)` lets neither engine
    // seek on the client. Sorted here, not by the query: `ORDER BY id` would lead SQLite to walk
    // every request of the client in id order instead.
    let sql = |of_client: &str| {
        format!(
            "SELECT {} FROM requests
             WHERE org_id = $1 {of_client} AND status IN ('new', 'triaged', 'in_progress')
               AND last_inbound_at IS NOT NULL
               AND (last_outbound_at IS NULL OR last_outbound_at < last_inbound_at)",
            requests::COLUMNS
        )
    };
    let mut found = match client {
        Some(c) => db.query_map(
            &sql("AND client_id = $2"),
            params![org, c],
            requests::from_row,
        )?,
        None => db.query_map(&sql(""), params![org], requests::from_row)?,
    };
    found.sort_by_key(|r| r.id);
    Ok(found)
}

/// Requests waiting on the client whose last word is older than our last message (candidates
/// for a follow-up reminder), oldest first.
pub fn follow_up_candidates(db: &mut Db<'_>, org: OrgId) -> Result<Vec<Request>, StoreError> {
    db.query_map(
        &format!(
            "SELECT {} FROM requests
             WHERE org_id = $1 AND status = 'waiting_on_client'
               AND last_outbound_at IS NOT NULL
               AND (last_inbound_at IS NULL OR last_inbound_at < last_outbound_at)
             ORDER BY id",
            requests::COLUMNS
        ),
        params![org],
        requests::from_row,
    )
}

/// The client's oldest message on a request written after `after` (every one when `None`),
/// not counting machines' mail (auto-replies): where their wait for an answer began.
pub fn oldest_inbound_after(
    db: &mut Db<'_>,
    org: OrgId,
    request: RequestId,
    after: Option<Timestamp>,
) -> Result<Option<Timestamp>, StoreError> {
    let row = db.query_one(
        "SELECT MIN(m.created_at) AS oldest FROM messages m
         LEFT JOIN mail_meta mm ON mm.org_id = m.org_id AND mm.message_id = m.id
         WHERE m.org_id = $1 AND m.request_id = $2 AND m.direction = 'inbound'
           AND COALESCE(mm.auto_submitted, FALSE) = FALSE AND m.created_at > $3",
        params![org, request, after.unwrap_or(Timestamp::MIN)],
    )?;
    row.get("oldest")
}

/// Pending promises of a proposal past their due instant.
pub fn overdue_proposals(
    db: &mut Db<'_>,
    org: OrgId,
    now: Timestamp,
) -> Result<Vec<Promise>, StoreError> {
    db.query_map(
        &format!(
            "SELECT {} FROM promises
             WHERE org_id = $1 AND status IN ('open', 'renegotiated') AND due_at < $2 AND kind = 'proposal'
             ORDER BY id",
            promises::COLUMNS
        ),
        params![org, now],
        promises::from_row,
    )
}

/// Every promise of the org with the engagement of its request (for the ledger's figures).
/// The ledger's overall figures computed by the database (counts by status, pending promises
/// past due, the median margin of kept ones) without loading the promises: the same figures as
/// [`rapport_core::promise_stats::stats`] over every promise of the org. Served by the indexes
/// `promises_status_due` and `promises_kept_margin` (migration 0008).
pub fn promise_totals(
    db: &mut Db<'_>,
    org: OrgId,
    now: Timestamp,
) -> Result<rapport_core::promise_stats::PromiseStats, StoreError> {
    let rows: Vec<(String, i64, i64)> = db.query_map(
        "SELECT status, COUNT(*) AS n, SUM(CASE WHEN due_at < $2 THEN 1 ELSE 0 END) AS past_due
           FROM promises WHERE org_id = $1 GROUP BY status",
        params![org, now],
        |r| Ok((r.get("status")?, r.get("n")?, r.get("past_due")?)),
    )?;
    let mut s = rapport_core::promise_stats::PromiseStats {
        made: 0,
        kept: 0,
        broken: 0,
        pending: 0,
        overdue: 0,
        kept_percent: None,
        median_margin_minutes: None,
    };
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    for (status, count, past_due) in rows {
        s.made += n(count);
        match status.as_str() {
            "kept" => s.kept += n(count),
            "broken" => s.broken += n(count),
            _ => {
                s.pending += n(count);
                s.overdue += n(past_due);
            }
        }
    }
    let settled = s.kept + s.broken;
    if settled > 0 {
        s.kept_percent = Some(s.kept as f64 * 100.0 / settled as f64);
    }
    let margins: i64 = db.scalar(
        "SELECT COUNT(*) FROM promises
          WHERE org_id = $1 AND status = 'kept' AND margin_minutes IS NOT NULL",
        params![org],
    )?;
    if margins > 0 {
        // The middle one, or the middle two of an even count (their mean, rounded down).
        let (offset, take) = if margins % 2 == 1 {
            (margins / 2, 1)
        } else {
            (margins / 2 - 1, 2)
        };
        let mid: Vec<i64> = db.query_map(
            "SELECT margin_minutes FROM promises
              WHERE org_id = $1 AND status = 'kept' AND margin_minutes IS NOT NULL
              ORDER BY margin_minutes LIMIT $2 OFFSET $3",
            params![org, take, offset],
            |r| r.get("margin_minutes"),
        )?;
        s.median_margin_minutes = match mid.as_slice() {
            [m] => Some(*m),
            [a, b] => Some((a + b).div_euclid(2)),
            _ => None,
        };
    }
    Ok(s)
}

pub fn promises_with_engagement(
    db: &mut Db<'_>,
    org: OrgId,
) -> Result<Vec<(Promise, Option<EngagementId>)>, StoreError> {
    let columns: Vec<String> = promises::COLUMNS
        .split(',')
        .map(|c| format!("p.{}", c.trim()))
        .collect();
    db.query_map(
        &format!(
            "SELECT {}, r.engagement_id AS request_engagement_id FROM promises p
             LEFT JOIN requests r ON r.org_id = p.org_id AND r.id = p.request_id
             WHERE p.org_id = $1 ORDER BY p.id",
            columns.join(", ")
        ),
        params![org],
        |r| Ok((promises::from_row(r)?, r.get("request_engagement_id")?)),
    )
}

/// Open work assigned to a member, oldest first (first come, first served).
pub fn open_work(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
) -> Result<Vec<Request>, StoreError> {
    db.query_map(
        &format!(
            "SELECT {} FROM requests
             WHERE org_id = $1 AND assignee_id = $2 AND status IN ('new', 'triaged', 'in_progress', 'waiting_on_client')
             ORDER BY id",
            requests::COLUMNS
        ),
        params![org, member],
        requests::from_row,
    )
}

/// Time a member logged in entries that started in `[from, to)`.
pub fn logged_time(
    db: &mut Db<'_>,
    org: OrgId,
    member: MemberId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<LoggedTime>, StoreError> {
    db.query_map(
        "SELECT started_at, minutes FROM time_entries
         WHERE org_id = $1 AND member_id = $2 AND started_at >= $3 AND started_at < $4 ORDER BY started_at, id",
        params![org, member, from, to],
        |r| {
            Ok(LoggedTime {
                started_at: r.get("started_at")?,
                minutes: r.get("minutes")?,
            })
        },
    )
}

/// Open requests whose clocks were never evaluated (rows older than the SLA columns), oldest
/// first.
pub fn unevaluated(
    db: &mut Db<'_>,
    org: OrgId,
    limit: usize,
) -> Result<Vec<RequestId>, StoreError> {
    db.query_map(
        "SELECT id FROM requests
         WHERE org_id = $1 AND status IN ('new', 'triaged', 'in_progress', 'waiting_on_client') AND sla_state IS NULL
         ORDER BY id LIMIT $2",
        params![org, limit],
        |r| r.get("id"),
    )
}

/// Open requests whose clocks follow this engagement's policy or calendar.
pub fn open_of_engagement(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
) -> Result<Vec<RequestId>, StoreError> {
    db.query_map(
        "SELECT id FROM requests
         WHERE org_id = $1 AND engagement_id = $2 AND status IN ('new', 'triaged', 'in_progress', 'waiting_on_client')
         ORDER BY id",
        params![org, engagement],
        |r| r.get("id"),
    )
}

/// Open requests of a client.
pub fn open_of_client(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
) -> Result<Vec<RequestId>, StoreError> {
    db.query_map(
        "SELECT id FROM requests
         WHERE org_id = $1 AND client_id = $2 AND status IN ('new', 'triaged', 'in_progress', 'waiting_on_client')
         ORDER BY id",
        params![org, client],
        |r| r.get("id"),
    )
}

/// Resolve every unresolved alert of `kind` about one subject (the condition ended).
pub fn resolve_alerts_about(
    db: &mut Db<'_>,
    org: OrgId,
    kind: &str,
    subject_kind: &str,
    subject_id: i64,
    now: Timestamp,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE alerts SET status = 'resolved', resolved_at = $5, updated_at = $5
         WHERE org_id = $1 AND subject_kind = $3 AND subject_id = $4 AND kind = $2 AND status <> 'resolved'",
        params![org, kind, subject_kind, subject_id, now],
    )
}
