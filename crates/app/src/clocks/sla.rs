//! SLA clocks of requests: evaluated from the status history and the thread, kept in the
//! columns the queue sorts by, and alerted on by the `sla.check` job.

use jiff::Timestamp;
use rapport_core::absence::Absence;
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::engagement::Engagement;
use rapport_core::ids::{ClientId, EngagementId, MemberId, OrgId, RequestId};
use rapport_core::jobs::Job;
use rapport_core::request::{Request, Status};
use rapport_core::sla::{self, ClockKind, ClockStatus, SlaEvent, SlaState, SlaTransition};
use rapport_store::repo::clocks::{self as store, KeyedJob};
use rapport_store::repo::{alerts as store_alerts, requests};
use rapport_store::{Db, StoreError};
use serde::{Deserialize, Serialize};

use super::{Lookup, ceil_ms};
use crate::access::visible_request;
use crate::jobs::{JobFailure, JobKind};
use crate::{App, AppResult, Ctx};

/// The request's one clock check, at the next instant its clocks change on their own.
pub(crate) struct Check;

impl JobKind for Check {
    const KIND: &'static str = "sla.check";
    type Payload = CheckPayload;
}

pub const AT_RISK: &str = "sla.at_risk";
pub const BREACHED: &str = "sla.breached";

/// What just happened to a request, as far as its clocks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Created; by a contact it is also the client's first word.
    Created,
    /// Edited: the priority or the engagement (hence the policy) may have changed.
    Edited,
    /// Moved to its current status just now.
    Status,
    /// The client wrote.
    Inbound,
    /// We replied.
    Outbound,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CheckPayload {
    request_id: RequestId,
}

/// The request's one `sla.check` job: moved to `at`, queued, or (at `None`) removed.
fn check_job(
    db: &mut Db<'_>,
    org: OrgId,
    id: RequestId,
    at: Option<Timestamp>,
    now: Timestamp,
) -> AppResult<()> {
    with_check_job(id, |job| store::schedule(db, org, job, at, now))
}

fn with_check_job<T>(
    id: RequestId,
    f: impl FnOnce(&KeyedJob<'_>) -> Result<T, StoreError>,
) -> AppResult<T> {
    let payload = Check::encode(&CheckPayload { request_id: id })?;
    let key = format!("sla:{}", id.0);
    Ok(f(&KeyedJob {
        kind: Check::KIND,
        payload: &payload,
        dedupe_key: &key,
    })?)
}

/// Keep a request's clocks current after `change`, in the transaction that made it: record a
/// status change, store the queue's view of the clocks and schedule `sla.check` for the next
/// instant they change on their own (now, when a change is waiting to be alerted).
pub fn on_request_change(
    db: &mut Db<'_>,
    r: &Request,
    change: Change,
    now: Timestamp,
) -> AppResult<()> {
    let org = r.org_id;
    let mut lookup = Lookup::default();
    match change {
        Change::Status => {
            store::log_status(db, org, r.id, now, r.status)?;
            if !r.status.is_open() || r.status == Status::WaitingOnClient {
                // The client no longer waits on us.
                store::resolve_alerts_about(
                    db,
                    org,
                    super::silence::ALERT,
                    "request",
                    r.id.0,
                    now,
                )?;
            }
        }
        Change::Inbound | Change::Edited => {
            super::silence::check_in_time_for(db, &mut lookup, r, None, now)?
        }
        Change::Created if r.last_inbound_at.is_some() => {
            super::silence::check_in_time_for(db, &mut lookup, r, r.last_inbound_at, now)?
        }
        Change::Outbound => {
            store::resolve_alerts_about(db, org, super::silence::ALERT, "request", r.id.0, now)?;
        }
        Change::Created => {}
    }
    // A request just created has no history, no alerts and no job yet: intake is the hot path,
    // so it is spared the reads that would find nothing.
    let fresh = change == Change::Created;
    let (state, _) = if fresh {
        evaluate_events(db, &mut lookup, r, Vec::new(), now)?
    } else {
        evaluate(db, &mut lookup, r, now)?
    };
    store_summary(db, r, &state)?;
    let alerted = if fresh {
        SlaState::default()
    } else {
        store::alerted(db, org, r.id)?.unwrap_or_default()
    };
    let waiting = sla::transitions(&alerted, &state)
        .iter()
        .any(SlaTransition::is_alert);
    let at = if waiting {
        Some(now)
    } else {
        state.next_change_at(now).map(ceil_ms)
    };
    match (fresh, at) {
        (true, None) => Ok(()),
        // Nothing to move: one insert.
        (true, Some(at)) => with_check_job(r.id, |job| store::ensure(db, org, job, at, now)),
        (false, at) => check_job(db, org, r.id, at, now),
    }
}

/// The clocks of `r` at `now`, and the engagement whose policy they follow.
pub(crate) fn evaluate(
    db: &mut Db<'_>,
    lookup: &mut Lookup,
    r: &Request,
    now: Timestamp,
) -> AppResult<(SlaState, Option<Engagement>)> {
    let events = store::sla_events(db, r.org_id, r.id)?;
    evaluate_events(db, lookup, r, events, now)
}

/// [`evaluate`] over a history already read.
fn evaluate_events(
    db: &mut Db<'_>,
    lookup: &mut Lookup,
    r: &Request,
    mut events: Vec<SlaEvent>,
    now: Timestamp,
) -> AppResult<(SlaState, Option<Engagement>)> {
    let engagement = lookup.engagement(db, r.org_id, r.engagement_id)?;
    let calendar = lookup.calendar(db, r.org_id, r.client_id, r.engagement_id)?;
    let policy = engagement
        .as_ref()
        .map(Engagement::sla_policy_or_default)
        .unwrap_or_default();
    complete_history(&mut events, r);
    let state = sla::evaluate(&policy, &calendar, r.priority, r.created_at, &events, now);
    Ok((state, engagement))
}

/// Rows whose status changed on a path that kept no history (data older than the history,
/// seeded demos) still have a status: the clocks read it as reached when the row's own dates say
/// (delivered, closed), or when the row last changed.
fn complete_history(events: &mut Vec<SlaEvent>, r: &Request) {
    let logged = events
        .iter()
        .rev()
        .find_map(|e| match e {
            SlaEvent::Status { status, .. } => Some(*status),
            _ => None,
        })
        .unwrap_or(Status::New);
    if logged == r.status {
        return;
    }
    if r.status == Status::Closed
        && logged != Status::Delivered
        && let Some(at) = r.delivered_at
    {
        events.push(SlaEvent::Status {
            at,
            status: Status::Delivered,
        });
    }
    let at = match r.status {
        Status::Delivered => r.delivered_at,
        Status::Closed => r.closed_at,
        _ => None,
    }
    .unwrap_or(r.updated_at);
    events.push(SlaEvent::Status {
        at,
        status: r.status,
    });
}

/// Record the clocks of a request loaded in bulk (`rapport bench seed`): the same evaluation
/// and stored summary as a live change, from the row's own dates, without queueing a check
/// (historical rows have nothing left to alert).
pub(crate) fn seed_summary(
    db: &mut Db<'_>,
    lookup: &mut Lookup,
    r: &Request,
    now: Timestamp,
) -> AppResult<()> {
    let (state, _) = evaluate_events(db, lookup, r, Vec::new(), now)?;
    store_summary(db, r, &state)
}

/// The queue's view of the clocks: the earliest due instant among the clocks still running
/// (a breached clock that still runs is due in the past, so it sorts first), and the worst state.
pub fn summary(state: &SlaState) -> (Option<Timestamp>, ClockStatus) {
    let due = ClockKind::ALL
        .iter()
        .map(|&k| state.clock(k))
        .filter(|c| c.running)
        .filter_map(|c| c.due_at)
        .min();
    (due, state.worst())
}

fn store_summary(db: &mut Db<'_>, r: &Request, state: &SlaState) -> AppResult<()> {
    let (due, worst) = summary(state);
    store::set_sla(db, r.org_id, r.id, due, worst.as_str())?;
    Ok(())
}

/// Queue `sla.check` now for open requests whose clocks were never evaluated.
pub(crate) fn evaluate_unevaluated(db: &mut Db<'_>, org: OrgId, now: Timestamp) -> AppResult<()> {
    for id in store::unevaluated(db, org, 500)? {
        check_job(db, org, id, Some(now), now)?;
    }
    Ok(())
}

/// Queue `sla.check` now for the open requests of an engagement whose policy or calendar
/// changed.
pub(crate) fn recheck_engagement(
    db: &mut Db<'_>,
    org: OrgId,
    engagement: EngagementId,
    now: Timestamp,
) -> AppResult<()> {
    for id in store::open_of_engagement(db, org, engagement)? {
        check_job(db, org, id, Some(now), now)?;
    }
    Ok(())
}

/// Queue `sla.check` now for the open requests of a client whose calendar changed.
pub(crate) fn recheck_client(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    now: Timestamp,
) -> AppResult<()> {
    for id in store::open_of_client(db, org, client)? {
        check_job(db, org, id, Some(now), now)?;
    }
    Ok(())
}

fn clock_words(kind: ClockKind) -> &'static str {
    match kind {
        ClockKind::FirstResponse => "first response",
        ClockKind::NextResponse => "next response",
        ClockKind::Resolution => "resolution",
    }
}

/// The alert for one transition to at risk or breached. At risk goes to the assignee; a breach
/// escalates to the engagement's manager (the assignee when there is none). An assignee who is
/// away (`away`: the absence they are in) cannot act on either, so both go to the manager, or
/// to the whole team when there is none. `occurrence` names a breached wait that neither
/// reading shows.
fn transition_alert(
    r: &Request,
    state: &SlaState,
    t: &SlaTransition,
    manager: Option<MemberId>,
    away: Option<&Absence>,
    occurrence: u32,
) -> NewAlert {
    let assignee = if away.is_some() { None } else { r.assignee_id };
    let away_text = away
        .map(|a| format!("; the assignee is away until {}", a.ends_on))
        .unwrap_or_default();
    let clock = state.clock(t.clock);
    // A wait that began and ended between two readings is not the one the current state shows.
    let due = t.wait_started_at.and(clock.due_at);
    let words = clock_words(t.clock);
    let due_text = due.map(|d| format!(" (due {d})")).unwrap_or_default();
    let (kind, severity, recipient, message) = if t.to == ClockStatus::Breached {
        (
            BREACHED,
            Severity::Critical,
            manager.or(assignee),
            format!(
                "Request #{} \"{}\": {words} breached{due_text}{away_text}",
                r.id, r.title
            ),
        )
    } else {
        (
            AT_RISK,
            Severity::Warning,
            if away.is_some() {
                manager
            } else {
                r.assignee_id
            },
            format!(
                "Request #{} \"{}\": {words} at risk{due_text}{away_text}",
                r.id, r.title
            ),
        )
    };
    let escalated = t.to == ClockStatus::Breached || away.is_some();
    let wait = t.wait_started_at.map_or_else(
        || format!("b{occurrence}"),
        |w| w.as_millisecond().to_string(),
    );
    NewAlert {
        kind: kind.to_string(),
        severity,
        subject_kind: Some("request"),
        subject_id: Some(r.id.0),
        message,
        details: serde_json::json!({
            "request_id": r.id,
            "clock": t.clock,
            "from": t.from,
            "to": t.to,
            "wait_started_at": t.wait_started_at,
            "due_at": due,
            "target_minutes": clock.target_minutes,
            "assignee_id": r.assignee_id,
            "escalated_to": escalated.then_some(manager).flatten(),
            "assignee_away_until": away.map(|a| a.ends_on),
        }),
        recipient_id: recipient,
        dedupe_key: format!("{kind}:{}:{}:{wait}", r.id.0, t.clock.as_str()),
    }
}

/// The `sla.check` work for one request: alert each transition since the last check once, store
/// the clocks, and look again when they next change.
fn check(db: &mut Db<'_>, r: &Request, now: Timestamp) -> AppResult<()> {
    let org = r.org_id;
    let (state, engagement) = evaluate(db, &mut Lookup::default(), r, now)?;
    let previous = store::alerted(db, org, r.id)?.unwrap_or_default();
    let manager = engagement.as_ref().and_then(|e| e.manager_id);
    let mut unseen = 0;
    for t in sla::transitions(&previous, &state) {
        if t.is_alert() {
            if t.wait_started_at.is_none() {
                unseen += 1;
            }
            let occurrence = previous.clock(t.clock).breaches + unseen;
            // Read only when an alert is due: most checks raise none.
            let away = match r.assignee_id {
                Some(a) => super::absence::away_now(db, org, a, now)?,
                None => None,
            };
            let raised = crate::alerts::raise(
                db,
                org,
                &transition_alert(r, &state, &t, manager, away.as_ref(), occurrence),
                now,
            )?;
            if raised && t.to == ClockStatus::AtRisk {
                let due = t.wait_started_at.and(state.clock(t.clock).due_at);
                crate::notify::on_sla_at_risk(db, r, clock_words(t.clock), due, now)?;
                crate::events::emit(
                    db,
                    r,
                    rapport_core::rule::Event::SlaAtRisk,
                    &crate::events::Extra::default(),
                    &[],
                    now,
                )?;
            }
        }
        // Met or breached, the warning that it was at risk has done its work.
        if matches!(t.to, ClockStatus::Met | ClockStatus::Breached)
            && let Some(w) = t.wait_started_at
        {
            let key = format!(
                "{AT_RISK}:{}:{}:{}",
                r.id.0,
                t.clock.as_str(),
                w.as_millisecond()
            );
            store_alerts::resolve_key(db, org, &key, now)?;
        }
    }
    store::set_alerted(db, org, r.id, &state)?;
    store_summary(db, r, &state)?;
    check_job(db, org, r.id, state.next_change_at(now).map(ceil_ms), now)
}

/// A request with its SLA clocks, as the API shows one request.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestView {
    #[serde(flatten)]
    pub request: Request,
    /// Each clock at the time of asking.
    pub sla: SlaState,
    /// The earliest due instant among the running clocks.
    pub sla_due_at: Option<Timestamp>,
    /// The worst state among the clocks.
    pub sla_state: ClockStatus,
}

impl App {
    /// One request with its clocks evaluated now.
    pub async fn request_with_sla(&self, ctx: &Ctx, id: RequestId) -> AppResult<RequestView> {
        let p = ctx.principal;
        let now = self.now();
        self.store
            .read(move |db| -> AppResult<RequestView> {
                let request = visible_request(db, &p, id, false)?;
                let (sla, _) = evaluate(db, &mut Lookup::default(), &request, now)?;
                let (sla_due_at, sla_state) = summary(&sla);
                Ok(RequestView {
                    request,
                    sla,
                    sla_due_at,
                    sla_state,
                })
            })
            .await
    }

    pub(crate) async fn run_sla_check(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        let p = Check::decode(job)?;
        let org = job.org_id;
        self.finish_job_locked(
            job,
            worker,
            move |db| match requests::get_for_update(db, org, p.request_id) {
                Ok(r) => Ok(Some(r)),
                Err(StoreError::NotFound) => Ok(None),
                Err(e) => Err(e.into()),
            },
            move |db, now, r| match r {
                Some(r) => check(db, &r, now),
                None => Ok(()),
            },
        )
        .await
    }
}

/// Replay the `sla.check` job over the past of a request loaded with its history (the demo):
/// run it at each instant the clocks changed, by themselves or by a message or a status, up to
/// `now`, so each alert is raised at the time the live job would have raised it; then leave
/// the job scheduled for the next change, as live intake does.
pub(crate) fn replay(db: &mut Db<'_>, r: &Request, now: Timestamp) -> AppResult<()> {
    let mut events: Vec<Timestamp> = store::sla_events(db, r.org_id, r.id)?
        .iter()
        .map(SlaEvent::at)
        .collect();
    events.sort();
    let mut at = r.created_at;
    // A request changes a bounded number of times; the cap keeps a bad history from looping.
    for _ in 0..1_000 {
        if at >= now {
            break;
        }
        check(db, r, at)?;
        let (state, _) = evaluate(db, &mut Lookup::default(), r, at)?;
        let by_itself = state.next_change_at(at).map(ceil_ms);
        let by_event = events.iter().copied().find(|&t| t > at);
        match [by_itself, by_event].into_iter().flatten().min() {
            Some(next) if next > at => at = next,
            _ => break,
        }
    }
    check(db, r, now)
}
