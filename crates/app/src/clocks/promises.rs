//! The promise ledger's clock: margins in business minutes of the client's calendar, a warning
//! a while before a promise falls due, and breaking it when it does.

use jiff::{SignedDuration, Timestamp};
use rapport_core::access::Actor;
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::audit::AuditEntry;
use rapport_core::calendar::Calendar;
use rapport_core::ids::{OrgId, RequestId};
use rapport_core::jobs::Job;
use rapport_core::promise::{Promise, PromiseKind};
use rapport_store::repo::clocks::{self as store, KeyedJob};
use rapport_store::repo::{audit, promises, requests};
use rapport_store::{Db, StoreError};
use serde::{Deserialize, Serialize};

use super::{Lookup, after, ceil_ms};
use crate::jobs::{JobFailure, JobKind};
use crate::{App, AppError, AppResult};

/// A pending promise's check: its due-soon warning, then whether it was kept.
pub(crate) struct Check;

impl JobKind for Check {
    const KIND: &'static str = "promise.check";
    type Payload = CheckPayload;
}

pub const DUE_SOON: &str = "promise.due_soon";
pub const BROKEN: &str = "promise.broken";

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CheckPayload {
    promise_id: rapport_core::ids::PromiseId,
}

/// The calendar a promise's margin is counted in: the calendar of its request's engagement when
/// it has one, else the client's.
pub(crate) fn calendar_of(db: &mut Db<'_>, p: &Promise) -> AppResult<Calendar> {
    let engagement = match p.request_id {
        Some(r) => match requests::get(db, p.org_id, r) {
            Ok(r) => r.engagement_id,
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    Lookup::default().calendar(db, p.org_id, p.client_id, engagement)
}

/// Schedule the check of a pending promise (the due-soon warning first, when it is still
/// ahead); a settled promise has nothing left to check.
pub(crate) fn schedule_check(
    db: &mut Db<'_>,
    p: &Promise,
    due_soon: SignedDuration,
    now: Timestamp,
) -> AppResult<()> {
    let at = p
        .status
        .is_pending()
        .then(|| match p.due_at.checked_sub(due_soon) {
            Ok(soon) if soon > now => ceil_ms(soon),
            _ => after(p.due_at),
        });
    let payload = Check::encode(&CheckPayload { promise_id: p.id })?;
    let key = format!("promise:{}", p.id.0);
    store::schedule(
        db,
        p.org_id,
        &KeyedJob {
            kind: Check::KIND,
            payload: &payload,
            dedupe_key: &key,
        },
        at,
        now,
    )?;
    Ok(())
}

/// A promise was kept or broken: its due-soon warning is over and nothing is left to check.
pub(crate) fn settled(db: &mut Db<'_>, p: &Promise, now: Timestamp) -> AppResult<()> {
    store::resolve_alerts_about(db, p.org_id, DUE_SOON, "promise", p.id.0, now)?;
    schedule_check(db, p, SignedDuration::ZERO, now)
}

/// A promise's due date moved: the warning for the old date no longer applies, and the checks
/// follow the new one.
pub(crate) fn rescheduled(
    db: &mut Db<'_>,
    p: &Promise,
    due_soon: SignedDuration,
    now: Timestamp,
) -> AppResult<()> {
    store::resolve_alerts_about(db, p.org_id, DUE_SOON, "promise", p.id.0, now)?;
    schedule_check(db, p, due_soon, now)
}

fn due_soon_alert(p: &Promise) -> NewAlert {
    NewAlert {
        kind: DUE_SOON.to_string(),
        severity: Severity::Warning,
        subject_kind: Some("promise"),
        subject_id: Some(p.id.0),
        message: format!("Promise #{} ({}) is due {}", p.id.0, p.kind, p.due_at),
        details: serde_json::json!({"promise_id": p.id, "kind": p.kind, "due_at": p.due_at, "request_id": p.request_id}),
        recipient_id: Some(p.made_by),
        dedupe_key: format!("{DUE_SOON}:{}:{}", p.id.0, p.due_at.as_millisecond()),
    }
}

fn broken_alert(p: &Promise) -> NewAlert {
    NewAlert {
        kind: BROKEN.to_string(),
        severity: Severity::Critical,
        subject_kind: Some("promise"),
        subject_id: Some(p.id.0),
        message: format!(
            "Promise #{} ({}) was due {} and is broken",
            p.id.0, p.kind, p.due_at
        ),
        details: serde_json::json!({
            "promise_id": p.id, "kind": p.kind, "due_at": p.due_at, "broken_at": p.broken_at,
            "margin_minutes": p.margin_minutes, "request_id": p.request_id, "client_id": p.client_id,
        }),
        recipient_id: Some(p.made_by),
        dedupe_key: format!("{BROKEN}:{}", p.id.0),
    }
}

/// The `promise.check` work: past due, break it (margin in business minutes, alerts); within the
/// due-soon window, warn once; otherwise look again when the window opens.
fn check(
    db: &mut Db<'_>,
    mut p: Promise,
    due_soon: SignedDuration,
    now: Timestamp,
) -> AppResult<()> {
    if !p.status.is_pending() {
        return Ok(());
    }
    if p.is_overdue(now) {
        let calendar = calendar_of(db, &p)?;
        p.break_in(&calendar, now)
            .map_err(|e| AppError::internal("breaking an overdue promise", e))?;
        promises::update(db, &p)?;
        audit::record(
            db,
            p.org_id,
            now,
            None,
            &AuditEntry::new(Actor::System, "promise.break")
                .target("promise", p.id.0)
                .details(serde_json::json!({"automatic": true, "because": "due date passed", "margin_minutes": p.margin_minutes})),
        )?;
        if crate::alerts::raise(db, p.org_id, &broken_alert(&p), now)? {
            crate::notify::on_promise(db, &p, true, now)?;
        }
        if p.kind == PromiseKind::Proposal {
            crate::alerts::raise(db, p.org_id, &super::silence::proposal_alert(&p), now)?;
        }
        return settled(db, &p, now);
    }
    if p.due_at.checked_sub(due_soon).is_ok_and(|soon| soon <= now) {
        let raised = crate::alerts::raise(db, p.org_id, &due_soon_alert(&p), now)?;
        if raised {
            crate::notify::on_promise(db, &p, false, now)?;
        }
        if raised && let Some(rid) = p.request_id {
            let r = rapport_store::repo::requests::get(db, p.org_id, rid)?;
            crate::events::emit(
                db,
                &r,
                rapport_core::rule::Event::PromiseDueSoon,
                &crate::events::Extra::default(),
                &[],
                now,
            )?;
        }
    }
    schedule_check(db, &p, due_soon, now)
}

impl App {
    pub(crate) async fn run_promise_check(
        &self,
        job: &Job,
        worker: &str,
    ) -> Result<(), JobFailure> {
        let p = Check::decode(job)?;
        let org = job.org_id;
        let due_soon = self.settings.clocks.promise_due_soon;
        self.finish_job_locked(
            job,
            worker,
            move |db| match promises::get_for_update(db, org, p.promise_id) {
                Ok(p) => Ok(Some(p)),
                Err(StoreError::NotFound) => Ok(None),
                Err(e) => Err(e.into()),
            },
            move |db, now, p| match p {
                Some(p) => check(db, p, due_soon, now),
                None => Ok(()),
            },
        )
        .await
    }
}

/// Keep every pending promise of `kind` on a request: the reply or delivery that fulfils it
/// happened at `at` (a promise due before then is not kept: the promise check breaks it).
/// Audited as `by` (from `ip`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn keep_promises(
    db: &mut Db<'_>,
    org: OrgId,
    by: Actor,
    ip: Option<&str>,
    request: RequestId,
    kind: PromiseKind,
    at: Timestamp,
    because: &str,
) -> AppResult<()> {
    let mut calendar = None;
    for p in promises::pending_for_request(db, org, request)? {
        if p.kind != kind {
            continue;
        }
        // Locked before it is kept: the promise check may be breaking it at this moment.
        let mut p = promises::get_for_update(db, org, p.id)?;
        if calendar.is_none() {
            calendar = Some(calendar_of(db, &p)?);
        }
        let Some(cal) = &calendar else { continue };
        if p.keep_in(cal, at).is_ok() {
            promises::update(db, &p)?;
            settled(db, &p, at)?;
            rapport_store::repo::audit::record(
                db,
                org,
                at,
                ip,
                &AuditEntry::new(by, "promise.keep")
                    .target("promise", p.id.0)
                    .details(serde_json::json!({"automatic": true, "because": because, "margin_minutes": p.margin_minutes})),
            )?;
        }
    }
    Ok(())
}
