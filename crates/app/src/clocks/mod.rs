//! The time rules at work: SLA clocks on requests, the promise ledger's checks and figures,
//! silence, suggested dates and capacity. Core decides (`rapport_core::{sla, silence, capacity,
//! promise_stats}`); this module loads what it needs, records the outcome and schedules the jobs
//! that look again when time alone changes something.
//!
//! Whose calendar: a request's clocks, silence and promise margins run on the client's business
//! calendar, or on its engagement's calendar when the engagement has one; capacity and suggested
//! dates run on the member's own zone and working hours, less their holidays and absences.
//!
//! Jobs (each idempotent, effects committed with the job's completion):
//! * `sla.check` (one live job per request, key `sla:<id>`): re-evaluates the clocks, raises
//!   `sla.at_risk` and `sla.breached` once per transition, stores the columns the queue sorts by
//!   and schedules itself for the next instant a clock changes on its own.
//! * `promise.check` (key `promise:<id>`): `promise.due_soon` a configurable time before the due
//!   instant; at the due instant breaks a pending promise (`promise.broken`, and
//!   `proposal.overdue` for a proposal).
//! * `silence.check` (key `silence.check`, every [`ClockSettings::silence_every`] per org):
//!   `silence` alerts, `proposal.overdue` for any pending proposal past due, and evaluation of
//!   requests whose clocks were never computed (rows older than the SLA columns).
//!   It also raises `absence.work_due` for promises due while their assignee is away (`absence.rs`).

pub mod absence;
pub mod capacity;
pub mod ledger;
pub mod office;
pub mod promises;
pub mod silence;
pub mod sla;

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use rapport_core::calendar::{Calendar, CalendarSpec};
use rapport_core::client::Client;
use rapport_core::engagement::Engagement;
use rapport_core::ids::{ClientId, EngagementId, OrgId};
use rapport_store::Db;
use rapport_store::repo::{clients, engagements};

use crate::{App, AppError, AppResult};

/// Settings of the clock checks.
#[derive(Debug, Clone)]
pub struct ClockSettings {
    /// How long before a promise's due instant `promise.due_soon` is raised (wall-clock time).
    pub promise_due_soon: SignedDuration,
    /// How often each org's silence check runs.
    pub silence_every: SignedDuration,
    /// The safety margin added to suggested dates when the caller gives none.
    pub safety_margin_percent: u16,
    /// The estimate assumed for open work that has none, in minutes.
    pub default_estimate_minutes: i64,
    /// A client's health is recomputed at most once in this long: changes landing sooner wait
    /// for one recompute at the end of the interval. Zero recomputes on every change.
    pub health_every: SignedDuration,
}

impl Default for ClockSettings {
    fn default() -> Self {
        ClockSettings {
            promise_due_soon: SignedDuration::from_hours(4),
            silence_every: SignedDuration::from_mins(15),
            safety_margin_percent: rapport_core::capacity::DEFAULT_SAFETY_MARGIN_PERCENT,
            default_estimate_minutes: 60,
            health_every: SignedDuration::ZERO,
        }
    }
}

/// Compile a stored calendar. Stored specs were validated when written, so a failure here is a
/// fault of ours, reported with what failed.
pub(crate) fn compile(spec: &CalendarSpec, whose: &str) -> AppResult<Calendar> {
    spec.compile().map_err(|e| {
        AppError::internal(
            format!("the stored calendar of {whose} does not compile"),
            e,
        )
    })
}

/// The calendar a client's clocks run on under `engagement`: the engagement's own when it has
/// one, else the client's.
pub(crate) fn client_calendar(
    client: &Client,
    engagement: Option<&Engagement>,
) -> AppResult<Calendar> {
    match engagement.and_then(|e| e.calendar.as_ref()) {
        Some(spec) => compile(spec, "the engagement"),
        None => compile(&client.calendar, "the client"),
    }
}

pub(crate) use absence::member_calendar;

/// Clients, engagements and compiled calendars loaded once for a check that walks many rows.
#[derive(Default)]
pub(crate) struct Lookup {
    clients: HashMap<ClientId, Client>,
    engagements: HashMap<EngagementId, Option<Engagement>>,
    calendars: HashMap<(ClientId, Option<EngagementId>), Calendar>,
}

impl Lookup {
    pub fn engagement(
        &mut self,
        db: &mut Db<'_>,
        org: OrgId,
        id: Option<EngagementId>,
    ) -> AppResult<Option<Engagement>> {
        let Some(id) = id else { return Ok(None) };
        if let Some(e) = self.engagements.get(&id) {
            return Ok(e.clone());
        }
        let e = match engagements::get(db, org, id) {
            Ok(e) => Some(e),
            Err(rapport_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        self.engagements.insert(id, e.clone());
        Ok(e)
    }

    /// The calendar of `client` under `engagement` (see [`client_calendar`]).
    pub fn calendar(
        &mut self,
        db: &mut Db<'_>,
        org: OrgId,
        client: ClientId,
        engagement: Option<EngagementId>,
    ) -> AppResult<Calendar> {
        if let Some(c) = self.calendars.get(&(client, engagement)) {
            return Ok(c.clone());
        }
        let e = self.engagement(db, org, engagement)?;
        let c = match self.clients.entry(client) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(clients::get(db, org, client)?)
            }
        };
        let cal = client_calendar(c, e.as_ref())?;
        self.calendars.insert((client, engagement), cal.clone());
        Ok(cal)
    }
}

impl App {
    /// Keep the periodic checks of every org queued and evaluate requests whose clocks were
    /// never computed. Run when a worker starts; each job has one live copy whatever the number
    /// of workers.
    pub async fn start_clock_checks(&self) -> AppResult<()> {
        let now = self.now();
        let first = now
            .checked_add(self.settings.clocks.silence_every)
            .map_err(|e| AppError::internal("the first silence check", e))?;
        for org in self.orgs().await? {
            let id = org.id;
            self.store
                .write(move |db| -> AppResult<()> {
                    silence::ensure_check(db, id, first, now)?;
                    sla::evaluate_unevaluated(db, id, now)
                })
                .await?;
        }
        Ok(())
    }
}

/// The first whole millisecond at or after `t`: job times are stored in milliseconds, and a job
/// that must see `t` pass may run late but never early.
pub(crate) fn ceil_ms(t: Timestamp) -> Timestamp {
    let ns = t.as_nanosecond();
    let ms = ns.div_euclid(1_000_000) + i128::from(ns.rem_euclid(1_000_000) != 0);
    i64::try_from(ms)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .unwrap_or(t)
}

/// The first whole millisecond after `t`: when something due at `t` is past due.
pub(crate) fn after(t: Timestamp) -> Timestamp {
    ceil_ms(t.checked_add(SignedDuration::from_nanos(1)).unwrap_or(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_times_round_up_to_the_millisecond() {
        let t: Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
        assert_eq!(ceil_ms(t), t);
        assert_eq!(after(t).as_millisecond(), t.as_millisecond() + 1);
        let odd = t.checked_add(SignedDuration::from_nanos(1)).unwrap();
        assert_eq!(ceil_ms(odd).as_millisecond(), t.as_millisecond() + 1);
        let before: Timestamp = "1969-12-31T23:59:59.9999995Z".parse().unwrap();
        assert_eq!(ceil_ms(before).as_millisecond(), 0);
    }
}
