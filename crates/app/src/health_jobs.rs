//! When a client's health is recomputed: the jobs that do it, queued from inside the write that
//! changed one of its inputs. A leaf, so that anything (alerts, ratings, scope, care) can ask for
//! a recompute without depending on how health is computed.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rapport_core::alert::NewAlert;
use rapport_core::ids::{ClientId, OrgId, PromiseId, RequestId};
use rapport_store::Db;
use rapport_store::repo::{promises, requests};
use serde::{Deserialize, Serialize};

use crate::jobs::{self, JobKind, Nothing};
use crate::{AppError, AppResult};

/// Recompute one client's health (one pending per client).
pub(crate) struct Recompute;

impl JobKind for Recompute {
    const KIND: &'static str = "health.recompute";
    type Payload = RecomputePayload;
}

/// The org's nightly snapshot of every client's health.
pub(crate) struct Daily;

impl JobKind for Daily {
    const KIND: &'static str = "health.daily";
    type Payload = Nothing;
}

/// Alert kinds (raised by the SLA clocks and silence checks) that change a client's health.
const HEALTH_ALERTS: [&str; 3] = ["sla.breached", "silence", "promise.broken"];

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RecomputePayload {
    pub(crate) client_id: ClientId,
}

/// Queue a recomputation of the client's health (one pending per client), and make sure the
/// org's daily snapshot is scheduled. Called from inside the write that changed something.
pub(crate) fn touch(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    now: Timestamp,
) -> AppResult<()> {
    let payload = RecomputePayload { client_id: client };
    let key = format!("health:{client}");
    jobs::queue::<Recompute>(db, org, &payload, now, Some(&key), now)?;
    schedule_daily(db, org, now)
}

/// The next daily snapshot: just after the next midnight UTC.
pub(crate) fn schedule_daily(db: &mut Db<'_>, org: OrgId, now: Timestamp) -> AppResult<()> {
    let today = TimeZone::UTC.to_datetime(now).date();
    let next = today
        .tomorrow()
        .and_then(|d| TimeZone::UTC.to_timestamp(d.at(0, 1, 0, 0)))
        .map_err(|e| AppError::internal("the next nightly health recompute", e))?;
    jobs::queue::<Daily>(db, org, &Nothing {}, next, Some("health:daily"), now)?;
    Ok(())
}

/// Hook for every raised alert: SLA breaches, silences and broken promises change the health
/// of the client they concern.
pub(crate) fn on_alert(db: &mut Db<'_>, org: OrgId, a: &NewAlert, now: Timestamp) -> AppResult<()> {
    if !HEALTH_ALERTS.contains(&a.kind.as_str()) {
        return Ok(());
    }
    let Some(id) = a.subject_id else {
        return Ok(());
    };
    let client = match a.subject_kind {
        Some("client") => Some(ClientId(id)),
        Some("request") => requests::get(db, org, RequestId(id))
            .ok()
            .map(|r| r.client_id),
        Some("promise") => promises::get(db, org, PromiseId(id))
            .ok()
            .map(|p| p.client_id),
        _ => None,
    };
    match client {
        Some(c) => touch(db, org, c, now),
        None => Ok(()),
    }
}
