//! Silence: requests whose client has waited on us longer than their engagement allows, listed
//! longest wait first and alerted by the periodic `silence.check`; and proposals promised but not
//! sent by their date, which are alerted whatever the policy says.

use jiff::Timestamp;
use rapport_core::access::Permission;
use rapport_core::alert::{NewAlert, Severity};
use rapport_core::engagement::Engagement;
use rapport_core::ids::{ClientId, EngagementId, MemberId, OrgId, RequestId};
use rapport_core::jobs::Job;
use rapport_core::promise::Promise;
use rapport_core::request::{Request, Status};
use rapport_core::silence::{self, Silence, SilencePolicy};
use rapport_store::Db;
use rapport_store::repo::clocks::{self as store, KeyedJob};
use serde::Serialize;

use super::Lookup;
use crate::jobs::{JobFailure, JobKind, Nothing};
use crate::{App, AppError, AppResult, Ctx};

/// The org's periodic silence check (one live per org; its kind is its dedupe key).
pub(crate) struct Check;

impl JobKind for Check {
    const KIND: &'static str = "silence.check";
    type Payload = Nothing;
}

pub const ALERT: &str = "silence";
pub const PROPOSAL_OVERDUE: &str = "proposal.overdue";
pub const FOLLOW_UP: &str = "follow_up";

/// Queue the org's periodic check for `run_at` unless one is already queued or running.
pub(crate) fn ensure_check(
    db: &mut Db<'_>,
    org: OrgId,
    run_at: Timestamp,
    now: Timestamp,
) -> AppResult<()> {
    store::ensure(
        db,
        org,
        &KeyedJob {
            kind: Check::KIND,
            payload: &Check::encode(&Nothing {})?,
            dedupe_key: Check::KIND,
        },
        run_at,
        now,
    )?;
    Ok(())
}

/// The client has written on `r`, or its silence policy may have changed (a new engagement):
/// keep the org's check queued no later than the instant the client's wait could become
/// silence, so it is alerted in time even when the check's next round lies further ahead (a
/// clock set back). `filed` is the instant of a request just filed by the client, whose wait
/// needs no reading to find.
pub(crate) fn check_in_time_for(
    db: &mut Db<'_>,
    lookup: &mut Lookup,
    r: &Request,
    filed: Option<Timestamp>,
    now: Timestamp,
) -> AppResult<()> {
    let org = r.org_id;
    let since = match filed {
        Some(at) => Some(at),
        None => {
            let oldest = store::oldest_inbound_after(db, org, r.id, r.last_outbound_at)?;
            silence::waiting_since(r, oldest)
        }
    };
    let Some(since) = since else {
        return Ok(());
    };
    ensure_check(db, org, now, now)?;
    let policy = lookup
        .engagement(db, org, r.engagement_id)?
        .as_ref()
        .map(Engagement::silence_policy_or_default)
        .unwrap_or_default();
    let calendar = lookup.calendar(db, org, r.client_id, r.engagement_id)?;
    let due = silence::silent_from(&calendar, &policy, since).unwrap_or(now);
    store::bring_forward(db, org, Check::KIND, due, now)?;
    Ok(())
}

/// A request in silence, as the API lists it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SilentRequest {
    pub request_id: RequestId,
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    pub client_id: ClientId,
    pub engagement_id: Option<EngagementId>,
    pub assignee_id: Option<MemberId>,
    pub status: Status,
    /// The engagement's limit, in business minutes of the client's calendar.
    pub max_business_minutes: i64,
    #[serde(flatten)]
    pub silence: Silence,
}

/// Every request of the org (or of one client) in silence at `now`, longest wait first: each
/// request once, measured from the client's oldest unanswered word.
pub(crate) fn silences(
    db: &mut Db<'_>,
    org: OrgId,
    client: Option<ClientId>,
    now: Timestamp,
) -> AppResult<Vec<(Request, SilencePolicy, Silence)>> {
    let mut lookup = Lookup::default();
    let mut out = Vec::new();
    for r in store::silence_candidates(db, org, client)? {
        let policy = lookup
            .engagement(db, org, r.engagement_id)?
            .as_ref()
            .map(Engagement::silence_policy_or_default)
            .unwrap_or_default();
        let calendar = lookup.calendar(db, org, r.client_id, r.engagement_id)?;
        let oldest = store::oldest_inbound_after(db, org, r.id, r.last_outbound_at)?;
        if let Some(s) = silence::request_silence(now, &calendar, &policy, &r, oldest) {
            out.push((r, policy, s));
        }
    }
    out.sort_by(|a, b| {
        b.2.business_minutes_waiting
            .cmp(&a.2.business_minutes_waiting)
            .then(a.2.waiting_since.cmp(&b.2.waiting_since))
            .then(a.0.id.cmp(&b.0.id))
    });
    Ok(out)
}

fn hours(minutes: i64) -> String {
    if minutes % 60 == 0 {
        format!("{} h", minutes / 60)
    } else {
        format!("{} h {} min", minutes / 60, minutes % 60)
    }
}

fn silence_alert(r: &Request, policy: &SilencePolicy, s: &Silence) -> NewAlert {
    NewAlert {
        kind: ALERT.to_string(),
        severity: Severity::Warning,
        subject_kind: Some("request"),
        subject_id: Some(r.id.0),
        message: format!(
            "Request #{} \"{}\": the client has waited {} of business time for word from us (the limit is {})",
            r.id,
            r.title,
            hours(s.business_minutes_waiting),
            hours(policy.max_business_minutes)
        ),
        details: serde_json::json!({
            "request_id": r.id,
            "waiting_since": s.waiting_since,
            "silent_since": s.silent_since,
            "business_minutes_waiting": s.business_minutes_waiting,
            "max_business_minutes": policy.max_business_minutes,
        }),
        recipient_id: r.assignee_id,
        // One open silence alert per request: the wait is one, however often the client
        // chases; an answer resolves it, and a later wait raises a new one.
        dedupe_key: format!("{ALERT}:{}", r.id.0),
    }
}

/// Requests waiting on a client who has not answered for longer than their engagement's
/// follow-up setting (engagements without one never remind), each with its policy.
pub(crate) fn follow_ups(
    db: &mut Db<'_>,
    org: OrgId,
    now: Timestamp,
) -> AppResult<Vec<(Request, SilencePolicy, silence::FollowUp)>> {
    let mut lookup = Lookup::default();
    let mut out = Vec::new();
    for r in store::follow_up_candidates(db, org)? {
        let Some(policy) = lookup
            .engagement(db, org, r.engagement_id)?
            .as_ref()
            .map(Engagement::silence_policy_or_default)
            .filter(|p| p.follow_up_after_business_minutes.is_some())
        else {
            continue;
        };
        let calendar = lookup.calendar(db, org, r.client_id, r.engagement_id)?;
        if let Some(f) = silence::follow_up(now, &calendar, &policy, &r) {
            out.push((r, policy, f));
        }
    }
    Ok(out)
}

/// The reminder to the assignee (unassigned: to whoever reads the alerts) to follow up with a
/// client who has not answered: once per message of ours left unanswered.
fn follow_up_alert(r: &Request, policy: &SilencePolicy, f: &silence::FollowUp) -> NewAlert {
    let limit = policy.follow_up_after_business_minutes.unwrap_or_default();
    NewAlert {
        kind: FOLLOW_UP.to_string(),
        severity: Severity::Info,
        subject_kind: Some("request"),
        subject_id: Some(r.id.0),
        message: format!(
            "Request #{} \"{}\": the client has not answered for {} of their business time (follow up after {})",
            r.id,
            r.title,
            hours(f.business_minutes_waiting),
            hours(limit)
        ),
        details: serde_json::json!({
            "request_id": r.id,
            "asked_at": f.asked_at,
            "business_minutes_waiting": f.business_minutes_waiting,
            "follow_up_after_business_minutes": limit,
        }),
        recipient_id: r.assignee_id,
        dedupe_key: format!("{FOLLOW_UP}:{}:{}", r.id.0, f.asked_at.as_millisecond()),
    }
}

/// The alert for a proposal promised and not sent by its due date: always raised, once per
/// due date.
pub(crate) fn proposal_alert(p: &Promise) -> NewAlert {
    NewAlert {
        kind: PROPOSAL_OVERDUE.to_string(),
        severity: Severity::Critical,
        subject_kind: Some("promise"),
        subject_id: Some(p.id.0),
        message: format!(
            "Promise #{}: the proposal \"{}\" was due {} and has not been sent",
            p.id.0, p.description, p.due_at
        ),
        details: serde_json::json!({
            "promise_id": p.id,
            "client_id": p.client_id,
            "request_id": p.request_id,
            "due_at": p.due_at,
            "made_by": p.made_by,
        }),
        recipient_id: Some(p.made_by),
        dedupe_key: format!(
            "{PROPOSAL_OVERDUE}:{}:{}",
            p.id.0,
            p.due_at.as_millisecond()
        ),
    }
}

/// [`App::list_silence`] at `now`, inside the caller's snapshot.
pub(crate) fn list_silence_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    limit: Option<usize>,
    now: Timestamp,
) -> AppResult<Vec<SilentRequest>> {
    ctx.require(Permission::ReadOrgWork)?;
    let limit = crate::limit(limit)?;
    Ok(silences(db, ctx.org(), None, now)?
        .into_iter()
        .take(limit)
        .map(|(r, policy, silence)| SilentRequest {
            request_id: r.id,
            reference: r.reference,
            title: r.title,
            client_id: r.client_id,
            engagement_id: r.engagement_id,
            assignee_id: r.assignee_id,
            status: r.status,
            max_business_minutes: policy.max_business_minutes,
            silence,
        })
        .collect())
}

impl App {
    /// Requests whose client has waited longer than their engagement allows, longest wait
    /// first (members only).
    pub async fn list_silence(
        &self,
        ctx: &Ctx,
        limit: Option<usize>,
    ) -> AppResult<Vec<SilentRequest>> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .read(move |db| list_silence_in(db, &ctx, limit, now))
            .await
    }

    pub(crate) async fn run_silence_check(
        &self,
        job: &Job,
        worker: &str,
    ) -> Result<(), JobFailure> {
        let org = job.org_id;
        let every = self.settings.clocks.silence_every;
        self.finish_job(job, worker, move |db, now| {
            for (r, policy, s) in silences(db, org, None, now)? {
                crate::alerts::raise(db, org, &silence_alert(&r, &policy, &s), now)?;
            }
            for (r, policy, f) in follow_ups(db, org, now)? {
                crate::alerts::raise(db, org, &follow_up_alert(&r, &policy, &f), now)?;
            }
            for p in store::overdue_proposals(db, org, now)? {
                crate::alerts::raise(db, org, &proposal_alert(&p), now)?;
            }
            super::absence::check_org(db, org, now)?;
            super::sla::evaluate_unevaluated(db, org, now)?;
            let next = now
                .checked_add(every)
                .map_err(|e| AppError::internal("the next silence check", e))?;
            ensure_check(db, org, next, now)
        })
        .await
    }
}
