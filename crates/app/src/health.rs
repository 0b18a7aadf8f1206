//! Client health: gather the signals, let core score them, keep the score current (a
//! `health.recompute` job per client, queued by every change that matters) and one history row
//! per client per day (a `health.daily` job re-scores every client once a day).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rapport_core::access::Permission;
use rapport_core::client::Client;
use rapport_core::health::{self, AtRisk, Health, HealthInputs, HealthPoint, Reason};
use rapport_core::ids::{ClientId, OrgId};
use rapport_core::jobs::Job;
use rapport_store::Db;
use rapport_store::repo::health as store;
use rapport_store::repo::{care, clients, ratings};
use serde::Serialize;

pub(crate) use crate::health_jobs::touch;
use crate::health_jobs::{Recompute, schedule_daily};
use crate::jobs::{JobFailure, JobKind};
use crate::{App, AppError, AppResult, Ctx};

/// How far back broken promises, scope disputes and response times (by when the request was
/// filed) count.
const RECENT_DAYS: i64 = 90;
/// How far back SLA breaches count (by when each clock fell due).
const SLA_DAYS: i64 = 30;
/// Client ratings the average and trend are over.
const RATINGS_WINDOW: usize = 10;
/// Requests (answered, or open and waiting) the response time is averaged over.
const RESPONSE_SAMPLE: usize = 200;
/// Days of history returned with a client's health.
const TREND_DAYS: i64 = 90;
/// Reasons shown per client on the at-risk list.
const AT_RISK_REASONS: usize = 3;

/// A client's health now, with its daily history.
#[derive(Debug, Clone, Serialize)]
pub struct ClientHealth {
    pub client_id: ClientId,
    pub score: u8,
    pub reasons: Vec<Reason>,
    pub computed_at: Timestamp,
    /// One score per day, oldest first, over the last 90 days.
    pub trend: Vec<HealthPoint>,
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

fn before(now: Timestamp, d: SignedDuration) -> Timestamp {
    now.checked_sub(d).unwrap_or(Timestamp::MIN)
}

fn zone_of(client: &Client) -> TimeZone {
    client
        .calendar
        .compile()
        .map(|c| c.zone().clone())
        .unwrap_or(TimeZone::UTC)
}

/// Gather what the score is computed from, as things stood at `now`: every count reads only
/// what had happened by then, so a past day can be scored again (the demo's history does).
pub(crate) fn inputs(
    db: &mut Db<'_>,
    org: OrgId,
    client: &Client,
    now: Timestamp,
) -> AppResult<HealthInputs> {
    let id = client.id;
    let recent = before(now, days(RECENT_DAYS));
    let scores = ratings::client_scores(db, org, id, RATINGS_WINDOW, now)?;
    let (rating_average, rating_count, rating_trend) =
        health::rating_summary(&scores, RATINGS_WINDOW);
    let (broken, overdue) = store::promise_counts(db, org, id, recent, now)?;
    // Requests, not alerts: each request the client waits on past the limit counts once.
    let silences = crate::clocks::silence::silences(db, org, Some(id), now)?.len() as i64;
    let sla_since = before(now, days(SLA_DAYS));
    let sla = store::alerts_dated_since(db, org, id, crate::clocks::sla::BREACHED, sla_since)?
        .into_iter()
        .filter(|&due| due >= sla_since && due <= now)
        .count() as i64;
    let scope_disputes = store::scope_disputes(db, org, id, recent, now)?;
    let first_response_minutes = match client.calendar.compile() {
        Ok(cal) => {
            // A request still unanswered counts with its wait so far: leaving a client waiting
            // never scores better than answering them.
            let waits: Vec<i64> =
                store::first_responses(db, org, id, recent, now, RESPONSE_SAMPLE)?
                    .into_iter()
                    .map(|(filed, answered)| {
                        cal.business_minutes_between(filed, answered.unwrap_or(now).max(filed))
                            .max(0)
                    })
                    .collect();
            (!waits.is_empty()).then(|| waits.iter().sum::<i64>() / waits.len() as i64)
        }
        Err(_) => None,
    };
    let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    Ok(HealthInputs {
        rating_average,
        rating_count,
        rating_trend,
        open_complaints: count(care::open_complaints(db, org, id, now)?),
        broken_promises: count(broken),
        overdue_promises: count(overdue),
        silences: count(silences),
        sla_breaches: count(sla),
        scope_disputes: count(scope_disputes),
        first_response_minutes,
    })
}

/// Score the client now, and save it as current and as today's history row (in the
/// client's zone).
pub(crate) fn recompute(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    now: Timestamp,
) -> AppResult<Option<Health>> {
    let Ok(client) = clients::get(db, org, client) else {
        return Ok(None);
    };
    let h = health::score(&inputs(db, org, &client, now)?);
    let date: Date = zone_of(&client).to_datetime(now).date();
    store::save(db, org, client.id, &h, date, now)?;
    Ok(Some(h))
}

/// What a recompute found on its snapshot.
enum Scored {
    /// The score, and the day (in the client's zone) it stands for.
    Now(Health, Date),
    /// Scored less than the interval ago: not before this instant.
    Later(Timestamp),
    /// The client is gone.
    Gone,
}

fn scored(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
    now: Timestamp,
    every: SignedDuration,
) -> AppResult<Scored> {
    if every.is_positive()
        && let Some(last) = store::computed_at(db, org, client)?
        && let Ok(next) = last.checked_add(every)
        && next > now
    {
        return Ok(Scored::Later(next));
    }
    let Ok(client) = clients::get(db, org, client) else {
        return Ok(Scored::Gone);
    };
    let h = health::score(&inputs(db, org, &client, now)?);
    Ok(Scored::Now(h, zone_of(&client).to_datetime(now).date()))
}

/// [`App::client_health`] at `now`, inside the caller's snapshot.
pub(crate) fn client_health_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    id: ClientId,
    now: Timestamp,
) -> AppResult<ClientHealth> {
    ctx.require(Permission::ReadOrgWork)?;
    let org = ctx.org();
    let client = clients::get(db, org, id).map_err(|_| AppError::NotFound("client"))?;
    let h = health::score(&inputs(db, org, &client, now)?);
    let today = zone_of(&client).to_datetime(now).date();
    let from = today
        .checked_sub(SignedDuration::from_hours(24 * TREND_DAYS))
        .unwrap_or(today);
    Ok(ClientHealth {
        client_id: id,
        score: h.score,
        reasons: h.reasons,
        computed_at: now,
        trend: store::history(db, org, id, from)?,
    })
}

impl App {
    /// A client's health computed now, with the daily scores of the last 90 days.
    pub async fn client_health(&self, ctx: &Ctx, id: ClientId) -> AppResult<ClientHealth> {
        let ctx = ctx.clone();
        let now = self.now();
        self.store
            .read(move |db| client_health_in(db, &ctx, id, now))
            .await
    }

    /// Clients scoring below `below` (default 100: anything wrong at all), worst first, with
    /// their top three reasons, as last computed.
    pub async fn at_risk(
        &self,
        ctx: &Ctx,
        below: Option<i64>,
        limit: Option<usize>,
    ) -> AppResult<Vec<AtRisk>> {
        ctx.require(Permission::ReadOrgWork)?;
        let below = below.unwrap_or(100);
        if !(1..=100).contains(&below) {
            return Err(AppError::invalid(
                "below",
                format!("must be 1 to 100 (got {below})"),
            ));
        }
        let limit = crate::limit(limit)?;
        let org = ctx.org();
        self.store
            .read(move |db| Ok(store::at_risk(db, org, below, AT_RISK_REASONS, limit)?))
            .await
    }

    /// Every client's score as last recomputed, with its top reason, for the clients list:
    /// one read for the whole firm. A client never scored yet is absent.
    pub async fn health_scores(
        &self,
        ctx: &Ctx,
    ) -> AppResult<std::collections::HashMap<ClientId, AtRisk>> {
        ctx.require(Permission::ReadOrgWork)?;
        let org = ctx.org();
        self.store
            .read(move |db| {
                // Every score is below 101, so this is every scored client.
                let all = store::at_risk(db, org, 101, 1, rapport_store::repo::MAX_PAGE)?;
                Ok(all.into_iter().map(|a| (a.client_id, a)).collect())
            })
            .await
    }

    /// Score one client on a read snapshot, off the writer (on SQLite every write waits for
    /// the one before it), then save only the result. A change committed after the snapshot is
    /// not lost: a running recompute holds no dedupe key, so that change queues the next one.
    /// Recomputes of one client coalesce: one asked for sooner than `health_every` after the
    /// last waits until then.
    pub(crate) async fn run_health_recompute(
        &self,
        job: &Job,
        worker: &str,
    ) -> Result<(), JobFailure> {
        let p = Recompute::decode(job)?;
        let (org, client) = (job.org_id, p.client_id);
        let now = self.now();
        let every = self.settings.clocks.health_every;
        let scored = self
            .store
            .read(move |db| scored(db, org, client, now, every))
            .await?;
        match scored {
            Scored::Later(at) => self.postpone_job(job, worker, at).await,
            Scored::Gone => self.finish_job(job, worker, |_, _| Ok(())).await,
            Scored::Now(h, date) => {
                self.finish_job(job, worker, move |db, _| {
                    Ok(store::save(db, org, client, &h, date, now)?)
                })
                .await
            }
        }
    }

    /// Re-score every client of the org (a job each), then schedule tomorrow's run.
    pub(crate) async fn run_health_daily(&self, job: &Job, worker: &str) -> Result<(), JobFailure> {
        let org = job.org_id;
        self.finish_job(job, worker, move |db, now| {
            for client in store::client_ids(db, org)? {
                touch(db, org, client, now)?;
            }
            schedule_daily(db, org, now)
        })
        .await
    }
}
