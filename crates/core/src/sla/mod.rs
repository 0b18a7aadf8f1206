//! SLA clocks: first response, next response and resolution, counted in business minutes of the
//! client's calendar against the engagement's [`SlaPolicy`].
//!
//! [`evaluate`] reads a request's history ([`SlaEvent`]s) and says where each clock stands at
//! `now`; [`transitions`] compares two such readings so a job can alert each change once.
//!
//! The rules, in one place:
//! * First response and resolution start when the request is created. First response is met by
//!   our first reply; resolution by delivery (or closing, if it was never delivered).
//! * Next response starts, after our first reply, at the client's oldest unanswered message and is
//!   met by our next reply. Each such wait is measured on its own; the state shown is the latest.
//! * Every clock is paused while the request waits on the client and stopped while it is
//!   delivered or closed: business time then does not count. Reopened work resumes where its
//!   clocks stood (time spent delivered does not count against resolution).
//! * A clock is at risk once `at_risk_percent` of its target has run, and breached once it runs
//!   past its due instant or is met after it; a reply at the due instant is in time.
//! * The status is the only pause signal: when a client's message should end a wait on them, the
//!   caller records the status change (the mail layer does this on inbound mail).

mod clock;
mod policy;
mod timeline;
mod transition;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::business_time as bt;
use crate::calendar::Calendar;
use crate::request::{Priority, Status};

pub use clock::{ClockKind, ClockState, ClockStatus};
pub use policy::{
    DEFAULT_AT_RISK_PERCENT, MAX_TARGET_MINUTES, PriorityTargets, SlaPolicy, SlaTargets,
};
pub use timeline::SlaEvent;
pub use transition::{SlaTransition, transitions};

use clock::Wait;
use timeline::Timeline;

/// The three clocks of one request at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaState {
    pub first_response: ClockState,
    pub next_response: ClockState,
    pub resolution: ClockState,
}

impl Default for SlaState {
    /// Every clock not applicable: the "previous state" of a request never evaluated before.
    fn default() -> Self {
        SlaState {
            first_response: ClockState::not_applicable(),
            next_response: ClockState::not_applicable(),
            resolution: ClockState::not_applicable(),
        }
    }
}

impl SlaState {
    pub fn clock(&self, kind: ClockKind) -> &ClockState {
        match kind {
            ClockKind::FirstResponse => &self.first_response,
            ClockKind::NextResponse => &self.next_response,
            ClockKind::Resolution => &self.resolution,
        }
    }

    /// The worst state among the clocks (breached > at risk > ok > met > idle > not applicable),
    /// for list views and sorting.
    pub fn worst(&self) -> ClockStatus {
        let rank = |s: ClockStatus| match s {
            ClockStatus::NotApplicable => 0,
            ClockStatus::Idle => 1,
            ClockStatus::Met => 2,
            ClockStatus::Ok => 3,
            ClockStatus::AtRisk => 4,
            ClockStatus::Breached => 5,
        };
        ClockKind::ALL
            .iter()
            .map(|&k| self.clock(k).state)
            .max_by_key(|&s| rank(s))
            .unwrap_or(ClockStatus::NotApplicable)
    }

    /// The first instant after `now` at which a running clock changes state without any new
    /// event (reaches at risk, or breaches: one nanosecond after its due instant), so a job knows
    /// when to look again. `None` when nothing changes until something happens.
    pub fn next_change_at(&self, now: Timestamp) -> Option<Timestamp> {
        let just_after = |t: Option<Timestamp>| {
            t.and_then(|t| t.checked_add(jiff::SignedDuration::from_nanos(1)).ok())
        };
        ClockKind::ALL
            .iter()
            .map(|&k| self.clock(k))
            .filter(|c| c.running)
            .flat_map(|c| match c.state {
                ClockStatus::Ok => [c.at_risk_at, just_after(c.due_at)],
                ClockStatus::AtRisk => [just_after(c.due_at), None],
                _ => [None, None],
            })
            .flatten()
            .filter(|&t| t > now)
            .min()
    }
}

/// Where each clock of a request stands at `now`.
///
/// * `calendar`: the client's compiled business calendar.
/// * `created_at`: when the request was created; the first-response and resolution clocks start
///   here.
/// * `events`: status changes and client-facing messages (see [`SlaEvent`]); in any order.
/// * `now`: the instant to evaluate at; events after it are ignored.
///
/// Never fails: a deadline beyond the calendar's ten-year horizon is reported as `due_at: null`.
/// A validated policy's targets always fit for calendars with at least a few hours a week.
pub fn evaluate(
    policy: &SlaPolicy,
    calendar: &Calendar,
    priority: Priority,
    created_at: Timestamp,
    events: &[SlaEvent],
    now: Timestamp,
) -> SlaState {
    let now = now.max(created_at);
    let timeline = Timeline::build(created_at, events, now);
    let targets = policy.targets_for(priority);
    let percent = i128::from(policy.at_risk_percent);
    let wait = |start, stop| Wait {
        calendar,
        active: &timeline.active,
        active_now: timeline.active_now,
        start,
        stop,
        now,
    };
    let paused = timeline.status_now == Status::WaitingOnClient;
    let measure = |target: i64, start, stop| {
        let target_nanos = bt::minutes(target);
        let at_risk = target_nanos * percent / 100;
        let o = wait(start, stop).measure(target_nanos, at_risk);
        let state = if o.breached {
            ClockStatus::Breached
        } else if stop.is_some() {
            ClockStatus::Met
        } else if o.elapsed >= at_risk {
            ClockStatus::AtRisk
        } else {
            ClockStatus::Ok
        };
        ClockState {
            state,
            target_minutes: Some(target),
            started_at: Some(start),
            elapsed_business_minutes: bt::whole_minutes(o.elapsed),
            at_risk_at: o.at_risk_at,
            due_at: o.due_at,
            met_at: stop,
            running: o.running,
            paused: stop.is_none() && paused,
            breaches: u32::from(o.breached),
        }
    };

    let first_response = match targets.first_response_minutes {
        None => ClockState::not_applicable(),
        Some(target) => measure(target, created_at, timeline.first_reply),
    };
    let resolution = match targets.resolution_minutes {
        None => ClockState::not_applicable(),
        Some(target) => measure(target, created_at, timeline.resolved_at),
    };
    let next_response = match targets.next_response_minutes {
        None => ClockState::not_applicable(),
        Some(target) => {
            let mut earlier_breaches = 0;
            let mut last = None;
            for (i, cycle) in timeline.cycles.iter().enumerate() {
                let state = measure(target, cycle.start, cycle.answered);
                if i + 1 == timeline.cycles.len() {
                    last = Some(state);
                } else {
                    earlier_breaches += state.breaches;
                }
            }
            match last {
                Some(mut s) => {
                    s.breaches += earlier_breaches;
                    s
                }
                None => ClockState::idle(target, 0),
            }
        }
    };
    SlaState {
        first_response,
        next_response,
        resolution,
    }
}

#[cfg(test)]
mod tests;
